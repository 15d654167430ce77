/**
 * Replication (Redis's replication.c), both halves.
 * <ul>
 *   <li>Master side: {@link io.lodestone.replication.ReplicationStream} (replication ids, offset, the
 *       bytes fed to replicas), {@link io.lodestone.replication.Backlog} (the replication buffer the
 *       backlog and the replicas share: a list of blocks, each replica referring to its place),
 *       {@link io.lodestone.replication.Replication} (PSYNC/SYNC, full syncs from one snapshot, cron,
 *       WAIT acks, limits), {@link io.lodestone.replication.ReplicaPeer} (one attached replica),
 *       {@link io.lodestone.replication.SocketsOutput} (diskless transfer).</li>
 *   <li>Replica side: {@link io.lodestone.replication.MasterLink} (the state machine over
 *       {@code repl_state}: REPLICAOF, cron, timeouts), {@link io.lodestone.replication.MasterConnection}
 *       (the socket), {@link io.lodestone.replication.Handshake} (PING, AUTH, REPLCONF, PSYNC),
 *       {@link io.lodestone.replication.PayloadTransfer} (the RDB payload, {@code $len} or {@code $EOF:}),
 *       {@link io.lodestone.replication.ReplicaLoad} (the background parse and the hand-over),
 *       {@link io.lodestone.replication.MasterStream} (applying the master's stream, ACKs, forwarding),
 *       {@link io.lodestone.replication.CachedMaster} (the history a PSYNC continues from).</li>
 * </ul>
 * Depends on persistence, store, util and Netty; the server gives it a {@code MasterLink.Host} to run
 * the master's commands, so it never sees the command layer.
 */
package io.lodestone.replication;
