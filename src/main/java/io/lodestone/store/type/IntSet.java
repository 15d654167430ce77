package io.lodestone.store.type;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Redis's intset (intset.c), byte for byte: a {@code byte[]} holding a little-endian header
 * {@code uint32 encoding, uint32 length} followed by {@code length} distinct integers in ascending
 * order, each {@code encoding} bytes wide (2, 4 or 8). The array may be longer than
 * {@code 8 + length * encoding}: the tail is spare room so that adding is amortized O(n) in bytes
 * moved rather than a fresh array per add.
 *
 * <p>The width is the smallest that fits every value ever added: adding a value that needs a wider
 * encoding rewrites the whole set at the new width ("upgrade"); removing never narrows it, exactly
 * as Redis (the width is visible in the serialized form, see {@link #blob}).
 *
 * <p>Functions over arrays rather than an object, so a set costs one array and nothing else.
 */
final class IntSet {
    static final int HEADER = 8;
    static final int ENC_INT16 = 2;
    static final int ENC_INT32 = 4;
    static final int ENC_INT64 = 8;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private IntSet() {
    }

    /** An empty intset (Redis's intsetNew: 16-bit encoding) with room for {@code capacity} values. */
    static byte[] create(int capacity) {
        byte[] is = new byte[HEADER + capacity * ENC_INT16];
        I32.set(is, 0, ENC_INT16);
        return is;
    }

    static int encoding(byte[] is) {
        return (int) I32.get(is, 0);
    }

    static int length(byte[] is) {
        return (int) I32.get(is, 4);
    }

    private static void length(byte[] is, int n) {
        I32.set(is, 4, n);
    }

    /** The smallest encoding that holds v (Redis's _intsetValueEncoding). */
    static int valueEncoding(long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) return ENC_INT64;
        if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) return ENC_INT32;
        return ENC_INT16;
    }

    /** The value at position i (0 = smallest). */
    static long get(byte[] is, int i) {
        return get(is, i, encoding(is));
    }

    private static long get(byte[] is, int i, int enc) {
        int off = HEADER + i * enc;
        return switch (enc) {
            case ENC_INT16 -> (short) I16.get(is, off);
            case ENC_INT32 -> (int) I32.get(is, off);
            default -> (long) I64.get(is, off);
        };
    }

    private static void set(byte[] is, int i, int enc, long v) {
        int off = HEADER + i * enc;
        switch (enc) {
            case ENC_INT16 -> I16.set(is, off, (short) v);
            case ENC_INT32 -> I32.set(is, off, (int) v);
            default -> I64.set(is, off, v);
        }
    }

    /**
     * Binary search: the position of v, or {@code -(insertion point) - 1} when absent. A value wider
     * than the encoding is absent and belongs at one end.
     */
    static int search(byte[] is, long v) {
        int enc = encoding(is), n = length(is);
        if (valueEncoding(v) > enc) return v < 0 ? -1 : -n - 1;
        int lo = 0, hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long x = get(is, mid, enc);
            if (x < v) lo = mid + 1;
            else if (x > v) hi = mid - 1;
            else return mid;
        }
        return -lo - 1;
    }

    static boolean contains(byte[] is, long v) {
        return search(is, v) >= 0;
    }

    /**
     * Adds v, which must be absent, at {@code pos} (from {@link #search}: {@code -result - 1}).
     * Returns the array now holding the set: the same one, or a larger or wider copy.
     */
    static byte[] insert(byte[] is, int pos, long v) {
        int enc = encoding(is), n = length(is);
        int venc = valueEncoding(v);
        if (venc > enc) return upgradeAndAdd(is, v, venc);
        if (HEADER + (n + 1) * enc > is.length) is = Arrays.copyOf(is, HEADER + grownCapacity(n) * enc);
        int off = HEADER + pos * enc;
        System.arraycopy(is, off, is, off + enc, (n - pos) * enc);
        set(is, pos, enc, v);
        length(is, n + 1);
        return is;
    }

    /**
     * Redis's intsetUpgradeAndAdd: v does not fit the current width, so it is smaller or larger than
     * every member and goes first (negative) or last (positive); every member is rewritten wider.
     */
    private static byte[] upgradeAndAdd(byte[] is, long v, int newEnc) {
        int enc = encoding(is), n = length(is);
        byte[] out = new byte[HEADER + grownCapacity(n) * newEnc];
        I32.set(out, 0, newEnc);
        int shift = v < 0 ? 1 : 0;
        for (int i = 0; i < n; i++) set(out, i + shift, newEnc, get(is, i, enc));
        set(out, v < 0 ? 0 : n, newEnc, v);
        length(out, n + 1);
        return out;
    }

    /** Spare room: none while tiny, then a quarter more, so adds move amortized O(n) bytes. */
    private static int grownCapacity(int n) {
        return n < 8 ? n + 1 : n + (n >> 2);
    }

    /** Removes the value at pos; returns the array now holding the set (shrunk when mostly empty). */
    static byte[] removeAt(byte[] is, int pos) {
        int enc = encoding(is), n = length(is);
        int off = HEADER + pos * enc;
        System.arraycopy(is, off + enc, is, off, (n - pos - 1) * enc);
        length(is, n - 1);
        int capacity = (is.length - HEADER) / enc;
        if (capacity > 16 && n - 1 < capacity / 2) is = Arrays.copyOf(is, HEADER + grownCapacity(n - 1) * enc);
        return is;
    }

    /**
     * Redis's intset blob, header and values without spare room: what RDB stores for an
     * intset-encoded set, and a copy sharing nothing with {@code is}.
     */
    static byte[] blob(byte[] is) {
        return Arrays.copyOf(is, HEADER + length(is) * encoding(is));
    }
}
