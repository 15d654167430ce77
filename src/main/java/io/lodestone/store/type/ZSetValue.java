package io.lodestone.store.type;

import io.lodestone.store.ObjectSize;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A sorted set: distinct members (byte strings) ordered by (score, member), as Redis's zset.
 *
 * <h2>Encodings</h2>
 * A set starts <b>compact</b> (OBJECT ENCODING "listpack"): sorted parallel arrays packed into
 * one {@code byte[]} - the scores, the end offset of each member, then all members back to back -
 * so a small set costs 12 bytes plus its member bytes per element, one array and one object.
 * Lookups scan, as a listpack does; that is why the form is bounded. When an insert would make it
 * hold more than {@code zset-max-listpack-entries} members, or a member longer than
 * {@code zset-max-listpack-value} bytes, it becomes <b>large</b> ("skiplist"): a hash table
 * member -> score plus an order-statistic tree ({@link ZSetIndex}). The conversion is one-way, as
 * in Redis; only freshly built results ({@link #build}) pick the compact form again.
 *
 * <h2>Using it (SORT, GEO, ...)</h2>
 * <ul>
 *   <li>Create with {@link #createFor} (ZADD's choice of encoding) or {@link #build} (a computed
 *       result); thresholds come as {@link Limits} from the server settings.</li>
 *   <li>Points: {@link #add} (NX/XX/GT/LT/INCR flags, Redis's zsetAdd), {@link #remove},
 *       {@link #score}, {@link #rank}.</li>
 *   <li>Order: ranks are 0-based from the lowest score. {@link #firstInRange}/{@link #lastInRange}
 *       give the ranks bounding a {@link ScoreRange} (GEO's geohash boxes are score ranges),
 *       {@link #firstInLexRange}/{@link #lastInLexRange} for a {@link LexRange}; walk any stretch
 *       with a {@link Cursor} from {@link #cursor}; {@link #removeRange} deletes by rank.</li>
 *   <li>{@link #scan} visits members for ZSCAN; {@link #randomRank} picks uniformly.</li>
 * </ul>
 * Member arrays handed to the set are kept, not copied: pass arrays nobody will modify (client
 * arguments are fine). Arrays handed out ({@link Cursor#member()}, {@link #memberAt}) must not be
 * modified either. Scores are never NaN; comparisons treat -0 and 0 as equal, as C does.
 *
 * <p>Not thread-safe: owned by the command thread.
 */
public final class ZSetValue {
    // ---- add() flags and results (Redis's ZADD_IN_* and ZADD_OUT_*) ------------------------------
    public static final int ADD_NONE = 0;
    /** Only add new members. */
    public static final int ADD_NX = 1;
    /** Only update existing members. */
    public static final int ADD_XX = 1 << 1;
    /** Update an existing member only if the new score is greater. */
    public static final int ADD_GT = 1 << 2;
    /** Update an existing member only if the new score is less. */
    public static final int ADD_LT = 1 << 3;
    /** The score is an increment of the current score (0 for a new member). */
    public static final int ADD_INCR = 1 << 4;

    /** Result bit: a new member was added. */
    public static final int ADDED = 1;
    /** Result bit: an existing member's score changed. */
    public static final int UPDATED = 1 << 1;
    /** Result bit: nothing was done because of NX/XX/GT/LT. */
    public static final int NOP = 1 << 2;
    /** Result bit: the resulting score would be NaN (inf + -inf); nothing was done. */
    public static final int NAN = 1 << 3;

    /** The compact-form thresholds: zset-max-listpack-entries and zset-max-listpack-value. */
    public record Limits(long maxListpackEntries, long maxListpackValue) {
    }

    /** A score interval; an exclusive end excludes its value ("(1.5" in Redis syntax). */
    public record ScoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) {
        public boolean gteMin(double v) {
            return minExclusive ? v > min : v >= min;
        }

        public boolean lteMax(double v) {
            return maxExclusive ? v < max : v <= max;
        }

        /** True when no score can be inside (Redis's check before any search). */
        public boolean isEmpty() {
            return min > max || (min == max && (minExclusive || maxExclusive));
        }
    }

    /**
     * A member interval for the lexicographic commands. An end is a member value with its
     * exclusiveness, or one of the sentinel arrays {@link #MINUS} ("-", below everything) and
     * {@link #PLUS} ("+", above everything), recognized by identity.
     */
    public record LexRange(byte[] min, boolean minExclusive, byte[] max, boolean maxExclusive) {
        public static final byte[] MINUS = new byte[0];
        public static final byte[] PLUS = new byte[0];

        /** Redis's sdscmplex for two bounds (either may be a sentinel). */
        static int compareBounds(byte[] a, byte[] b) {
            if (a == b) return 0;
            if (a == MINUS || b == PLUS) return -1;
            if (a == PLUS || b == MINUS) return 1;
            return Arrays.compareUnsigned(a, b);
        }

        /** A member (never a sentinel) against a bound. */
        static int compare(byte[] buf, int from, int to, byte[] bound) {
            if (bound == MINUS) return 1;
            if (bound == PLUS) return -1;
            return Arrays.compareUnsigned(buf, from, to, bound, 0, bound.length);
        }

        public boolean gteMin(byte[] buf, int from, int to) {
            int c = compare(buf, from, to, min);
            return minExclusive ? c > 0 : c >= 0;
        }

        public boolean lteMax(byte[] buf, int from, int to) {
            int c = compare(buf, from, to, max);
            return maxExclusive ? c < 0 : c <= 0;
        }

        public boolean isEmpty() {
            int c = compareBounds(min, max);
            return c > 0 || (c == 0 && (minExclusive || maxExclusive));
        }
    }

    // ---- State -----------------------------------------------------------------------------------
    // Compact form, n = size: packed[0, 8n) scores (little-endian doubles), packed[8n, 12n) the end
    // of each member relative to 12n (ints), then the members; bytes past the last member are spare.
    private byte[] packed;
    private int size;
    /** The large form, or null while compact. */
    private ZSetIndex large;

    private static final byte[] EMPTY = new byte[0];
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private ZSetValue(boolean compact) {
        if (compact) packed = EMPTY;
        else large = new ZSetIndex();
    }

    /** An empty compact set. */
    public static ZSetValue createCompact() {
        return new ZSetValue(true);
    }

    /** An empty large set. */
    public static ZSetValue createLarge() {
        return new ZSetValue(false);
    }

    /**
     * An empty set for a ZADD whose first member is {@code firstMember}: large when the thresholds
     * forbid the compact form for it (entries limit 0, or the member too long), as Redis decides.
     */
    public static ZSetValue createFor(byte[] firstMember, Limits limits) {
        boolean large = limits.maxListpackEntries() == 0 || limits.maxListpackValue() < firstMember.length;
        return new ZSetValue(!large);
    }

    /**
     * A set of {@code n} distinct members in any order (a ZUNIONSTORE result, a GEOSEARCHSTORE
     * result): compact when it fits the thresholds, as Redis's zsetConvertToListpackIfNeeded.
     * The arrays may be reordered.
     */
    public static ZSetValue build(byte[][] members, double[] memberScores, int n, Limits limits) {
        Integer[] order = new Integer[n];
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            maxLen = Math.max(maxLen, members[i].length);
        }
        Arrays.sort(order, (a, b) -> RankTree.compare(memberScores[a], members[a], memberScores[b], members[b]));
        boolean compact = n <= limits.maxListpackEntries() && maxLen <= limits.maxListpackValue();
        ZSetValue z = new ZSetValue(compact);
        if (compact) {
            int bytes = 0;
            for (int i = 0; i < n; i++) bytes += members[i].length;
            byte[] p = new byte[12 * n + bytes];
            int at = 0;
            for (int i = 0; i < n; i++) {
                byte[] m = members[order[i]];
                System.arraycopy(m, 0, p, 12 * n + at, m.length);
                at += m.length;
                INTS.set(p, 8 * n + 4 * i, at);
                DOUBLES.set(p, 8 * i, memberScores[order[i]] + 0.0); // -0 is stored as 0, see compactInsert
            }
            z.packed = p;
            z.size = n;
        } else {
            for (int i = 0; i < n; i++) z.large.insert(members[order[i]], memberScores[order[i]]);
        }
        return z;
    }

    /** A deep copy in the same encoding (COPY). */
    public ZSetValue copy() {
        ZSetValue z = new ZSetValue(large == null);
        if (large == null) {
            z.packed = Arrays.copyOf(packed, 12 * size + usedBytes());
            z.size = size;
        } else {
            Cursor c = cursor(0, false);
            while (c.next()) z.large.insert(c.member(), c.score());
        }
        return z;
    }

    // ---- Introspection ---------------------------------------------------------------------------

    public int size() {
        return large == null ? size : large.size();
    }

    public boolean isCompact() {
        return large == null;
    }

    /** OBJECT ENCODING's name for the current form. */
    public String encoding() {
        return large == null ? "listpack" : "skiplist";
    }

    /** A {@link ZEntry}: key and next references and the score. */
    private static final long ZENTRY_OBJECT = ObjectSize.object(2, 8);

    /**
     * MEMORY USAGE of the value: the compact form's array, or the large form's table with its entries
     * (sampled) and its tree.
     */
    public long memoryUsage(long samples) {
        long self = ObjectSize.object(2, 4);
        if (large == null) return self + ObjectSize.bytes(packed.length);
        return self + ObjectSize.object(2, 0)
                + large.dict.memoryUsage(samples, e -> ZENTRY_OBJECT + ObjectSize.bytes(e.key().length))
                + large.tree.memoryUsage(samples);
    }

    /** DEBUG HTSTATS-KEY: the large form's table statistics, or null in the compact form. */
    public String tableStats() {
        return large == null ? null : large.dict.stats();
    }

    // ---- Points ----------------------------------------------------------------------------------

    /**
     * Redis's zsetAdd: adds or updates one member according to {@code flags} (ADD_* bits) and
     * returns result bits: {@link #ADDED}, {@link #UPDATED}, {@link #NOP} or {@link #NAN}; 0 means
     * the member exists and its score did not change. Converts to the large form first when the
     * new member would break the thresholds.
     */
    public int add(byte[] member, double score, int flags, Limits limits) {
        return add(member, score, flags, limits, null);
    }

    /**
     * {@link #add}, also storing in {@code newScore[0]} the score the member got unless the result
     * is NOP or NAN (what ZINCRBY replies; it may be -0 where the compact form stores 0).
     */
    public int add(byte[] member, double score, int flags, Limits limits, double[] newScore) {
        boolean incr = (flags & ADD_INCR) != 0, nx = (flags & ADD_NX) != 0, xx = (flags & ADD_XX) != 0;
        boolean gt = (flags & ADD_GT) != 0, lt = (flags & ADD_LT) != 0;
        if (Double.isNaN(score)) return NAN;
        if (large == null) {
            int i = compactFind(member);
            if (i >= 0) {
                if (nx) return NOP;
                double cur = compactScore(i);
                if (incr) {
                    score += cur;
                    if (Double.isNaN(score)) return NAN;
                }
                if ((lt && score >= cur) || (gt && score <= cur)) return NOP;
                if (newScore != null) newScore[0] = score;
                if (score == cur) return 0;
                compactDelete(i, i + 1);
                compactInsert(compactInsertPos(score, member), member, score);
                return UPDATED;
            }
            if (xx) return NOP;
            if (size + 1 > limits.maxListpackEntries() || member.length > limits.maxListpackValue()) {
                convertToLarge();
            } else {
                if (newScore != null) newScore[0] = score;
                compactInsert(compactInsertPos(score, member), member, score);
                return ADDED;
            }
        }
        ZEntry e = large.find(member);
        if (e != null) {
            if (nx) return NOP;
            double cur = e.score;
            if (incr) {
                score += cur;
                if (Double.isNaN(score)) return NAN;
            }
            if ((lt && score >= cur) || (gt && score <= cur)) return NOP;
            if (newScore != null) newScore[0] = score;
            if (score == cur) return 0;
            large.update(e, score);
            return UPDATED;
        }
        if (xx) return NOP;
        if (newScore != null) newScore[0] = score;
        large.insert(member, score);
        return ADDED;
    }

    /** Removes a member; true if it was there. The caller deletes the key when the set empties. */
    public boolean remove(byte[] member) {
        if (large != null) return large.remove(member);
        int i = compactFind(member);
        if (i < 0) return false;
        compactDelete(i, i + 1);
        return true;
    }

    public boolean contains(byte[] member) {
        return large != null ? large.find(member) != null : compactFind(member) >= 0;
    }

    /** The member's score, or NaN when it is not in the set (a score is never NaN). */
    public double score(byte[] member) {
        if (large != null) {
            ZEntry e = large.find(member);
            return e == null ? Double.NaN : e.score;
        }
        int i = compactFind(member);
        return i < 0 ? Double.NaN : compactScore(i);
    }

    /** 0-based rank from the lowest score (from the highest when {@code reverse}), or -1 if absent. */
    public int rank(byte[] member, boolean reverse) {
        int r;
        if (large != null) {
            ZEntry e = large.find(member);
            if (e == null) return -1;
            r = large.tree.rank(e.score, e.key());
        } else {
            r = compactFind(member);
            if (r < 0) return -1;
        }
        return reverse ? size() - 1 - r : r;
    }

    // ---- By rank ---------------------------------------------------------------------------------

    /** The member at rank r (0 <= r < size()); a copy in the compact form. */
    public byte[] memberAt(int r) {
        if (large != null) return large.tree.get(r).key();
        return Arrays.copyOfRange(packed, memberFrom(r), memberTo(r));
    }

    public double scoreAt(int r) {
        return large != null ? large.tree.get(r).score : compactScore(r);
    }

    /** A uniformly random rank; the set must not be empty. */
    public int randomRank() {
        return ThreadLocalRandom.current().nextInt(size());
    }

    /**
     * Removes ranks {@code from..to} inclusive (0 <= from <= to < size()); returns how many.
     */
    public int removeRange(int from, int to) {
        int n = to - from + 1;
        if (large == null) {
            compactDelete(from, to + 1);
            return n;
        }
        if (n == large.size()) {
            large = new ZSetIndex();
            return n;
        }
        RankTree tree = large.tree;
        // Collect first: removing reshapes the leaves under a walk.
        ZEntry[] victims = new ZEntry[n];
        tree.seek(from);
        RankTree.Leaf leaf = tree.seekLeaf;
        int idx = tree.seekIndex;
        for (int k = 0; k < n; k++) {
            while (idx >= leaf.n) {
                leaf = leaf.next;
                idx = 0;
            }
            victims[k] = leaf.items[idx++];
        }
        for (ZEntry e : victims) large.removeEntry(e);
        large.dict.shrinkIfNeeded();
        return n;
    }

    // ---- Ranges ----------------------------------------------------------------------------------

    /** Rank of the lowest element inside the range, or -1 (Redis's zslFirstInRange). */
    public int firstInRange(ScoreRange range) {
        int n = size();
        if (range.isEmpty() || n == 0) return -1;
        int r;
        if (large != null) {
            r = large.tree.countBefore(range.minExclusive()
                    ? (s, k) -> s > range.min() : (s, k) -> s >= range.min());
        } else {
            r = 0;
            while (r < n && !range.gteMin(compactScore(r))) r++;
        }
        return r < n && range.lteMax(scoreAt(r)) ? r : -1;
    }

    /** Rank of the highest element inside the range, or -1 (Redis's zslLastInRange). */
    public int lastInRange(ScoreRange range) {
        int n = size();
        if (range.isEmpty() || n == 0) return -1;
        int r;
        if (large != null) {
            r = large.tree.countBefore(range.maxExclusive()
                    ? (s, k) -> s >= range.max() : (s, k) -> s > range.max()) - 1;
        } else {
            r = n - 1;
            while (r >= 0 && !range.lteMax(compactScore(r))) r--;
        }
        return r >= 0 && range.gteMin(scoreAt(r)) ? r : -1;
    }

    /** Number of elements inside the score range (ZCOUNT). */
    public int count(ScoreRange range) {
        int first = firstInRange(range);
        if (first < 0) return 0;
        return lastInRange(range) - first + 1;
    }

    /**
     * Rank of the first element inside the lex range, or -1. Meaningful when all scores are equal;
     * otherwise it answers as Redis's listpack walk (compact form) or tree search (large form).
     */
    public int firstInLexRange(LexRange range) {
        if (!inLexRange(range)) return -1;
        int n = size();
        if (large != null) {
            int r = large.tree.countBefore((s, k) -> range.gteMin(k, 0, k.length));
            if (r >= n) return -1;
            byte[] m = large.tree.get(r).key();
            return range.lteMax(m, 0, m.length) ? r : -1;
        }
        for (int i = 0; i < n; i++) {
            if (range.gteMin(packed, memberFrom(i), memberTo(i))) return range.lteMax(packed, memberFrom(i), memberTo(i)) ? i : -1;
        }
        return -1;
    }

    /** Rank of the last element inside the lex range, or -1; see {@link #firstInLexRange}. */
    public int lastInLexRange(LexRange range) {
        if (!inLexRange(range)) return -1;
        if (large != null) {
            int r = large.tree.countBefore((s, k) -> !range.lteMax(k, 0, k.length)) - 1;
            if (r < 0) return -1;
            byte[] m = large.tree.get(r).key();
            return range.gteMin(m, 0, m.length) ? r : -1;
        }
        for (int i = size - 1; i >= 0; i--) {
            if (range.lteMax(packed, memberFrom(i), memberTo(i))) return range.gteMin(packed, memberFrom(i), memberTo(i)) ? i : -1;
        }
        return -1;
    }

    /** Redis's zslIsInLexRange/zzlIsInLexRange: a quick test on the range and both ends of the set. */
    private boolean inLexRange(LexRange range) {
        if (range.isEmpty() || size() == 0) return false;
        if (large != null) {
            byte[] last = large.tree.last().key(), first = large.tree.first().key();
            return range.gteMin(last, 0, last.length) && range.lteMax(first, 0, first.length);
        }
        return range.gteMin(packed, memberFrom(size - 1), memberTo(size - 1))
                && range.lteMax(packed, memberFrom(0), memberTo(0));
    }

    /**
     * Number of elements in the lex range (ZLEXCOUNT): from the first one inside, the run that
     * stays under the maximum (compact form, as a listpack walk), or the rank difference of the
     * first and last (large form, as Redis's skiplist).
     */
    public int lexCount(LexRange range) {
        int first = firstInLexRange(range);
        if (first < 0) return 0;
        if (large != null) {
            int last = lastInLexRange(range);
            return last < 0 ? 0 : last - first + 1;
        }
        int i = first;
        while (i < size && range.lteMax(packed, memberFrom(i), memberTo(i))) i++;
        return i - first;
    }

    // ---- Walking ---------------------------------------------------------------------------------

    /**
     * A cursor positioned before rank {@code rank} (0 <= rank < size(), or any rank of an empty
     * walk), moving towards higher ranks, or lower ones when {@code reverse}. The set must not be
     * modified while the cursor is used.
     */
    public Cursor cursor(int rank, boolean reverse) {
        return new Cursor(this, rank, reverse);
    }

    /** Walks members in order: {@code while (c.next()) use(c.member(), c.score())}. */
    public static final class Cursor {
        private final ZSetValue z;
        private final boolean reverse;
        // Compact form: the next index. Large form: leaf and index of the next item.
        private int next;
        private RankTree.Leaf leaf;
        private byte[] buf;
        private int from, to;
        private double score;
        private ZEntry entry;

        Cursor(ZSetValue z, int rank, boolean reverse) {
            this.z = z;
            this.reverse = reverse;
            this.next = rank;
            if (z.large != null && rank >= 0 && rank < z.large.size()) {
                z.large.tree.seek(rank);
                leaf = z.large.tree.seekLeaf;
                next = z.large.tree.seekIndex;
            }
        }

        /** Moves to the next element; false when there is none. */
        public boolean next() {
            if (z.large == null) {
                if (next < 0 || next >= z.size) return false;
                buf = z.packed;
                from = z.memberFrom(next);
                to = z.memberTo(next);
                score = z.compactScore(next);
                next += reverse ? -1 : 1;
                return true;
            }
            if (leaf == null) return false;
            entry = leaf.items[next];
            buf = entry.key();
            from = 0;
            to = buf.length;
            score = entry.score;
            if (reverse) {
                if (--next < 0) {
                    leaf = leaf.prev;
                    next = leaf == null ? 0 : leaf.n - 1;
                }
            } else if (++next >= leaf.n) {
                leaf = leaf.next;
                next = 0;
            }
            return true;
        }

        /** The array holding the current member, valid from {@link #memberFrom} to {@link #memberTo}. */
        public byte[] memberBuffer() {
            return buf;
        }

        public int memberFrom() {
            return from;
        }

        public int memberTo() {
            return to;
        }

        /** The current member as its own array (a copy in the compact form; never modify it). */
        public byte[] member() {
            return from == 0 && to == buf.length ? buf : Arrays.copyOfRange(buf, from, to);
        }

        public double score() {
            return score;
        }
    }

    // ---- Scan ------------------------------------------------------------------------------------

    /** Receives one member and its score during {@link #scan}. */
    public interface ScanVisitor {
        void visit(byte[] buf, int from, int to, double score);
    }

    /**
     * One ZSCAN step. The compact form visits everything and returns 0; the large form visits the
     * hash buckets at {@code cursor} with Redis's reverse-binary cursor and returns the next one.
     */
    public long scan(long cursor, ScanVisitor visitor) {
        if (large == null) {
            for (int i = 0; i < size; i++) visitor.visit(packed, memberFrom(i), memberTo(i), compactScore(i));
            return 0;
        }
        return large.dict.scan(cursor, e -> visitor.visit(e.key(), 0, e.key().length, e.score));
    }

    // ---- Compact form internals ------------------------------------------------------------------

    private double compactScore(int i) {
        return (double) DOUBLES.get(packed, i << 3);
    }

    /** End of member i, relative to the members' start. */
    private int end(int i) {
        return (int) INTS.get(packed, (size << 3) + (i << 2));
    }

    private int memberFrom(int i) {
        return size * 12 + (i == 0 ? 0 : end(i - 1));
    }

    private int memberTo(int i) {
        return size * 12 + end(i);
    }

    private int usedBytes() {
        return size == 0 ? 0 : end(size - 1);
    }

    private int compactFind(byte[] member) {
        int len = member.length, base = size * 12, s = base;
        byte[] p = packed;
        for (int i = 0; i < size; i++) {
            int e = base + end(i);
            if (e - s == len && Arrays.equals(p, s, e, member, 0, len)) return i;
            s = e;
        }
        return -1;
    }

    /** First index whose (score, member) is greater than the given one. */
    private int compactInsertPos(double score, byte[] m) {
        int lo = 0, hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double s = compactScore(mid);
            int c = s < score ? -1 : s > score ? 1
                    : Arrays.compareUnsigned(packed, memberFrom(mid), memberTo(mid), m, 0, m.length);
            if (c <= 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /**
     * Inserts at pos into a new array of the exact size (a listpack reallocates on every insert
     * too). A listpack stores scores as text where -0 is written "0", so the compact form holds -0
     * as 0, as Redis's does (the large form keeps the sign, as a skiplist does).
     */
    private void compactInsert(int pos, byte[] member, double score) {
        if (score == 0) score = 0.0;
        int n = size, len = member.length, used = usedBytes(), at = pos == 0 ? 0 : end(pos - 1);
        int n2 = n + 1;
        byte[] src = packed, dst = new byte[12 * n2 + used + len];
        System.arraycopy(src, 0, dst, 0, pos << 3);
        DOUBLES.set(dst, pos << 3, score);
        System.arraycopy(src, pos << 3, dst, (pos + 1) << 3, (n - pos) << 3);
        int e1 = n << 3, e2 = n2 << 3;
        System.arraycopy(src, e1, dst, e2, pos << 2);
        INTS.set(dst, e2 + (pos << 2), at + len);
        for (int i = pos; i < n; i++) INTS.set(dst, e2 + ((i + 1) << 2), (int) INTS.get(src, e1 + (i << 2)) + len);
        int m1 = 12 * n, m2 = 12 * n2;
        System.arraycopy(src, m1, dst, m2, at);
        System.arraycopy(member, 0, dst, m2 + at, len);
        System.arraycopy(src, m1 + at, dst, m2 + at + len, used - at);
        packed = dst;
        size = n2;
    }

    /** Removes indexes [from, to) in place (every region moves left); trims when much is spare. */
    private void compactDelete(int from, int to) {
        int n = size, k = to - from, n2 = n - k;
        int a = from == 0 ? 0 : end(from - 1), b = end(to - 1), len = b - a, used = usedBytes();
        byte[] p = packed;
        System.arraycopy(p, to << 3, p, from << 3, (n - to) << 3);
        int e1 = n << 3, e2 = n2 << 3;
        for (int j = 0; j < n2; j++) {
            int i = j < from ? j : j + k;
            int v = (int) INTS.get(p, e1 + (i << 2));
            INTS.set(p, e2 + (j << 2), j < from ? v : v - len);
        }
        int m1 = 12 * n, m2 = 12 * n2;
        System.arraycopy(p, m1, p, m2, a);
        System.arraycopy(p, m1 + b, p, m2 + a, used - b);
        size = n2;
        int need = m2 + used - len;
        if (n2 == 0) packed = EMPTY;
        else if (p.length - need > Math.max(32, p.length >> 2)) packed = Arrays.copyOf(p, need);
    }

    /**
     * Converts a compact set to the large form (one-way); a no-op when already large. Redis's SORT
     * converts the sorted sets it reads this way (zsetConvert), which OBJECT ENCODING shows.
     */
    public void convertToLarge() {
        if (large != null) return;
        ZSetIndex idx = new ZSetIndex();
        for (int i = 0; i < size; i++) idx.insert(Arrays.copyOfRange(packed, memberFrom(i), memberTo(i)), compactScore(i));
        large = idx;
        packed = null;
        size = 0;
    }

    /** Checks the structure's invariants; for tests. */
    void check() {
        if (large != null) {
            large.tree.check();
            if (large.dict.size() != large.size()) throw new IllegalStateException("dict and tree sizes differ");
            return;
        }
        for (int i = 1; i < size; i++) {
            if (RankTree.compare(compactScore(i - 1), Arrays.copyOfRange(packed, memberFrom(i - 1), memberTo(i - 1)),
                    compactScore(i), Arrays.copyOfRange(packed, memberFrom(i), memberTo(i))) >= 0) {
                throw new IllegalStateException("compact form out of order at " + i);
            }
        }
    }
}
