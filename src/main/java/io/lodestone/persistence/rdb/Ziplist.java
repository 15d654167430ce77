package io.lodestone.persistence.rdb;

import java.util.function.Consumer;

/**
 * Decoder of Redis's ziplist (ziplist.c, RDB types 10, 12, 13, 14): zlbytes (uint32 LE), zltail
 * (uint32 LE), zllen (uint16 LE), entries of {@code prevlen encoding data}, 0xFF. Read only: Redis
 * 7.0 no longer writes ziplists, and it validates every loaded one deeply (it converts them), so
 * this is ziplistValidateIntegrity with {@code deep} always on: what it accepts, Redis accepts.
 */
final class Ziplist {
    private static final int HEADER = 10;
    private static final int END = 0xFF;

    private Ziplist() {
    }

    /** Hands over every entry (integers in decimal); throws at the first check Redis would fail. */
    static void decode(byte[] zl, int base, Consumer<byte[]> sink) throws RdbFormatException {
        int size = zl.length;
        if (size < HEADER + 1) throw new RdbFormatException(base, "ziplist too short");
        if (Listpack.le(zl, 0, 4) != size) throw new RdbFormatException(base, "ziplist header size mismatch");
        if ((zl[size - 1] & 0xFF) != END) throw new RdbFormatException(base, "ziplist terminator missing");
        long tail = Listpack.le(zl, 4, 4);
        if (tail > size - 1) throw new RdbFormatException(base + 4, "ziplist tail offset outside the ziplist");
        int headerCount = (int) Listpack.le(zl, 8, 2);
        int p = HEADER, last = size - 1, prev = -1, n = 0;
        long prevRawSize = 0;
        while ((zl[p] & 0xFF) != END) {
            // zipEntrySafe: every part of the entry, and what its prevlen points at, inside the ziplist
            int prevLenSize = (zl[p] & 0xFF) < 254 ? 1 : 5;
            if (p + prevLenSize > last) throw error(base, p, "ziplist entry header overruns");
            int enc = zl[p + prevLenSize] & 0xFF;
            if (enc < 0xC0) enc &= 0xC0;
            int lenSize = lenSize(enc);
            if (lenSize == 0) throw error(base, p, "ziplist invalid encoding");
            if (p + prevLenSize + lenSize > last) throw error(base, p, "ziplist entry header overruns");
            long prevLen = prevLenSize == 1 ? zl[p] & 0xFF : Listpack.le(zl, p + 1, 4);
            int e = p + prevLenSize;
            long len = dataLength(zl, e, enc);
            int headerSize = prevLenSize + lenSize;
            if (p + headerSize + len > last) throw error(base, p, "ziplist entry overruns");
            if (p - prevLen < HEADER) throw error(base, p, "ziplist prevlen points outside the ziplist");
            if (prevLen != prevRawSize) throw error(base, p, "ziplist prevlen mismatch");
            sink.accept(value(zl, e + lenSize, enc, (int) len));
            prevRawSize = headerSize + len;
            prev = p;
            p += (int) prevRawSize;
            n++;
        }
        if (p != last) throw error(base, p, "ziplist terminator before the end");
        if (prev >= 0 && prev != tail) throw error(base, 4, "ziplist tail offset mismatch");
        if (headerCount != 65535 && headerCount != n) throw error(base, 8, "ziplist element count mismatch");
    }

    private static RdbFormatException error(int base, int at, String what) {
        return new RdbFormatException(base + at, what);
    }

    /** zipEncodingLenSize: bytes of the encoding (with a string's length); 0 for an invalid one. */
    private static int lenSize(int enc) {
        switch (enc) {
            case 0x00:
                return 1;
            case 0x40:
                return 2;
            case 0x80:
                return 5;
            case 0xC0: case 0xD0: case 0xE0: case 0xF0: case 0xFE:
                return 1;
            default:
                return enc >= 0xF1 && enc <= 0xFD ? 1 : 0;
        }
    }

    /** ZIP_DECODE_LENGTH: the bytes of data after the encoding at {@code e}. */
    private static long dataLength(byte[] zl, int e, int enc) {
        switch (enc) {
            case 0x00:
                return zl[e] & 0x3F;
            case 0x40:
                return ((zl[e] & 0x3F) << 8) | (zl[e + 1] & 0xFF);
            case 0x80:
                return ((zl[e + 1] & 0xFFL) << 24) | ((zl[e + 2] & 0xFF) << 16) | ((zl[e + 3] & 0xFF) << 8) | (zl[e + 4] & 0xFF);
            case 0xC0:
                return 2;
            case 0xD0:
                return 4;
            case 0xE0:
                return 8;
            case 0xF0:
                return 3;
            case 0xFE:
                return 1;
            default:
                return 0; // 0xF1..0xFD: the value is in the encoding byte
        }
    }

    private static byte[] value(byte[] zl, int data, int enc, int len) {
        if (enc < 0xC0) return java.util.Arrays.copyOfRange(zl, data, data + len);
        if (len == 0) return Listpack.ascii((enc & 0x0F) - 1);
        long v = Listpack.le(zl, data, len);
        return Listpack.ascii((v << (64 - 8 * len)) >> (64 - 8 * len));
    }
}
