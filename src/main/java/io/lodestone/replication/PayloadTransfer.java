package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The RDB payload of a full sync (Redis's readSyncBulkPayload, the reading half): a {@code $<len>}
 * header and that many bytes, or a diskless {@code $EOF:<mark>} header and bytes up to the 40-byte
 * mark. It goes to a temp file beside {@code dbfilename} that replaces it when complete
 * (repl-diskless-load disabled, as Redis), or to memory (swapdb, on-empty-db with an empty data set).
 *
 * <p>One transfer at a time, owned by the command thread; {@link MasterLink} feeds it the link's bytes.
 */
final class PayloadTransfer {
    /** Length of a replid and of the {@code $EOF:} mark. */
    static final int MARK_LEN = 40;

    /** Where a {@link #read} left the transfer. */
    enum Progress {
        /** More bytes are needed. */
        NEED_MORE,
        /** Something was consumed: read again. */
        AGAIN,
        /** The transfer failed (logged). */
        FAILED,
        /** The whole payload is here: {@link #finish}. */
        COMPLETE
    }

    /** A received payload: an RDB image in memory, or the {@code dbfilename} it was written to. */
    record Payload(byte[] image, Path file) {
    }

    private final MasterLink.Host host;
    /** dir/dbfilename: where a disk-loaded payload ends up. */
    private final Supplier<Path> rdbPath;

    /** Whether the {@code $} header of the payload was read. */
    private boolean headerRead;
    /** The payload size ({@code $<len>}); with an {@link #eofMark}, 0 until the mark is seen. */
    private long size;
    private long read;
    private byte[] eofMark;
    private final byte[] lastBytes = new byte[MARK_LEN];
    private boolean diskless;
    private ByteSink memPayload;
    private FileChannel tempFile;
    private Path tempPath;

    PayloadTransfer(MasterLink.Host host, Supplier<Path> rdbPath) {
        this.host = host;
        this.rdbPath = rdbPath;
    }

    /** master_sync_total_bytes (-1 before the header, 0 for {@code $EOF:} until the end). */
    long size() {
        return size;
    }

    /** master_sync_read_bytes. */
    long read() {
        return read;
    }

    /** Whether the {@code $} header was read (the payload itself is coming). */
    boolean headerRead() {
        return headerRead;
    }

    /** Whether the payload goes to memory, not to the disk. */
    boolean diskless() {
        return diskless;
    }

    /** Whether the master sent it with an {@code $EOF:} mark (a diskless sync on its side). */
    boolean eofFramed() {
        return eofMark != null;
    }

    /**
     * A new transfer, to memory or to a temp file as {@code disklessLoad} (repl-diskless-load) says;
     * false (logged) when the temp file cannot be opened.
     */
    boolean start(String disklessLoad) {
        headerRead = false;
        size = -1;
        read = 0;
        eofMark = null;
        Arrays.fill(lastBytes, (byte) 0);
        diskless = "swapdb".equals(disklessLoad) || ("on-empty-db".equals(disklessLoad) && host.totalKeys() == 0);
        if (!diskless) {
            Path target = rdbPath.get();
            tempPath = target.resolveSibling("temp-" + System.currentTimeMillis() / 1000 + "." + Log.pid() + ".rdb");
            try {
                tempFile = FileChannel.open(tempPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                Log.warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + e.getMessage());
                tempPath = null;
                return false;
            }
        }
        return true;
    }

    /** Reads the header, then the payload's bytes, from {@code in}. */
    Progress read(ByteBuf in) {
        if (!headerRead) return readHeader(in);
        int n = in.readableBytes();
        if (eofMark == null) n = (int) Math.min(n, size - read);
        if (n > 0) {
            if (eofMark != null) updateLastBytes(in, n);
            if (!write(in, n)) return Progress.FAILED;
            read += n;
            if (eofMark != null && read >= MARK_LEN && Arrays.equals(lastBytes, eofMark)) size = read;
        }
        boolean done = eofMark != null ? size > 0 && read == size : read == size;
        return done ? Progress.COMPLETE : Progress.NEED_MORE;
    }

    private Progress readHeader(ByteBuf in) {
        String line = Handshake.readLine(in);
        if (line == null) return Progress.NEED_MORE;
        if (line.startsWith("-")) {
            Log.warning("MASTER aborted replication with an error: " + line.substring(1));
            return Progress.FAILED;
        }
        if (line.isEmpty()) return Progress.AGAIN; // keep-alive newline
        if (!line.startsWith("$")) {
            Log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '" + line
                    + "'), are you sure the host and port are right?");
            return Progress.FAILED;
        }
        String where = diskless ? "to parser" : "to disk";
        if (line.startsWith("$EOF:") && line.length() >= 5 + MARK_LEN) {
            eofMark = line.substring(5, 5 + MARK_LEN).getBytes(StandardCharsets.ISO_8859_1);
            size = 0;
            Log.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF " + where);
        } else {
            try {
                size = Long.parseLong(line.substring(1));
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 0 || (diskless && size > Integer.MAX_VALUE - 8)) {
                Log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '" + line
                        + "'), are you sure the host and port are right?");
                return Progress.FAILED;
            }
            Log.notice("MASTER <-> REPLICA sync: receiving " + size + " bytes from master " + where);
        }
        headerRead = true;
        if (diskless) memPayload = new ByteSink((int) Math.min(Math.max(size, 64 * 1024), 64 << 20));
        return Progress.AGAIN;
    }

    /** The newest {@value #MARK_LEN} bytes received, with the next {@code n} of {@code in} (not consumed). */
    private void updateLastBytes(ByteBuf in, int n) {
        int from = in.readerIndex();
        if (n >= MARK_LEN) {
            in.getBytes(from + n - MARK_LEN, lastBytes, 0, MARK_LEN);
        } else {
            System.arraycopy(lastBytes, n, lastBytes, 0, MARK_LEN - n);
            in.getBytes(from, lastBytes, MARK_LEN - n, n);
        }
    }

    /** Consumes {@code n} bytes of {@code in} into the payload: memory, or the temp file at its offset. */
    private boolean write(ByteBuf in, int n) {
        if (diskless) {
            byte[] chunk = new byte[n];
            in.readBytes(chunk);
            memPayload.put(chunk, 0, n);
            return true;
        }
        try {
            // Straight from the socket's buffer to the file, without a copy through the heap.
            long at = read;
            for (int left = n; left > 0; ) {
                int w = in.readBytes(tempFile, at, left);
                at += w;
                left -= w;
            }
            return true;
        } catch (IOException e) {
            Log.warning("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA"
                    + " synchronization: " + e.getMessage());
            return false;
        }
    }

    /**
     * The complete payload without its EOF mark: the image in memory, or the temp file synced and
     * renamed to {@code dbfilename} (after {@link MasterLink.Host#beforeDiskLoad}); null (logged) when
     * that fails.
     */
    Payload finish() {
        if (diskless) {
            int len = memPayload.len - (eofMark != null ? MARK_LEN : 0);
            byte[] image = memPayload.buf.length == len ? memPayload.buf : Arrays.copyOf(memPayload.buf, len);
            memPayload = null;
            return new Payload(image, null);
        }
        try {
            if (eofMark != null) tempFile.truncate(read - MARK_LEN);
            tempFile.force(true);
            tempFile.close();
        } catch (IOException e) {
            Log.warning("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: "
                    + e.getMessage());
            return null;
        }
        tempFile = null;
        host.beforeDiskLoad();
        Path target = rdbPath.get();
        try {
            Files.move(tempPath, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.warning("Failed trying to rename the temp DB into " + target.getFileName()
                    + " in MASTER <-> REPLICA synchronization: " + e.getMessage());
            return null;
        }
        tempPath = null;
        return new Payload(null, target);
    }

    /** Drops what was received: the memory, or the temp file. */
    void abort() {
        memPayload = null;
        if (tempFile != null) {
            try {
                tempFile.close();
            } catch (IOException ignored) {
                // being deleted anyway
            }
            tempFile = null;
        }
        if (tempPath != null) {
            try {
                Files.deleteIfExists(tempPath);
            } catch (IOException ignored) {
                // left for the next start
            }
            tempPath = null;
        }
    }
}
