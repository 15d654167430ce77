package io.lodestone.command.hll;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Redis's HyperLogLog string representation (hyperloglog.c), bit for bit, so that a value written
 * here reads back in redis-server and the other way round.
 *
 * <pre>
 * header (16 bytes)  "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality,
 *                    64-bit little endian; its most significant bit set = the cache is stale
 * dense              16384 registers of 6 bits, packed from each byte's LSB upwards (12288 bytes)
 * sparse             run-length opcodes:  00xxxxxx         ZERO  1..64 registers at 0
 *                                         01xxxxxx yyyyyyyy XZERO 1..16384 registers at 0
 *                                         1vvvvvxx         VAL   1..4 registers at 1..32
 * </pre>
 *
 * An element is hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register,
 * and the position of the first set bit in the remaining 50 (1..51) is the value the register
 * keeps the maximum of. A sparse value is promoted to dense when a register exceeds 32 or an update
 * would make the string longer than {@code hll-sparse-max-bytes}; never the other way.
 *
 * <p>An instance is one value being worked on: {@code b[0..len)} are the string's bytes. The array
 * must be owned by the caller (it is written in place); a sparse update that grows the string
 * moves it to a larger array, so callers take the result back with {@link #bytes()}. Every method
 * reproduces Redis's byte layout exactly, including how opcodes are split and merged, because
 * PFADD sequences must produce identical strings; on corrupted input the same outcome is reported
 * as Redis reports it, but nothing reads or writes outside the array.
 */
final class HyperLogLog {
    static final int P = 14;
    static final int Q = 64 - P;
    static final int REGISTERS = 1 << P;
    static final int P_MASK = REGISTERS - 1;
    static final int BITS = 6;
    static final int REGISTER_MAX = (1 << BITS) - 1;
    static final int HDR_SIZE = 16;
    static final int DENSE_SIZE = HDR_SIZE + (REGISTERS * BITS + 7) / 8;
    static final int DENSE = 0;
    static final int SPARSE = 1;
    static final int MAX_ENCODING = 1;
    static final int SPARSE_VAL_MAX_VALUE = 32;
    static final int SPARSE_VAL_MAX_LEN = 4;
    static final int SPARSE_ZERO_MAX_LEN = 64;
    static final int SPARSE_XZERO_MAX_LEN = 16384;
    /** 0.5 / ln(2). */
    private static final double ALPHA_INF = 0.721347520444481703680;
    private static final long SEED = 0xadc83b19L;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** The index of the card byte whose top bit marks the cached cardinality stale. */
    private static final int CARD_MSB = 15;

    byte[] b;
    int len;

    HyperLogLog(byte[] b, int len) {
        this.b = b;
        this.len = len;
    }

    /** An owned value to work on. */
    static HyperLogLog of(byte[] value) {
        return new HyperLogLog(value, value.length);
    }

    /** Redis's createHLLObject: sparse, every register covered by XZERO opcodes, cache valid at 0. */
    static HyperLogLog create() {
        int xzeros = (REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN;
        byte[] s = new byte[HDR_SIZE + xzeros * 2];
        s[0] = 'H';
        s[1] = 'Y';
        s[2] = 'L';
        s[3] = 'L';
        s[4] = SPARSE;
        int p = HDR_SIZE;
        for (int left = REGISTERS; left > 0; ) {
            int n = Math.min(left, SPARSE_XZERO_MAX_LEN);
            p = putXzero(s, p, n);
            left -= n;
        }
        return of(s);
    }

    /** The string as stored: the working array itself when its length is exact. */
    byte[] bytes() {
        return b.length == len ? b : Arrays.copyOf(b, len);
    }

    /**
     * Redis's isHLLObjectOrReply test for a string: long enough for the header, the magic, a known
     * encoding, and exactly the dense size when dense. (A sparse value is only validated as it is read.)
     */
    static boolean isValid(byte[] v) {
        if (v.length < HDR_SIZE) return false;
        if (v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L') return false;
        int enc = v[4] & 0xff;
        if (enc > MAX_ENCODING) return false;
        return enc != DENSE || v.length == DENSE_SIZE;
    }

    static boolean isDense(byte[] v) {
        return v[4] == DENSE;
    }

    int encoding() {
        return b[4] & 0xff;
    }

    // ---- Cached cardinality --------------------------------------------------------------------

    boolean cacheValid() {
        return (b[CARD_MSB] & 0x80) == 0;
    }

    /** Only the validity bit changes: the stale count stays in the other bits, as in Redis. */
    void invalidateCache() {
        b[CARD_MSB] |= (byte) 0x80;
    }

    long cachedCardinality() {
        return (long) LONG_LE.get(b, 8);
    }

    void cacheCardinality(long card) {
        LONG_LE.set(b, 8, card);
    }

    // ---- Hashing -------------------------------------------------------------------------------

    /** MurmurHash64A as Redis has it (endian-neutral: blocks are read little endian). */
    static long murmurHash64A(byte[] key, long seed) {
        final long m = 0xc6a4a7935bd1e995L;
        final int r = 47;
        int len = key.length;
        long h = seed ^ (len * m);
        int blocks = len - (len & 7);
        for (int i = 0; i < blocks; i += 8) {
            long k = (long) LONG_LE.get(key, i);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int tail = len & 7;
        if (tail > 0) {
            for (int i = tail - 1; i >= 0; i--) h ^= (long) (key[blocks + i] & 0xff) << (8 * i);
            h *= m;
        }
        h ^= h >>> r;
        h *= m;
        h ^= h >>> r;
        return h;
    }

    /** MurmurHash64A of the 8 little-endian bytes of {@code v} (PFSELFTEST's elements). */
    static long murmurHash64A(long v, long seed) {
        final long m = 0xc6a4a7935bd1e995L;
        long h = seed ^ (8 * m);
        long k = v * m;
        k ^= k >>> 47;
        k *= m;
        h ^= k;
        h *= m;
        h ^= h >>> 47;
        h *= m;
        h ^= h >>> 47;
        return h;
    }

    /**
     * Redis's hllPatLen for a hash: the register index in the low 14 bits of the result, and above
     * them the length of the 000..1 pattern in the other 50 bits (1 to 51).
     */
    static int patLen(long hash) {
        int index = (int) (hash & P_MASK);
        long rest = (hash >>> P) | (1L << Q);
        int count = Long.numberOfTrailingZeros(rest) + 1;
        return count << P | index;
    }

    static int patLen(byte[] element) {
        return patLen(murmurHash64A(element, SEED));
    }

    static int patLenOf(long element) {
        return patLen(murmurHash64A(element, SEED));
    }

    // ---- Dense registers -----------------------------------------------------------------------

    /**
     * Register {@code reg} of a dense value (header included in {@code d}). A register starting at
     * bit 0..2 of its byte lies wholly in it; only later ones spill into the next byte, so the last
     * register never reads past the array (Redis reads its sds terminator instead).
     */
    static int getRegister(byte[] d, int reg) {
        int bit = reg * BITS;
        int i = HDR_SIZE + (bit >>> 3);
        int fb = bit & 7;
        int v = (d[i] & 0xff) >>> fb;
        if (fb > 8 - BITS) v |= (d[i + 1] & 0xff) << (8 - fb);
        return v & REGISTER_MAX;
    }

    static void setRegister(byte[] d, int reg, int val) {
        int bit = reg * BITS;
        int i = HDR_SIZE + (bit >>> 3);
        int fb = bit & 7;
        d[i] = (byte) ((d[i] & ~(REGISTER_MAX << fb)) | (val << fb));
        if (fb > 8 - BITS) {
            int fb8 = 8 - fb;
            d[i + 1] = (byte) ((d[i + 1] & ~(REGISTER_MAX >>> fb8)) | (val >>> fb8));
        }
    }

    /** Redis's hllDenseSet: raises the register to count; true when it changed. */
    static boolean denseSet(byte[] d, int index, int count) {
        if (count <= getRegister(d, index)) return false;
        setRegister(d, index, count);
        return true;
    }

    // ---- Sparse opcodes ------------------------------------------------------------------------

    private static boolean isZero(int op) {
        return (op & 0xc0) == 0;
    }

    private static boolean isXzero(int op) {
        return (op & 0xc0) == 0x40;
    }

    private static boolean isVal(int op) {
        return (op & 0x80) != 0;
    }

    private static int zeroLen(int op) {
        return (op & 0x3f) + 1;
    }

    private static int valValue(int op) {
        return ((op >>> 2) & 0x1f) + 1;
    }

    private static int valLen(int op) {
        return (op & 0x3) + 1;
    }

    /**
     * XZERO's run length. A truncated XZERO at the very end (only in a crafted value) reads the byte
     * after the string, as Redis reads its sds terminator: zero for a stored value, and in a
     * value being updated whatever {@link #sparseSet} left there, as Redis's sequence does.
     */
    private static int xzeroLen(byte[] s, int p, int end) {
        int lo = p + 1 < s.length ? s[p + 1] & 0xff : 0;
        return (((s[p] & 0x3f) << 8) | lo) + 1;
    }

    private static byte val(int value, int len) {
        return (byte) (((value - 1) << 2 | (len - 1)) | 0x80);
    }

    /** Writes a ZERO or XZERO opcode, whichever Redis uses for this run; returns the next position. */
    private static int putZeros(byte[] s, int p, int n) {
        if (n > SPARSE_ZERO_MAX_LEN) return putXzero(s, p, n);
        s[p] = (byte) (n - 1);
        return p + 1;
    }

    private static int putXzero(byte[] s, int p, int n) {
        int l = n - 1;
        s[p] = (byte) ((l >>> 8) | 0x40);
        s[p + 1] = (byte) l;
        return p + 2;
    }

    // ---- Updates -------------------------------------------------------------------------------

    /**
     * Redis's hllAdd: 1 when a register grew (the cardinality may have changed), 0 when not, -1 when
     * the value is corrupted.
     */
    int add(byte[] element, long sparseMaxBytes) {
        int pl = patLen(element);
        return set(pl & P_MASK, pl >>> P, sparseMaxBytes);
    }

    int set(int index, int count, long sparseMaxBytes) {
        return switch (encoding()) {
            case DENSE -> denseSet(b, index, count) ? 1 : 0;
            case SPARSE -> sparseSet(index, count, sparseMaxBytes);
            default -> -1;
        };
    }

    private void ensureCapacity(int n) {
        if (b.length < n) b = Arrays.copyOf(b, Math.max(n, len + (len >> 1)));
    }

    /**
     * Redis's hllSparseSet: raises register {@code index} to {@code count} in the sparse opcodes,
     * splitting the opcode that covers it (an XZERO may become XZERO-VAL-XZERO) and then merging
     * adjacent equal VALs in the five opcodes from the one before; promotes to dense when the value
     * does not fit a VAL or the string would exceed {@code sparseMaxBytes}. Returns 1, 0 or -1 as
     * {@link #add}.
     */
    int sparseSet(int index, int count, long sparseMaxBytes) {
        if (count > SPARSE_VAL_MAX_VALUE) return promote(index, count);
        byte[] s = b;
        int end = len;

        // Step 1: find the opcode covering the register.
        int p = HDR_SIZE, prev = -1;
        long first = 0, span = 0;
        while (p < end) {
            int op = s[p] & 0xff;
            int oplen = 1;
            if (isZero(op)) {
                span = zeroLen(op);
            } else if (isVal(op)) {
                span = valLen(op);
            } else {
                span = xzeroLen(s, p, end);
                oplen = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) return -1;

        int op = s[p] & 0xff;
        int next = isXzero(op) ? p + 2 : p + 1;
        if (next >= end) next = -1;
        boolean zero = isZero(op), xzero = isXzero(op);

        // Step 2: the trivial in-place updates.
        if (isVal(op)) {
            if (valValue(op) >= count) return 0;
            if (span == 1) {
                s[p] = val(count, 1);
                return updated(prev);
            }
        }
        if (zero && span == 1) {
            s[p] = val(count, 1);
            return updated(prev);
        }

        // Step 3: split the opcode into up to three and put them in its place.
        byte[] seq = new byte[5];
        int n = 0;
        long last = first + span - 1;
        if (zero || xzero) {
            if (index != first) n = putZeros(seq, n, (int) (index - first));
            seq[n++] = val(count, 1);
            if (index != last) n = putZeros(seq, n, (int) (last - index));
        } else {
            int cur = valValue(op);
            if (index != first) seq[n++] = val(cur, (int) (index - first));
            seq[n++] = val(count, 1);
            if (index != last) seq[n++] = val(cur, (int) (last - index));
        }
        int delta = n - (xzero ? 2 : 1);
        if (delta > 0 && (long) len + delta > sparseMaxBytes) return promote(index, count);
        // A split writes at most 5 bytes over a 1-byte opcode, and a split of a truncated XZERO at
        // the end one byte past the new length: b[len] plays the part of Redis's sds terminator.
        ensureCapacity(len + 5);
        s = b;
        if (delta != 0 && next >= 0) System.arraycopy(s, next, s, next + delta, end - next);
        len += delta;
        s[len] = 0;
        System.arraycopy(seq, 0, s, p, n);
        return updated(prev);
    }

    /** Step 4 of hllSparseSet: merge adjacent VALs of equal value, then invalidate the cache. */
    private int updated(int prev) {
        byte[] s = b;
        int p = prev >= 0 ? prev : HDR_SIZE;
        int scan = 5;
        while (p < len && scan-- != 0) {
            int op = s[p] & 0xff;
            if (isXzero(op)) {
                p += 2;
                continue;
            } else if (isZero(op)) {
                p++;
                continue;
            }
            if (p + 1 < len && isVal(s[p + 1] & 0xff)) {
                int op2 = s[p + 1] & 0xff;
                int v = valValue(op);
                if (v == valValue(op2)) {
                    int runs = valLen(op) + valLen(op2);
                    if (runs <= SPARSE_VAL_MAX_LEN) {
                        s[p + 1] = val(v, runs);
                        System.arraycopy(s, p + 1, s, p, len - p - 1);
                        s[--len] = 0;
                        // Try again from the same place: the merged VAL may merge with the next.
                        continue;
                    }
                }
            }
            p++;
        }
        invalidateCache();
        return 1;
    }

    private int promote(int index, int count) {
        if (!sparseToDense()) return -1;
        // The register was below count (a sparse value holds at most 32), so this is a change.
        denseSet(b, index, count);
        return 1;
    }

    /**
     * Redis's hllSparseToDense: the same header (cached cardinality included) with the dense
     * encoding; false, leaving the value as it was, when the opcodes do not cover exactly 16384
     * registers. A dense value is left alone. As in Redis with the CVE-2025-32023 fix (which the
     * reference redis-server 7.0.15 carries), an opcode running past the last register is an error
     * at once, even a VAL that starts right after it.
     */
    boolean sparseToDense() {
        if (encoding() == DENSE) return true;
        byte[] s = b, d = new byte[DENSE_SIZE];
        System.arraycopy(s, 0, d, 0, HDR_SIZE);
        d[4] = DENSE;
        long idx = 0;
        int p = HDR_SIZE, end = len;
        while (p < end) {
            int op = s[p] & 0xff;
            int runlen = isZero(op) ? zeroLen(op) : isXzero(op) ? xzeroLen(s, p, end) : valLen(op);
            if (runlen + idx > REGISTERS) return false;
            if (isVal(op)) {
                int regval = valValue(op);
                for (int i = 0; i < runlen; i++) setRegister(d, (int) idx++, regval);
            } else {
                idx += runlen;
            }
            p += isXzero(op) ? 2 : 1;
        }
        if (idx != REGISTERS) return false;
        b = d;
        len = DENSE_SIZE;
        return true;
    }

    // ---- Merging -------------------------------------------------------------------------------

    /**
     * Redis's hllMerge: {@code max[i] = max(max[i], register i)} over a value that passed
     * {@link #isValid}; false when its sparse opcodes do not cover exactly 16384 registers
     * (checked opcode by opcode, as {@link #sparseToDense}). Registers before the fault stay merged.
     */
    static boolean merge(byte[] max, byte[] v) {
        if (isDense(v)) {
            // Four registers in every three bytes.
            for (int i = 0, p = HDR_SIZE; i < REGISTERS; i += 4, p += 3) {
                int b0 = v[p] & 0xff, b1 = v[p + 1] & 0xff, b2 = v[p + 2] & 0xff;
                raise(max, i, b0 & 63);
                raise(max, i + 1, ((b0 >>> 6) | (b1 << 2)) & 63);
                raise(max, i + 2, ((b1 >>> 4) | (b2 << 4)) & 63);
                raise(max, i + 3, b2 >>> 2);
            }
            return true;
        }
        int i = 0;
        int p = HDR_SIZE, end = v.length;
        while (p < end) {
            int op = v[p] & 0xff;
            int runlen = isZero(op) ? zeroLen(op) : isXzero(op) ? xzeroLen(v, p, end) : valLen(op);
            if (runlen + i > REGISTERS) return false;
            if (isVal(op)) {
                int regval = valValue(op);
                for (int k = 0; k < runlen; k++) raise(max, i++, regval);
            } else {
                i += runlen;
            }
            p += isXzero(op) ? 2 : 1;
        }
        return i == REGISTERS;
    }

    private static void raise(byte[] max, int i, int v) {
        if (v > max[i]) max[i] = (byte) v;
    }

    // ---- Counting ------------------------------------------------------------------------------

    /**
     * Redis's hllCount for this value: the estimate, or -1 when sparse opcodes do not cover exactly
     * 16384 registers (a dense value cannot be invalid once {@link #isValid}).
     */
    long count() {
        int[] histo = new int[64];
        if (encoding() == DENSE) {
            denseHisto(b, histo);
        } else if (!sparseHisto(b, len, histo)) {
            return -1;
        }
        return estimate(histo);
    }

    /** The estimate for registers held one per byte (PFCOUNT of several keys: Redis's HLL_RAW). */
    static long countRaw(byte[] registers) {
        int[] histo = new int[64];
        for (byte r : registers) histo[r]++;
        return estimate(histo);
    }

    static void denseHisto(byte[] d, int[] histo) {
        for (int p = HDR_SIZE, end = HDR_SIZE + REGISTERS * BITS / 8; p < end; p += 3) {
            int b0 = d[p] & 0xff, b1 = d[p + 1] & 0xff, b2 = d[p + 2] & 0xff;
            histo[b0 & 63]++;
            histo[((b0 >>> 6) | (b1 << 2)) & 63]++;
            histo[((b1 >>> 4) | (b2 << 4)) & 63]++;
            histo[b2 >>> 2]++;
        }
    }

    /** Redis's hllSparseRegHisto; false when the opcodes do not cover exactly 16384 registers. */
    static boolean sparseHisto(byte[] s, int end, int[] histo) {
        long idx = 0;
        int p = HDR_SIZE;
        while (p < end) {
            int op = s[p] & 0xff;
            int runlen;
            if (isZero(op)) {
                runlen = zeroLen(op);
                histo[0] += runlen;
                p++;
            } else if (isXzero(op)) {
                runlen = xzeroLen(s, p, end);
                histo[0] += runlen;
                p += 2;
            } else {
                runlen = valLen(op);
                histo[valValue(op)] += runlen;
                p++;
            }
            idx += runlen;
        }
        return idx == REGISTERS;
    }

    /**
     * The cardinality estimator of Redis 7.0: Otmar Ertl's "improved raw estimator" (arXiv:1702.01284)
     * over the register histogram, with the same floating-point operations in the same order so the
     * rounded result is Redis's to the unit.
     */
    static long estimate(int[] histo) {
        double m = REGISTERS;
        double z = m * tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; --j) {
            z += histo[j];
            z *= 0.5;
        }
        z += m * sigma(histo[0] / m);
        return llround(ALPHA_INF * m * m / z);
    }

    /**
     * Redis's {@code (uint64_t)(double)llroundl(x)}, read back as a signed reply. The estimate is never
     * negative; an infinite one (a crafted value with every register above 51) is out of llroundl's
     * range, which x86-64 answers with LLONG_MIN, and results near 2^63 round through a double.
     */
    private static long llround(double x) {
        long rounded = Double.isNaN(x) || x >= 0x1p63 ? Long.MIN_VALUE : Math.round(x);
        double e = rounded;
        return e >= 0x1p63 ? Long.MIN_VALUE : (long) e;
    }

    static double sigma(double x) {
        if (x == 1.) return Double.POSITIVE_INFINITY;
        double zPrime;
        double y = 1;
        double z = x;
        do {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double tau(double x) {
        if (x == 0. || x == 1.) return 0.;
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do {
            x = Math.sqrt(x);
            zPrime = z;
            y *= 0.5;
            // Redis writes pow(1 - x, 2), which compilers turn into this exact product.
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrime != z);
        return z / 3;
    }
}
