package io.lodestone.persistence.aof;

import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The write side of the AOF (Redis's feedAppendOnlyFile and flushAppendOnlyFile), used on the
 * command thread only, except for the fsync thread it owns.
 *
 * <p>{@link #feed} appends a command as RESP to an in-memory buffer, preceded by {@code SELECT} when
 * the database differs from the last one written. {@link #flush} writes the buffer to the current
 * INCR file; the server calls it before any reply leaves (so nothing is acknowledged before it is in
 * the file) and from cron. With {@code appendfsync always} the flush fsyncs before returning; with
 * {@code everysec} a background thread fsyncs about once a second (and a write waits up to two
 * seconds for a slow fsync, as Redis's does); with {@code no} the kernel decides.
 */
public final class AofWriter {
    public static final int FSYNC_NO = 0, FSYNC_ALWAYS = 1, FSYNC_EVERYSEC = 2;

    private byte[] buf = new byte[4096];
    private int len;
    /** The database of the last command written; -1 forces a SELECT (after a rewrite or reopen). */
    private int selectedDb = -1;
    private FileChannel fd;

    public int fsyncPolicy = FSYNC_EVERYSEC;
    public boolean timestampEnabled;
    public boolean noFsyncOnRewrite;
    /** DEBUG AOF-FLUSH-SLEEP (Redis's aof_flush_sleep): µs slept before each write of a non-empty buffer, for tests. */
    public long flushSleepMicros;
    /** Whether a background save or rewrite is running (no-appendfsync-on-rewrite). */
    public java.util.function.BooleanSupplier childActive = () -> false;

    /** aof_current_size, aof_last_incr_size, aof_fsync_offset, aof_last_fsync. */
    long currentSize;
    long lastIncrSize;
    long fsyncOffset;
    long lastFsyncSec;
    private long curTimestamp;
    private long flushPostponedStart;
    long delayedFsync;
    boolean lastWriteOk = true;
    /** Told when the write status flips (writes are refused with MISCONF while it is bad). */
    String lastWriteError = "";
    private long lastWriteErrorLog;

    private final AtomicInteger pendingFsyncs = new AtomicInteger();
    private ExecutorService fsyncThread;

    /** Appends {@code argv} for database {@code db} to the buffer (feedAppendOnlyFile). */
    public void feed(int db, byte[][] argv, int argc) {
        if (timestampEnabled) {
            long now = System.currentTimeMillis() / 1000;
            if (curTimestamp < now) {
                curTimestamp = now;
                ascii("#TS:" + now + "\r\n");
            }
        }
        if (db != selectedDb) {
            String n = Integer.toString(db);
            ascii("*2\r\n$6\r\nSELECT\r\n$" + n.length() + "\r\n" + n + "\r\n");
            selectedDb = db;
        }
        appendCommand(argv, argc);
    }

    private void appendCommand(byte[][] argv, int argc) {
        header('*', argc);
        for (int i = 0; i < argc; i++) {
            byte[] a = argv[i];
            header('$', a.length);
            ensure(a.length + 2);
            System.arraycopy(a, 0, buf, len, a.length);
            len += a.length;
            buf[len++] = '\r';
            buf[len++] = '\n';
        }
    }

    private void header(char type, long n) {
        ensure(24);
        buf[len++] = (byte) type;
        if (n == 0) {
            buf[len++] = '0';
        } else {
            int start = len;
            for (long v = n; v > 0; v /= 10) buf[len++] = (byte) ('0' + v % 10);
            for (int i = start, j = len - 1; i < j; i++, j--) {
                byte t = buf[i];
                buf[i] = buf[j];
                buf[j] = t;
            }
        }
        buf[len++] = '\r';
        buf[len++] = '\n';
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    /** Bytes waiting in the buffer (INFO aof_buffer_length). */
    public int bufferLength() {
        return len;
    }

    public boolean hasPending() {
        return len > 0;
    }

    /** The next command written is preceded by SELECT (a new file, or after a rewrite). */
    public void forceSelect() {
        selectedDb = -1;
    }

    /** Drops what was buffered (AOF turned off, or a failed initial rewrite). */
    public void discardBuffer() {
        len = 0;
        if (buf.length > 64 * 1024) buf = new byte[4096];
    }

    FileChannel channel() {
        return fd;
    }

    /**
     * Switches to a new INCR file (openNewIncrAofForAppend): the previous one is fsynced and closed
     * in the background. The caller flushed the buffer first.
     */
    void switchTo(FileChannel next) {
        if (fd != null) {
            FileChannel old = fd;
            fsyncExecutor().execute(() -> {
                try {
                    old.force(false);
                } catch (IOException e) {
                    Log.warning("Fail to fsync the AOF file: " + e.getMessage());
                }
                try {
                    old.close();
                } catch (IOException ignored) {
                    // closing after a successful fsync cannot lose data
                }
            });
            fsyncOffset = currentSize;
            lastFsyncSec = nowSec();
        }
        fd = next;
        lastIncrSize = 0;
    }

    /** Opens the file to append to at start-up (the size of what it already holds is known). */
    void open(FileChannel channel, long existingSize) {
        fd = channel;
        lastIncrSize = existingSize;
    }

    /** Flushes, fsyncs and closes the current file (stopAppendOnly, shutdown). */
    void closeSynced() {
        flush(true);
        if (fd == null) return;
        try {
            fd.force(false);
            fsyncOffset = currentSize;
            lastFsyncSec = nowSec();
        } catch (IOException e) {
            Log.warning("Fail to fsync the AOF file: " + e.getMessage());
        }
        try {
            fd.close();
        } catch (IOException ignored) {
            // synced above
        }
        fd = null;
        selectedDb = -1;
    }

    /** fsyncs the current file now (shutdown: "Calling fsync() on the AOF file."). */
    void fsyncNow() throws IOException {
        if (fd != null) fd.force(false);
        fsyncOffset = currentSize;
        lastFsyncSec = nowSec();
    }

    public int pendingFsyncs() {
        return pendingFsyncs.get();
    }

    private boolean fsyncInProgress() {
        return pendingFsyncs.get() != 0;
    }

    private synchronized ExecutorService fsyncExecutor() {
        if (fsyncThread == null) {
            fsyncThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "aof-fsync");
                t.setDaemon(true);
                return t;
            });
        }
        return fsyncThread;
    }

    /** Waits for queued background fsyncs and closes (shutdown, appendfsync changed to always). */
    void drainFsyncs() {
        ExecutorService ex;
        synchronized (this) {
            ex = fsyncThread;
        }
        if (ex == null) return;
        try {
            ex.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.warning("Timed out waiting for the AOF fsync thread: " + e);
        }
    }

    private void backgroundFsync(FileChannel ch) {
        pendingFsyncs.incrementAndGet();
        fsyncExecutor().execute(() -> {
            try {
                ch.force(false);
            } catch (IOException e) {
                Log.warning("Fail to fsync the AOF file: " + e.getMessage());
            } finally {
                pendingFsyncs.decrementAndGet();
            }
        });
    }

    /** usleep on the command thread, as Redis's flushAppendOnlyFile does for aof_flush_sleep. */
    private static void sleepMicros(long micros) {
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long nowSec() {
        return System.currentTimeMillis() / 1000;
    }

    /**
     * Writes the buffer to the file (flushAppendOnlyFile). Without {@code force}, under
     * {@code everysec} a write may be postponed (up to two seconds) while a background fsync runs.
     * A write error with {@code always} ends the process, as in Redis: the clients' replies cannot
     * be taken back. Otherwise the data stays buffered and writes are refused until a flush works.
     */
    public void flush(boolean force) {
        if (fd == null) return;
        long now = nowSec();
        boolean syncInProgress = false;
        if (len == 0) {
            // Under everysec an idle server still gets its last writes fsynced within a second or so.
            if (fsyncPolicy == FSYNC_EVERYSEC && fsyncOffset != currentSize && now > lastFsyncSec
                    && !fsyncInProgress()) {
                tryFsync(now, false);
            }
            return;
        }
        if (fsyncPolicy == FSYNC_EVERYSEC) syncInProgress = fsyncInProgress();
        if (fsyncPolicy == FSYNC_EVERYSEC && !force && syncInProgress) {
            if (flushPostponedStart == 0) {
                flushPostponedStart = now;
                return;
            } else if (now - flushPostponedStart < 2) {
                return;
            }
            delayedFsync++;
            Log.notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without"
                    + " waiting for fsync to complete, this may slow down Redis.");
        }
        if (flushSleepMicros > 0) sleepMicros(flushSleepMicros);
        long written = 0;
        IOException error = null;
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
            while (bb.hasRemaining()) written += fd.write(bb);
        } catch (IOException e) {
            error = e;
        }
        flushPostponedStart = 0;
        if (error != null) {
            boolean canLog = now - lastWriteErrorLog > 30;
            if (canLog) lastWriteErrorLog = now;
            if (written == 0) {
                if (canLog) Log.warning("Error writing to the AOF file: " + error.getMessage());
            } else {
                if (canLog) {
                    Log.warning("Short write while writing to the AOF file: (nwritten=" + written + ", expected=" + len + ")");
                }
                try {
                    fd.truncate(lastIncrSize);
                    written = 0;
                } catch (IOException e) {
                    if (canLog) {
                        Log.warning("Could not remove short write from the append-only file.  Redis may refuse to load"
                                + " the AOF the next time it starts.  ftruncate: " + e.getMessage());
                    }
                }
            }
            lastWriteError = error.getMessage() == null ? error.toString() : error.getMessage();
            if (fsyncPolicy == FSYNC_ALWAYS) {
                Log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                Runtime.getRuntime().halt(1);
            }
            lastWriteOk = false;
            if (written > 0) {
                currentSize += written;
                lastIncrSize += written;
                System.arraycopy(buf, (int) written, buf, 0, len - (int) written);
                len -= (int) written;
            }
            return;
        }
        if (!lastWriteOk) {
            Log.warning("AOF write error looks solved, Redis can write again.");
            lastWriteOk = true;
        }
        currentSize += written;
        lastIncrSize += written;
        discardBuffer();
        tryFsync(now, syncInProgress);
    }

    private void tryFsync(long now, boolean syncInProgress) {
        if (noFsyncOnRewrite && childActive.getAsBoolean()) return;
        if (fsyncPolicy == FSYNC_ALWAYS) {
            try {
                fd.force(false);
            } catch (IOException e) {
                Log.warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': "
                        + e.getMessage() + ". Exiting...");
                Runtime.getRuntime().halt(1);
            }
            fsyncOffset = currentSize;
            lastFsyncSec = now;
        } else if (fsyncPolicy == FSYNC_EVERYSEC && now > lastFsyncSec) {
            if (!syncInProgress) {
                backgroundFsync(fd);
                fsyncOffset = currentSize;
            }
            lastFsyncSec = now;
        }
    }

    /** Whether the last write failed (writes are refused with MISCONF until a flush succeeds). */
    public boolean lastWriteFailed() {
        return !lastWriteOk;
    }

    void resetWriteError() {
        lastWriteOk = true;
    }
}
