package io.lodestone.store;

import java.util.function.Consumer;

/**
 * One numbered database: the key table plus the index of keys with an expiry.
 *
 * <p>Lookups apply Redis's lazy expiry: a key whose time has passed is deleted on access (on a master)
 * and reported to the {@link Keyspace.Listener} so the deletion is propagated as a DEL. A key expires
 * when {@code now > expireAt}, with {@code now} the keyspace clock cached for the whole command.
 */
public final class Database {
    private final int id;
    private final Keyspace keyspace;
    private KeyTable table;
    private ExpireIndex expires;
    private long avgTtl;

    Database(int id, Keyspace keyspace) {
        this.id = id;
        this.keyspace = keyspace;
        table = new KeyTable(keyspace);
        expires = new ExpireIndex(table);
    }

    private KeyEntry view(long a) {
        return a == 0 ? null : new KeyEntry(table, a);
    }

    public int id() {
        return id;
    }

    public Keyspace keyspace() {
        return keyspace;
    }

    public int size() {
        return table.size();
    }

    public int expiresSize() {
        return expires.size();
    }

    /** Lookup for a read: counts keyspace hits/misses and refreshes the access clock. */
    public KeyEntry lookupRead(byte[] key) {
        return countHit(lookup(key, true, false), key, true);
    }

    /**
     * Lookup for a write: refreshes the access clock, no hit/miss accounting. The caller may change
     * the value in place, so a running snapshot takes the entry first.
     */
    public KeyEntry lookupWrite(byte[] key) {
        KeyEntry e = lookup(key, true, true);
        if (e == null) return null;
        if (keyspace.snapshot != null) keyspace.snapshot.beforeWrite(table, e);
        table.changing(e.address);
        return e;
    }

    /**
     * Redis's lookup for a change that does not go through {@link #lookupWrite} (a cached value
     * rewritten by a read, as PFCOUNT does): a running snapshot takes the entry first.
     */
    public void beforeInPlaceChange(KeyEntry e) {
        if (keyspace.snapshot != null) keyspace.snapshot.beforeWrite(table, e);
        table.changing(e.address);
    }

    /** The table itself, for a snapshot. */
    KeyTable table() {
        return table;
    }

    /** Lookup without touching the access clock (OBJECT, TYPE-like introspection, TOUCH semantics aside). */
    /** The entry as stored, expired or not, with no side effect at all (WATCH bookkeeping, tests). */
    public KeyEntry peek(byte[] key) {
        return view(table.find(key));
    }

    public KeyEntry lookupNoTouch(byte[] key) {
        return lookup(key, false, false);
    }

    /**
     * A read that leaves the access clock alone but counts hits and misses (Redis's LOOKUP_NOTOUCH):
     * EXISTS, TYPE, TTL and OBJECT inspect a key without making it look recently used.
     */
    public KeyEntry lookupReadNoTouch(byte[] key) {
        return countHit(lookup(key, false, false), key, true);
    }

    /**
     * {@link #lookupReadNoTouch} without the "keymiss" event (Redis's LOOKUP_NONOTIFY): OBJECT
     * inspects a key without it counting as a miss for keyspace notifications.
     */
    public KeyEntry lookupReadNoTouchNoNotify(byte[] key) {
        return countHit(lookup(key, false, false), key, false);
    }

    /** Counts a read's result in INFO's keyspace_hits or keyspace_misses; a miss is reported. */
    private KeyEntry countHit(KeyEntry e, byte[] key, boolean notify) {
        if (e == null) {
            keyspace.keyspaceMisses++;
            if (notify) keyspace.listener.keyMissed(this, key);
        } else {
            keyspace.keyspaceHits++;
        }
        return e;
    }

    /**
     * Redis's expireIfNeeded: true when key exists and its time has passed. The key is then deleted
     * (and the deletion reported) where this server expires keys itself; a replica only reports it.
     */
    public boolean expireIfNeeded(byte[] key) {
        KeyEntry e = view(table.find(key));
        if (e == null || !isExpired(e)) return false;
        if (keyspace.deletesExpiredOnAccess()) expireNow(e);
        return true;
    }

    private KeyEntry lookup(byte[] key, boolean touch, boolean write) {
        KeyEntry e = view(table.find(key));
        if (e == null) return null;
        if (isExpired(e)) {
            if (keyspace.deletesExpiredOnLookup(write)) expireNow(e);
            return null;
        }
        if (touch) keyspace.touch(e);
        return e;
    }

    /**
     * True when the entry's time has passed (it may still be present on a replica). Nothing has
     * expired for the master client (the master sends the DEL) nor while loading (Redis's keyIsExpired).
     */
    public boolean isExpired(KeyEntry e) {
        long at = e.expireAt();
        return at != KeyEntry.NO_EXPIRE && keyspace.now > at && !keyspace.obeyingMaster && !keyspace.loading;
    }

    /** Sizes an empty database's table for {@code keys} keys (an RDB's RESIZEDB). */
    public void expand(long keys) {
        table.expand(keys);
    }

    /** Adds a key known to be absent (callers looked it up first). */
    public KeyEntry add(byte[] key, Object value) {
        KeyEntry e = new KeyEntry(table, table.add(key, value, KeyEntry.newMeta(keyspace.epoch, keyspace.newClock())));
        if (keyspace.noSharedIntegers && value instanceof byte[]) e.setFlag(KeyEntry.FLAG_UNSHARED);
        added(key);
        return e;
    }

    /**
     * Adds a key unless it is present (a load, which refuses duplicates): the new entry, or null when
     * the key was there, which is left as it was.
     */
    public KeyEntry addIfAbsent(byte[] key, Object value) {
        long a = table.addIfAbsent(key, value, KeyEntry.newMeta(keyspace.epoch, keyspace.newClock()));
        if (a == 0) return null;
        added(key);
        return new KeyEntry(table, a);
    }

    private void added(byte[] key) {
        keyspace.listener.keyAdded(this, key);
        keyspace.listener.keyModified(this, key);
        keyspace.listener.keyReady(this, key);
    }

    /**
     * Redis's setKey: creates or overwrites the value. The expiry is cleared unless {@code keepTtl}.
     */
    public KeyEntry set(byte[] key, Object value, boolean keepTtl) {
        KeyEntry e = lookupWrite(key);
        if (e == null) return add(key, value);
        e.value(value);
        if (keyspace.noSharedIntegers && value instanceof byte[]) e.setFlag(KeyEntry.FLAG_UNSHARED);
        if (!keepTtl) removeExpire(e);
        keyspace.listener.keyModified(this, key);
        return e;
    }

    /** Deletes key; true if it existed (and had not expired). */
    public boolean delete(byte[] key) {
        return delete(key, false);
    }

    /** Deletes key, lazily (UNLINK) or not; true if it existed (and had not expired). */
    public boolean delete(byte[] key, boolean lazy) {
        KeyEntry e = lookupWrite(key);
        if (e == null) return false;
        if (lazy && !e.isInline() && LazyFree.inBackground(e.value())) keyspace.lazyfreedObjects++;
        remove(e);
        return true;
    }

    /** Unlinks an entry obtained from a lookup. */
    public void remove(KeyEntry e) {
        if (keyspace.snapshot != null) keyspace.snapshot.beforeWrite(table, e);
        byte[] key = e.key();
        expires.remove(e.address);
        table.remove(e.address);
        keyspace.listener.keyModified(this, key);
    }

    /**
     * Redis's signalModifiedKey, for commands that change a value in place (APPEND, LPUSH on an
     * existing list...): WATCHers of the key see the change. Adding, overwriting, deleting and expiry
     * changes made through this class signal by themselves.
     */
    public void signalModifiedKey(byte[] key) {
        keyspace.listener.keyModified(this, key);
    }

    /**
     * Redis's signalKeyAsReady: the key may now serve clients blocked on it (a push to a list, an add
     * to a sorted set). Adding a key signals by itself.
     */
    public void signalKeyAsReady(byte[] key) {
        keyspace.listener.keyReady(this, key);
    }

    /**
     * RENAME: re-adds the entry's value under {@code newKey}, which must be absent, and removes the old
     * entry. Expiry, access clock and flags carry over: Redis moves the very same value object.
     */
    public KeyEntry rename(KeyEntry e, byte[] newKey) {
        remove(e);
        KeyEntry n = new KeyEntry(table, table.add(newKey, e.value(), e.meta()));
        n.epoch(keyspace.epoch);
        keyspace.listener.keyAdded(this, newKey);
        if (e.expireAt() != KeyEntry.NO_EXPIRE) setExpire(n, e.expireAt());
        keyspace.listener.keyModified(this, newKey);
        keyspace.listener.keyReady(this, newKey);
        return n;
    }

    /**
     * MOVE: takes the entry out of this database into {@code dst}, where its key must be absent;
     * value, expiry, access clock and flags go with it.
     */
    public void moveTo(KeyEntry e, Database dst) {
        remove(e);
        byte[] key = e.key();
        long a = dst.table.add(key, e.value(), e.meta());
        keyspace.listener.keyAdded(dst, key);
        if (e.expireAt() != KeyEntry.NO_EXPIRE) {
            dst.table.expireAt(a, e.expireAt());
            dst.expires.add(a);
            if (keyspace.replicaSetsExpire()) keyspace.replicaKeysWithExpire.remember(dst.id, key);
        }
        keyspace.listener.keyModified(dst, key);
        keyspace.listener.keyReady(dst, key);
    }

    public void setExpire(KeyEntry e, long whenMs) {
        if (keyspace.snapshot != null) keyspace.snapshot.beforeWrite(table, e);
        e.expireAt(whenMs);
        expires.add(e.address);
        byte[] key = e.key();
        if (keyspace.replicaSetsExpire()) keyspace.replicaKeysWithExpire.remember(id, key);
        keyspace.listener.keyModified(this, key);
    }

    /** Clears the expiry; true if there was one. */
    public boolean removeExpire(KeyEntry e) {
        if (e.expireAt() == KeyEntry.NO_EXPIRE) return false;
        if (keyspace.snapshot != null) keyspace.snapshot.beforeWrite(table, e);
        e.expireAt(KeyEntry.NO_EXPIRE);
        expires.remove(e.address);
        keyspace.listener.keyModified(this, e.key());
        return true;
    }

    /** A random live key, or null. Gives up on expired picks after a bound, as Redis's dbRandomKey. */
    public KeyEntry randomKey() {
        int tries = 100;
        while (table.size() > 0 && tries-- > 0) {
            KeyEntry e = view(table.random());
            if (!isExpired(e)) return e;
            if (keyspace.expireOnAccess()) expireNow(e);
            else if (expires.size() == table.size()) return e; // a replica full of stale keys: return one
        }
        return null;
    }

    /** One SCAN step; see {@link Dict#scan}. The visitor must not modify the database. */
    public long scan(long cursor, Consumer<KeyEntry> visitor) {
        return table.scan(cursor, a -> visitor.accept(new KeyEntry(table, a)));
    }

    public void forEach(Consumer<KeyEntry> visitor) {
        table.forEach(a -> visitor.accept(new KeyEntry(table, a)));
    }

    /** Removes every key; returns how many there were. */
    public int clear() {
        int n = table.size();
        keyspace.listener.databaseEmptying(this, null);
        table = new KeyTable(keyspace);
        expires = new ExpireIndex(table);
        keyspace.listener.databaseCleared(this);
        return n;
    }

    /** SWAPDB: exchanges contents; clients keep their database numbers. */
    void swapContents(Database other) {
        KeyTable t = table;
        table = other.table;
        other.table = t;
        ExpireIndex x = expires;
        expires = other.expires;
        other.expires = x;
        // A loaded data set's tables were told to report to the loader's keyspace, now gone.
        if (other.keyspace != keyspace) {
            table.rebind(keyspace);
            other.table.rebind(other.keyspace);
        }
    }

    /**
     * A writable replica's cron: deletes {@code key} if it is here with a TTL that passed. Returns -1
     * when it was deleted, 1 when it still has a TTL to wait for, 0 when it has none (or is gone).
     */
    int expireReplicaKey(byte[] key) {
        KeyEntry e = view(table.find(key));
        if (e == null || e.expireAt() == KeyEntry.NO_EXPIRE) return 0;
        if (keyspace.now <= e.expireAt()) return 1;
        expireNow(e);
        return -1;
    }

    void expireNow(KeyEntry e) {
        remove(e);
        keyspace.expiredKeys++;
        keyspace.listener.keyExpired(this, e.key());
    }

    /**
     * Samples keys with an expiry and deletes the expired ones, like one pass of Redis's active expire
     * cycle. Returns how many of {@code samples} were expired.
     */
    int activeExpire(int samples) {
        int expired = 0, ttlSamples = 0;
        long ttlSum = 0;
        for (int i = 0; i < samples && expires.size() > 0; i++) {
            KeyEntry e = view(expires.random());
            long at = e.expireAt();
            if (keyspace.now > at) {
                expireNow(e);
                expired++;
            } else {
                ttlSum += at - keyspace.now;
                ttlSamples++;
            }
        }
        if (ttlSamples > 0) {
            // Redis's running estimate for INFO keyspace: each sample weighs 2%.
            long avg = ttlSum / ttlSamples;
            avgTtl = avgTtl == 0 ? avg : (avgTtl / 50) * 49 + (avg / 50);
        }
        return expired;
    }

    /** Estimated average remaining TTL in ms of keys with an expiry (INFO keyspace avg_ttl). */
    public long avgTtl() {
        return expires.size() == 0 ? 0 : avgTtl;
    }

    void cron(long rehashMillis) {
        table.shrinkIfNeeded();
        table.rehashMillis(rehashMillis);
    }

    /**
     * Accounted bytes of the database (its share of Redis's used_memory): keys, values, the table and
     * the expiry index. Values changed by the running command count from its end.
     */
    public long memory() {
        return table.memory() + expires.memory();
    }

    /** MEMORY STATS overhead.hashtable.main: the key table's own arrays. */
    public long tableOverhead() {
        return table.memory() - table.dataMemory();
    }

    /** MEMORY STATS overhead.hashtable.expires: the expiry index. */
    public long expiresOverhead() {
        return expires.memory();
    }

    /**
     * Redis's dictGetSomeKeys for the eviction pool: up to {@code count} keys of the table (or of
     * the keys with an expiry), from a random point; visits each as a view.
     */
    void sample(boolean volatileOnly, int count, Consumer<KeyEntry> visitor) {
        if (volatileOnly) expires.sample(count, a -> visitor.accept(new KeyEntry(table, a)));
        else table.sample(count, a -> visitor.accept(new KeyEntry(table, a)));
    }

    /** A random key of the table or of the keys with an expiry, or null (the random policies). */
    KeyEntry randomForEviction(boolean volatileOnly) {
        return view(volatileOnly ? expires.random() : table.random());
    }

    /** Accounted bytes of one key (its record and value), as the eviction measures what it frees. */
    long memoryOf(KeyEntry e) {
        return table.memoryOf(e.address);
    }

    /** DEBUG HTSTATS: the statistics of the key table (Redis's dictGetStats). */
    public String tableStats() {
        return table.stats();
    }

    public boolean rehashing() {
        return table.isRehashing();
    }
}
