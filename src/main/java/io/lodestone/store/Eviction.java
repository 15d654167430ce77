package io.lodestone.store;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which key goes when memory passes maxmemory, and its removal (Redis's evict.c, the key side).
 *
 * <p>The LRU, LFU and TTL policies use Redis's approximation: each round samples
 * {@code maxmemory-samples} keys of every database (all keys, or those with an expiry) into a pool
 * of the 16 best candidates seen so far, ranked by idle time (LRU), by 255 less the decayed access
 * counter (LFU) or by nearness of expiry (TTL); the best candidate still present is evicted. The
 * pool outlives the round, so good candidates found earlier are not forgotten. The random policies
 * take a random key, visiting the databases in turn.
 *
 * <p>What triggers an eviction and how much must go is the command layer's business (it knows all
 * the memory the server uses); this class only picks and removes, and reports each eviction to the
 * {@link Keyspace.Listener} so it is propagated as a DEL.
 */
public final class Eviction {
    /** maxmemory-policy. */
    public enum Policy {
        VOLATILE_LRU, VOLATILE_LFU, VOLATILE_RANDOM, VOLATILE_TTL, ALLKEYS_LRU, ALLKEYS_LFU, ALLKEYS_RANDOM, NOEVICTION;

        /** The policy of a maxmemory-policy value ("allkeys-lru"...). */
        public static Policy of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        }

        boolean allKeys() {
            return this == ALLKEYS_LRU || this == ALLKEYS_LFU || this == ALLKEYS_RANDOM;
        }

        boolean random() {
            return this == ALLKEYS_RANDOM || this == VOLATILE_RANDOM;
        }

        public boolean lfu() {
            return this == ALLKEYS_LFU || this == VOLATILE_LFU;
        }

        /** Redis's MAXMEMORY_FLAG_NO_SHARED_INTEGERS: each value needs its own access clock. */
        public boolean noSharedIntegers() {
            return this == VOLATILE_LRU || this == ALLKEYS_LRU || lfu();
        }
    }

    /** EVPOOL_SIZE. */
    static final int POOL_SIZE = 16;

    private final Keyspace keyspace;
    /** The pool, best candidate last: idle scores compared unsigned (the TTL score is ULLONG_MAX - expiry). */
    private final long[] idle = new long[POOL_SIZE];
    private final byte[][] keys = new byte[POOL_SIZE][];
    private final int[] dbs = new int[POOL_SIZE];
    /** The random policies' next database, so each database gives its share. */
    private int nextDb;

    Eviction(Keyspace keyspace) {
        this.keyspace = keyspace;
    }

    /**
     * Evicts one key chosen by {@code policy}: returns the accounted bytes it held, or -1 when there
     * is no key to evict (none at all, or none with an expiry for a volatile policy).
     */
    public long evictOne(Policy policy, int samples) {
        KeyEntry best = null;
        Database bestDb = null;
        boolean volatileOnly = !policy.allKeys();
        if (policy == Policy.NOEVICTION) return -1;
        if (policy.random()) {
            int n = keyspace.databases();
            for (int i = 0; i < n && best == null; i++) {
                Database db = keyspace.db(nextDb = (nextDb + 1) % n);
                KeyEntry e = db.randomForEviction(volatileOnly);
                if (e != null) {
                    best = e;
                    bestDb = db;
                }
            }
        } else {
            // Bounded: a round finds no candidate only when every bucket it tried was empty.
            for (int round = 0; best == null && round < 1000; round++) {
                long total = 0;
                for (int i = 0; i < keyspace.databases(); i++) {
                    Database db = keyspace.db(i);
                    long keys = volatileOnly ? db.expiresSize() : db.size();
                    if (keys == 0) continue;
                    total += keys;
                    populate(policy, db, samples);
                }
                if (total == 0) break;
                // From the best candidate down; one that is gone since it was pooled is a ghost.
                for (int k = POOL_SIZE - 1; k >= 0; k--) {
                    if (keys[k] == null) continue;
                    Database db = keyspace.db(dbs[k]);
                    byte[] key = keys[k];
                    keys[k] = null;
                    idle[k] = 0;
                    KeyEntry e = db.peek(key);
                    if (e != null && (!volatileOnly || e.expireAt() != KeyEntry.NO_EXPIRE)) {
                        best = e;
                        bestDb = db;
                        break;
                    }
                }
            }
        }
        if (best == null) return -1;
        long freed = bestDb.memoryOf(best);
        byte[] key = best.key();
        bestDb.remove(best);
        keyspace.evictedKeys++;
        keyspace.listener.keyEvicted(bestDb, key);
        return freed;
    }

    /** Redis's evictionPoolPopulate: samples the database and keeps the best candidates. */
    private void populate(Policy policy, Database db, int samples) {
        db.sample(!policy.allKeys(), samples, e -> insert(db.id(), e, score(policy, e)));
    }

    private long score(Policy policy, KeyEntry e) {
        if (policy == Policy.VOLATILE_TTL) return -1L - e.expireAt(); // ULLONG_MAX - expire
        if (policy.lfu()) return 255 - keyspace.lfuCounter(e);
        return keyspace.idleSeconds(e) * 1000;
    }

    private void insert(int db, KeyEntry e, long score) {
        int k = 0;
        while (k < POOL_SIZE && keys[k] != null && Long.compareUnsigned(idle[k], score) < 0) k++;
        if (k == 0 && keys[POOL_SIZE - 1] != null) return; // worse than all, and no room
        if (k < POOL_SIZE && keys[k] == null) {
            // An empty slot: nothing to move.
        } else if (keys[POOL_SIZE - 1] == null) {
            // Room on the right: shift k.. right.
            System.arraycopy(keys, k, keys, k + 1, POOL_SIZE - k - 1);
            System.arraycopy(idle, k, idle, k + 1, POOL_SIZE - k - 1);
            System.arraycopy(dbs, k, dbs, k + 1, POOL_SIZE - k - 1);
        } else {
            // Full: drop the worst (leftmost) and insert just before k.
            k--;
            System.arraycopy(keys, 1, keys, 0, k);
            System.arraycopy(idle, 1, idle, 0, k);
            System.arraycopy(dbs, 1, dbs, 0, k);
        }
        keys[k] = e.key();
        idle[k] = score;
        dbs[k] = db;
    }

    /** Forgets the pool (a data set replaced or flushed: its candidates are ghosts). */
    void clear() {
        Arrays.fill(keys, null);
        Arrays.fill(idle, 0);
    }
}
