package io.lodestone.command;

import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WATCH: which clients watch which keys. A change to a watched key marks its watchers' transactions
 * as failed (Redis's touchWatchedKey), so their EXEC returns a null reply.
 *
 * <p>A key that was already logically expired when watched (still present, its time passed) is
 * watched as absent: its deletion changes nothing, as in Redis 7.0, while any other change to it, or
 * its coming back, fails the transaction.
 */
public final class Watches {
    /** One client's watch of one key (Redis's watchedKey), listed both by key and by client. */
    static final class WatchedKey {
        final int db;
        final ByteBuffer key;
        final Client client;
        /** The key was present but logically expired when watched (or became so by SWAPDB). */
        boolean expired;

        WatchedKey(int db, ByteBuffer key, Client client, boolean expired) {
            this.db = db;
            this.key = key;
            this.client = client;
            this.expired = expired;
        }

        byte[] keyBytes() {
            byte[] k = new byte[key.remaining()];
            key.duplicate().get(k);
            return k;
        }
    }

    /** Watches per database per key; empty maps are removed so the common case is one isEmpty(). */
    private final Map<Integer, Map<ByteBuffer, List<WatchedKey>>> byDb = new HashMap<>();

    public boolean isEmpty() {
        return byDb.isEmpty();
    }

    /** Redis's watchForKey: a key already watched in that database is not added twice. */
    public void watch(Client c, Database db, byte[] key) {
        ByteBuffer k = ByteBuffer.wrap(key);
        if (c.watched == null) c.watched = new ArrayList<>();
        for (WatchedKey w : c.watched) {
            if (w.db == db.id() && w.key.equals(k)) return;
        }
        WatchedKey w = new WatchedKey(db.id(), k, c, isStale(db, key));
        c.watched.add(w);
        byDb.computeIfAbsent(db.id(), i -> new HashMap<>()).computeIfAbsent(k, x -> new ArrayList<>(2)).add(w);
    }

    /** UNWATCH (also after EXEC, DISCARD, RESET and disconnection). */
    public void unwatchAll(Client c) {
        if (c.watched == null) return;
        for (WatchedKey w : c.watched) {
            Map<ByteBuffer, List<WatchedKey>> keys = byDb.get(w.db);
            if (keys == null) continue;
            List<WatchedKey> watchers = keys.get(w.key);
            if (watchers == null) continue;
            watchers.remove(w);
            if (watchers.isEmpty()) keys.remove(w.key);
            if (keys.isEmpty()) byDb.remove(w.db);
        }
        c.watched = null;
        c.dirtyCas = false;
    }

    /**
     * Redis's isWatchedKeyExpired: a watched key that has expired since WATCH (even if nobody has
     * deleted it yet) fails EXEC.
     */
    public boolean watchedKeyExpired(Client c, Keyspace keyspace) {
        if (c.watched == null) return false;
        for (WatchedKey w : c.watched) {
            if (!w.expired && isStale(keyspace.db(w.db), w.keyBytes())) return true;
        }
        return false;
    }

    /** Redis's touchWatchedKey: the key changed (or was deleted; it is then absent already). */
    public void touch(Database db, byte[] key) {
        if (byDb.isEmpty()) return;
        Map<ByteBuffer, List<WatchedKey>> keys = byDb.get(db.id());
        if (keys == null) return;
        List<WatchedKey> watchers = keys.get(ByteBuffer.wrap(key));
        if (watchers == null) return;
        for (WatchedKey w : watchers) {
            if (w.expired) {
                // A key expired at WATCH and now deleted: logically it was absent and still is.
                // Watched from now on as any absent key.
                if (db.peek(key) == null) w.expired = false;
                continue;
            }
            w.client.dirtyCas = true;
        }
    }

    /**
     * Redis's touchAllWatchedKeysInDb, called before {@code emptied} loses its contents (FLUSHDB,
     * FLUSHALL: {@code replacedWith} is null) or gets those of {@code replacedWith} (SWAPDB, a
     * loaded data set). A watched key changes if it exists on either side, with stale keys counting
     * as absent: a stale key dropped, or replaced by another stale key, or an absent key replaced by
     * a stale one, changes nothing.
     */
    public void touchAllIn(Database emptied, Database replacedWith) {
        if (byDb.isEmpty()) return;
        Map<ByteBuffer, List<WatchedKey>> keys = byDb.get(emptied.id());
        if (keys == null) return;
        for (Map.Entry<ByteBuffer, List<WatchedKey>> e : keys.entrySet()) {
            byte[] key = e.getValue().get(0).keyBytes();
            boolean existsInEmptied = emptied.peek(key) != null;
            boolean existsInReplacement = replacedWith != null && replacedWith.peek(key) != null;
            if (!existsInEmptied && !existsInReplacement) continue;
            for (WatchedKey w : e.getValue()) {
                if (w.expired) {
                    if (!existsInReplacement) {
                        w.expired = false; // the stale key is gone: no logical change
                        continue;
                    }
                    if (isStale(replacedWith, key)) continue; // stale before and after
                } else if (!existsInEmptied && isStale(replacedWith, key)) {
                    w.expired = true; // absent replaced with stale: still logically absent
                    continue;
                }
                w.client.dirtyCas = true;
            }
        }
    }

    /** Redis's keyIsExpired: present with its time passed, not deleted yet. */
    private static boolean isStale(Database db, byte[] key) {
        KeyEntry e = db.peek(key);
        return e != null && db.isExpired(e);
    }
}
