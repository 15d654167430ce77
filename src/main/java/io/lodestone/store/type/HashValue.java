package io.lodestone.store.type;

import io.lodestone.store.Dict;
import io.lodestone.store.DictEntry;
import io.lodestone.store.ObjectSize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A hash value (Redis's OBJ_HASH), in one of Redis's two encodings.
 *
 * <p><b>Compact</b> ("listpack"): one byte array holding the pairs back to back, each string as a
 * length (LEB128 varint: one byte up to 127) followed by its bytes - field, value, field, value.
 * As in a listpack, new fields go at the end, an update rewrites the value where it is, and a delete
 * closes the gap, so iteration order is insertion order. Lookups are linear scans over contiguous
 * bytes, which at Redis's thresholds (512 pairs of at most 64 bytes) beat chasing pointers. The array
 * keeps some spare room so that appends are amortized; it is never shared.
 *
 * <p><b>Table</b> ("hashtable"): a {@link Dict} of {@link Field} entries, incrementally rehashed,
 * with Redis's SCAN cursor. A hash converts once, one way, when it outgrows the compact limits that
 * the caller passes in (hash-max-listpack-entries and -value); it never converts back.
 *
 * <p>Arrays handed to {@link #set} may be stored as they are (in the table form) and arrays handed out
 * by visitors may be internal: neither side writes into them afterwards.
 *
 * <p>Not thread-safe: owned by the thread that executes commands.
 */
public final class HashValue {
    /** Redis's LISTPACK_MAX_SAFETY_SIZE: a compact hash never grows past 1 GB. */
    private static final long COMPACT_MAX_BYTES = 1L << 30;
    private static final byte[] EMPTY = new byte[0];

    /** Receives one pair as two byte ranges, valid only during the call. */
    @FunctionalInterface
    public interface PairVisitor {
        void visit(byte[] field, int fieldOff, int fieldLen, byte[] value, int valueOff, int valueLen);
    }

    /** Receives one string as a byte range, valid only during the call. */
    @FunctionalInterface
    public interface BytesVisitor {
        void visit(byte[] buf, int off, int len);
    }

    /** A pair of the table form: the field is the dict key. */
    static final class Field extends DictEntry {
        byte[] value;

        Field(byte[] field, byte[] value) {
            super(field);
            this.value = value;
        }
    }

    /** The compact form's bytes, or null in the table form. */
    private byte[] lp;
    /** Bytes of {@link #lp} in use. */
    private int used;
    /** Pairs in {@link #lp}. */
    private int count;
    /** The table form, or null while compact. */
    private Dict<Field> dict;

    /** An empty compact hash. */
    public HashValue() {
        lp = EMPTY;
    }

    private HashValue(byte[] lp, int used, int count, Dict<Field> dict) {
        this.lp = lp;
        this.used = used;
        this.count = count;
        this.dict = dict;
    }

    public int size() {
        return lp != null ? count : dict.size();
    }

    /** True while in the compact ("listpack") encoding. */
    public boolean isCompact() {
        return lp != null;
    }

    /** A {@link Field}: key, next and value references. */
    private static final long FIELD_OBJECT = ObjectSize.object(3, 0);

    /** MEMORY USAGE of the value: the compact form's array, or the table with its pairs (sampled). */
    public long memoryUsage(long samples) {
        long self = ObjectSize.object(2, 8);
        if (lp != null) return self + ObjectSize.bytes(lp.length);
        return self + dict.memoryUsage(samples,
                f -> FIELD_OBJECT + ObjectSize.bytes(f.key().length) + ObjectSize.bytes(f.value.length));
    }

    /** DEBUG HTSTATS-KEY: the table's statistics, or null in the compact form (not a hash table). */
    public String tableStats() {
        return dict == null ? null : dict.stats();
    }

    // ---- Conversion --------------------------------------------------------------------------------

    /**
     * Redis's hashTypeTryConversion, before a write of {@code args[from..to)}: converts to the table
     * form if any of them is longer than {@code maxValue} bytes or they would take the compact form
     * past its size limit. Otherwise reserves room for them, since most will be appended.
     */
    public void prepareWrite(byte[][] args, int from, int to, long maxValue) {
        if (lp == null) return;
        long sum = 0;
        for (int i = from; i < to; i++) {
            int len = args[i].length;
            if (len > maxValue) {
                convert();
                return;
            }
            sum += len + varintSize(len);
        }
        if (used + sum > COMPACT_MAX_BYTES) {
            convert();
            return;
        }
        reserve((int) sum);
    }

    /** Moves every pair into a table, in compact order (Redis's hashTypeConvertListpack). */
    private void convert() {
        Dict<Field> d = new Dict<>();
        byte[] b = lp;
        int p = 0;
        for (int i = 0; i < count; i++) {
            int flen = lenAt(b, p);
            int fd = p + varintSize(flen);
            int vp = fd + flen;
            int vlen = lenAt(b, vp);
            int vd = vp + varintSize(vlen);
            d.add(new Field(Arrays.copyOfRange(b, fd, fd + flen), Arrays.copyOfRange(b, vd, vd + vlen)));
            p = vd + vlen;
        }
        dict = d;
        lp = null;
        used = count = 0;
    }

    // ---- Reads -------------------------------------------------------------------------------------

    /** Visits the value of {@code field}; false (nothing visited) when there is no such field. */
    public boolean get(byte[] field, BytesVisitor out) {
        if (lp != null) {
            int p = findCompact(field);
            if (p < 0) return false;
            int vp = p + varintSize(field.length) + field.length;
            int vlen = lenAt(lp, vp);
            out.visit(lp, vp + varintSize(vlen), vlen);
            return true;
        }
        Field e = dict.find(field);
        if (e == null) return false;
        out.visit(e.value, 0, e.value.length);
        return true;
    }

    /** The value of {@code field} (a copy in the compact form), or null. */
    public byte[] get(byte[] field) {
        if (lp != null) {
            int p = findCompact(field);
            if (p < 0) return null;
            int vp = p + varintSize(field.length) + field.length;
            int vlen = lenAt(lp, vp);
            int vd = vp + varintSize(vlen);
            return Arrays.copyOfRange(lp, vd, vd + vlen);
        }
        Field e = dict.find(field);
        return e == null ? null : e.value;
    }

    /** Length of the value of {@code field}, or -1 when absent. */
    public int valueLength(byte[] field) {
        if (lp != null) {
            int p = findCompact(field);
            return p < 0 ? -1 : lenAt(lp, p + varintSize(field.length) + field.length);
        }
        Field e = dict.find(field);
        return e == null ? -1 : e.value.length;
    }

    public boolean contains(byte[] field) {
        return lp != null ? findCompact(field) >= 0 : dict.find(field) != null;
    }

    /** Visits every pair: insertion order when compact, table order otherwise. No writes meanwhile. */
    public void forEach(PairVisitor v) {
        if (lp != null) {
            byte[] b = lp;
            int p = 0;
            for (int i = 0; i < count; i++) p = visitPairAt(b, p, v);
        } else {
            dict.forEach(e -> v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length));
        }
    }

    /**
     * One step of a SCAN over the table form ({@link Dict#scan}); returns the next cursor. The compact
     * form has no cursor: it visits everything and returns 0, as Redis returns a listpack whole.
     */
    public long scan(long cursor, PairVisitor v) {
        if (lp != null) {
            forEach(v);
            return 0;
        }
        return dict.scan(cursor, e -> v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length));
    }

    // ---- Writes ------------------------------------------------------------------------------------

    /**
     * Redis's hashTypeSet: sets {@code field} to {@code value}; true when the field is new. A compact
     * hash converts first if either string is longer than {@code maxValue}, and after the insert if
     * it then holds more than {@code maxEntries} pairs. The arrays may be kept as they are.
     */
    public boolean set(byte[] field, byte[] value, long maxEntries, long maxValue) {
        if (lp != null) {
            int extra = varintSize(field.length) + field.length + varintSize(value.length) + value.length;
            if (field.length > maxValue || value.length > maxValue || used + (long) extra > COMPACT_MAX_BYTES) {
                convert();
            } else {
                int p = findCompact(field);
                if (p >= 0) {
                    replaceValue(p + varintSize(field.length) + field.length, value);
                    return false;
                }
                reserve(extra);
                int q = putString(lp, used, field);
                used = putString(lp, q, value);
                count++;
                if (count > maxEntries) convert();
                return true;
            }
        }
        Field e = dict.find(field);
        if (e != null) {
            e.value = value;
            return false;
        }
        dict.add(new Field(field, value));
        return true;
    }

    /** Removes {@code field}; true if it was there. A table shrinks when mostly empty, as Redis's does. */
    public boolean delete(byte[] field) {
        if (lp != null) {
            int p = findCompact(field);
            if (p < 0) return false;
            int end = pairEnd(lp, p);
            System.arraycopy(lp, end, lp, p, used - end);
            used -= end - p;
            count--;
            if (lp.length > 64 && used < lp.length / 4) lp = Arrays.copyOf(lp, used + (used >> 2));
            return true;
        }
        if (dict.remove(field) == null) return false;
        dict.shrinkIfNeeded();
        return true;
    }

    /** A deep copy in the same encoding (COPY). Field and value arrays are immutable, so shared. */
    public HashValue copy() {
        if (lp != null) return new HashValue(Arrays.copyOf(lp, used), used, count, null);
        Dict<Field> d = new Dict<>();
        dict.forEach(e -> d.add(new Field(e.key(), e.value)));
        return new HashValue(null, 0, 0, d);
    }

    // ---- Random pairs (HRANDFIELD) -------------------------------------------------------------------

    /** Visits one pair chosen at random; the hash must not be empty. */
    public void randomPair(PairVisitor v) {
        if (lp != null) {
            int target = ThreadLocalRandom.current().nextInt(count);
            int p = 0;
            for (int i = 0; i < target; i++) p = pairEnd(lp, p);
            visitPairAt(lp, p, v);
        } else {
            Field e = dict.fairRandom();
            v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length);
        }
    }

    /** Visits {@code n} pairs chosen at random independently (repetitions allowed), in random order. */
    public void randomPairs(long n, PairVisitor v) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (lp != null) {
            int[] offsets = pairOffsets();
            for (long i = 0; i < n; i++) visitPairAt(lp, offsets[rnd.nextInt(count)], v);
        } else {
            for (long i = 0; i < n; i++) {
                Field e = dict.fairRandom();
                v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length);
            }
        }
    }

    /**
     * Visits {@code n} distinct pairs chosen at random, {@code 0 < n < size()}. Compact: one pass of
     * selection sampling (Knuth's algorithm S), so they come in hash order, as Redis's
     * lpRandomPairsUnique. Table: when n is a large part of the hash, a partial shuffle of all pairs
     * (Redis's "remove random elements" case); otherwise random picks with duplicates skipped.
     */
    public void randomDistinctPairs(int n, PairVisitor v) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (lp != null) {
            int needed = n, p = 0;
            for (int i = 0; i < count && needed > 0; i++) {
                if (rnd.nextInt(count - i) < needed) {
                    p = visitPairAt(lp, p, v);
                    needed--;
                } else {
                    p = pairEnd(lp, p);
                }
            }
            return;
        }
        int size = dict.size();
        if ((long) n * 3 > size) {
            List<Field> all = new ArrayList<>(size);
            dict.forEach(all::add);
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                Field e = all.get(j);
                all.set(j, all.get(i));
                all.set(i, e);
                v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length);
            }
            return;
        }
        Map<Field, Boolean> seen = new IdentityHashMap<>(n * 2);
        while (seen.size() < n) {
            Field e = dict.fairRandom();
            if (seen.put(e, Boolean.TRUE) != null) continue;
            v.visit(e.key(), 0, e.key().length, e.value, 0, e.value.length);
        }
    }

    // ---- The compact form ------------------------------------------------------------------------------

    /** Offset of the pair whose field is {@code field}, or -1. */
    private int findCompact(byte[] field) {
        byte[] b = lp;
        int flen = field.length;
        int p = 0;
        for (int i = 0; i < count; i++) {
            int len = lenAt(b, p);
            int d = p + varintSize(len);
            if (len == flen && Arrays.equals(b, d, d + len, field, 0, flen)) return p;
            int vp = d + len;
            int vlen = lenAt(b, vp);
            p = vp + varintSize(vlen) + vlen;
        }
        return -1;
    }

    /** Offsets of every pair, for random access. */
    private int[] pairOffsets() {
        int[] offsets = new int[count];
        int p = 0;
        for (int i = 0; i < count; i++) {
            offsets[i] = p;
            p = pairEnd(lp, p);
        }
        return offsets;
    }

    /** Visits the pair at {@code p}; returns the offset of the next pair. */
    private static int visitPairAt(byte[] b, int p, PairVisitor v) {
        int flen = lenAt(b, p);
        int fd = p + varintSize(flen);
        int vp = fd + flen;
        int vlen = lenAt(b, vp);
        int vd = vp + varintSize(vlen);
        v.visit(b, fd, flen, b, vd, vlen);
        return vd + vlen;
    }

    /** Offset just past the pair at {@code p}. */
    private static int pairEnd(byte[] b, int p) {
        int flen = lenAt(b, p);
        int vp = p + varintSize(flen) + flen;
        int vlen = lenAt(b, vp);
        return vp + varintSize(vlen) + vlen;
    }

    /** Rewrites the value whose length prefix is at {@code vp}, moving the tail if its size changes. */
    private void replaceValue(int vp, byte[] value) {
        int oldLen = lenAt(lp, vp);
        int oldEnd = vp + varintSize(oldLen) + oldLen;
        int delta = varintSize(value.length) + value.length - (oldEnd - vp);
        if (delta > 0) reserve(delta);
        if (delta != 0) System.arraycopy(lp, oldEnd, lp, oldEnd + delta, used - oldEnd);
        putString(lp, vp, value);
        used += delta;
    }

    /** Makes room for {@code extra} more bytes, growing by half again so appends are amortized. */
    private void reserve(int extra) {
        long need = (long) used + extra;
        if (need <= lp.length) return;
        long grown = Math.max(need, Math.min(COMPACT_MAX_BYTES, lp.length + ((long) lp.length >> 1)));
        lp = Arrays.copyOf(lp, (int) grown);
    }

    /** Writes a length-prefixed string at {@code p}; returns the offset after it. */
    private static int putString(byte[] b, int p, byte[] s) {
        int n = s.length;
        while (n >= 0x80) {
            b[p++] = (byte) (n | 0x80);
            n >>>= 7;
        }
        b[p++] = (byte) n;
        System.arraycopy(s, 0, b, p, s.length);
        return p + s.length;
    }

    /** The length prefix at {@code p}. */
    private static int lenAt(byte[] b, int p) {
        int x = b[p];
        if (x >= 0) return x;
        int n = x & 0x7F;
        for (int shift = 7; ; shift += 7) {
            x = b[++p];
            n |= (x & 0x7F) << shift;
            if (x >= 0) return n;
        }
    }

    /** Bytes of the length prefix of a string of {@code n} bytes. */
    private static int varintSize(int n) {
        if (n < 0x80) return 1;
        if (n < 0x4000) return 2;
        if (n < 0x200000) return 3;
        if (n < 0x10000000) return 4;
        return 5;
    }
}
