package io.lodestone.store.type;

import io.lodestone.store.Dict;
import io.lodestone.store.ObjectSize;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A hash set of byte strings: the "hashtable" encoding of a set. Open addressing with linear
 * probing over a power-of-two array of member references - no entry object per member, so a member
 * costs its own array plus one slot - and, like Redis's dict, <em>incremental</em> resizing: when the
 * table must grow or shrink a second array is allocated and members move across a few per
 * operation, so no single call rehashes a million members.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every array keeps an empty slot, so every probe stops.</li>
 *   <li>Outside a rehash there is one array without tombstones, grown when an add would fill it
 *       past 3/4; removal shifts later members of the probe run back (Knuth's algorithm R), so
 *       every member sits in the contiguous run of occupied slots that starts at its <em>home</em>
 *       slot ({@code hash & mask}).</li>
 *   <li>During a rehash, {@code t0} only loses members: those moved or removed leave a
 *       {@link #TOMBSTONE}, so its probe runs never break; slots below {@code rehashIndex} hold no
 *       member. New members go to {@code t1}, which has no tombstones and is kept below 7/8 full
 *       (see {@link #t1Full}).</li>
 * </ul>
 * Because a member never leaves the run that starts at its home slot, {@link #scan} can visit
 * "every member whose home is bucket b" exactly as Redis visits a chained bucket, and keeps Redis's
 * reverse-binary cursor guarantee across growth and shrinking. {@link #random} is exactly uniform:
 * every member occupies exactly one slot.
 *
 * <p>Not thread-safe: owned by the command thread.
 */
final class MemberTable {
    /** Marks a vacated slot of the table being rehashed away. Compared by identity only. */
    private static final byte[] TOMBSTONE = new byte[0];
    private static final int MIN_CAPACITY = 4;

    private byte[][] t0;
    private byte[][] t1;
    private int used0;
    private int used1;
    /** Next slot of t0 to move; -1 when not rehashing. */
    private int rehashIndex = -1;

    /** A table presized for {@code expected} members (Redis's dictExpand on creation). */
    MemberTable(long expected) {
        t0 = new byte[capacityFor(expected)][];
    }

    /** The smallest power of two (at least 4) holding n members at no more than 3/4 load. */
    static int capacityFor(long n) {
        long need = n + (n + 2) / 3; // ceil(n * 4 / 3)
        int c = MIN_CAPACITY;
        while (c < need && c < (1 << 30)) c <<= 1;
        return c;
    }

    int size() {
        return used0 + used1;
    }

    boolean isRehashing() {
        return rehashIndex >= 0;
    }

    /** Slots allocated (both arrays while rehashing). */
    int slots() {
        return t0.length + (t1 == null ? 0 : t1.length);
    }

    boolean contains(byte[] m) {
        if (size() == 0) return false;
        if (rehashIndex >= 0) rehashStep(1);
        return find(Dict.hash(m), m) != null;
    }

    private byte[] find(long h, byte[] m) {
        if (t1 != null) {
            byte[] s = probe(t1, h, m);
            if (s != null) return s;
        }
        return probe(t0, h, m);
    }

    private static byte[] probe(byte[][] t, long h, byte[] m) {
        int mask = t.length - 1;
        for (int i = (int) h & mask; ; i = (i + 1) & mask) {
            byte[] s = t[i];
            if (s == null) return null;
            if (s != TOMBSTONE && Arrays.equals(s, m)) return s;
        }
    }

    /** Adds m; false if an equal member is already present. The array is kept, not copied. */
    boolean add(byte[] m) {
        // Adds move members faster than reads do, and faster still as the new array fills.
        if (rehashIndex >= 0) rehashStep(used1 > t1.length >> 1 ? 64 : 4);
        // (Also right after that step finished a rehash: the array it left may be nearly full.)
        if (rehashIndex < 0 && used0 + 1 > t0.length - (t0.length >> 2)) startRehash(t0.length << 1);
        long h = Dict.hash(m);
        if (find(h, m) != null) return false;
        if (t1 != null && t1Full()) rebuild(size() + 1L);
        if (t1 != null) {
            place(t1, h, m);
            used1++;
        } else {
            place(t0, h, m);
            used0++;
        }
        return true;
    }

    /**
     * Whether the array being rehashed into has no room for one more member (7/8 full, and never
     * without an empty slot, which every probe needs to stop). Never true while growing: each add
     * moves several members. It can be while shrinking, when members arrive faster than the
     * survivors of a mass deletion are found in a huge sparse array; the table is then rebuilt
     * once, at a cost proportional to those few members.
     */
    private boolean t1Full() {
        return used1 + 1 > t1.length - Math.max(1, t1.length >> 3);
    }

    /** Moves every member into one fresh array sized for {@code expected}; ends any rehash. */
    private void rebuild(long expected) {
        byte[][] t = new byte[capacityFor(expected)][];
        Iter it = iterator();
        for (byte[] s = it.next(); s != null; s = it.next()) place(t, Dict.hash(s), s);
        t0 = t;
        used0 = used0 + used1;
        t1 = null;
        used1 = 0;
        rehashIndex = -1;
    }

    /** Puts m in the first free slot of its probe run; t has no tombstones. */
    private static void place(byte[][] t, long h, byte[] m) {
        int mask = t.length - 1;
        int i = (int) h & mask;
        while (t[i] != null) i = (i + 1) & mask;
        t[i] = m;
    }

    /** Removes m; false if absent. May start shrinking the table when it becomes mostly empty. */
    boolean remove(byte[] m) {
        if (size() == 0) return false;
        if (rehashIndex >= 0) rehashStep(1);
        long h = Dict.hash(m);
        if (t1 != null && removeFrom(t1, h, m, false)) {
            used1--;
        } else if (removeFrom(t0, h, m, t1 != null)) {
            used0--;
            if (t1 != null && used0 == 0) finishRehash();
        } else {
            return false;
        }
        shrinkIfNeeded();
        return true;
    }

    private static boolean removeFrom(byte[][] t, long h, byte[] m, boolean tombstone) {
        int mask = t.length - 1;
        for (int i = (int) h & mask; ; i = (i + 1) & mask) {
            byte[] s = t[i];
            if (s == null) return false;
            if (s != TOMBSTONE && Arrays.equals(s, m)) {
                if (tombstone) t[i] = TOMBSTONE;
                else deleteAt(t, i);
                return true;
            }
        }
    }

    /**
     * Empties slot i of a tombstone-free table, moving back each later member of the run whose
     * home lies cyclically outside (i, j], so no member is ever separated from its home slot.
     */
    private static void deleteAt(byte[][] t, int i) {
        int mask = t.length - 1;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            byte[] s = t[j];
            if (s == null) break;
            int home = (int) Dict.hash(s) & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                t[i] = s;
                i = j;
            }
        }
        t[i] = null;
    }

    /**
     * Redis's htNeedsResize + dictResize after a removal: below 10% fill, start moving to an array
     * at most half full.
     */
    private void shrinkIfNeeded() {
        if (rehashIndex >= 0 || t0.length <= MIN_CAPACITY) return;
        if ((long) used0 * 10 < t0.length) {
            int c = MIN_CAPACITY;
            while (c < (long) used0 * 2) c <<= 1;
            if (c < t0.length) startRehash(c);
        }
    }

    // ---- Incremental rehashing ------------------------------------------------------------------

    private void startRehash(int capacity) {
        // Past 2^30 slots (over 800 million members) the array stops growing and just fills up.
        if (capacity == t0.length || capacity <= 0 || capacity > (1 << 30)) return;
        t1 = new byte[capacity][];
        used1 = 0;
        rehashIndex = 0;
        if (used0 == 0) finishRehash();
    }

    /** Moves up to n members from t0 to t1, looking at no more than 10n empty slots. */
    private void rehashStep(int n) {
        int emptyVisits = n * 10;
        byte[][] src = t0, dst = t1;
        while (n > 0 && used0 > 0) {
            byte[] s = src[rehashIndex];
            if (s == null || s == TOMBSTONE) {
                rehashIndex++;
                if (--emptyVisits == 0) return;
                continue;
            }
            if (t1Full()) {
                rebuild(size() + 1L);
                return;
            }
            src[rehashIndex++] = TOMBSTONE;
            place(dst, Dict.hash(s), s);
            used0--;
            used1++;
            n--;
        }
        if (used0 == 0) finishRehash();
    }

    private void finishRehash() {
        t0 = t1;
        used0 = used1;
        t1 = null;
        used1 = 0;
        rehashIndex = -1;
    }

    // ---- Reading everything ----------------------------------------------------------------------

    /** A uniformly random member (each occupies one slot), or null when empty. */
    byte[] random(ThreadLocalRandom rnd) {
        if (size() == 0) return null;
        if (rehashIndex >= 0) rehashStep(1);
        while (true) {
            byte[] s;
            if (t1 != null) {
                int left = t0.length - rehashIndex;
                int k = rnd.nextInt(left + t1.length);
                s = k < left ? t0[rehashIndex + k] : t1[k - left];
            } else {
                s = t0[rnd.nextInt(t0.length)];
            }
            if (s != null && s != TOMBSTONE) return s;
        }
    }

    /** Iterates every member; the table must not change meanwhile. */
    final class Iter {
        private byte[][] table = t0;
        private byte[][] then = t1;
        private int pos = rehashIndex >= 0 ? rehashIndex : 0;

        /** The next member, or null at the end. */
        byte[] next() {
            while (table != null) {
                byte[][] t = table;
                while (pos < t.length) {
                    byte[] s = t[pos++];
                    if (s != null && s != TOMBSTONE) return s;
                }
                table = then;
                then = null;
                pos = 0;
            }
            return null;
        }
    }

    Iter iterator() {
        return new Iter();
    }

    /**
     * MEMORY USAGE: this object and its arrays of slots, and the members themselves extrapolated from
     * the first {@code samples} (Redis's objectComputeSize for a set's dict).
     */
    long memoryUsage(long samples) {
        long fixed = ObjectSize.object(2, 12) + ObjectSize.references(t0.length)
                + (t1 == null ? 0 : ObjectSize.references(t1.length));
        long sampled = 0, n = 0;
        Iter it = iterator();
        for (byte[] s = it.next(); s != null && n < samples; s = it.next(), n++) sampled += ObjectSize.bytes(s.length);
        return fixed + ObjectSize.extrapolate(sampled, n, size());
    }

    void forEach(Consumer<byte[]> visitor) {
        Iter it = iterator();
        for (byte[] s = it.next(); s != null; s = it.next()) visitor.accept(s);
    }

    /**
     * One step of Redis's dictScan: visits the members whose home is the bucket at {@code cursor}
     * (and its expansions in the larger array while rehashing) and returns the next cursor, 0 at the
     * end. The visitor must not change the table.
     */
    long scan(long cursor, Consumer<byte[]> visitor) {
        if (size() == 0) return 0;
        long v = cursor;
        if (t1 == null) {
            long m0 = t0.length - 1;
            visitHome(t0, (int) (v & m0), visitor);
            v |= ~m0;
            v = Long.reverse(Long.reverse(v) + 1);
        } else {
            byte[][] small = t0, large = t1;
            if (small.length > large.length) {
                small = t1;
                large = t0;
            }
            long m0 = small.length - 1, m1 = large.length - 1;
            visitHome(small, (int) (v & m0), visitor);
            do {
                visitHome(large, (int) (v & m1), visitor);
                v |= ~m1;
                v = Long.reverse(Long.reverse(v) + 1);
            } while ((v & (m0 ^ m1)) != 0);
        }
        return v;
    }

    /** Visits the members of t whose home slot is b: they all sit in the run starting at b. */
    private static void visitHome(byte[][] t, int b, Consumer<byte[]> visitor) {
        int mask = t.length - 1;
        for (int i = b; ; i = (i + 1) & mask) {
            byte[] s = t[i];
            if (s == null) return;
            if (s != TOMBSTONE && ((int) Dict.hash(s) & mask) == b) visitor.accept(s);
        }
    }
}
