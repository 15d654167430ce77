package io.lodestone.store;

/**
 * All databases, the clock commands run under, and the counters Redis keeps about data.
 *
 * <p>{@link #now} is set once per command by the dispatcher, so a command sees one instant (Redis's
 * cached {@code mstime}); expiry decisions are made against it.
 */
public final class Keyspace {
    /**
     * Told what happens to keys, so the command layer can propagate deletions the keyspace makes on its
     * own, invalidate WATCHes and serve blocked clients. Implementations must be cheap when nobody
     * watches or waits: these run on every write.
     */
    public interface Listener {
        /** The key expired and was deleted (lazily or actively). */
        default void keyExpired(Database db, byte[] key) {
        }

        /** The key was evicted to respect maxmemory (after its removal was reported as a change). */
        default void keyEvicted(Database db, byte[] key) {
        }

        /** The key was added, overwritten, deleted, or its value or expiry changed. */
        default void keyModified(Database db, byte[] key) {
        }

        /** The key was created (Redis's dbAdd: keyspace event "new"). */
        default void keyAdded(Database db, byte[] key) {
        }

        /** A read found no key (Redis's lookupKey miss: keyspace event "keymiss"). */
        default void keyMissed(Database db, byte[] key) {
        }

        /** The key was created or received elements: clients blocked on it may be served. */
        default void keyReady(Database db, byte[] key) {
        }

        /**
         * The contents of {@code emptied} are about to be dropped (FLUSHDB, FLUSHALL) or replaced by
         * those of {@code replacedWith} (SWAPDB, a loaded data set); both are still as they were.
         */
        default void databaseEmptying(Database emptied, Database replacedWith) {
        }

        /** The database's keys were all removed (FLUSHDB, FLUSHALL) or replaced by a loaded data set. */
        default void databaseCleared(Database db) {
        }

        /** SWAPDB exchanged the contents of two databases. */
        default void databasesSwapped(Database a, Database b) {
        }
    }

    private static final Listener NONE = new Listener() { };

    private Database[] dbs;
    Listener listener = NONE;
    /** Unix time in ms for the command being executed. */
    public long now = System.currentTimeMillis();
    /** Changes since the last save, as Redis's server.dirty: a command that changes data adds to it. */
    public long dirty;
    long keyspaceHits;
    long keyspaceMisses;
    long expiredKeys;
    long evictedKeys;
    private double expiredStalePerc;
    private long expireTimeCapReached;
    private long expireCycleNanos;
    /** Values deleted lazily that Redis would free in its background thread ({@link LazyFree}). */
    long lazyfreedObjects;
    /** Picks and removes keys for maxmemory. */
    public final Eviction eviction = new Eviction(this);
    /** The snapshot in progress, or null (checked by every write: see {@link Snapshot}). */
    Snapshot snapshot;
    /** The epoch new entries are born with: that of the last snapshot started (0 before any). */
    int epoch;
    /** Bit i set: some live entry may carry epoch i. A new snapshot needs an epoch no entry has. */
    private int liveEpochs = 1;
    /**
     * How this server treats a key whose time has passed (Redis's expireIfNeeded): a master deletes
     * it; a replica keeps it and only hides it, since its master sends the DEL; a writable replica
     * also deletes it when a write looks it up, so that the write starts from no key (Redis's
     * EXPIRE_FORCE_DELETE_EXPIRED), and expires in cron the keys its own clients gave a TTL.
     */
    public enum ExpiryRole { MASTER, REPLICA, WRITABLE_REPLICA }

    private ExpiryRole expiryRole = ExpiryRole.MASTER;
    /** Keys given a TTL by a writable replica's own clients (Redis's slaveKeysWithExpire). */
    final ReplicaKeysWithExpire replicaKeysWithExpire = new ReplicaKeysWithExpire();
    /**
     * Set while a replica executes its master's stream: for the master no key has expired (Redis's
     * expireIfNeeded for server.master), since the master decides and sends the DEL.
     */
    public boolean obeyingMaster;
    /**
     * Redis's server.loading as the data sees it: while a dataset is being loaded (an AOF replayed,
     * an RDB read) nothing expires, lazily or actively, because a later command of the file may
     * change the TTL (PERSIST, SET KEEPTTL...).
     * Written only by the loading state ({@code persistence.Loading}).
     */
    boolean loading;
    /** Clients are paused; see {@link #paused(boolean)}. */
    private boolean paused;
    private boolean activeExpire = true;
    private int expireCursor;
    /**
     * maxmemory with an LRU or LFU policy: every value needs its own access clock, so small integers
     * are not shared between keys (Redis's MAXMEMORY_FLAG_NO_SHARED_INTEGERS; OBJECT REFCOUNT shows it).
     */
    public volatile boolean noSharedIntegers;
    /** An LFU maxmemory-policy: key clocks hold {@link Lfu} access data instead of an LRU time. */
    private volatile boolean lfu;
    private volatile long lfuLogFactor = 10, lfuDecayTime = 1;

    public Keyspace(int databases) {
        dbs = new Database[databases];
        for (int i = 0; i < databases; i++) dbs[i] = new Database(i, this);
    }

    /** The function libraries: data like the keys (see {@link FunctionStore}). */
    private FunctionStore functions = FunctionStore.NONE;

    public void functions(FunctionStore functions) {
        this.functions = functions;
    }

    public FunctionStore functions() {
        return functions;
    }

    public void listener(Listener l) {
        this.listener = l == null ? NONE : l;
    }

    public Database db(int index) {
        return dbs[index];
    }

    public int databases() {
        return dbs.length;
    }

    /**
     * Refreshes the cached clock before a command; the memory of keys removed by earlier commands
     * is given back now, when no {@link KeyEntry} view of them is in use any more.
     */
    public long tick() {
        if (reclaimCount > 0) reclaim();
        return now = System.currentTimeMillis();
    }

    /** Tables holding records removed since the last {@link #tick}. */
    private KeyTable[] toReclaim = new KeyTable[4];
    private int reclaimCount;

    void reclaimLater(KeyTable t) {
        if (reclaimCount == toReclaim.length) toReclaim = java.util.Arrays.copyOf(toReclaim, reclaimCount * 2);
        toReclaim[reclaimCount++] = t;
    }

    private void reclaim() {
        for (int i = 0; i < reclaimCount; i++) {
            toReclaim[i].reclaim();
            toReclaim[i] = null;
        }
        reclaimCount = 0;
    }

    /**
     * Accounted bytes of all databases (Redis's used_memory less the server's own structures):
     * up to date with every value changed so far, including by the running command.
     */
    public long memory() {
        for (int i = 0; i < reclaimCount; i++) toReclaim[i].settle();
        long sum = 0;
        for (Database db : dbs) sum += db.memory();
        return sum;
    }

    /** INFO memory lazyfreed_objects. */
    public long lazyfreedObjects() {
        return lazyfreedObjects;
    }

    /** A lazy flush (FLUSHALL/FLUSHDB ASYNC) of {@code keys} keys: Redis frees them all in the background. */
    public void lazyFlushed(long keys) {
        lazyfreedObjects += keys;
    }

    /**
     * Asked before a key table grows (Redis's dictExpandAllowed): false when allocating {@code bytes}
     * more would take used memory past maxmemory. Set by the command layer, which knows the limit.
     */
    public volatile java.util.function.LongPredicate growthAllowed = bytes -> true;

    boolean expandAllowed(long bytes) {
        return growthAllowed.test(bytes);
    }

    /** Keys evicted for maxmemory since the last reset (INFO stats evicted_keys). */
    public long evictedKeys() {
        return evictedKeys;
    }

    /** Redis's LRU clock: seconds, 24 bits, wrapping. */
    public int lruClock() {
        return (int) ((now / 1000) & 0xFFFFFF);
    }

    /** Whether key clocks count accesses (an LFU maxmemory-policy) rather than time them. */
    public void lfu(boolean lfu) {
        this.lfu = lfu;
    }

    /** lfu-log-factor: how many accesses it takes to grow the counter. */
    public void lfuLogFactor(long v) {
        this.lfuLogFactor = v;
    }

    /** lfu-decay-time: minutes per decrement of an idle key's counter. */
    public void lfuDecayTime(long v) {
        this.lfuDecayTime = v;
    }

    /** The access data a new key starts with (Redis's createObject). */
    int newClock() {
        return lfu ? Lfu.clock(now, Lfu.INIT_VAL) : lruClock();
    }

    /** Records an access to the entry (Redis's lookupKey: updateLFU, or the LRU clock). */
    void touch(KeyEntry e) {
        e.clock(lfu ? Lfu.touched(e.clock(), now, lfuDecayTime, lfuLogFactor) : lruClock());
    }

    /** OBJECT FREQ: the entry's access counter, decayed to now (LFUDecrAndReturn). */
    public int lfuCounter(KeyEntry e) {
        return Lfu.counter(e.clock(), now, lfuDecayTime);
    }

    /**
     * Redis's objectSetLRUOrLFU: under an LFU policy a known frequency (0-255) becomes the counter;
     * otherwise a known idle time (seconds) dates the last access back. A value of -1 is unknown.
     */
    public void setAccess(KeyEntry e, long lfuFreq, long lruIdleSeconds) {
        if (lfu) {
            if (lfuFreq >= 0) e.clock(Lfu.clock(now, (int) lfuFreq));
        } else if (lruIdleSeconds >= 0) {
            long abs = lruClock() - lruIdleSeconds;
            if (abs < 0) abs += 0xFFFFFF; // the clock wraps; the access was in the past
            e.clock((int) abs);
        }
    }

    /** Seconds since the entry was last accessed (OBJECT IDLETIME). */
    public long idleSeconds(KeyEntry e) {
        int clock = lruClock(), last = e.clock();
        return clock >= last ? clock - last : (0xFFFFFF - last) + clock;
    }

    /**
     * Whether lookups delete expired keys. A replica keeps them (its master sends the DEL) and only
     * hides them; a master deletes them.
     */
    public boolean expireOnAccess() {
        return expiryRole == ExpiryRole.MASTER && !paused;
    }

    /**
     * Whether a lookup that finds an expired key deletes it: a master's, unless clients are paused
     * (a read then only hides it), and a writable replica's writes. A write on a master deletes it
     * even while paused, so that the write starts from no key (only a transaction that paused clients
     * itself can write then).
     */
    boolean deletesExpiredOnLookup(boolean write) {
        return switch (expiryRole) {
            case MASTER -> write || !paused;
            case WRITABLE_REPLICA -> write;
            case REPLICA -> false;
        };
    }

    /** Set by the server when it becomes a master or a replica, or replica-read-only changes. */
    public void expiryRole(ExpiryRole role) {
        if (role == ExpiryRole.MASTER) replicaKeysWithExpire.clear();
        expiryRole = role;
    }

    /**
     * Whether a TTL being set now comes from a writable replica's own client (Redis's setExpire test
     * for rememberSlaveKeyWithExpire): not the master's stream, not a load.
     */
    boolean replicaSetsExpire() {
        return expiryRole == ExpiryRole.WRITABLE_REPLICA && !obeyingMaster && !loading;
    }

    /**
     * Redis's checkAlreadyExpired: whether a TTL being set at {@code when} (ms) means deleting the key
     * at once. Not while loading (a later command of the file may still change it), and not on a
     * replica, which stores the time and waits for its master's DEL.
     */
    public boolean alreadyExpired(long when) {
        return when <= now && expiryRole == ExpiryRole.MASTER && !loading;
    }

    public boolean loading() {
        return loading;
    }

    /**
     * Set while clients are paused: the data set stays as it is, so keys whose time has passed read
     * as missing but are not deleted, on access or by active expiry (Redis's expireIfNeeded).
     */
    public void paused(boolean v) {
        this.paused = v;
    }

    /** Whether an expired key found by a read (SCAN's check) is deleted now or only hidden. */
    boolean deletesExpiredOnAccess() {
        return deletesExpiredOnLookup(false);
    }

    /** Set by the one owner of the loading state; see {@link #loading}. */
    public void loading(boolean v) {
        this.loading = v;
    }

    /** DEBUG SET-ACTIVE-EXPIRE: whether cron deletes expired keys nobody asks for. */
    public void activeExpire(boolean enabled) {
        this.activeExpire = enabled;
    }

    public long keyspaceHits() {
        return keyspaceHits;
    }

    public long keyspaceMisses() {
        return keyspaceMisses;
    }

    public long expiredKeys() {
        return expiredKeys;
    }

    public void resetStats() {
        keyspaceHits = keyspaceMisses = expiredKeys = evictedKeys = lazyfreedObjects = expireTimeCapReached = expireCycleNanos = 0;
    }

    public long totalKeys() {
        long n = 0;
        for (Database db : dbs) n += db.size();
        return n;
    }

    public void swap(int a, int b) {
        listener.databaseEmptying(dbs[a], dbs[b]);
        listener.databaseEmptying(dbs[b], dbs[a]);
        dbs[a].swapContents(dbs[b]);
        listener.databasesSwapped(dbs[a], dbs[b]);
    }

    /**
     * Replaces the contents of every database with those of {@code loaded} (a keyspace filled by the
     * RDB loader), which gets the previous contents. Same number of databases.
     */
    public void adopt(Keyspace loaded) {
        for (int i = 0; i < dbs.length; i++) {
            listener.databaseEmptying(dbs[i], loaded.dbs[i]);
            dbs[i].swapContents(loaded.dbs[i]);
            listener.databaseCleared(dbs[i]);
        }
        eviction.clear();
    }

    /**
     * Starts a point-in-time snapshot of every database; the caller drives it with
     * {@link Snapshot#advance}. Throws if one is already running.
     */
    public Snapshot startSnapshot(Snapshot.Visitor visitor) {
        if (snapshot != null) throw new IllegalStateException("a snapshot is already in progress");
        int free = ~liveEpochs & ~1; // epoch 0 is what loaded entries are born with: never a snapshot's
        if (free == 0) {
            // Every epoch may be in use after many aborted snapshots: relabel all entries (rare, O(keys)).
            for (Database d : dbs) d.forEach(e -> e.epoch(0));
            liveEpochs = 1;
            free = ~1;
        }
        epoch = Integer.numberOfTrailingZeros(free);
        liveEpochs |= 1 << epoch;
        snapshot = new Snapshot(this, visitor, epoch, true);
        return snapshot;
    }

    /**
     * A snapshot walked to the end by the caller before anything else runs (SAVE): it leaves no marks
     * and may be taken while a background snapshot is in progress.
     */
    public Snapshot synchronousSnapshot(Snapshot.Visitor visitor) {
        return new Snapshot(this, visitor, -1, false);
    }

    /** The snapshot in progress, or null. */
    public Snapshot snapshot() {
        return snapshot;
    }

    void snapshotEnded(Snapshot s, boolean complete) {
        if (snapshot != s) return;
        snapshot = null;
        // A complete snapshot visited every entry that existed: they all carry its epoch now.
        if (complete) liveEpochs = 1 | (1 << s.epoch());
    }

    /** Empties every database; returns the number of keys removed. */
    public long flushAll() {
        long n = 0;
        for (Database db : dbs) n += db.clear();
        replicaKeysWithExpire.clear();
        return n;
    }

    /**
     * Active expiry: samples 20 keys with a TTL per database and keeps going while more than a quarter
     * of a sample was expired, within {@code budgetNanos} (Redis's activeExpireCycle, slow mode).
     */
    public void activeExpireCycle(long budgetNanos) {
        if (!activeExpire || loading || paused) return;
        if (expiryRole != ExpiryRole.MASTER) {
            // Redis's expireSlaveKeys: a replica expires only what its own clients gave a TTL.
            tick();
            replicaKeysWithExpire.expireCycle(this);
            return;
        }
        long begin = System.nanoTime(), deadline = begin + budgetNanos;
        tick();
        long sampled = 0, expiredTotal = 0;
        boolean timedOut = false;
        for (int n = 0; n < dbs.length && !timedOut; n++) {
            Database db = dbs[expireCursor];
            expireCursor = (expireCursor + 1) % dbs.length;
            int iterations = 0;
            while (db.expiresSize() > 0) {
                sampled += Math.min(20, db.expiresSize());
                int expired = db.activeExpire(20);
                expiredTotal += expired;
                if ((++iterations & 15) == 0 && System.nanoTime() > deadline) {
                    timedOut = true;
                    break;
                }
                if (expired <= 5) break;
            }
            if (System.nanoTime() > deadline) timedOut = true;
        }
        if (timedOut) expireTimeCapReached++;
        expireCycleNanos += System.nanoTime() - begin;
        // Redis's running estimate of the share of keys with a TTL that expired but are not deleted yet.
        double current = sampled == 0 ? 0 : (double) expiredTotal / sampled;
        expiredStalePerc = current * 0.05 + expiredStalePerc * 0.95;
    }

    /** INFO stats expired_stale_perc: the active expiry's estimate of expired keys not yet deleted (%). */
    public double expiredStalePercent() {
        return expiredStalePerc * 100;
    }

    /** INFO stats expire_cycle_cpu_milliseconds: time spent in active expiry cycles. */
    public long expireCycleMillis() {
        return expireCycleNanos / 1_000_000;
    }

    /** INFO stats expired_time_cap_reached_count: active expiry cycles that stopped at their time limit. */
    public long expireTimeCapReached() {
        return expireTimeCapReached;
    }

    /** INFO stats slave_expires_tracked_keys: keys a writable replica's own clients gave a TTL. */
    public long replicaKeysWithExpire() {
        return replicaKeysWithExpire.size();
    }

    /** Per-cron housekeeping: table shrinking and about a millisecond of incremental rehashing. */
    public void cron() {
        if (reclaimCount > 0) reclaim(); // keys expired by the last cycles, when no command is running
        for (Database db : dbs) db.cron(1);
    }
}
