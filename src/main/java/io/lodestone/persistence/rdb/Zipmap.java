package io.lodestone.persistence.rdb;

import java.util.function.Consumer;

/**
 * Redis 2.x's zipmap (zipmap.c, RDB type 9): zmlen (1 byte, 254 when unknown), then
 * {@code len field len free value [free bytes]} pairs and 0xFF. A length below 254 is one byte;
 * otherwise it is 254 (or 255) followed by a uint32. Redis always validates a loaded zipmap deeply
 * (zipmapValidateIntegrity with deep on), and so does this.
 */
final class Zipmap {
    private static final int BIGLEN = 254;
    private static final int END = 0xFF;

    private Zipmap() {
    }

    /**
     * Hands over field, value, field, value...; returns false where zipmapValidateIntegrity fails:
     * an entry reaching past the end, no entries, a known count that is wrong, bytes after the end.
     */
    static boolean decode(byte[] zm, Consumer<byte[]> sink) {
        int size = zm.length;
        if (size < 2) return false;
        int last = size - 1;
        int p = 1;
        int count = 0;
        while ((zm[p] & 0xFF) != END) {
            int s = lengthSize(zm[p]);
            if (p + s > last) return false;
            long l = length(zm, p);
            int field = p + s;
            if (field + l > last) return false;
            p = field + (int) l;
            s = lengthSize(zm[p]);
            if (p + s > last) return false;
            long vl = length(zm, p);
            int free = zm[p + s] & 0xFF;
            int value = p + s + 1;
            if (value + vl + free > last) return false;
            sink.accept(java.util.Arrays.copyOfRange(zm, field, field + (int) l));
            sink.accept(java.util.Arrays.copyOfRange(zm, value, value + (int) vl));
            p = value + (int) vl + free;
            count++;
        }
        if (count == 0) return false;
        if ((zm[0] & 0xFF) != BIGLEN && (zm[0] & 0xFF) != count) return false;
        return p == last;
    }

    /** zipmapGetEncodedLengthSize. */
    private static int lengthSize(byte b) {
        return (b & 0xFF) < BIGLEN ? 1 : 5;
    }

    /** zipmapDecodeLength, its bytes known to be inside the zipmap. */
    private static long length(byte[] zm, int p) {
        int b = zm[p] & 0xFF;
        return b < BIGLEN ? b : Listpack.le(zm, p + 1, 4);
    }
}
