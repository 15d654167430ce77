package io.lodestone.command;

import io.lodestone.store.Database;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * WATCH: which clients watch which keys. A change to a watched key marks its watchers' transactions
 * as failed (Redis's touchWatchedKey), so their EXEC returns a null reply.
 */
public final class Watches {
    /** Watchers per database per key; empty maps are removed so the common case is one isEmpty(). */
    private final Map<Integer, Map<ByteBuffer, List<Client>>> byDb = new HashMap<>();

    public boolean isEmpty() {
        return byDb.isEmpty();
    }

    public void watch(Client c, Database db, byte[] key) {
        ByteBuffer k = ByteBuffer.wrap(key);
        if (c.watched == null) c.watched = new ArrayList<>();
        for (Client.WatchedKey w : c.watched) {
            if (w.db() == db.id() && w.key().equals(k)) return;
        }
        io.lodestone.store.KeyEntry e = db.peek(key);
        c.watched.add(new Client.WatchedKey(db.id(), k, e != null && db.isExpired(e)));
        byDb.computeIfAbsent(db.id(), i -> new HashMap<>()).computeIfAbsent(k, x -> new ArrayList<>(2)).add(c);
    }

    /** UNWATCH (also after EXEC, DISCARD, RESET and disconnection). */
    public void unwatchAll(Client c) {
        if (c.watched == null) return;
        for (Client.WatchedKey w : c.watched) {
            Map<ByteBuffer, List<Client>> keys = byDb.get(w.db());
            if (keys == null) continue;
            List<Client> clients = keys.get(w.key());
            if (clients == null) continue;
            clients.remove(c);
            if (clients.isEmpty()) keys.remove(w.key());
            if (keys.isEmpty()) byDb.remove(w.db());
        }
        c.watched = null;
        c.dirtyCas = false;
    }

    /**
     * Redis's isWatchedKeyExpired: a watched key that has expired since WATCH (even if nobody has
     * deleted it yet) fails EXEC.
     */
    public boolean watchedKeyExpired(Client c, io.lodestone.store.Keyspace keyspace) {
        if (c.watched == null) return false;
        for (Client.WatchedKey w : c.watched) {
            if (w.expiredAtWatch()) continue;
            byte[] key = new byte[w.key().remaining()];
            w.key().duplicate().get(key);
            Database db = keyspace.db(w.db());
            io.lodestone.store.KeyEntry e = db.peek(key);
            if (e != null && db.isExpired(e)) return true;
        }
        return false;
    }

    public void touch(Database db, byte[] key) {
        if (byDb.isEmpty()) return;
        Map<ByteBuffer, List<Client>> keys = byDb.get(db.id());
        if (keys == null) return;
        List<Client> clients = keys.get(ByteBuffer.wrap(key));
        if (clients != null) for (Client c : clients) c.dirtyCas = true;
    }

    /**
     * FLUSHDB/FLUSHALL and SWAPDB: watchers of keys that existed are touched. For SWAPDB a key that
     * exists in either database counts (its value changes or appears).
     */
    public void touchAllIn(Database db, Database other) {
        if (byDb.isEmpty()) return;
        touchExisting(db, other);
        if (other != null) touchExisting(other, db);
    }

    private void touchExisting(Database db, Database other) {
        Map<ByteBuffer, List<Client>> keys = byDb.get(db.id());
        if (keys == null) return;
        for (Iterator<Map.Entry<ByteBuffer, List<Client>>> it = keys.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteBuffer, List<Client>> e = it.next();
            byte[] key = new byte[e.getKey().remaining()];
            e.getKey().duplicate().get(key);
            boolean exists = db.lookupNoTouch(key) != null || (other != null && other.lookupNoTouch(key) != null);
            // After a flush the key is gone: the watcher must see that it existed before. Redis
            // touches every watched key of a flushed database; so do we when there is no "other".
            if (exists || other == null) for (Client c : e.getValue()) c.dirtyCas = true;
        }
    }
}
