package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;

/**
 * RDB constants of Redis 7.0 (rdb.h) and the string and length encodings shared by the value writer
 * and reader.
 *
 * <p>Lengths: {@code 00LLLLLL} (6 bits), {@code 01LLLLLL LLLLLLLL} (14 bits, big-endian), {@code 0x80}
 * + 32-bit big-endian, {@code 0x81} + 64-bit big-endian. Special string encodings {@code 11xxxxxx}:
 * 0xC0/0xC1/0xC2 an 8/16/32-bit little-endian integer, 0xC3 LZF (compressed length, original length,
 * data).
 */
public final class Rdb {
    /** RDB_VERSION of Redis 7.0: DUMP payloads carry it and RESTORE accepts no newer one. */
    public static final int VERSION = 10;

    /** rdb.h opcodes. */
    static final int OPCODE_FUNCTION2 = 245;
    static final int OPCODE_FUNCTION = 246;
    static final int OPCODE_MODULE_AUX = 247;
    static final int OPCODE_IDLE = 248;
    static final int OPCODE_FREQ = 249;
    static final int OPCODE_AUX = 250;
    static final int OPCODE_RESIZEDB = 251;
    static final int OPCODE_EXPIRETIME_MS = 252;
    static final int OPCODE_EXPIRETIME = 253;
    static final int OPCODE_SELECTDB = 254;
    static final int OPCODE_EOF = 255;

    public static final int TYPE_STRING = 0;
    public static final int TYPE_LIST = 1;
    public static final int TYPE_SET = 2;
    public static final int TYPE_ZSET = 3;
    public static final int TYPE_HASH = 4;
    public static final int TYPE_ZSET_2 = 5;
    public static final int TYPE_MODULE = 6;
    public static final int TYPE_MODULE_2 = 7;
    public static final int TYPE_HASH_ZIPMAP = 9;
    public static final int TYPE_LIST_ZIPLIST = 10;
    public static final int TYPE_SET_INTSET = 11;
    public static final int TYPE_ZSET_ZIPLIST = 12;
    public static final int TYPE_HASH_ZIPLIST = 13;
    public static final int TYPE_LIST_QUICKLIST = 14;
    public static final int TYPE_STREAM_LISTPACKS = 15;
    public static final int TYPE_HASH_LISTPACK = 16;
    public static final int TYPE_ZSET_LISTPACK = 17;
    public static final int TYPE_LIST_QUICKLIST_2 = 18;
    /** Redis 7.0's stream: type 15 plus first ID, max deleted ID, entries added and groups' entries read. */
    public static final int TYPE_STREAM_LISTPACKS_2 = 19;

    static final int ENC_INT8 = 0;
    static final int ENC_INT16 = 1;
    static final int ENC_INT32 = 2;
    static final int ENC_LZF = 3;

    /** quicklist node containers (QUICKLIST_NODE_CONTAINER_*). */
    static final int CONTAINER_PLAIN = 1;
    static final int CONTAINER_PACKED = 2;

    private Rdb() {
    }

    /** rdbSaveLen; {@code len} is unsigned (stream IDs use all 64 bits). */
    static void writeLen(ByteSink out, long len) {
        if (len >= 0 && len < (1 << 6)) {
            out.put((int) len);
        } else if (len >= 0 && len < (1 << 14)) {
            out.put((int) ((len >>> 8) | 0x40));
            out.put((int) (len & 0xFF));
        } else if (len >= 0 && len <= 0xFFFFFFFFL) {
            out.put(0x80);
            out.putBE(len, 4);
        } else {
            out.put(0x81);
            out.putBE(len, 8);
        }
    }

    /** rdbSaveRawString: integer encoding for short canonical integers, LZF above 20 bytes, else raw. */
    static void writeString(ByteSink out, byte[] s, int off, int len, boolean compress) {
        if (len <= 11 && writeIntegerEncoded(out, s, off, len)) return;
        if (compress && len > 20 && writeLzf(out, s, off, len)) return;
        writeLen(out, len);
        out.put(s, off, len);
    }

    static void writeString(ByteSink out, byte[] s, boolean compress) {
        writeString(out, s, 0, s.length, compress);
    }

    private static boolean writeIntegerEncoded(ByteSink out, byte[] s, int off, int len) {
        byte[] t = off == 0 && len == s.length ? s : java.util.Arrays.copyOfRange(s, off, off + len);
        if (!Listpack.isCanonicalLong(t)) return false;
        long v = Listpack.parse(t);
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            out.put(0xC0 | ENC_INT8);
            out.putLE(v, 1);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            out.put(0xC0 | ENC_INT16);
            out.putLE(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.put(0xC0 | ENC_INT32);
            out.putLE(v, 4);
        } else {
            return false;
        }
        return true;
    }

    private static boolean writeLzf(ByteSink out, byte[] s, int off, int len) {
        if (len <= 4) return false;
        int outLen = len - 4;
        byte[] in = off == 0 ? s : java.util.Arrays.copyOfRange(s, off, off + len);
        byte[] comp = new byte[outLen + 1];
        int clen = Lzf.compress(in, len, comp, outLen);
        if (clen == 0) return false;
        out.put(0xC0 | ENC_LZF);
        writeLen(out, clen);
        writeLen(out, len);
        out.put(comp, 0, clen);
        return true;
    }

    /** Redis's d2string for a score stored as a listpack string: integers plainly, else %.17g. */
    public static byte[] d2string(double d) {
        String s;
        if (Double.isNaN(d)) {
            s = "nan";
        } else if (Double.isInfinite(d)) {
            s = d > 0 ? "inf" : "-inf";
        } else if (d == 0) {
            s = 1 / d < 0 ? "-0" : "0";
        } else if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == (double) (long) d) {
            s = Long.toString((long) d);
        } else {
            s = io.lodestone.protocol.DoubleFormat.g17(d);
        }
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
