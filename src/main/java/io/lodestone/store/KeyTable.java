package io.lodestone.store;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;

/**
 * The keys of one database, kept where the collector does not look: each key is a record in
 * {@link Slabs} pages - header, key bytes and, for a small string, the value's bytes - and the table
 * is an array of {@code long} record addresses. A key costs no object; a value that is a collection,
 * a large string or a string written in place ({@link KeyEntry#FLAG_RAW}) stays an object, held in
 * {@link HeldValues} by index.
 *
 * <p>The index is Redis's dict with addresses for pointers: power-of-two bucket arrays, chains
 * threaded through the records, incremental rehashing (records never move, only their links) and the
 * reverse-binary SCAN cursor, so SCAN and snapshots keep their guarantees.
 *
 * <p>Records removed by a command stay readable until the keyspace's next {@link #reclaim} (at the
 * start of the next command): {@link KeyEntry} views taken during the command - a removed entry whose
 * key is then notified, a RENAME that re-adds the value - never see memory reused under them.
 *
 * <p>Not thread-safe: owned by the thread that executes commands.
 */
final class KeyTable {
    /** long: the next record in the bucket's chain, 0 for none. */
    static final int NEXT = 0;
    /** long: absolute expiry in unix ms, or {@link KeyEntry#NO_EXPIRE}. */
    static final int EXPIRE = 8;
    /** int: access clock, flags and snapshot epoch (see {@link KeyEntry}). */
    static final int META = 16;
    /** int: position in the database's expiry index, or -1. */
    static final int TTL_SLOT = 20;
    /** int: the low 32 bits of the key's hash (rehashing never reads the key). */
    static final int HASH = 24;
    static final int KEY_LENGTH = 28;
    /** int: the inline string's length when {@code >= 0}; else {@code -1 - index} into {@link #held}. */
    static final int VALUE = 32;
    /** int: the record's allocated size. */
    static final int SIZE = 36;
    static final int HEADER = 40;
    /** Room always left for an inline value, so a counter's value can grow a few digits in place. */
    private static final int MIN_VALUE_ROOM = 8;

    private static final int INITIAL_SIZE = 4;
    private static final int MIN_FILL_PERCENT = 10;
    private static final int FAIR_SAMPLE = 15;

    final Slabs slabs = new Slabs();
    private long[] table0 = new long[INITIAL_SIZE];
    private long[] table1;
    private int used0;
    private int used1;
    private int rehashIndex = -1;

    /** The values held as objects, and their accounted sizes. */
    private final HeldValues held = new HeldValues();

    /** Records removed since the last {@link #reclaim}. */
    private long[] removed = new long[16];
    private int removedCount;
    /** The keyspace the table belongs to: told when a {@link #reclaim} is due, asked before growing. */
    private Keyspace owner;

    /** Accounted bytes of the records linked in the table, as allocated (Redis's used_memory for the keys). */
    private long recordMemory;

    KeyTable(Keyspace owner) {
        this.owner = owner;
    }

    int size() {
        return used0 + used1;
    }

    /**
     * The table now belongs to another keyspace (a loaded data set adopted, SWAPDB across keyspaces):
     * it is the one to call {@link #reclaim} from now on, starting with what is pending.
     */
    void rebind(Keyspace owner) {
        this.owner = owner;
        if (removedCount > 0 || held.hasChanges()) owner.reclaimLater(this);
    }

    boolean isRehashing() {
        return rehashIndex >= 0;
    }

    // ---- Records -----------------------------------------------------------------------------------

    byte[] key(long a) {
        int n = slabs.getInt(a, KEY_LENGTH);
        int off = Slabs.offset(a) + HEADER;
        return Arrays.copyOfRange(slabs.array(a), off, off + n);
    }

    private boolean keyEquals(long a, int hash, byte[] key) {
        if (slabs.getInt(a, HASH) != hash || slabs.getInt(a, KEY_LENGTH) != key.length) return false;
        int off = Slabs.offset(a) + HEADER;
        return Arrays.equals(slabs.array(a), off, off + key.length, key, 0, key.length);
    }

    long expireAt(long a) {
        return slabs.getLong(a, EXPIRE);
    }

    void expireAt(long a, long when) {
        slabs.putLong(a, EXPIRE, when);
    }

    int meta(long a) {
        return slabs.getInt(a, META);
    }

    void meta(long a, int meta) {
        slabs.putInt(a, META, meta);
    }

    int ttlSlot(long a) {
        return slabs.getInt(a, TTL_SLOT);
    }

    void ttlSlot(long a, int slot) {
        slabs.putInt(a, TTL_SLOT, slot);
    }

    /** The value: a new array with an inline string's bytes, or the object held. */
    Object value(long a) {
        int v = slabs.getInt(a, VALUE);
        if (v < 0) return held.get(-1 - v);
        int off = Slabs.offset(a) + HEADER + slabs.getInt(a, KEY_LENGTH);
        return Arrays.copyOfRange(slabs.array(a), off, off + v);
    }

    /** True when the value is a string stored in the record (see {@link #inlineOffset}). */
    boolean isInline(long a) {
        return slabs.getInt(a, VALUE) >= 0;
    }

    /** An inline value's length. */
    int inlineLength(long a) {
        return slabs.getInt(a, VALUE);
    }

    /** Where an inline value's bytes start in {@link Slabs#array}. */
    int inlineOffset(long a) {
        return Slabs.offset(a) + HEADER + slabs.getInt(a, KEY_LENGTH);
    }

    /**
     * Stores {@code value}: a string that fits the record is copied into it (the caller keeps its
     * array); anything else is held as an object.
     */
    void value(long a, Object value) {
        int v = slabs.getInt(a, VALUE);
        if (value instanceof byte[] s && HEADER + slabs.getInt(a, KEY_LENGTH) + s.length <= slabs.getInt(a, SIZE)) {
            if (v < 0) held.release(-1 - v);
            System.arraycopy(s, 0, slabs.array(a), inlineOffset(a), s.length);
            slabs.putInt(a, VALUE, s.length);
        } else {
            holdObject(a, v, value);
        }
    }

    /** Stores {@code value} as an object whatever it is: a string its owner writes in place. */
    void valueObject(long a, Object value) {
        holdObject(a, slabs.getInt(a, VALUE), value);
    }

    private void holdObject(long a, int v, Object value) {
        if (!held.hasChanges() && removedCount == 0) owner.reclaimLater(this);
        if (v < 0) held.set(-1 - v, value);
        else slabs.putInt(a, VALUE, -1 - held.add(value));
    }

    // ---- Memory accounting -------------------------------------------------------------------------

    /** Record {@code a}'s value (held as an object) is about to be written in place. */
    void changing(long a) {
        int v = slabs.getInt(a, VALUE);
        if (v >= 0) return;
        if (!held.hasChanges() && removedCount == 0) owner.reclaimLater(this);
        held.changed(-1 - v);
    }

    /** Sizes the values changed since the last call (see {@link HeldValues#settle}). */
    void settle() {
        held.settle();
    }

    /**
     * Accounted bytes of the table: its records and values (as of the last {@link #settle}), the
     * bucket arrays and the object index.
     */
    long memory() {
        long buckets = ObjectSize.primitives(table0.length, 8) + (table1 == null ? 0 : ObjectSize.primitives(table1.length, 8));
        return dataMemory() + buckets + held.indexMemory();
    }

    /** Accounted bytes of the records and values alone, without the table's arrays. */
    long dataMemory() {
        return recordMemory + held.memory();
    }

    /** Accounted bytes of one key: its record and its value as last sized (the eviction's own measure). */
    long memoryOf(long a) {
        int v = slabs.getInt(a, VALUE);
        return slabs.getInt(a, SIZE) + (v < 0 ? held.size(-1 - v) : 0);
    }

    /** Bytes of one record as allocated. */
    int recordSize(long a) {
        return slabs.getInt(a, SIZE);
    }

    private long newRecord(byte[] key, int hash, Object value, int meta) {
        boolean inline = value instanceof byte[] s && (meta & KeyEntry.FLAG_RAW) == 0
                && HEADER + key.length + s.length <= Slabs.MAX_CLASS;
        int room = inline ? Math.max(((byte[]) value).length, MIN_VALUE_ROOM) : 0;
        int size = Slabs.rounded(HEADER + key.length + room);
        long a = slabs.allocate(size);
        recordMemory += size;
        slabs.putLong(a, NEXT, 0);
        slabs.putLong(a, EXPIRE, KeyEntry.NO_EXPIRE);
        slabs.putInt(a, META, meta);
        slabs.putInt(a, TTL_SLOT, -1);
        slabs.putInt(a, HASH, hash);
        slabs.putInt(a, KEY_LENGTH, key.length);
        slabs.putInt(a, SIZE, size);
        slabs.putInt(a, VALUE, 0);
        System.arraycopy(key, 0, slabs.array(a), Slabs.offset(a) + HEADER, key.length);
        if (inline) value(a, value);
        else holdObject(a, 0, value);
        return a;
    }

    // ---- Index -------------------------------------------------------------------------------------

    /** The record of {@code key}, or 0. */
    long find(byte[] key) {
        if (size() == 0) return 0;
        if (rehashIndex >= 0) rehashStep();
        int h = (int) Dict.hash(key);
        for (long a = table0[h & (table0.length - 1)]; a != 0; a = slabs.getLong(a, NEXT)) {
            if (keyEquals(a, h, key)) return a;
        }
        if (table1 != null) {
            for (long a = table1[h & (table1.length - 1)]; a != 0; a = slabs.getLong(a, NEXT)) {
                if (keyEquals(a, h, key)) return a;
            }
        }
        return 0;
    }

    /** Adds a key known to be absent; returns its record. */
    long add(byte[] key, Object value, int meta) {
        if (rehashIndex >= 0) rehashStep();
        else expandIfNeeded();
        int h = (int) Dict.hash(key);
        long a = newRecord(key, h, value, meta);
        link(a, h);
        return a;
    }

    /** Adds the key unless present, hashing it once: the new record, or 0 (nothing changes). */
    long addIfAbsent(byte[] key, Object value, int meta) {
        if (rehashIndex >= 0) rehashStep();
        else expandIfNeeded();
        int h = (int) Dict.hash(key);
        for (long a = table0[h & (table0.length - 1)]; a != 0; a = slabs.getLong(a, NEXT)) {
            if (keyEquals(a, h, key)) return 0;
        }
        if (table1 != null) {
            for (long a = table1[h & (table1.length - 1)]; a != 0; a = slabs.getLong(a, NEXT)) {
                if (keyEquals(a, h, key)) return 0;
            }
        }
        long a = newRecord(key, h, value, meta);
        link(a, h);
        return a;
    }

    private void link(long a, int h) {
        if (table1 != null) {
            int i = h & (table1.length - 1);
            slabs.putLong(a, NEXT, table1[i]);
            table1[i] = a;
            used1++;
        } else {
            int i = h & (table0.length - 1);
            slabs.putLong(a, NEXT, table0[i]);
            table0[i] = a;
            used0++;
        }
    }

    /**
     * Unlinks record {@code a}; its memory (and its value's slot) is given back at the next
     * {@link #reclaim}, so it stays readable until then.
     */
    void remove(long a) {
        if (rehashIndex >= 0) rehashStep();
        int h = slabs.getInt(a, HASH);
        if (unlink(table0, h & (table0.length - 1), a)) used0--;
        else if (table1 != null && unlink(table1, h & (table1.length - 1), a)) used1--;
        else return;
        // The key's memory is given back now, as far as accounting goes: eviction measures what it freed.
        recordMemory -= slabs.getInt(a, SIZE);
        int v = slabs.getInt(a, VALUE);
        if (v < 0) held.detach(-1 - v);
        if (removedCount == 0 && !held.hasChanges()) owner.reclaimLater(this);
        if (removedCount == removed.length) removed = Arrays.copyOf(removed, removedCount * 2);
        removed[removedCount++] = a;
    }

    private boolean unlink(long[] table, int i, long target) {
        long prev = 0;
        for (long a = table[i]; a != 0; prev = a, a = slabs.getLong(a, NEXT)) {
            if (a == target) {
                long next = slabs.getLong(a, NEXT);
                if (prev == 0) table[i] = next;
                else slabs.putLong(prev, NEXT, next);
                return true;
            }
        }
        return false;
    }

    /**
     * After a command: sizes the values it changed ({@link #settle}) and gives back the memory of
     * records removed since the last call.
     */
    void reclaim() {
        held.settle();
        for (int i = 0; i < removedCount; i++) {
            long a = removed[i];
            int v = slabs.getInt(a, VALUE);
            if (v < 0) held.release(-1 - v);
            slabs.free(a, slabs.getInt(a, SIZE));
        }
        removedCount = 0;
        if (removed.length > 1024) removed = new long[16];
    }

    /** A random record, or 0 when empty. Chains make it slightly unfair, as in Redis. */
    long random() {
        if (size() == 0) return 0;
        if (rehashIndex >= 0) rehashStep();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long head;
        while (true) {
            if (table1 != null) {
                int span = table0.length - rehashIndex + table1.length;
                int i = rehashIndex + rnd.nextInt(span);
                head = i < table0.length ? table0[i] : table1[i - table0.length];
            } else {
                head = table0[rnd.nextInt(table0.length)];
            }
            if (head != 0) break;
        }
        int len = 0;
        for (long a = head; a != 0; a = slabs.getLong(a, NEXT)) len++;
        int pick = rnd.nextInt(len);
        long a = head;
        while (pick-- > 0) a = slabs.getLong(a, NEXT);
        return a;
    }

    /**
     * Redis's dictGetSomeKeys: up to {@code count} records from the chains of consecutive buckets
     * after a random one (buckets are in hash order, so neighbours are unrelated keys), giving up
     * after {@code count * 10} buckets.
     */
    void sample(int count, LongConsumer visitor) {
        if (size() == 0) return;
        if (rehashIndex >= 0) rehashStep();
        int want = Math.min(count, size());
        int mask = Math.max(table0.length, table1 == null ? 0 : table1.length) - 1;
        int i = ThreadLocalRandom.current().nextInt(mask + 1);
        for (int steps = want * 10; want > 0 && steps > 0; steps--) {
            for (int t = 0; t < 2 && want > 0; t++) {
                long[] table = t == 0 ? table0 : table1;
                // Buckets of the old table below the rehash index are empty: they moved.
                if (table == null || i >= table.length || (t == 0 && table1 != null && i < rehashIndex)) continue;
                for (long a = table[i]; a != 0 && want > 0; a = slabs.getLong(a, NEXT), want--) visitor.accept(a);
            }
            i = (i + 1) & mask;
        }
    }

    /** Redis's dictGetFairRandomKey, as {@link Dict#fairRandom}: 0 when empty. */
    long fairRandom() {
        if (size() == 0) return 0;
        if (rehashIndex >= 0) rehashStep();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int mask = Math.max(table0.length, table1 == null ? 0 : table1.length) - 1;
        int i = rnd.nextInt(mask + 1);
        int sample = Math.min(FAIR_SAMPLE, size());
        long chosen = 0;
        int seen = 0, emptyRun = 0;
        for (int steps = sample * 10; seen < sample && steps > 0; steps--) {
            for (int t = 0; t < 2 && seen < sample; t++) {
                long[] table = t == 0 ? table0 : table1;
                if (table == null || i >= table.length || (t == 0 && table1 != null && i < rehashIndex)) continue;
                long a = table[i];
                if (a == 0) {
                    if (++emptyRun >= 5 && emptyRun > sample) {
                        i = rnd.nextInt(mask + 1);
                        emptyRun = 0;
                    }
                    continue;
                }
                emptyRun = 0;
                for (; a != 0 && seen < sample; a = slabs.getLong(a, NEXT)) {
                    if (rnd.nextInt(++seen) == 0) chosen = a;
                }
            }
            i = (i + 1) & mask;
        }
        return chosen != 0 ? chosen : random();
    }

    /** One step of Redis's reverse-binary scan (see {@link Dict#scan}); the visitor must not modify the table. */
    long scan(long cursor, LongConsumer visitor) {
        if (size() == 0) return 0;
        long v = cursor;
        if (table1 == null) {
            long m0 = table0.length - 1;
            visitChain(table0[(int) (v & m0)], visitor);
            v = Dict.nextCursor(v, m0);
        } else {
            long[] small = table0, large = table1;
            if (small.length > large.length) {
                small = table1;
                large = table0;
            }
            long m0 = small.length - 1, m1 = large.length - 1;
            visitChain(small[(int) (v & m0)], visitor);
            do {
                visitChain(large[(int) (v & m1)], visitor);
                v = Dict.nextCursor(v, m1);
            } while ((v & (m0 ^ m1)) != 0);
        }
        return v;
    }

    private void visitChain(long a, LongConsumer visitor) {
        while (a != 0) {
            long next = slabs.getLong(a, NEXT);
            visitor.accept(a);
            a = next;
        }
    }

    /** Visits every record; the visitor must not modify the table. */
    void forEach(LongConsumer visitor) {
        for (long head : table0) visitChain(head, visitor);
        if (table1 != null) for (long head : table1) visitChain(head, visitor);
    }

    /** Redis's dictGetStats for DEBUG HTSTATS (see {@link Dict#stats}). */
    String stats() {
        StringBuilder sb = new StringBuilder();
        tableStats(sb, 0, table0, used0);
        if (table1 != null) tableStats(sb, 1, table1, used1);
        return sb.length() > 4095 ? sb.substring(0, 4095) : sb.toString();
    }

    private void tableStats(StringBuilder sb, int id, long[] table, int used) {
        long[] lengths = new long[Dict.STATS_VECTLEN];
        long slots = 0, maxChain = 0, totalChain = 0;
        if (used > 0) {
            for (long head : table) {
                if (head == 0) {
                    lengths[0]++;
                    continue;
                }
                slots++;
                long chain = 0;
                for (long a = head; a != 0; a = slabs.getLong(a, NEXT)) chain++;
                lengths[(int) Math.min(chain, Dict.STATS_VECTLEN - 1)]++;
                maxChain = Math.max(maxChain, chain);
                totalChain += chain;
            }
        }
        Dict.appendStats(sb, id, table.length, used, slots, maxChain, totalChain, lengths);
    }

    // ---- Resizing ----------------------------------------------------------------------------------

    /**
     * From this many buckets the next, doubled table is allocated ahead on another thread once the
     * table is three-quarters full: zeroing and first-touching 128 MB of buckets (16M keys) on the
     * command thread stalled every client for tens of milliseconds.
     */
    private static final int PREPARE_FROM = 1 << 16;
    private static final ExecutorService PREPARER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lodestone-table-alloc");
        t.setDaemon(true);
        return t;
    });
    private Future<long[]> prepared;

    /** Redis's dict_force_resize_ratio less one: past this fill the table grows whatever memory says. */
    private static final double FORCE_GROW_FILL = 1.618;

    private void expandIfNeeded() {
        // Redis's dictExpandAllowed: at normal fill, growing must not take memory past maxmemory.
        if (used0 >= table0.length && (used0 > table0.length * FORCE_GROW_FILL
                || owner.expandAllowed(ObjectSize.primitives(Math.max(INITIAL_SIZE, Dict.tableSizeFor((long) used0 * 2)), 8)))) {
            startRehash(Math.max(INITIAL_SIZE, Dict.tableSizeFor((long) used0 * 2)));
        } else if (prepared == null && table0.length >= PREPARE_FROM && used0 >= table0.length - (table0.length >> 2)) {
            int size = table0.length * 2;
            prepared = PREPARER.submit(() -> new long[size]);
        }
    }

    /** A zeroed table of {@code size} buckets: the one prepared ahead when it is ready and fits. */
    private long[] newBuckets(int size) {
        Future<long[]> f = prepared;
        prepared = null;
        if (f != null && f.isDone()) {
            try {
                long[] t = f.get();
                if (t.length == size) return t;
            } catch (InterruptedException | ExecutionException e) {
                // An allocation that failed there is tried here.
            }
        } else if (f != null) {
            f.cancel(false);
        }
        return new long[size];
    }

    /** Redis's dictExpand for an empty table (an RDB's RESIZEDB): see {@link Dict#expand}. */
    void expand(long size) {
        if (size() != 0 || rehashIndex >= 0 || size <= table0.length) return;
        table0 = new long[Dict.tableSizeFor(size)];
    }

    void shrinkIfNeeded() {
        if (rehashIndex >= 0 || table0.length <= INITIAL_SIZE) return;
        if ((long) used0 * 100 / table0.length < MIN_FILL_PERCENT) {
            startRehash(Math.max(INITIAL_SIZE, Dict.tableSizeFor(used0)));
        }
    }

    private void startRehash(int size) {
        if (size == table0.length) return;
        table1 = newBuckets(size);
        used1 = 0;
        rehashIndex = 0;
        if (used0 == 0) finishRehash();
    }

    private void rehashStep() {
        rehash(1);
    }

    private boolean rehash(int n) {
        int emptyVisits = n * 10;
        long[] src = table0, dst = table1;
        int mask = dst.length - 1;
        while (n-- > 0 && used0 > 0) {
            while (src[rehashIndex] == 0) {
                rehashIndex++;
                if (--emptyVisits == 0) return true;
            }
            long a = src[rehashIndex];
            while (a != 0) {
                long next = slabs.getLong(a, NEXT);
                int i = slabs.getInt(a, HASH) & mask;
                slabs.putLong(a, NEXT, dst[i]);
                dst[i] = a;
                used0--;
                used1++;
                a = next;
            }
            src[rehashIndex++] = 0;
        }
        if (used0 == 0) {
            finishRehash();
            return false;
        }
        return true;
    }

    private void finishRehash() {
        table0 = table1;
        used0 = used1;
        table1 = null;
        used1 = 0;
        rehashIndex = -1;
    }

    boolean rehashMillis(long millis) {
        if (rehashIndex < 0) return false;
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (rehash(100)) {
            if (System.nanoTime() > deadline) return true;
        }
        return false;
    }
}
