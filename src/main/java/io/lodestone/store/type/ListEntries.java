package io.lodestone.store.type;

import java.util.Arrays;

/**
 * The layout of one element of a {@link ListValue} chunk (a little like a listpack entry):
 * {@code header [data] backlen}:
 * <ul>
 *   <li>header, an unsigned LEB128 varint H: {@code H & 1 == 0} is a string of {@code H >>> 1}
 *       bytes that follow; {@code H & 1 == 1} is an integer, zigzag-encoded in {@code H >>> 1}, with
 *       no data. Only canonical decimal strings (Redis's string2ll, so they print back to the same
 *       bytes) of magnitude below 2^62 are stored as integers;</li>
 *   <li>backlen, the size of header and data written as a LEB128 varint in reverse byte order, so the
 *       element can also be walked from its end.</li>
 * </ul>
 * Functions over byte arrays: a chunk is one array of such elements back to back.
 */
final class ListEntries {
    /** Integers with a magnitude below this are stored as integers: zigzag and tag fit in 64 bits. */
    private static final long INT_LIMIT = 1L << 62;

    private ListEntries() {
    }

    /** Whether an element is kept as an integer: canonical (string2ll round-trips) and below 2^62. */
    static boolean storedAsInt(byte[] s) {
        int n = s.length;
        if (n == 0 || n > 19) return false;
        int i = s[0] == '-' ? 1 : 0;
        if (i == n) return false;
        if (s[i] == '0') return n == 1; // "0" only: no leading zeros, no "-0"
        for (int j = i; j < n; j++) {
            if (s[j] < '0' || s[j] > '9') return false;
        }
        if (n - i < 19) return true; // at most 18 digits: below 10^18 < 2^62
        // 19 digits (n <= 19, so no sign): 10^18 <= v < 10^19, compared without overflowing.
        long v = 0;
        for (int j = 0; j < n; j++) {
            int d = s[j] - '0';
            if (v > (INT_LIMIT - 1 - d) / 10) return false;
            v = v * 10 + d;
        }
        return true;
    }

    /** Parses a string that {@link #storedAsInt} accepted (at most 19 digits: no overflow). */
    static long parseCanonical(byte[] s) {
        int i = s[0] == '-' ? 1 : 0;
        long v = 0;
        for (int j = i; j < s.length; j++) v = v * 10 + (s[j] - '0');
        return i == 1 ? -v : v;
    }

    static long intHeader(long v) {
        return (((v << 1) ^ (v >> 63)) << 1) | 1;
    }

    static long intOf(long header) {
        long z = header >>> 1;
        return (z >>> 1) ^ -(z & 1);
    }

    static int varSize(long v) {
        return 1 + (63 - Long.numberOfLeadingZeros(v | 1)) / 7;
    }

    static int writeVar(byte[] b, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            b[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    /** Writes v as a varint to be read backwards from {@code p + varSize(v)}; returns that end. */
    static int writeBackVar(byte[] b, int p, int v) {
        int n = varSize(v);
        int q = p + n - 1;
        while ((v & ~0x7F) != 0) {
            b[q--] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[q] = (byte) v;
        return p + n;
    }

    static long readVar(byte[] b, int p) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte x = b[p++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) return v;
            shift += 7;
        }
    }

    /** Size of the element starting at p. */
    static int entrySize(byte[] b, int p) {
        long h = readVar(b, p);
        int hs = varSize(h);
        int len = (h & 1) == 0 ? (int) (h >>> 1) : 0;
        return hs + len + varSize(hs + len);
    }

    /** Start of the element ending at e. */
    static int entryStartBefore(byte[] b, int e) {
        int v = 0, shift = 0, q = e - 1;
        while (true) {
            byte x = b[q];
            v |= (x & 0x7F) << shift;
            if (x >= 0) break;
            shift += 7;
            q--;
        }
        return q - v;
    }

    /** The element at p as bytes (integers formatted back to their decimal string). */
    static byte[] decode(byte[] b, int p) {
        long h = readVar(b, p);
        if ((h & 1) == 1) return Long.toString(intOf(h)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int hs = varSize(h);
        return Arrays.copyOfRange(b, p + hs, p + hs + (int) (h >>> 1));
    }

    static boolean entryEquals(byte[] b, int p, ListValue.Probe probe) {
        long h = readVar(b, p);
        if ((h & 1) == 1) return probe.isInt && intOf(h) == probe.value;
        if (probe.isInt) return false;
        int len = (int) (h >>> 1);
        byte[] x = probe.bytes;
        if (len != x.length) return false;
        int d = p + varSize(h);
        return Arrays.equals(b, d, d + len, x, 0, len);
    }

    /** One encoded element, ready to be copied into chunks. */
    static byte[] encode(byte[] v) {
        long h;
        int len;
        if (storedAsInt(v)) {
            h = intHeader(parseCanonical(v));
            len = 0;
        } else {
            h = (long) v.length << 1;
            len = v.length;
        }
        int hs = varSize(h);
        byte[] out = new byte[hs + len + varSize(hs + len)];
        int p = writeVar(out, 0, h);
        System.arraycopy(v, 0, out, p, len);
        writeBackVar(out, p + len, hs + len);
        return out;
    }

    /** Encoded size of v, without encoding it. */
    static int encodedSize(byte[] v) {
        int hs, len;
        if (storedAsInt(v)) {
            hs = varSize(intHeader(parseCanonical(v)));
            len = 0;
        } else {
            hs = varSize((long) v.length << 1);
            len = v.length;
        }
        return hs + len + varSize(hs + len);
    }

    /** Writes v encoded at p (exactly encodedSize(v) bytes). */
    static void writeEntry(byte[] b, int p, byte[] v) {
        long h;
        int len;
        if (storedAsInt(v)) {
            h = intHeader(parseCanonical(v));
            len = 0;
        } else {
            h = (long) v.length << 1;
            len = v.length;
        }
        int hs = varSize(h);
        writeVar(b, p, h);
        System.arraycopy(v, 0, b, p + hs, len);
        writeBackVar(b, p + hs + len, hs + len);
    }
}
