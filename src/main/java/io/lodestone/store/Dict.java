package io.lodestone.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A hash table of byte-string keys in the manner of Redis's dict: power-of-two bucket arrays with
 * chaining, and <em>incremental rehashing</em>. When the table grows a second array is allocated and
 * buckets move across a few at a time on each operation (and in cron), so no single call ever
 * rehashes millions of keys. While rehashing, lookups consult both arrays and inserts go to the new one.
 *
 * <p>{@link #scan} is Redis's reverse-binary cursor: every element present for the whole scan is
 * returned at least once even if the table grows or shrinks between calls.
 *
 * <p>Not thread-safe: owned by the thread that executes commands.
 */
public final class Dict<E extends DictEntry> {
    private static final int INITIAL_SIZE = 4;
    /** Redis's HT_MIN_FILL: shrink when fewer than 10% of the buckets would be used. */
    private static final int MIN_FILL_PERCENT = 10;
    /** Redis's GETFAIR_NUM_ENTRIES: how many entries {@link #fairRandom} chooses among. */
    private static final int FAIR_SAMPLE = 15;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;

    private DictEntry[] table0 = new DictEntry[INITIAL_SIZE];
    private DictEntry[] table1;
    private int used0;
    private int used1;
    /** Next bucket of table0 to move while rehashing; -1 when not rehashing. */
    private int rehashIndex = -1;

    public int size() {
        return used0 + used1;
    }

    public boolean isRehashing() {
        return rehashIndex >= 0;
    }

    /** Bucket count of the main table (for INFO/DEBUG). */
    public int buckets() {
        return table0.length + (table1 == null ? 0 : table1.length);
    }

    @SuppressWarnings("unchecked")
    public E find(byte[] key) {
        if (size() == 0) return null;
        if (rehashIndex >= 0) rehashStep();
        long h = hash(key);
        for (DictEntry e = table0[(int) h & (table0.length - 1)]; e != null; e = e.next) {
            if (Arrays.equals(e.key, key)) return (E) e;
        }
        if (table1 != null) {
            for (DictEntry e = table1[(int) h & (table1.length - 1)]; e != null; e = e.next) {
                if (Arrays.equals(e.key, key)) return (E) e;
            }
        }
        return null;
    }

    /** Adds an entry whose key is known to be absent. */
    public void add(E entry) {
        if (rehashIndex >= 0) rehashStep();
        else expandIfNeeded();
        long h = hash(entry.key);
        if (table1 != null) {
            int i = (int) h & (table1.length - 1);
            entry.next = table1[i];
            table1[i] = entry;
            used1++;
        } else {
            int i = (int) h & (table0.length - 1);
            entry.next = table0[i];
            table0[i] = entry;
            used0++;
        }
    }

    /**
     * Adds {@code entry} unless its key is present, hashing the key once (a load checks every key for
     * duplicates): null when added, else the entry already there, and nothing changes.
     */
    @SuppressWarnings("unchecked")
    public E addIfAbsent(E entry) {
        if (rehashIndex >= 0) rehashStep();
        else expandIfNeeded();
        byte[] key = entry.key;
        long h = hash(key);
        for (DictEntry e = table0[(int) h & (table0.length - 1)]; e != null; e = e.next) {
            if (Arrays.equals(e.key, key)) return (E) e;
        }
        DictEntry[] into = table0;
        if (table1 != null) {
            into = table1;
            for (DictEntry e = table1[(int) h & (table1.length - 1)]; e != null; e = e.next) {
                if (Arrays.equals(e.key, key)) return (E) e;
            }
        }
        int i = (int) h & (into.length - 1);
        entry.next = into[i];
        into[i] = entry;
        if (into == table1) used1++;
        else used0++;
        return null;
    }

    /** Removes and returns the entry for key, or null. */
    @SuppressWarnings("unchecked")
    public E remove(byte[] key) {
        if (size() == 0) return null;
        if (rehashIndex >= 0) rehashStep();
        long h = hash(key);
        DictEntry e = unlink(table0, (int) h & (table0.length - 1), key);
        if (e != null) {
            used0--;
            return (E) e;
        }
        if (table1 != null) {
            e = unlink(table1, (int) h & (table1.length - 1), key);
            if (e != null) {
                used1--;
                return (E) e;
            }
        }
        return null;
    }

    private static DictEntry unlink(DictEntry[] table, int i, byte[] key) {
        DictEntry prev = null;
        for (DictEntry e = table[i]; e != null; prev = e, e = e.next) {
            if (Arrays.equals(e.key, key)) {
                if (prev == null) table[i] = e.next;
                else prev.next = e.next;
                e.next = null;
                return e;
            }
        }
        return null;
    }

    public void clear() {
        table0 = new DictEntry[INITIAL_SIZE];
        table1 = null;
        used0 = used1 = 0;
        rehashIndex = -1;
    }

    /** A random entry, or null when empty. Chains make it slightly unfair, as in Redis. */
    @SuppressWarnings("unchecked")
    public E random() {
        if (size() == 0) return null;
        if (rehashIndex >= 0) rehashStep();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        DictEntry head;
        while (true) {
            if (table1 != null) {
                // Buckets of table0 below rehashIndex are empty: skip them.
                int span = table0.length - rehashIndex + table1.length;
                int i = rehashIndex + rnd.nextInt(span);
                head = i < table0.length ? table0[i] : table1[i - table0.length];
            } else {
                head = table0[rnd.nextInt(table0.length)];
            }
            if (head != null) break;
        }
        int len = 0;
        for (DictEntry e = head; e != null; e = e.next) len++;
        int pick = rnd.nextInt(len);
        DictEntry e = head;
        while (pick-- > 0) e = e.next;
        return (E) e;
    }

    /**
     * Redis's dictGetFairRandomKey: one entry chosen uniformly among up to 15 gathered from
     * consecutive buckets from a random one (dictGetSomeKeys), which evens out most of
     * {@link #random}'s bias against entries sharing a chain. For random picks clients can see
     * (HRANDFIELD). Null when empty.
     */
    @SuppressWarnings("unchecked")
    public E fairRandom() {
        if (size() == 0) return null;
        if (rehashIndex >= 0) rehashStep();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int mask = Math.max(table0.length, table1 == null ? 0 : table1.length) - 1;
        int i = rnd.nextInt(mask + 1);
        // Never more than there are, or wrapping around would count entries twice.
        int sample = Math.min(FAIR_SAMPLE, size());
        DictEntry chosen = null;
        int seen = 0, emptyRun = 0;
        for (int steps = sample * 10; seen < sample && steps > 0; steps--) {
            for (int t = 0; t < 2 && seen < sample; t++) {
                DictEntry[] table = t == 0 ? table0 : table1;
                // Buckets of table0 below rehashIndex are empty while rehashing.
                if (table == null || i >= table.length || (t == 0 && table1 != null && i < rehashIndex)) continue;
                DictEntry e = table[i];
                if (e == null) {
                    // A long run of empty buckets: jump somewhere else, as Redis does.
                    if (++emptyRun >= 5 && emptyRun > sample) {
                        i = rnd.nextInt(mask + 1);
                        emptyRun = 0;
                    }
                    continue;
                }
                emptyRun = 0;
                // Reservoir sampling: the k-th entry seen replaces the choice with probability 1/k.
                for (; e != null && seen < sample; e = e.next) {
                    if (rnd.nextInt(++seen) == 0) chosen = e;
                }
            }
            i = (i + 1) & mask;
        }
        return chosen != null ? (E) chosen : random();
    }

    /**
     * Visits the buckets at {@code cursor} and returns the next cursor (0 when the scan is complete).
     * The visitor must not modify the dict.
     */
    @SuppressWarnings("unchecked")
    public long scan(long cursor, Consumer<E> visitor) {
        if (size() == 0) return 0;
        long v = cursor;
        if (table1 == null) {
            long m0 = table0.length - 1;
            visitChain(table0[(int) (v & m0)], visitor);
            v = nextCursor(v, m0);
        } else {
            DictEntry[] small = table0, large = table1;
            if (small.length > large.length) {
                small = table1;
                large = table0;
            }
            long m0 = small.length - 1, m1 = large.length - 1;
            visitChain(small[(int) (v & m0)], visitor);
            do {
                visitChain(large[(int) (v & m1)], visitor);
                v = nextCursor(v, m1);
            } while ((v & (m0 ^ m1)) != 0);
        }
        return v;
    }

    /** Redis's reverse-binary increment of a scan cursor over a table of {@code mask + 1} buckets. */
    static long nextCursor(long v, long mask) {
        v |= ~mask;
        return Long.reverse(Long.reverse(v) + 1);
    }

    @SuppressWarnings("unchecked")
    private void visitChain(DictEntry e, Consumer<E> visitor) {
        while (e != null) {
            DictEntry next = e.next;
            visitor.accept((E) e);
            e = next;
        }
    }

    /** Visits every entry; the visitor must not modify the dict. */
    @SuppressWarnings("unchecked")
    public void forEach(Consumer<E> visitor) {
        for (DictEntry head : table0) visitChain(head, visitor);
        if (table1 != null) for (DictEntry head : table1) visitChain(head, visitor);
    }

    /** Redis's DICT_STATS_VECTLEN: chain lengths counted one by one up to this. */
    static final int STATS_VECTLEN = 50;

    /**
     * Redis's dictGetStats, the text of DEBUG HTSTATS: the main table's statistics, and the rehashing
     * target's while a rehash is in progress; at most 4095 characters, as Redis's buffer holds.
     */
    public String stats() {
        StringBuilder sb = new StringBuilder();
        tableStats(sb, 0, table0, used0);
        if (table1 != null) tableStats(sb, 1, table1, used1);
        return sb.length() > 4095 ? sb.substring(0, 4095) : sb.toString();
    }

    private static void tableStats(StringBuilder sb, int id, DictEntry[] table, int used) {
        long[] lengths = new long[STATS_VECTLEN];
        long slots = 0, maxChain = 0, totalChain = 0;
        if (used > 0) {
            for (DictEntry head : table) {
                if (head == null) {
                    lengths[0]++;
                    continue;
                }
                slots++;
                long chain = 0;
                for (DictEntry e = head; e != null; e = e.next) chain++;
                lengths[(int) Math.min(chain, STATS_VECTLEN - 1)]++;
                maxChain = Math.max(maxChain, chain);
                totalChain += chain;
            }
        }
        appendStats(sb, id, table.length, used, slots, maxChain, totalChain, lengths);
    }

    /** Appends one table's part of Redis's dictGetStats text from its counted chains. */
    static void appendStats(StringBuilder sb, int id, int tableSize, int used, long slots, long maxChain,
                            long totalChain, long[] lengths) {
        sb.append("Hash table ").append(id).append(" stats (").append(id == 0 ? "main hash table" : "rehashing target")
                .append("):\n");
        if (used == 0) {
            sb.append("No stats available for empty dictionaries\n");
            return;
        }
        sb.append(" table size: ").append(tableSize).append('\n')
                .append(" number of elements: ").append(used).append('\n')
                .append(" different slots: ").append(slots).append('\n')
                .append(" max chain length: ").append(maxChain).append('\n')
                .append(" avg chain length (counted): ").append(fixed2((float) totalChain / slots)).append('\n')
                .append(" avg chain length (computed): ").append(fixed2((float) used / slots)).append('\n')
                .append(" Chain length distribution:\n");
        for (int i = 0; i < STATS_VECTLEN - 1; i++) {
            if (lengths[i] == 0) continue;
            sb.append("   ").append(i).append(": ").append(lengths[i]).append(" (")
                    .append(fixed2((float) lengths[i] / tableSize * 100)).append("%)\n");
        }
    }

    /** C's {@code %.02f} of a float: its exact binary value rounded half to even. */
    private static String fixed2(float f) {
        return new java.math.BigDecimal(f).setScale(2, java.math.RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * MEMORY USAGE of a dict (Redis's objectComputeSize for a hashtable): this object and its bucket
     * arrays, plus the first {@code samples} entries' cost ({@code entryBytes}: the entry object and
     * what it holds) extrapolated to all of them.
     */
    @SuppressWarnings("unchecked")
    public long memoryUsage(long samples, java.util.function.ToLongFunction<E> entryBytes) {
        long fixed = ObjectSize.object(2, 12) + ObjectSize.references(table0.length)
                + (table1 == null ? 0 : ObjectSize.references(table1.length));
        long sampled = 0, n = 0;
        for (int t = 0; t < 2 && n < samples; t++) {
            DictEntry[] table = t == 0 ? table0 : table1;
            if (table == null) continue;
            // The old table's buckets below the rehash index have moved: a million of them may be empty.
            for (int i = t == 0 && rehashIndex > 0 ? rehashIndex : 0; i < table.length && n < samples; i++) {
                for (DictEntry e = table[i]; e != null && n < samples; e = e.next, n++) {
                    sampled += entryBytes.applyAsLong((E) e);
                }
            }
        }
        return fixed + ObjectSize.extrapolate(sampled, n, size());
    }

    // ---- Resizing --------------------------------------------------------------------------------

    private void expandIfNeeded() {
        if (used0 >= table0.length) startRehash(Math.max(INITIAL_SIZE, tableSizeFor((long) used0 * 2)));
    }

    /**
     * Redis's dictExpand: makes room for {@code size} entries at once (an RDB's RESIZEDB hint), so a load
     * does not grow the table through every power of two, rehashing as it goes. Only an empty table
     * that is not rehashing is resized; otherwise the hint is ignored.
     */
    public void expand(long size) {
        if (size() != 0 || rehashIndex >= 0 || size <= table0.length) return;
        table0 = new DictEntry[tableSizeFor(size)];
    }

    /** Shrinks when the table is mostly empty (called from cron, as Redis's tryResizeHashTables). */
    public void shrinkIfNeeded() {
        if (rehashIndex >= 0 || table0.length <= INITIAL_SIZE) return;
        if ((long) used0 * 100 / table0.length < MIN_FILL_PERCENT) {
            startRehash(Math.max(INITIAL_SIZE, tableSizeFor(used0)));
        }
    }

    private void startRehash(int size) {
        if (size == table0.length) return;
        table1 = new DictEntry[size];
        used1 = 0;
        rehashIndex = 0;
        if (used0 == 0) finishRehash();
    }

    /** Moves up to one non-empty bucket (visiting at most 10 empty ones), as Redis's _dictRehashStep. */
    private void rehashStep() {
        rehash(1);
    }

    /** Moves n buckets; returns true while more rehashing remains. */
    private boolean rehash(int n) {
        int emptyVisits = n * 10;
        DictEntry[] src = table0, dst = table1;
        int mask = dst.length - 1;
        while (n-- > 0 && used0 > 0) {
            while (src[rehashIndex] == null) {
                rehashIndex++;
                if (--emptyVisits == 0) return true;
            }
            DictEntry e = src[rehashIndex];
            while (e != null) {
                DictEntry next = e.next;
                int i = (int) hash(e.key) & mask;
                e.next = dst[i];
                dst[i] = e;
                used0--;
                used1++;
                e = next;
            }
            src[rehashIndex++] = null;
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

    /** Rehashes for about {@code millis} ms (cron's incremental rehashing); true if work remains. */
    public boolean rehashMillis(long millis) {
        if (rehashIndex < 0) return false;
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (rehash(100)) {
            if (System.nanoTime() > deadline) return true;
        }
        return false;
    }

    static int tableSizeFor(long n) {
        if (n >= (1 << 30)) return 1 << 30;
        int size = INITIAL_SIZE;
        while (size < n) size <<= 1;
        return size;
    }

    /** A seeded 64-bit hash of a byte string (unpredictable across restarts, like Redis's siphash). */
    public static long hash(byte[] key) {
        long h = SEED ^ (key.length * 0x9E3779B97F4A7C15L);
        int i = 0, n = key.length;
        for (; i + 8 <= n; i += 8) {
            long k = (long) LONGS.get(key, i);
            h ^= mix(k);
            h = Long.rotateLeft(h, 27) * 0x9E3779B97F4A7C15L + 0x52DCE729;
        }
        long tail = 0;
        for (int shift = 0; i < n; i++, shift += 8) tail |= (key[i] & 0xffL) << shift;
        h ^= mix(tail);
        return fmix(h);
    }

    private static long mix(long k) {
        k *= 0x87C37B91114253D5L;
        k = Long.rotateLeft(k, 31);
        return k * 0x4CF5AD432745937FL;
    }

    private static long fmix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
