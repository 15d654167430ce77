package io.lodestone.persistence.aof;

import io.lodestone.persistence.ChildFileOutput;
import io.lodestone.persistence.ChecksummedOutput;
import io.lodestone.persistence.SnapshotEncoder;
import io.lodestone.persistence.SnapshotOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Writes a rewrite's base with the {@link Snapshotter}: the dataset as of the start, walked in slices
 * on the command thread and written by the snapshot's I/O thread, as Redis's rewrite child writes
 * {@code temp-rewriteaof-<pid>.aof} and renames it to {@code temp-rewriteaof-bg-<pid>.aof}. One
 * snapshot at a time: while a BGSAVE holds the snapshotter the rewrite is scheduled instead.
 */
public final class SnapshotBaseWriter implements BaseWriter {
    /** {@link Snapshotter.Job#purpose()} of an AOF rewrite. */
    public static final String PURPOSE = "aof-rewrite";

    private final AppendOnlyFile aof;
    private final Snapshotter snapshotter;
    private Snapshotter.Job job;
    private Path tempBase;

    public SnapshotBaseWriter(AppendOnlyFile aof, Snapshotter snapshotter) {
        this.aof = aof;
        this.snapshotter = snapshotter;
    }

    @Override
    public boolean busy() {
        return snapshotter.inProgress();
    }

    @Override
    public String start(Path dir, boolean rdb, Consumer<Outcome> done) {
        if (snapshotter.inProgress()) return "another snapshot is in progress";
        SnapshotOutput out;
        try {
            out = ChildFileOutput.open(pid -> dir.resolve("temp-rewriteaof-bg-" + pid + ".aof"),
                    pid -> dir.resolve("temp-rewriteaof-" + pid + ".aof"));
        } catch (IOException e) {
            return AofLoader.reason(e);
        }
        SnapshotEncoder encoder = aof.baseEncoder(rdb);
        if (rdb) out = new ChecksummedOutput(out, aof.rdbChecksum);
        job = snapshotter.start(PURPOSE, encoder, out, j -> {
            if (j != job || j.aborted()) return;
            job = null;
            if (j.error() == null) {
                Log.notice("Successfully created the temporary AOF base file " + tempBase.getFileName());
            } else if (j.childSignal() == 0) {
                Log.warning("Write error writing append only file on disk: " + j.error());
            }
            done.accept(new Outcome(j.error() == null, j.childSignal()));
        });
        tempBase = dir.resolve("temp-rewriteaof-bg-" + job.childPid() + ".aof");
        return null;
    }

    @Override
    public Path tempBase() {
        return tempBase;
    }

    @Override
    public long childPid() {
        Snapshotter.Job j = job;
        return j != null ? j.childPid() : Log.pid();
    }

    @Override
    public void cancel() {
        Snapshotter.Job j = job;
        job = null;
        if (j != null && snapshotter.current() == j) snapshotter.abort();
    }
}
