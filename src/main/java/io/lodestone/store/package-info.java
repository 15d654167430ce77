/**
 * The data: databases, keys, expiry.
 * <ul>
 *   <li>{@link io.lodestone.store.Dict} - a chained hash table rehashed incrementally (never a
 *       stop-the-world resize) with Redis's reverse-binary SCAN cursor.</li>
 *   <li>{@link io.lodestone.store.KeyTable} over {@link io.lodestone.store.Slabs} - a database's keys as
 *       records in large {@code byte[]} pages indexed by a {@code long[]} table: the Dict's design with
 *       addresses for pointers, so keys cost the collector nothing.</li>
 *   <li>{@link io.lodestone.store.KeyEntry} - a view of one key's record (bytes, value, expiry, LRU/LFU
 *       clock), made by a lookup and dropped with the command.</li>
 *   <li>{@link io.lodestone.store.Database} - one numbered database: lookups with lazy expiry, writes.</li>
 *   <li>{@link io.lodestone.store.Keyspace} - all databases, the cached clock, active expiry, the dirty counter;
 *       {@code ReplicaKeysWithExpire}: the keys a writable replica's own clients gave a TTL.</li>
 *   <li>{@link io.lodestone.store.ObjectSize} - what a key and its value cost in memory, from their
 *       structures (MEMORY USAGE; the one cost model for memory accounting).</li>
 * </ul>
 * Values: a string is a plain {@code byte[]} (stored in the key's record when small); other types live
 * in {@code store.type}. This package knows nothing of RESP or clients.
 */
package io.lodestone.store;
