package io.lodestone.persistence.rdb;

import java.util.function.Consumer;

/**
 * Decoder of Redis's ziplist (ziplist.c, RDB types 10, 12, 13, 14): zlbytes (uint32 LE), zltail
 * (uint32 LE), zllen (uint16 LE), entries of {@code prevlen encoding data}, 0xFF. Read only: Redis
 * 7.0 no longer writes ziplists.
 */
final class Ziplist {
    private Ziplist() {
    }

    static void decode(byte[] zl, int base, Consumer<byte[]> sink) throws RdbFormatException {
        int len = zl.length;
        if (len < 11) throw new RdbFormatException(base, "ziplist too short");
        if (Listpack.le(zl, 0, 4) != len) throw new RdbFormatException(base, "ziplist header size mismatch");
        long tail = Listpack.le(zl, 4, 4);
        int declared = (int) Listpack.le(zl, 8, 2);
        int p = 10, end = len - 1, prev = 0, last = -1, n = 0;
        while (p < end) {
            int start = p;
            int prevlen;
            if ((zl[p] & 0xFF) < 254) {
                prevlen = zl[p] & 0xFF;
                p++;
            } else if ((zl[p] & 0xFF) == 254) {
                need(p + 5, end, base);
                prevlen = (int) Listpack.le(zl, p + 1, 4);
                p += 5;
            } else {
                throw new RdbFormatException(base, "ziplist invalid prevlen");
            }
            if (prevlen != prev) throw new RdbFormatException(base, "ziplist prevlen mismatch");
            need(p + 1, end, base);
            int b = zl[p] & 0xFF;
            byte[] value;
            switch (b >>> 6) {
                case 0: {
                    int sl = b & 0x3F;
                    need(p + 1 + sl, end, base);
                    value = java.util.Arrays.copyOfRange(zl, p + 1, p + 1 + sl);
                    p += 1 + sl;
                    break;
                }
                case 1: {
                    need(p + 2, end, base);
                    int sl = ((b & 0x3F) << 8) | (zl[p + 1] & 0xFF);
                    need(p + 2 + sl, end, base);
                    value = java.util.Arrays.copyOfRange(zl, p + 2, p + 2 + sl);
                    p += 2 + sl;
                    break;
                }
                case 2: {
                    if (b != 0x80) throw new RdbFormatException(base, "ziplist invalid encoding");
                    need(p + 5, end, base);
                    long sl = ((zl[p + 1] & 0xFFL) << 24) | ((zl[p + 2] & 0xFF) << 16) | ((zl[p + 3] & 0xFF) << 8) | (zl[p + 4] & 0xFF);
                    if (sl > end - p - 5) throw new RdbFormatException(base, "ziplist entry overruns");
                    value = java.util.Arrays.copyOfRange(zl, p + 5, p + 5 + (int) sl);
                    p += 5 + (int) sl;
                    break;
                }
                default: {
                    int w;
                    if (b == 0xC0) w = 2;
                    else if (b == 0xD0) w = 4;
                    else if (b == 0xE0) w = 8;
                    else if (b == 0xF0) w = 3;
                    else if (b == 0xFE) w = 1;
                    else if (b >= 0xF1 && b <= 0xFD) w = 0;
                    else throw new RdbFormatException(base, "ziplist invalid encoding");
                    need(p + 1 + w, end, base);
                    long v;
                    if (w == 0) {
                        v = (b & 0x0F) - 1;
                    } else {
                        v = Listpack.le(zl, p + 1, w);
                        v = (v << (64 - 8 * w)) >> (64 - 8 * w);
                    }
                    value = Listpack.ascii(v);
                    p += 1 + w;
                }
            }
            prev = p - start;
            last = start;
            sink.accept(value);
            n++;
        }
        if (p != end || (zl[end] & 0xFF) != 0xFF) throw new RdbFormatException(base, "ziplist terminator missing");
        if (tail != (last < 0 ? 10 : last)) throw new RdbFormatException(base, "ziplist tail offset mismatch");
        if (declared != 65535 && declared != n) throw new RdbFormatException(base, "ziplist element count mismatch");
    }

    private static void need(int upTo, int end, int base) throws RdbFormatException {
        if (upTo > end) throw new RdbFormatException(base, "ziplist entry overruns");
    }
}
