/**
 * Persistence in Redis's formats, and the lifecycles around it.
 * <ul>
 *   <li>{@link io.lodestone.persistence.RdbPersistence} - the owner of RDB persistence (rdb.c): SAVE,
 *       BGSAVE and its scheduling, save points, loading at start-up and DEBUG RELOAD, adopting any loaded
 *       RDB, the replication history a file carries, INFO's rdb_* fields.</li>
 *   <li>{@link io.lodestone.persistence.Loading} - the server's loading state (server.loading): no
 *       expiry, no propagation, -LOADING to clients; every loading path goes through it.</li>
 *   <li>{@link io.lodestone.persistence.Snapshotter} - point-in-time snapshots without fork (BGSAVE,
 *       AOF rewrites, full syncs), written in the background through a
 *       {@link io.lodestone.persistence.SnapshotOutput}; a background save's file is written by a
 *       child process ({@link io.lodestone.persistence.ChildFileOutput}), Redis's fork child as tools
 *       see it.</li>
 *   <li>{@code rdb/} - the RDB format; {@code aof/} - the multi-part append-only file.</li>
 * </ul>
 * Depends on store, config (save points) and util.
 */
package io.lodestone.persistence;
