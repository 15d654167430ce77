package io.lodestone.persistence.aof;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Produces the new BASE file of a background rewrite (what Redis's forked child does): the dataset as
 * of the instant {@link #start} is called, written to a temporary file without blocking the command
 * thread.
 */
public interface BaseWriter {
    /** How a rewrite's child ended (Redis's exitcode and bysignal): written, or failed, or killed. */
    record Outcome(boolean ok, int bySignal) {
    }

    /** Whether another background job (a BGSAVE) holds the snapshot, so a rewrite must wait. */
    boolean busy();

    /**
     * Starts writing the dataset as of now to a temporary file in {@code dir} (see {@link #tempBase}),
     * as an RDB image (with the aof-base aux field) when {@code rdb}, else as commands. {@code done}
     * later runs on the command thread with the outcome. Returns null when started, else the reason it
     * could not start.
     */
    String start(Path dir, boolean rdb, Consumer<Outcome> done);

    /** The complete base of the write in progress: Redis's {@code temp-rewriteaof-bg-<child pid>.aof}. */
    Path tempBase();

    /** The pid of the process writing the base (the rewrite's child), for the log. */
    long childPid();

    /** Stops a write in progress; {@code done} is not called. */
    void cancel();
}
