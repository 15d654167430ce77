package io.lodestone.store;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Redis's slaveKeysWithExpire: the keys a writable replica's own clients gave a TTL, each with a
 * bitmap of the databases (0 to 63) where that happened. A replica does not run the active expire
 * cycle (its master's DELs expire the master's keys), so without this list a key written with a TTL
 * on the replica alone would stay until someone read it.
 *
 * <p>Owned by the command thread. Keys are byte strings held as ISO-8859-1 strings (one char a byte).
 */
final class ReplicaKeysWithExpire {
    /** Redis tracks databases 0 to 63 only (one bit each). */
    private static final int MAX_DB = 64;
    /** Insertion order is the visiting order: a key still waiting goes to the back, so none starves. */
    private final LinkedHashMap<String, Long> keys = new LinkedHashMap<>();

    void remember(int db, byte[] key) {
        if (db >= MAX_DB) return;
        keys.merge(new String(key, StandardCharsets.ISO_8859_1), 1L << db, (a, b) -> a | b);
    }

    void clear() {
        keys.clear();
    }

    int size() {
        return keys.size();
    }

    /**
     * Redis's expireSlaveKeys: deletes the remembered keys whose TTL passed and forgets those without
     * a TTL any more; stops after more than three keys that must still wait, or after a millisecond.
     */
    void expireCycle(Keyspace keyspace) {
        if (keys.isEmpty()) return;
        long deadline = System.nanoTime() + 1_000_000L;
        int visited = 0, waiting = 0;
        int budget = keys.size(); // each key at most once per cycle
        Iterator<Map.Entry<String, Long>> it = keys.entrySet().iterator();
        Map<String, Long> stillWaiting = new LinkedHashMap<>();
        while (it.hasNext() && budget-- > 0) {
            Map.Entry<String, Long> entry = it.next();
            it.remove();
            byte[] key = entry.getKey().getBytes(StandardCharsets.ISO_8859_1);
            long dbs = entry.getValue(), keep = 0;
            for (int db = 0; dbs != 0 && db < keyspace.databases(); db++, dbs >>>= 1) {
                if ((dbs & 1) == 0) continue;
                if (keyspace.db(db).expireReplicaKey(key) > 0) {
                    waiting++;
                    keep |= 1L << db;
                }
            }
            if (keep != 0) stillWaiting.put(entry.getKey(), keep);
            if (waiting > 3) break;
            if ((++visited & 63) == 0 && System.nanoTime() > deadline) break;
        }
        keys.putAll(stillWaiting);
    }
}
