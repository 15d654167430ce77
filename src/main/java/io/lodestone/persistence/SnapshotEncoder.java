package io.lodestone.persistence;

import io.lodestone.store.KeyEntry;
import io.lodestone.store.Snapshot;

/**
 * What a snapshot is written as: an RDB body, or the commands of an AOF base. Runs on the command
 * thread, appending to the snapshot's current chunk.
 */
public interface SnapshotEncoder {
    /** The file header (RDB magic and aux fields); {@code s} tells the sizes at the snapshot instant. */
    void begin(ByteSink out, Snapshot s);

    /** One key as it was at the snapshot instant, in database {@code db}. */
    void entry(ByteSink out, int db, KeyEntry e);

    /** What closes the body (RDB's EOF opcode); a checksum, if any, is the output's business. */
    void end(ByteSink out);
}
