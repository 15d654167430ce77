package io.lodestone.persistence;

import io.lodestone.store.Keyspace;
import io.lodestone.store.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs point-in-time snapshots of the keyspace (BGSAVE, AOF rewrite, replica full sync) without
 * stopping the server: Lodestone's answer to Redis's fork().
 *
 * <p>The command thread serializes: a {@link Snapshot} is walked in slices of {@value #SLICE_MICROS}
 * µs, each scheduled as a separate event-loop task so client I/O is served between slices, and
 * writes serialize the entries they are about to change first. Encoded bytes are cut into chunks
 * and handed to a dedicated I/O thread that checksums and writes them (file, sockets), so the
 * command thread never waits on a disk or a peer. When the writer falls behind by more than
 * {@value #HIGH_WATER} bytes the walk pauses; entries serialized by writes are always queued, so
 * memory is bounded by what is modified during the snapshot.
 *
 * <p>One snapshot at a time, as Redis has one child at a time. Owned by the command thread.
 */
public final class Snapshotter {
    static final int CHUNK = 64 * 1024;
    static final long HIGH_WATER = 16L * 1024 * 1024;
    static final long SLICE_MICROS = 100;

    private final Keyspace keyspace;
    private final ScheduledExecutorService loop;
    private Job current;
    private long nextId;
    /** Redis's stat_total_forks and stat_fork_time: each background snapshot is what a fork is in Redis. */
    private long totalForks;
    private long latestForkMicros;
    /**
     * Runs on the command thread after a job's own completion has run, when no other job took its place:
     * as Redis's serverCron starts a scheduled BGSAVE in the tick that reaps the child, so no client
     * sees the server idle with work scheduled.
     */
    private Runnable whenFree = () -> { };
    /**
     * Redis's hidden {@code rdb-key-save-delay} (µs per key), for tests that need a save to last: the
     * walk is throttled between slices, never by sleeping on the command thread.
     */
    public volatile long keySaveDelayMicros;

    /** @param loop the command thread's event loop: slices and completions run there */
    /** The live keyspace the snapshots are taken of. */
    public Keyspace keyspace() {
        return keyspace;
    }

    public Snapshotter(Keyspace keyspace, ScheduledExecutorService loop) {
        this.keyspace = keyspace;
        this.loop = loop;
    }

    public boolean inProgress() {
        return current != null;
    }

    /** The snapshot in progress, or null. */
    public Job current() {
        return current;
    }

    /**
     * Starts a background snapshot. {@code onDone} runs on the command thread when the output has
     * finished, failed or the job was aborted; {@link Job#error()} tells which.
     */
    public Job start(String purpose, SnapshotEncoder encoder, SnapshotOutput output, Consumer<Job> onDone) {
        if (current != null) throw new IllegalStateException("a snapshot is already in progress");
        long t0 = System.nanoTime();
        Job job = new Job(++nextId, purpose, encoder, output, onDone);
        current = job;
        job.begin();
        totalForks++;
        latestForkMicros = (System.nanoTime() - t0) / 1000;
        return job;
    }

    public void whenFree(Runnable task) {
        whenFree = task;
    }

    /** INFO total_forks: background snapshots started. */
    public long totalForks() {
        return totalForks;
    }

    /** INFO latest_fork_usec: how long starting the last one took (taking the snapshot, starting its child). */
    public long latestForkMicros() {
        return latestForkMicros;
    }

    /** CONFIG RESETSTAT. */
    public void resetStats() {
        totalForks = 0;
        latestForkMicros = 0;
    }

    /** Cancels the snapshot in progress, if any; its callback runs before this returns. */
    public void abort() {
        Job job = current;
        if (job != null) job.cancel();
    }

    /**
     * Writes a whole snapshot on the calling thread (SAVE, shutdown): nothing else runs meanwhile, so
     * no write can race the walk, and a background snapshot in progress is not disturbed.
     */
    public static void writeNow(Keyspace keyspace, SnapshotEncoder encoder, SnapshotOutput output) throws IOException {
        writeNow(keyspace, encoder, output, 0);
    }

    /** {@link #writeNow}, pausing {@code keySaveDelayMicros} after each key (rdb-key-save-delay, as Redis's rdbSave). */
    public static void writeNow(Keyspace keyspace, SnapshotEncoder encoder, SnapshotOutput output,
                                long keySaveDelayMicros) throws IOException {
        ByteSink sink = new ByteSink(CHUNK + 1024);
        Snapshot s = keyspace.synchronousSnapshot((db, e) -> {
            encoder.entry(sink, db, e);
            if (keySaveDelayMicros > 0) java.util.concurrent.locks.LockSupport.parkNanos(keySaveDelayMicros * 1000);
            if (sink.len >= CHUNK) {
                try {
                    output.write(sink.buf, 0, sink.len);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                sink.len = 0;
            }
        });
        try {
            encoder.begin(sink, s);
            s.advance(System.nanoTime() + Long.MAX_VALUE / 2);
            encoder.end(sink);
            output.write(sink.buf, 0, sink.len);
            output.finish();
        } catch (UncheckedIOException e) {
            s.abort();
            output.abort();
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            s.abort();
            output.abort();
            throw e;
        }
    }

    /** One background snapshot: the walk on the command thread, the writer on its own thread. */
    public final class Job {
        private static final byte[] END = new byte[0];
        private static final byte[] ABORT = new byte[0];

        private final long id;
        private final String purpose;
        private final SnapshotEncoder encoder;
        private final SnapshotOutput output;
        private final Consumer<Job> onDone;
        private final long startMs = System.currentTimeMillis();
        private final long startNanos = System.nanoTime();
        private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        private final AtomicLong queued = new AtomicLong();
        private final AtomicLong written = new AtomicLong();
        private Snapshot snapshot;
        private ByteSink sink = new ByteSink(CHUNK + 1024);
        private boolean walking;
        private long earlyBytes;
        private long durationNanos = -1;
        private volatile String ioError;
        private volatile int childSignal;
        private String error;
        private boolean finished;
        private long keysTotal;

        private Job(long id, String purpose, SnapshotEncoder encoder, SnapshotOutput output, Consumer<Job> onDone) {
            this.id = id;
            this.purpose = purpose;
            this.encoder = encoder;
            this.output = output;
            this.onDone = onDone;
        }

        private void begin() {
            keysTotal = keyspace.totalKeys();
            snapshot = keyspace.startSnapshot(this::visit);
            encoder.begin(sink, snapshot);
            Process child = output.child();
            if (child != null) child.onExit().thenAccept(p -> loop.execute(() -> childExited(p.exitValue())));
            Thread writer = new Thread(this::writeLoop, "lodestone-snapshot-" + id);
            writer.setDaemon(true);
            writer.start();
            loop.schedule(this::step, 0, TimeUnit.NANOSECONDS);
        }

        private void visit(int db, io.lodestone.store.KeyEntry e) {
            int before = sink.len;
            encoder.entry(sink, db, e);
            if (!walking) earlyBytes += sink.len - before;
            if (sink.len >= CHUNK) handOff();
        }

        private void handOff() {
            if (sink.len == 0) return;
            queued.addAndGet(sink.len);
            queue.add(new Chunk(sink.buf, sink.len));
            sink = new ByteSink(CHUNK + 1024);
        }

        /** One slice of the walk, scheduled so that I/O is served between slices. */
        private void step() {
            if (finished || snapshot.done()) return;
            if (ioError != null) {
                snapshot.abort();
                return; // the writer reports the failure
            }
            if (queued.get() > HIGH_WATER) {
                loop.schedule(this::step, 1, TimeUnit.MILLISECONDS);
                return;
            }
            long delay = keySaveDelayMicros;
            long keysBefore = snapshot.visited();
            walking = true;
            boolean done;
            try {
                done = snapshot.advance(System.nanoTime() + (delay > 0 ? 0 : SLICE_MICROS * 1000));
            } finally {
                walking = false;
            }
            long pause = delay > 0 ? delay * (snapshot.visited() - keysBefore) : 0;
            if (!done) {
                loop.schedule(this::step, pause, TimeUnit.MICROSECONDS);
            } else if (pause > 0) {
                // The last keys are held too, as Redis's delay after each key holds its child's last key.
                loop.schedule(this::end, pause, TimeUnit.MICROSECONDS);
            } else {
                end();
            }
        }

        /** The walk is over: the encoder's end, then the writer finishes the output. */
        private void end() {
            if (finished || ioError != null) return; // cancelled meanwhile, or the writer reports its failure
            encoder.end(sink);
            handOff();
            queue.add(new Chunk(END, 0));
        }

        private void writeLoop() {
            String failure = null;
            try {
                while (true) {
                    Chunk c = queue.take();
                    if (c.bytes == ABORT) {
                        output.abort();
                        return;
                    }
                    if (c.bytes == END) {
                        output.finish();
                        break;
                    }
                    output.write(c.bytes, 0, c.len);
                    written.addAndGet(c.len);
                    queued.addAndGet(-c.len);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof ChildFileOutput.ChildExited ce) childSignal = ce.signal;
                failure = e.getMessage() == null ? e.toString() : e.getMessage();
                ioError = failure;
                output.abort();
            } catch (InterruptedException e) {
                failure = "interrupted";
                output.abort();
            }
            String f = failure;
            loop.execute(() -> complete(f));
        }

        private void complete(String failure) {
            if (finished) return;
            finished = true;
            error = failure;
            durationNanos = System.nanoTime() - startNanos;
            if (!snapshot.done()) snapshot.abort();
            queue.clear();
            if (current == this) current = null;
            onDone.accept(this);
            if (current == null) whenFree.run();
        }

        private void cancel() {
            stop("aborted");
        }

        private void stop(String why) {
            if (finished) return;
            killChild();
            snapshot.abort();
            complete(why);
            queue.add(new Chunk(ABORT, 0)); // after complete() cleared the queue: the writer cleans up and ends
        }

        /** As Redis's killRDBChild/killAppendOnlyChild: the child is gone when the job has ended. */
        private void killChild() {
            Process child = output.child();
            if (child == null || !child.isAlive()) return;
            child.destroyForcibly();
            try {
                child.waitFor(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * The child writing the output ended. Exiting with 0 is its part of a normal finish, which the
         * writer reports; anything else before the job ended (a kill) fails the job at once, even while
         * the walk is idle, as Redis learns of its child's death from wait3().
         */
        private void childExited(int status) {
            if (finished || status == 0) return;
            ChildFileOutput.ChildExited e = new ChildFileOutput.ChildExited(status);
            childSignal = e.signal;
            stop(e.getMessage());
        }

        /** "rdb", "aof-rewrite", "replication": what the snapshot is for. */
        public String purpose() {
            return purpose;
        }

        /** Null when the output finished; otherwise why the snapshot failed ("aborted" when cancelled). */
        public String error() {
            return error;
        }

        public boolean aborted() {
            return "aborted".equals(error);
        }

        /** The signal that killed the job's child process (Redis's bysignal), 0 if none did. */
        public int childSignal() {
            return childSignal;
        }

        /** The pid of the child writing the output, or this process's when there is none. */
        public long childPid() {
            Process child = output.child();
            return child != null ? child.pid() : ProcessHandle.current().pid();
        }

        /** Keys in the data set when the snapshot was taken (INFO current_save_keys_total). */
        public long keysTotal() {
            return keysTotal;
        }

        /** Unix ms when the snapshot was taken. */
        public long startMs() {
            return startMs;
        }

        /** How long the job took, once it has ended; -1 before. */
        public long durationNanos() {
            return durationNanos;
        }

        /** Seconds the job has been running (INFO rdb_current_bgsave_time_sec). */
        public long elapsedSeconds() {
            return (System.nanoTime() - startNanos) / 1_000_000_000L;
        }

        /** Bytes handed to the output so far (not counting the checksum footer). */
        public long bytesWritten() {
            return written.get();
        }

        /** Entries serialized ahead of the walk because a write was about to change them. */
        public long earlyBytes() {
            return earlyBytes;
        }

        /** Keys in the snapshot so far. */
        public long keys() {
            return snapshot.visited();
        }
    }

    private record Chunk(byte[] bytes, int len) {
    }
}
