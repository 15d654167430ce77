package io.lodestone.store.type;

import io.lodestone.store.ObjectSize;
import io.lodestone.util.Numbers;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A set value (Redis's t_set.c below the commands), in one of Redis 7.0's two encodings:
 * <ul>
 *   <li><b>intset</b> - while every member is an integer in Redis's {@code string2ll} form and there
 *       are at most {@code set-max-intset-entries} of them: a sorted array of 16, 32 or 64-bit values
 *       ({@link IntSet}), so members iterate in ascending numeric order, as in Redis.</li>
 *   <li><b>hashtable</b> - otherwise: a {@link MemberTable}, rehashed incrementally.</li>
 * </ul>
 * The conversion is one-way, as in Redis: removing the member that forced a hashtable does not bring
 * the intset back. The threshold is passed in by the caller (it is a server setting).
 *
 * <p>Members are byte arrays that are never modified; the hashtable keeps the caller's arrays
 * rather than copies. Not thread-safe: owned by the command thread.
 */
public final class SetValue implements MemberSet {
    /** Redis caps an intset at 2^30 members whatever the setting ("limit to 1G entries"). */
    private static final long INTSET_HARD_LIMIT = 1L << 30;

    /** A {@code byte[]} intset, or a {@link MemberTable}: one field keeps a small set small. */
    private Object repr;

    private SetValue(Object repr) {
        this.repr = repr;
    }

    /** An empty intset-encoded set (Redis's createIntsetObject). */
    public static SetValue intset() {
        return new SetValue(IntSet.create(1));
    }

    /** An empty hashtable-encoded set presized for {@code expected} members (Redis's createSetObject). */
    public static SetValue hashtable(long expected) {
        return new SetValue(new MemberTable(expected));
    }

    /**
     * An empty set of the encoding that can hold {@code first} (Redis's setTypeCreate): an intset
     * when it is an integer, else a hashtable.
     */
    public static SetValue createFor(byte[] first) {
        return maybeLong(first) && Numbers.isLong(first) ? intset() : hashtable(0);
    }

    public boolean isIntset() {
        return repr instanceof byte[];
    }

    public int size() {
        return repr instanceof byte[] is ? IntSet.length(is) : ((MemberTable) repr).size();
    }

    /** MEMORY USAGE of the value: the intset's array, or the member table (sampled). */
    public long memoryUsage(long samples) {
        long self = ObjectSize.object(1, 0);
        if (repr instanceof byte[] is) return self + ObjectSize.bytes(is.length);
        return self + ((MemberTable) repr).memoryUsage(samples);
    }

    // ---- Membership ------------------------------------------------------------------------------

    /**
     * Adds m (Redis's setTypeAdd); false if already a member. An intset becomes a hashtable when m
     * is not an integer or the set outgrows {@code maxIntsetEntries}.
     */
    public boolean add(byte[] m, long maxIntsetEntries) {
        if (repr instanceof MemberTable t) return t.add(m);
        if (maybeLong(m)) {
            long v;
            try {
                v = Numbers.parseLong(m);
            } catch (NumberFormatException e) {
                return addToTable(m);
            }
            return addToIntset(v, maxIntsetEntries);
        }
        return addToTable(m);
    }

    /** {@link #add} for a member known to be an integer, without formatting it for an intset. */
    public boolean addLong(long v, long maxIntsetEntries) {
        if (repr instanceof MemberTable t) return t.add(format(v));
        return addToIntset(v, maxIntsetEntries);
    }

    private boolean addToIntset(long v, long maxIntsetEntries) {
        byte[] is = (byte[]) repr;
        int pos = IntSet.search(is, v);
        if (pos >= 0) return false;
        is = IntSet.insert(is, -pos - 1, v);
        repr = is;
        if (IntSet.length(is) > Math.min(maxIntsetEntries, INTSET_HARD_LIMIT)) convertToTable(0);
        return true;
    }

    /** A member that is not an integer: the set becomes (or already is) a hashtable. */
    private boolean addToTable(byte[] m) {
        if (repr instanceof byte[]) convertToTable(1);
        return ((MemberTable) repr).add(m);
    }

    /** Redis's setTypeConvert: the hashtable is presized for the members plus {@code extra}. */
    private void convertToTable(int extra) {
        byte[] is = (byte[]) repr;
        int n = IntSet.length(is);
        MemberTable t = new MemberTable(n + (long) extra);
        for (int i = 0; i < n; i++) t.add(format(IntSet.get(is, i)));
        repr = t;
    }

    /** Removes m (Redis's setTypeRemove); false if it was not a member. */
    public boolean remove(byte[] m) {
        if (repr instanceof MemberTable t) return t.remove(m);
        if (!maybeLong(m)) return false;
        long v;
        try {
            v = Numbers.parseLong(m);
        } catch (NumberFormatException e) {
            return false;
        }
        return removeLong(v);
    }

    /** Removes the integer member v; false if it was not a member. */
    public boolean removeLong(long v) {
        if (repr instanceof MemberTable t) return t.remove(format(v));
        byte[] is = (byte[]) repr;
        int pos = IntSet.search(is, v);
        if (pos < 0) return false;
        repr = IntSet.removeAt(is, pos);
        return true;
    }

    /** Redis's setTypeIsMember. */
    public boolean contains(byte[] m) {
        if (repr instanceof MemberTable t) return t.contains(m);
        if (!maybeLong(m)) return false;
        try {
            return IntSet.contains((byte[]) repr, Numbers.parseLong(m));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Whether the integer v is a member (its decimal form, for a hashtable). */
    public boolean containsLong(long v) {
        if (repr instanceof byte[] is) return IntSet.contains(is, v);
        return ((MemberTable) repr).contains(format(v));
    }

    // ---- Random members --------------------------------------------------------------------------

    /** A uniformly random member of a non-empty intset (callers check {@link #isIntset}). */
    public long randomLong() {
        byte[] is = (byte[]) repr;
        return IntSet.get(is, ThreadLocalRandom.current().nextInt(IntSet.length(is)));
    }

    /** A uniformly random member of a non-empty hashtable (callers check {@link #isIntset}). */
    public byte[] randomBytes() {
        return ((MemberTable) repr).random(ThreadLocalRandom.current());
    }

    /** A uniformly random member of a non-empty set, as bytes (an intset member is formatted). */
    public byte[] randomMember() {
        return isIntset() ? format(randomLong()) : randomBytes();
    }

    /** The i-th smallest member of an intset. */
    public long intAt(int i) {
        return IntSet.get((byte[]) repr, i);
    }

    // ---- As an input of the sorted-set algebra (score 1 per member) ----------------------------

    @Override
    public int memberCount() {
        return size();
    }

    @Override
    public boolean containsMember(byte[] member) {
        return contains(member);
    }

    @Override
    public void forEachMember(java.util.function.Consumer<byte[]> action) {
        Members m = members();
        while (m.next()) action.accept(m.bytes());
    }

    // ---- Iteration -------------------------------------------------------------------------------

    /** Iterates the members: ascending for an intset, table order for a hashtable. */
    public Members members() {
        return new Members(this);
    }

    /**
     * A cursor over the members; the set must not change while it is in use. An intset member is
     * read as a long without allocating ({@link #isInt}, {@link #intValue}); {@link #bytes} gives
     * any member as bytes.
     */
    public static final class Members {
        private final byte[] intset;
        private final MemberTable.Iter tableIter;
        private final int length;
        private int index = -1;
        private long intValue;
        private byte[] member;

        private Members(SetValue s) {
            if (s.repr instanceof byte[] is) {
                intset = is;
                length = IntSet.length(is);
                tableIter = null;
            } else {
                intset = null;
                length = 0;
                tableIter = ((MemberTable) s.repr).iterator();
            }
        }

        /** Advances; false at the end. */
        public boolean next() {
            if (intset != null) {
                if (++index >= length) return false;
                intValue = IntSet.get(intset, index);
                return true;
            }
            member = tableIter.next();
            return member != null;
        }

        /** Whether the current member came from an intset (read it with {@link #intValue}). */
        public boolean isInt() {
            return intset != null;
        }

        public long intValue() {
            return intValue;
        }

        /** The current member as bytes: the stored array, or an intset member formatted. */
        public byte[] bytes() {
            return intset != null ? format(intValue) : member;
        }
    }

    /**
     * One step of Redis's dictScan over a hashtable-encoded set (callers return an intset whole);
     * see {@link MemberTable#scan}. Returns the next cursor, 0 when done.
     */
    public long scan(long cursor, Consumer<byte[]> visitor) {
        return ((MemberTable) repr).scan(cursor, visitor);
    }

    // ---- Copies and introspection ----------------------------------------------------------------

    /** A copy of the same encoding sharing nothing mutable (Redis's setTypeDup, for COPY). */
    public SetValue copy() {
        if (repr instanceof byte[] is) return new SetValue(IntSet.blob(is));
        MemberTable src = (MemberTable) repr;
        MemberTable t = new MemberTable(src.size());
        src.forEach(t::add);
        return new SetValue(t);
    }

    /** The intset's integer width in bytes: 2, 4 or 8 (Redis's intset encoding). */
    public int intsetEncoding() {
        return IntSet.encoding((byte[]) repr);
    }

    /** The intset exactly as Redis lays it out (header and values, little-endian): RDB's blob. */
    public byte[] intsetBlob() {
        return IntSet.blob((byte[]) repr);
    }

    /** Slots of the hashtable (both arrays while it is being resized); for tests and introspection. */
    public int tableSlots() {
        return ((MemberTable) repr).slots();
    }

    public boolean isRehashing() {
        return repr instanceof MemberTable t && t.isRehashing();
    }

    // ---- Integers --------------------------------------------------------------------------------

    /**
     * A cheap pre-check of {@link Numbers#parseLong}: only strings of a sign and up to 19 digits can
     * be integers, so most non-integers are turned away without an exception.
     */
    private static boolean maybeLong(byte[] m) {
        int n = m.length;
        if (n == 0 || n > 20) return false;
        int i = m[0] == '-' ? 1 : 0;
        if (i == n) return false;
        for (; i < n; i++) {
            int d = m[i] - '0';
            if (d < 0 || d > 9) return false;
        }
        return true;
    }

    /** v in decimal, as Redis's ll2string (the form an intset member has as a string). */
    public static byte[] format(long v) {
        if (v == Long.MIN_VALUE) return "-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        boolean neg = v < 0;
        long u = neg ? -v : v;
        int digits = 1;
        for (long x = u; x >= 10; x /= 10) digits++;
        byte[] out = new byte[digits + (neg ? 1 : 0)];
        int pos = out.length;
        do {
            out[--pos] = (byte) ('0' + (u % 10));
            u /= 10;
        } while (u != 0);
        if (neg) out[0] = '-';
        return out;
    }
}
