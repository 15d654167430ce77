package io.lodestone.replication;

import io.lodestone.util.Log;

/**
 * The cached master (Redis's {@code server.cached_master}): the history a replica can PSYNC with -
 * the master's replid, the offset applied and the database its stream had selected. It is filled
 * when the link with a master is lost, when a master turns into a replica (its own history), or at
 * start-up from an RDB's {@code repl-*} fields; a full sync discards it, a partial one takes it back.
 *
 * <p>Owned by the command thread.
 */
final class CachedMaster {
    private boolean present;
    private String replid;
    private long reploff;
    private int db;

    boolean present() {
        return present;
    }

    String replid() {
        return replid;
    }

    long reploff() {
        return reploff;
    }

    int db() {
        return db;
    }

    /** Keeps {@code replid}'s history up to {@code reploff}, with the stream's database {@code db}. */
    void cache(String replid, long reploff, int db) {
        present = true;
        this.replid = replid;
        this.reploff = reploff;
        this.db = db;
    }

    /** Redis's replicationCacheMasterUsingMyself: our own history, so a promoted replica can PSYNC us partially. */
    void cacheMyself(ReplicationStream stream) {
        Log.notice("Before turning into a replica, using my own master parameters to synthesize a cached master: "
                + "I may be able to synchronize with the new master with just a partial transfer.");
        cache(stream.replid(), stream.offset(), 0);
    }

    /** Redis's replicationDiscardCachedMaster. */
    void discard() {
        if (!present) return;
        Log.notice("Discarding previously cached master state.");
        present = false;
    }

    /** The master accepted our PSYNC: the history stops being a cache (it is the master client's again). */
    void resurrect() {
        present = false;
    }

    /**
     * The PSYNC to send (Redis's slaveTryPartialResynchronization, the sending half): the next byte of
     * our history, or {@code ? -1} (a full sync) without one.
     */
    String[] psyncArguments() {
        if (present) {
            String offset = Long.toString(reploff + 1);
            Log.notice("Trying a partial resynchronization (request " + replid + ":" + offset + ").");
            return new String[]{"PSYNC", replid, offset};
        }
        Log.notice("Partial resynchronization not possible (no cached master)");
        return new String[]{"PSYNC", "?", "-1"};
    }
}
