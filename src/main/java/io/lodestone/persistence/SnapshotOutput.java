package io.lodestone.persistence;

import java.io.IOException;

/**
 * Where a snapshot's bytes go: a file, or replicas' sockets. Called on the snapshot's own I/O thread,
 * never on the command thread, in order: {@link #write} for each chunk, then {@link #finish} once,
 * or {@link #abort} (after a failure or a cancel) instead.
 */
public interface SnapshotOutput {
    void write(byte[] b, int off, int len) throws IOException;

    /** Every byte has been written: make it durable or visible (fsync and rename a file). */
    void finish() throws IOException;

    /** The snapshot failed or was cancelled: clean up (delete a temp file). Must not throw. */
    void abort();

    /** The child process writing this output (Redis's fork child), or null when this process writes it. */
    default Process child() {
        return null;
    }
}
