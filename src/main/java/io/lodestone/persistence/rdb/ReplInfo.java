package io.lodestone.persistence.rdb;

/**
 * The replication aux fields ({@code repl-stream-db}, {@code repl-id}, {@code repl-offset}) an RDB
 * carries (Redis's rdbSaveInfo): written by a replica, or a master with a backlog, so that a restarted
 * replica can continue with PSYNC; read back by the loader, with null or -1 components when absent.
 */
public record ReplInfo(int streamDb, String replid, long offset) {
    /** Whether all three fields are there and usable (Redis's repl_id_is_set, offset != -1, db != -1). */
    public boolean complete() {
        return replid != null && replid.length() == 40 && offset != -1 && streamDb != -1;
    }
}
