package io.lodestone.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Redis's slaveKeysWithExpire (expire.c, "expires of keys created in writable slaves"): the keys a
 * client of a writable replica gave a TTL, each with the set of databases (a bitmap of the first 64)
 * where it did. A replica does not expire keys by itself - its master sends the DEL - but no master
 * knows these keys, so cron deletes them when their time has passed ({@link #expire}).
 */
final class ReplicaKeysWithExpire {
    /** One tracked key: its name and the databases where a client set its TTL. */
    private static final class Tracked {
        final byte[] key;
        long dbs;
        int slot;

        Tracked(byte[] key) {
            this.key = key;
        }
    }

    private final Map<ByteBuffer, Tracked> byKey = new HashMap<>();
    /** The same entries in a dense array, for random picks in O(1). */
    private final List<Tracked> all = new ArrayList<>();

    int size() {
        return all.size();
    }

    /** rememberSlaveKeyWithExpire: only the first 64 databases can be tracked, as in Redis. */
    void remember(int db, byte[] key) {
        if (db >= 64) return;
        Tracked t = byKey.get(ByteBuffer.wrap(key));
        if (t == null) {
            t = new Tracked(key.clone());
            t.slot = all.size();
            all.add(t);
            byKey.put(ByteBuffer.wrap(t.key), t);
        }
        t.dbs |= 1L << db;
    }

    /** flushSlaveKeysWithExpireList: forgets every key (FLUSHALL, a new role). */
    void clear() {
        byKey.clear();
        all.clear();
    }

    private void forget(Tracked t) {
        byKey.remove(ByteBuffer.wrap(t.key));
        Tracked last = all.remove(all.size() - 1);
        if (last != t) {
            all.set(t.slot, last);
            last.slot = t.slot;
        }
    }

    /**
     * expireSlaveKeys: checks random tracked keys in every database they were set in, deleting those
     * whose time has passed (counted and reported like any expired key); a key with no TTL left is
     * forgotten. Stops after more than 3 keys that cannot expire yet, or after about a millisecond.
     */
    void expire(Keyspace ks) {
        long start = System.nanoTime();
        int cycles = 0, noExpire = 0;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!all.isEmpty()) {
            Tracked t = all.get(rnd.nextInt(all.size()));
            long left = 0;
            for (int id = 0; id < 64 && id < ks.databases() && (t.dbs >>> id) != 0; id++) {
                if ((t.dbs & (1L << id)) == 0) continue;
                Database db = ks.db(id);
                KeyEntry e = db.peek(t.key);
                if (e == null || e.expireAt == KeyEntry.NO_EXPIRE) continue;
                if (ks.now > e.expireAt) {
                    db.expireNow(e);
                } else {
                    noExpire++;
                    left |= 1L << id;
                }
            }
            if (left != 0) t.dbs = left;
            else forget(t);
            cycles++;
            if (noExpire > 3) break;
            if ((cycles % 64) == 0 && System.nanoTime() - start > 1_000_000) break;
        }
    }
}
