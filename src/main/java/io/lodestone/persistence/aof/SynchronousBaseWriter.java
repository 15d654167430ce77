package io.lodestone.persistence.aof;

import io.lodestone.store.Keyspace;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A {@link BaseWriter} that writes the base at once on the command thread (the dataset is frozen
 * because nothing else runs) and reports completion as a separate task, as a finished child would.
 * Correct but blocking; the snapshot-based writer replaces it for large datasets.
 */
public final class SynchronousBaseWriter implements BaseWriter {
    private final AppendOnlyFile aof;
    private final Keyspace keyspace;
    private final Executor commandThread;
    private boolean cancelled;

    public SynchronousBaseWriter(AppendOnlyFile aof, Keyspace keyspace, Executor commandThread) {
        this.aof = aof;
        this.keyspace = keyspace;
        this.commandThread = commandThread;
    }

    @Override
    public boolean busy() {
        return false;
    }

    @Override
    public String start(Path temp, boolean rdb, Consumer<Boolean> done) {
        cancelled = false;
        boolean ok;
        try {
            aof.writeBase(keyspace, temp, rdb, System.currentTimeMillis() / 1000);
            Log.notice("Successfully created the temporary AOF base file " + temp.getFileName());
            ok = true;
        } catch (IOException | RuntimeException e) {
            Log.warning("Write error writing append only file on disk: " + e.getMessage());
            ok = false;
        }
        boolean result = ok;
        commandThread.execute(() -> {
            if (!cancelled) done.accept(result);
        });
        return null;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
