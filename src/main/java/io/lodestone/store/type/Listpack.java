package io.lodestone.store.type;

import io.lodestone.util.Numbers;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Redis's listpack (listpack.c) in a {@code byte[]}: a 6-byte header (total bytes, uint32 LE; element
 * count, uint16 LE, 65535 when unknown), entries of {@code encoding [data] backlen}, and a 0xFF
 * terminator. Strings that are canonical integers (lpStringToInt64) are stored as integers, in the
 * smallest of the 7-bit, 13-bit, 16, 24, 32 or 64-bit forms; other strings with a 6-bit, 12-bit or
 * 32-bit length. The bytes are Redis's own, so a stream node is written to an RDB file as it is.
 *
 * <p>A listpack array may be longer than the listpack (the header's total says where it ends): the
 * spare room is Redis's preallocation, which spares a copy per append. Positions are array offsets of
 * an entry's first byte; -1 means "none". Methods that grow a listpack return the array to use from
 * then on, which may be a new one.
 */
public final class Listpack {
    public static final int HEADER = 6;
    public static final int EOF = 0xFF;
    /** LP_HDR_NUMELE_UNKNOWN: the element count no longer fits the header. */
    public static final int NUMELE_UNKNOWN = 65535;
    /** Redis's LISTPACK_MAX_SAFETY_SIZE. */
    public static final long MAX_SAFETY_SIZE = 1L << 30;

    private Listpack() {
    }

    /** lpNew(capacity): an empty listpack in an array of at least {@code capacity} bytes. */
    public static byte[] newListpack(int capacity) {
        byte[] lp = new byte[Math.max(HEADER + 1, capacity)];
        setTotal(lp, HEADER + 1);
        lp[HEADER] = (byte) EOF;
        return lp;
    }

    /** lpBytes: the listpack's size, from its header. */
    public static int bytes(byte[] lp) {
        return (int) le(lp, 0, 4);
    }

    /** The header's element count ({@link #NUMELE_UNKNOWN} when it overflowed). */
    public static int headerCount(byte[] lp) {
        return (int) le(lp, 4, 2);
    }

    /** lpShrinkToFit: the listpack in an array of exactly its size. */
    public static byte[] shrinkToFit(byte[] lp) {
        int n = bytes(lp);
        return lp.length == n ? lp : Arrays.copyOf(lp, n);
    }

    // ---- Walking ---------------------------------------------------------------------------------

    public static int first(byte[] lp) {
        return (lp[HEADER] & 0xFF) == EOF ? -1 : HEADER;
    }

    public static int next(byte[] lp, int p) {
        int n = p + entrySize(lp, p);
        return (lp[n] & 0xFF) == EOF ? -1 : n;
    }

    public static int prev(byte[] lp, int p) {
        if (p == HEADER) return -1;
        int l = (int) decodeBacklen(lp, p - 1);
        return p - l - backlenSize(l);
    }

    public static int last(byte[] lp) {
        int end = bytes(lp) - 1;
        return end == HEADER ? -1 : prev(lp, end);
    }

    /** Bytes of the entry at p: encoding, data and backlen. */
    public static int entrySize(byte[] lp, int p) {
        int l = (int) encodedSize(lp, p, lp[p] & 0xFF);
        return l + backlenSize(l);
    }

    // ---- Reading ---------------------------------------------------------------------------------

    /** True if the entry at p is integer-encoded. */
    public static boolean isInt(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        return (b & 0x80) == 0 || (b & 0xE0) == 0xC0 || (b >= 0xF1 && b <= 0xF4);
    }

    /** The integer at p, which must be integer-encoded. */
    public static long intValue(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        if ((b & 0x80) == 0) return b;
        if ((b & 0xE0) == 0xC0) {
            int u = ((b & 0x1F) << 8) | (lp[p + 1] & 0xFF);
            return u >= 1 << 12 ? u - (1 << 13) : u;
        }
        int w = intWidth(b);
        long v = le(lp, p + 1, w);
        return w < 8 ? (v << (64 - 8 * w)) >> (64 - 8 * w) : v;
    }

    /**
     * lpGetIntegerIfValid: the integer at p, also from a string entry that holds one (string2ll), or
     * null when the entry is a string that is not a number.
     */
    public static Long integerIfValid(byte[] lp, int p) {
        if (isInt(lp, p)) return intValue(lp, p);
        int off = stringOffset(lp, p);
        int n = stringLength(lp, p);
        return Numbers.isLong(lp, off, n) ? Numbers.parseLong(lp, off, n) : null;
    }

    /** The integer at p (string entries are parsed); streams only hold valid ones (checked on load). */
    public static long getInteger(byte[] lp, int p) {
        // Every stream walk reads its counters here: the integer encodings without boxing.
        if (isInt(lp, p)) return intValue(lp, p);
        Long v = integerIfValid(lp, p);
        if (v == null) throw new IllegalStateException("listpack entry is not an integer");
        return v;
    }

    /** The entry at p as bytes: strings as they are, integers in decimal (lpGet). */
    public static byte[] get(byte[] lp, int p) {
        if (isInt(lp, p)) return Long.toString(intValue(lp, p)).getBytes(StandardCharsets.US_ASCII);
        int off = stringOffset(lp, p);
        return Arrays.copyOfRange(lp, off, off + stringLength(lp, p));
    }

    /** True if the entry at p holds exactly the bytes of s (lpCompare). */
    public static boolean equals(byte[] lp, int p, byte[] s) {
        if (isInt(lp, p)) return isCanonicalLong(s) && parseCanonical(s) == intValue(lp, p);
        int n = stringLength(lp, p);
        int off = stringOffset(lp, p);
        return n == s.length && Arrays.equals(lp, off, off + n, s, 0, n);
    }

    private static int stringOffset(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        if ((b & 0xC0) == 0x80) return p + 1;
        if ((b & 0xF0) == 0xE0) return p + 2;
        return p + 5;
    }

    private static int stringLength(byte[] lp, int p) {
        int b = lp[p] & 0xFF;
        if ((b & 0xC0) == 0x80) return b & 0x3F;
        if ((b & 0xF0) == 0xE0) return ((b & 0x0F) << 8) | (lp[p + 1] & 0xFF);
        return (int) le(lp, p + 1, 4);
    }

    // ---- Writing ---------------------------------------------------------------------------------

    /** lpAppend: s at the end, as an integer when it is a canonical one. */
    public static byte[] append(byte[] lp, byte[] s) {
        if (isCanonicalLong(s)) return appendInteger(lp, parseCanonical(s));
        int total = bytes(lp);
        int enc = strEncodedSize(s.length);
        int size = enc + backlenSize(enc);
        lp = ensure(lp, total + size);
        int p = writeStringHeader(lp, total - 1, s.length);
        System.arraycopy(s, 0, lp, p, s.length);
        writeBacklen(lp, p + s.length, enc);
        return finishAppend(lp, total + size);
    }

    /** lpAppendInteger as t_stream.c has it (ll2string then lpAppend: always an integer encoding). */
    public static byte[] appendInteger(byte[] lp, long v) {
        int total = bytes(lp);
        int enc = intEncodedSize(v);
        int size = enc + backlenSize(enc);
        lp = ensure(lp, total + size);
        writeInt(lp, total - 1, v, enc);
        return finishAppend(lp, total + size);
    }

    /**
     * lpReplaceInteger: the entry at p becomes the integer v; the entries after it move if the size
     * changes. The entry stays at p.
     */
    public static byte[] replaceInteger(byte[] lp, int p, long v) {
        int total = bytes(lp);
        int old = entrySize(lp, p);
        int enc = intEncodedSize(v);
        int size = enc + backlenSize(enc);
        if (size != old) {
            int newTotal = total - old + size;
            if (newTotal > lp.length) lp = Arrays.copyOf(lp, grow(lp.length, newTotal));
            System.arraycopy(lp, p + old, lp, p + size, total - p - old);
            setTotal(lp, newTotal);
        }
        writeInt(lp, p, v, enc);
        return lp;
    }

    private static byte[] finishAppend(byte[] lp, int newTotal) {
        lp[newTotal - 1] = (byte) EOF;
        setTotal(lp, newTotal);
        int count = headerCount(lp);
        // Once the count reaches 65535 it stays there: "unknown", as lpInsert leaves it.
        if (count != NUMELE_UNKNOWN) setLE(lp, 4, count + 1, 2);
        return lp;
    }

    private static byte[] ensure(byte[] lp, int needed) {
        return needed <= lp.length ? lp : Arrays.copyOf(lp, grow(lp.length, needed));
    }

    /** Growth in steps of about a quarter, as jemalloc's size classes let a realloc'd listpack grow. */
    private static int grow(int current, int needed) {
        return (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, current + (current >> 2)));
    }

    private static int writeStringHeader(byte[] lp, int p, int n) {
        if (n < 64) {
            lp[p++] = (byte) (0x80 | n);
        } else if (n < 4096) {
            lp[p++] = (byte) (0xE0 | (n >>> 8));
            lp[p++] = (byte) n;
        } else {
            lp[p++] = (byte) 0xF0;
            setLE(lp, p, n, 4);
            p += 4;
        }
        return p;
    }

    private static void writeInt(byte[] lp, int p, long v, int enc) {
        switch (enc) {
            case 1 -> lp[p] = (byte) v;
            case 2 -> {
                long u = v < 0 ? (1L << 13) + v : v;
                lp[p] = (byte) (0xC0 | (u >>> 8));
                lp[p + 1] = (byte) u;
            }
            case 3 -> {
                lp[p] = (byte) 0xF1;
                setLE(lp, p + 1, v, 2);
            }
            case 4 -> {
                lp[p] = (byte) 0xF2;
                setLE(lp, p + 1, v, 3);
            }
            case 5 -> {
                lp[p] = (byte) 0xF3;
                setLE(lp, p + 1, v, 4);
            }
            default -> {
                lp[p] = (byte) 0xF4;
                setLE(lp, p + 1, v, 8);
            }
        }
        writeBacklen(lp, p + enc, enc);
    }

    /** Writes the backlen of an entry whose encoding and data take l bytes, at p; returns its end. */
    private static int writeBacklen(byte[] lp, int p, int l) {
        int n = backlenSize(l);
        // Big-endian groups of 7 bits, every byte but the first flagged: read backwards, it ends at
        // the byte without the flag.
        for (int i = 0; i < n; i++) {
            int shift = 7 * (n - 1 - i);
            int b = (l >>> shift) & 127;
            lp[p + i] = (byte) (i == 0 ? b : b | 128);
        }
        return p + n;
    }

    // ---- Sizes -----------------------------------------------------------------------------------

    /** Bytes a whole entry for s takes (lpInsert's size): integer or string encoding plus backlen. */
    public static int entrySize(byte[] s) {
        int enc = isCanonicalLong(s) ? intEncodedSize(parseCanonical(s)) : strEncodedSize(s.length);
        return enc + backlenSize(enc);
    }

    public static int stringEntrySize(int n) {
        int enc = strEncodedSize(n);
        return enc + backlenSize(enc);
    }

    public static int intEncodedSize(long v) {
        if (v >= 0 && v <= 127) return 1;
        if (v >= -4096 && v <= 4095) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= -8388608 && v <= 8388607) return 4;
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return 5;
        return 9;
    }

    public static int strEncodedSize(int n) {
        if (n < 64) return 1 + n;
        if (n < 4096) return 2 + n;
        return 5 + n;
    }

    public static int backlenSize(long l) {
        if (l <= 127) return 1;
        if (l < 16383) return 2;
        if (l < 2097151) return 3;
        if (l < 268435455) return 4;
        return 5;
    }

    /** lpCurrentEncodedSizeBytes: bytes of the entry's encoding header, 0 for an invalid encoding. */
    public static int encodedSizeBytes(int b) {
        if ((b & 0x80) == 0 || (b & 0xC0) == 0x80 || (b & 0xE0) == 0xC0) return 1;
        if (b >= 0xF1 && b <= 0xF4) return 1;
        if ((b & 0xF0) == 0xE0) return 2;
        if (b == 0xF0) return 5;
        return 0;
    }

    /** lpCurrentEncodedSizeUnsafe: encoding header plus data, its header known to be inside the blob. */
    public static long encodedSize(byte[] lp, int p, int b) {
        if ((b & 0x80) == 0) return 1;
        if ((b & 0xC0) == 0x80) return 1 + (b & 0x3F);
        if ((b & 0xE0) == 0xC0) return 2;
        if (b >= 0xF1 && b <= 0xF4) return 1 + intWidth(b);
        if ((b & 0xF0) == 0xE0) return 2 + (((b & 0x0F) << 8) | (lp[p + 1] & 0xFF));
        return 5 + le(lp, p + 1, 4);
    }

    private static int intWidth(int b) {
        return b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
    }

    /**
     * lpDecodeBacklen: read backwards from {@code p}, seven bits a byte while the high bit says more
     * follow, at most five bytes (else -1: an impossible length).
     */
    public static long decodeBacklen(byte[] lp, int p) {
        long val = 0;
        int shift = 0;
        while (true) {
            int b = lp[p] & 0xFF;
            val |= (long) (b & 127) << shift;
            if ((b & 128) == 0) return val;
            shift += 7;
            p--;
            if (shift > 28 || p < 0) return -1;
        }
    }

    // ---- Validation ------------------------------------------------------------------------------

    /**
     * lpValidateIntegrity's header part: the header can be read, its total size is {@code size} and
     * the last byte is the terminator.
     */
    public static boolean headerValid(byte[] lp, int size) {
        return size >= HEADER + 1 && lp.length >= size && le(lp, 0, 4) == size
                && (lp[size - 1] & 0xFF) == EOF;
    }

    /**
     * lpValidateNext: checks the entry at p of a listpack of {@code size} bytes whose header is valid
     * (a known encoding, inside the blob, a backlen that matches). Returns the next entry's position,
     * -1 when p is the terminator, or -2 when the entry is invalid.
     */
    public static int validateNext(byte[] lp, int p, int size) {
        int last = size - 1;
        if (p < HEADER || p > last) return -2;
        int b = lp[p] & 0xFF;
        if (b == EOF) return -1;
        int lenBytes = encodedSizeBytes(b);
        if (lenBytes == 0 || p + lenBytes > last) return -2;
        long enc = encodedSize(lp, p, b);
        int bl = backlenSize(enc);
        if (p + enc + bl > last) return -2;
        int next = p + (int) enc + bl;
        if (decodeBacklen(lp, next - 1) != enc) return -2;
        return next;
    }

    // ---- Numbers ---------------------------------------------------------------------------------

    /** lpStringToInt64 (string2ll's strict form): what a listpack stores as an integer. */
    public static boolean isCanonicalLong(byte[] s) {
        return Numbers.isLong(s);
    }

    /** The value of a string {@link #isCanonicalLong} accepted. */
    public static long parseCanonical(byte[] s) {
        return Numbers.parseLong(s);
    }

    public static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    private static void setLE(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    private static void setTotal(byte[] lp, int total) {
        setLE(lp, 0, total, 4);
    }
}
