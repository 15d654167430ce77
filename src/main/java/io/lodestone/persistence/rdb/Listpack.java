package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import java.util.function.Consumer;

/**
 * Redis's listpack byte layout (listpack.c): a 6-byte header (total bytes, uint32 LE; element count,
 * uint16 LE, 65535 when unknown), entries of {@code encoding [data] backlen}, and a 0xFF terminator.
 * Strings that are canonical integers (lpStringToInt64) are stored as integers, in the smallest of
 * the 7-bit, 13-bit, 16, 24, 32 or 64-bit forms; other strings with a 6-bit, 12-bit or 32-bit length.
 */
final class Listpack {
    static final int HEADER = 6;
    static final int EOF = 0xFF;

    private Listpack() {
    }

    /** A listpack under construction. */
    static final class Builder {
        final ByteSink out = new ByteSink(64);
        int count;

        Builder() {
            out.len = HEADER;
        }

        /** Bytes the entry for s would take (encoding, data and backlen): lpInsert's size. */
        static int entrySize(byte[] s) {
            int enc;
            long v;
            if (s.length <= 20 && isCanonicalLong(s)) {
                v = parse(s);
                enc = intEncodedSize(v);
            } else {
                enc = strEncodedSize(s.length);
            }
            return enc + backlenSize(enc);
        }

        void add(byte[] s) {
            if (s.length <= 20 && isCanonicalLong(s)) addInt(parse(s));
            else addString(s, 0, s.length);
        }

        void addString(byte[] s, int off, int n) {
            int start = out.len;
            if (n < 64) {
                out.put(0x80 | n);
            } else if (n < 4096) {
                out.put(0xE0 | (n >>> 8));
                out.put(n & 0xFF);
            } else {
                out.put(0xF0);
                out.putLE(n, 4);
            }
            out.put(s, off, n);
            backlen(out.len - start);
        }

        void addInt(long v) {
            int start = out.len;
            if (v >= 0 && v <= 127) {
                out.put((int) v);
            } else if (v >= -4096 && v <= 4095) {
                long u = v < 0 ? (1L << 13) + v : v;
                out.put((int) (0xC0 | (u >>> 8)));
                out.put((int) (u & 0xFF));
            } else if (v >= -32768 && v <= 32767) {
                out.put(0xF1);
                out.putLE(v, 2);
            } else if (v >= -8388608 && v <= 8388607) {
                out.put(0xF2);
                out.putLE(v, 3);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.put(0xF3);
                out.putLE(v, 4);
            } else {
                out.put(0xF4);
                out.putLE(v, 8);
            }
            backlen(out.len - start);
        }

        private void backlen(int l) {
            if (l <= 127) {
                out.put(l);
            } else if (l < 16383) {
                out.put(l >>> 7);
                out.put((l & 127) | 128);
            } else if (l < 2097151) {
                out.put(l >>> 14);
                out.put(((l >>> 7) & 127) | 128);
                out.put((l & 127) | 128);
            } else if (l < 268435455) {
                out.put(l >>> 21);
                out.put(((l >>> 14) & 127) | 128);
                out.put(((l >>> 7) & 127) | 128);
                out.put((l & 127) | 128);
            } else {
                out.put(l >>> 28);
                out.put(((l >>> 21) & 127) | 128);
                out.put(((l >>> 14) & 127) | 128);
                out.put(((l >>> 7) & 127) | 128);
                out.put((l & 127) | 128);
            }
            count++;
        }

        /** Bytes of the finished listpack (lpBytes). */
        int bytes() {
            return out.len + 1;
        }

        byte[] finish() {
            out.put(EOF);
            out.setLE(0, out.len, 4);
            out.setLE(4, Math.min(count, 65535), 2);
            return out.toArray();
        }
    }

    static int intEncodedSize(long v) {
        if (v >= 0 && v <= 127) return 1;
        if (v >= -4096 && v <= 4095) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= -8388608 && v <= 8388607) return 4;
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return 5;
        return 9;
    }

    static int strEncodedSize(int n) {
        if (n < 64) return 1 + n;
        if (n < 4096) return 2 + n;
        return 5 + n;
    }

    static int backlenSize(int l) {
        if (l <= 127) return 1;
        if (l < 16383) return 2;
        if (l < 2097151) return 3;
        if (l < 268435455) return 4;
        return 5;
    }

    /** string2ll's strict form: what Redis stores as an integer (no sign on 0, no leading zeros). */
    static boolean isCanonicalLong(byte[] s) {
        int n = s.length;
        if (n == 0 || n > 20) return false;
        if (n == 1 && s[0] == '0') return true;
        int i = 0;
        boolean neg = false;
        if (s[0] == '-') {
            neg = true;
            i = 1;
            if (n == 1) return false;
        }
        if (s[i] < '1' || s[i] > '9') return false;
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return false;
            // accumulate negatively so that Long.MIN_VALUE fits
            if (v < (Long.MIN_VALUE + d) / 10) return false;
            v = v * 10 - d;
        }
        return neg || v != Long.MIN_VALUE;
    }

    static long parse(byte[] s) {
        long v = 0;
        int i = s[0] == '-' ? 1 : 0;
        for (int k = i; k < s.length; k++) v = v * 10 - (s[k] - '0');
        return i == 1 ? v : -v;
    }

    /**
     * lpValidateIntegrity's shallow part, all Redis checks without deep sanitization: the header can
     * be read, its total size is the blob's, and the last byte is the terminator.
     */
    static boolean headerValid(byte[] lp, int off, int len) {
        return len >= HEADER + 1 && le(lp, off, 4) == len && (lp[off + len - 1] & 0xFF) == EOF;
    }

    /**
     * Decodes every entry of a listpack whose header is {@link #headerValid valid}, validating each as
     * lpValidateNext does (a known encoding, inside the blob, a backlen that matches), then that the
     * walk ends on the terminator and that a known element count is right. Integers are handed over
     * as their decimal strings.
     *
     * @return the number of entries
     */
    static int decode(byte[] lp, int off, int len, int base, Consumer<byte[]> sink) throws RdbFormatException {
        int declared = (int) le(lp, off + 4, 2);
        int p = off + HEADER, last = off + len - 1;
        int n = 0;
        while ((lp[p] & 0xFF) != EOF) {
            int b = lp[p] & 0xFF;
            int lenBytes = encodedSizeBytes(b);
            if (lenBytes == 0) throw entryError(base, p - off, "invalid listpack entry encoding");
            if (p + lenBytes > last) throw entryError(base, p - off, "listpack entry header overruns");
            long size = encodedSize(lp, p, b);
            int bl = backlenSize((int) Math.min(size, Integer.MAX_VALUE));
            if (p + size + bl > last) throw entryError(base, p - off, "listpack entry overruns");
            int next = p + (int) size + bl;
            if (decodeBacklen(lp, next - 1) != size) throw entryError(base, p - off, "listpack backlen mismatch");
            sink.accept(value(lp, p, b));
            p = next;
            n++;
        }
        if (p != last) throw entryError(base, p - off, "listpack terminator before the end");
        if (declared != 65535 && declared != n) throw entryError(base, 4, "listpack element count mismatch");
        return n;
    }

    private static RdbFormatException entryError(int base, int at, String what) {
        return new RdbFormatException(base + at, what);
    }

    /** lpCurrentEncodedSizeBytes: bytes of the entry's encoding header, 0 for an invalid encoding. */
    private static int encodedSizeBytes(int b) {
        if ((b & 0x80) == 0 || (b & 0xC0) == 0x80 || (b & 0xE0) == 0xC0) return 1;
        if (b >= 0xF1 && b <= 0xF4) return 1;
        if ((b & 0xF0) == 0xE0) return 2;
        if (b == 0xF0) return 5;
        return 0;
    }

    /** lpCurrentEncodedSizeUnsafe: encoding header plus data, its header known to be inside the blob. */
    private static long encodedSize(byte[] lp, int p, int b) {
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
     * follow, at most five bytes (else an impossible length).
     */
    private static long decodeBacklen(byte[] lp, int p) {
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

    /** The entry at {@code p} (validated) as bytes: strings as they are, integers in decimal. */
    private static byte[] value(byte[] lp, int p, int b) {
        if ((b & 0x80) == 0) return ascii(b);
        if ((b & 0xC0) == 0x80) return java.util.Arrays.copyOfRange(lp, p + 1, p + 1 + (b & 0x3F));
        if ((b & 0xE0) == 0xC0) {
            int u = ((b & 0x1F) << 8) | (lp[p + 1] & 0xFF);
            return ascii(u >= 1 << 12 ? u - (1 << 13) : u);
        }
        if (b >= 0xF1 && b <= 0xF4) {
            int w = intWidth(b);
            long v = le(lp, p + 1, w);
            if (w < 8) v = (v << (64 - 8 * w)) >> (64 - 8 * w);
            return ascii(v);
        }
        if ((b & 0xF0) == 0xE0) {
            int sl = ((b & 0x0F) << 8) | (lp[p + 1] & 0xFF);
            return java.util.Arrays.copyOfRange(lp, p + 2, p + 2 + sl);
        }
        int sl = (int) le(lp, p + 1, 4);
        return java.util.Arrays.copyOfRange(lp, p + 5, p + 5 + sl);
    }

    static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
