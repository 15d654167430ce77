package io.lodestone.persistence.rdb;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one RDB value (the type byte and what follows) into a Lodestone value: {@code byte[]} for a
 * string, else a {@code store.type} value. Every type Redis 7.0 loads is accepted: 0 string, 1 list,
 * 2 set, 3 zset (string scores), 4 hash, 5 zset (binary scores), 9 zipmap hash, 10 ziplist list,
 * 11 intset, 12 ziplist zset, 13 ziplist hash, 14 quicklist of ziplists, 16 listpack hash,
 * 17 listpack zset, 18 quicklist of listpacks. The encoding of the result follows the configured
 * thresholds as Redis 7.0 picks it on load: listpack and skiplist/dict payloads are checked against
 * entries and value size, ziplist hashes and packed zsets against the entry count only. A list is
 * re-cut into chunks by {@code list-max-listpack-size} (Redis keeps the payload's quicklist nodes
 * as they are, so a later DUMP of it can differ in node boundaries, not in content).
 *
 * <p>Input is fully validated while it is decoded (lengths, listpack and ziplist structure, duplicate
 * members, NaN scores, empty collections); anything wrong raises {@link RdbFormatException} naming the
 * offset, and no value is returned.
 */
public final class RdbValueReader {
    /** The server settings that pick encodings on load. */
    public record Limits(long hashMaxListpackEntries, long hashMaxListpackValue, long setMaxIntsetEntries,
                         long zsetMaxListpackEntries, long zsetMaxListpackValue, long listMaxListpackSize) {
    }

    private final byte[] buf;
    private int pos;
    private final int end;
    private final Limits limits;

    public RdbValueReader(byte[] buf, int off, int end, Limits limits) {
        this.buf = buf;
        this.pos = off;
        this.end = end;
        this.limits = limits;
    }

    /** Offset of the next unread byte. */
    public int position() {
        return pos;
    }

    /** Reads the type byte and the value. */
    public Object read() throws RdbFormatException {
        int at = pos;
        int type = u8();
        return readValue(type, at);
    }

    /** The value of {@code type} (its type byte already read at {@code at}). */
    Object readValue(int type, int at) throws RdbFormatException {
        switch (type) {
            case Rdb.TYPE_STRING:
                return readString();
            case Rdb.TYPE_LIST:
                return readLinkedList();
            case Rdb.TYPE_SET:
                return readSet();
            case Rdb.TYPE_ZSET:
            case Rdb.TYPE_ZSET_2:
                return readZSet(type == Rdb.TYPE_ZSET_2);
            case Rdb.TYPE_HASH:
                return readHash();
            case Rdb.TYPE_HASH_ZIPMAP:
                return readZipmap();
            case Rdb.TYPE_LIST_ZIPLIST:
                return readListZiplist();
            case Rdb.TYPE_SET_INTSET:
                return readIntset();
            case Rdb.TYPE_ZSET_ZIPLIST:
            case Rdb.TYPE_ZSET_LISTPACK:
                return readPackedZSet(type == Rdb.TYPE_ZSET_LISTPACK);
            case Rdb.TYPE_HASH_ZIPLIST:
            case Rdb.TYPE_HASH_LISTPACK:
                return readPackedHash(type == Rdb.TYPE_HASH_LISTPACK);
            case Rdb.TYPE_LIST_QUICKLIST:
            case Rdb.TYPE_LIST_QUICKLIST_2:
                return readQuicklist(type == Rdb.TYPE_LIST_QUICKLIST_2);
            default:
                throw new RdbFormatException(at, "unsupported RDB value type " + type);
        }
    }

    // ---- Primitives ----------------------------------------------------------------------------------

    private int u8() throws RdbFormatException {
        if (pos >= end) throw new RdbFormatException(pos, "unexpected end of input");
        return buf[pos++] & 0xFF;
    }

    private long be(int n) throws RdbFormatException {
        if (end - pos < n) throw new RdbFormatException(pos, "unexpected end of input");
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | (buf[pos++] & 0xFF);
        return v;
    }

    private long le(int n) throws RdbFormatException {
        if (end - pos < n) throw new RdbFormatException(pos, "unexpected end of input");
        long v = Listpack.le(buf, pos, n);
        pos += n;
        return v;
    }

    /** A length; -1 - enc for a special string encoding (0xC0..0xC3). */
    private long rawLen() throws RdbFormatException {
        int b = u8();
        switch (b >>> 6) {
            case 0:
                return b & 0x3F;
            case 1:
                return ((long) (b & 0x3F) << 8) | u8();
            case 2:
                if (b == 0x80) return be(4);
                if (b == 0x81) return be(8);
                throw new RdbFormatException(pos - 1, "invalid length encoding 0x" + Integer.toHexString(b));
            default:
                return -1 - (b & 0x3F);
        }
    }

    /** A length that counts elements or bytes: never negative, never more than the input could hold. */
    private int len() throws RdbFormatException {
        int at = pos;
        long n = rawLen();
        if (n < 0) throw new RdbFormatException(at, "string encoding where a length was expected");
        if (n > Integer.MAX_VALUE - 8) throw new RdbFormatException(at, "length out of range");
        return (int) n;
    }

    /**
     * A count of elements that follow: each takes at least one byte, so a count larger than the rest
     * of the input is corrupt (and must not size an allocation).
     */
    private int count() throws RdbFormatException {
        int at = pos;
        int n = len();
        if (n > end - pos) throw new RdbFormatException(at, "element count " + n + " exceeds the input");
        return n;
    }

    /** A string in any of its encodings, as a new array. */
    byte[] readString() throws RdbFormatException {
        int at = pos;
        long n = rawLen();
        if (n >= 0) {
            if (n > end - pos) throw new RdbFormatException(at, "string longer than the input");
            byte[] s = java.util.Arrays.copyOfRange(buf, pos, pos + (int) n);
            pos += (int) n;
            return s;
        }
        int enc = (int) (-1 - n);
        switch (enc) {
            case Rdb.ENC_INT8:
                return Listpack.ascii((byte) le(1));
            case Rdb.ENC_INT16:
                return Listpack.ascii((short) le(2));
            case Rdb.ENC_INT32:
                return Listpack.ascii((int) le(4));
            case Rdb.ENC_LZF: {
                int clen = len();
                int olen = len();
                if (clen > end - pos) throw new RdbFormatException(at, "compressed string longer than the input");
                if (olen == 0) throw new RdbFormatException(at, "invalid LZF string");
                try {
                    byte[] s = Lzf.decompress(buf, pos, clen, olen);
                    pos += clen;
                    return s;
                } catch (IllegalArgumentException e) {
                    throw new RdbFormatException(at, "invalid LZF string: " + e.getMessage());
                }
            }
            default:
                throw new RdbFormatException(at, "unknown string encoding " + enc);
        }
    }

    private double readBinaryDouble() throws RdbFormatException {
        return Double.longBitsToDouble(le(8));
    }

    /** RDB_TYPE_ZSET's score: a length byte (253 nan, 254 +inf, 255 -inf) and ASCII digits. */
    private double readStringDouble() throws RdbFormatException {
        int at = pos;
        int n = u8();
        if (n == 253) return Double.NaN;
        if (n == 254) return Double.POSITIVE_INFINITY;
        if (n == 255) return Double.NEGATIVE_INFINITY;
        if (n > end - pos) throw new RdbFormatException(at, "score longer than the input");
        String s = new String(buf, pos, n, java.nio.charset.StandardCharsets.US_ASCII);
        pos += n;
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new RdbFormatException(at, "invalid score");
        }
    }

    // ---- Types -------------------------------------------------------------------------------------

    private ListValue readLinkedList() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw new RdbFormatException(at, "empty list");
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (int i = 0; i < n; i++) l.pushTail(readString());
        return l;
    }

    private SetValue readSet() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw new RdbFormatException(at, "empty set");
        SetValue s = n > limits.setMaxIntsetEntries() ? SetValue.hashtable(n) : SetValue.intset();
        for (int i = 0; i < n; i++) {
            int mat = pos;
            byte[] m = readString();
            if (!s.add(m, limits.setMaxIntsetEntries())) throw new RdbFormatException(mat, "duplicate set member");
        }
        return s;
    }

    private SetValue readIntset() throws RdbFormatException {
        int at = pos;
        byte[] blob = readString();
        if (blob.length < 8) throw new RdbFormatException(at, "intset too short");
        long enc = Listpack.le(blob, 0, 4);
        long n = Listpack.le(blob, 4, 4);
        if (enc != 2 && enc != 4 && enc != 8) throw new RdbFormatException(at, "invalid intset encoding");
        if (n == 0) throw new RdbFormatException(at, "empty intset");
        if (8 + n * enc != blob.length) throw new RdbFormatException(at, "intset size mismatch");
        SetValue s = SetValue.intset();
        long prev = 0;
        for (int i = 0; i < n; i++) {
            long v = Listpack.le(blob, 8 + i * (int) enc, (int) enc);
            if (enc < 8) v = (v << (64 - 8 * enc)) >> (64 - 8 * enc);
            if (i > 0 && v <= prev) throw new RdbFormatException(at, "intset not sorted or has duplicates");
            prev = v;
            s.addLong(v, limits.setMaxIntsetEntries());
        }
        return s;
    }

    private HashValue readHash() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw new RdbFormatException(at, "empty hash");
        HashValue h = new HashValue();
        for (int i = 0; i < n; i++) {
            int fat = pos;
            byte[] f = readString();
            byte[] v = readString();
            if (!h.set(f, v, limits.hashMaxListpackEntries(), limits.hashMaxListpackValue())) {
                throw new RdbFormatException(fat, "duplicate hash field");
            }
        }
        return h;
    }

    private ZSetValue readZSet(boolean binary) throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw new RdbFormatException(at, "empty sorted set");
        byte[][] members = new byte[n][];
        double[] scores = new double[n];
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            int mat = pos;
            members[i] = readString();
            scores[i] = binary ? readBinaryDouble() : readStringDouble();
            if (Double.isNaN(scores[i])) throw new RdbFormatException(mat, "sorted set score is NaN");
            if (!seen.add(ByteBuffer.wrap(members[i]))) throw new RdbFormatException(mat, "duplicate sorted set member");
        }
        return ZSetValue.build(members, scores, n, zsetLimits());
    }

    private ZSetValue.Limits zsetLimits() {
        return new ZSetValue.Limits(limits.zsetMaxListpackEntries(), limits.zsetMaxListpackValue());
    }

    /** The elements of a listpack (or ziplist) stored as one string. */
    private List<byte[]> packed(boolean listpack) throws RdbFormatException {
        int at = pos;
        byte[] blob = readString();
        List<byte[]> out = new ArrayList<>();
        if (listpack) Listpack.decode(blob, 0, blob.length, at, out::add);
        else Ziplist.decode(blob, at, out::add);
        return out;
    }

    private HashValue readPackedHash(boolean listpack) throws RdbFormatException {
        int at = pos;
        List<byte[]> e = packed(listpack);
        if (e.isEmpty()) throw new RdbFormatException(at, "empty hash");
        if ((e.size() & 1) != 0) throw new RdbFormatException(at, "hash with an odd number of entries");
        // Redis 7.0 converts a loaded ziplist hash by its length only; a listpack hash also by value size.
        return hashOf(e, at, listpack ? limits.hashMaxListpackValue() : Long.MAX_VALUE);
    }

    private HashValue hashOf(List<byte[]> e, int at, long maxValue) throws RdbFormatException {
        HashValue h = new HashValue();
        for (int i = 0; i < e.size(); i += 2) {
            if (!h.set(e.get(i), e.get(i + 1), limits.hashMaxListpackEntries(), maxValue)) {
                throw new RdbFormatException(at, "duplicate hash field");
            }
        }
        return h;
    }

    private ZSetValue readPackedZSet(boolean listpack) throws RdbFormatException {
        int at = pos;
        List<byte[]> e = packed(listpack);
        if (e.isEmpty()) throw new RdbFormatException(at, "empty sorted set");
        if ((e.size() & 1) != 0) throw new RdbFormatException(at, "sorted set with an odd number of entries");
        int n = e.size() / 2;
        byte[][] members = new byte[n][];
        double[] scores = new double[n];
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            members[i] = e.get(2 * i);
            String s = new String(e.get(2 * i + 1), java.nio.charset.StandardCharsets.US_ASCII);
            double d;
            try {
                d = s.equals("inf") ? Double.POSITIVE_INFINITY : s.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
            } catch (NumberFormatException ex) {
                throw new RdbFormatException(at, "invalid sorted set score");
            }
            if (Double.isNaN(d)) throw new RdbFormatException(at, "sorted set score is NaN");
            scores[i] = d;
            if (!seen.add(ByteBuffer.wrap(members[i]))) throw new RdbFormatException(at, "duplicate sorted set member");
        }
        // Redis 7.0 converts a loaded listpack zset by its length only: long members stay packed.
        return ZSetValue.build(members, scores, n, new ZSetValue.Limits(limits.zsetMaxListpackEntries(), Long.MAX_VALUE));
    }

    private ListValue readListZiplist() throws RdbFormatException {
        int at = pos;
        List<byte[]> e = packed(false);
        if (e.isEmpty()) throw new RdbFormatException(at, "empty list");
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (byte[] x : e) l.pushTail(x);
        return l;
    }

    private ListValue readQuicklist(boolean v2) throws RdbFormatException {
        int at = pos;
        int nodes = count();
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (int i = 0; i < nodes; i++) {
            int container = Rdb.CONTAINER_PACKED;
            if (v2) {
                int cat = pos;
                long c = rawLen();
                if (c != Rdb.CONTAINER_PLAIN && c != Rdb.CONTAINER_PACKED) {
                    throw new RdbFormatException(cat, "invalid quicklist container " + c);
                }
                container = (int) c;
            }
            if (container == Rdb.CONTAINER_PLAIN) {
                l.appendPlain(readString());
                continue;
            }
            for (byte[] x : packed(v2)) l.appendPacked(x);
        }
        if (l.isEmpty()) throw new RdbFormatException(at, "empty list");
        return l;
    }

    /** RDB_TYPE_HASH_ZIPMAP (Redis 2.x): zmlen, then len key len free value [free bytes], 0xFF. */
    private HashValue readZipmap() throws RdbFormatException {
        int at = pos;
        byte[] zm = readString();
        List<byte[]> e = new ArrayList<>();
        int p = 1;
        if (zm.length < 2) throw new RdbFormatException(at, "zipmap too short");
        while (true) {
            if (p >= zm.length) throw new RdbFormatException(at, "zipmap not terminated");
            if ((zm[p] & 0xFF) == 0xFF) {
                if (p != zm.length - 1) throw new RdbFormatException(at, "zipmap trailing bytes");
                break;
            }
            for (int k = 0; k < 2; k++) {
                if (p >= zm.length) throw new RdbFormatException(at, "zipmap entry overruns");
                int b = zm[p] & 0xFF;
                long n;
                if (b < 254) {
                    n = b;
                    p += 1;
                } else if (b == 254) {
                    if (p + 5 > zm.length) throw new RdbFormatException(at, "zipmap entry overruns");
                    n = Listpack.le(zm, p + 1, 4);
                    p += 5;
                } else {
                    throw new RdbFormatException(at, "zipmap entry truncated");
                }
                int free = 0;
                if (k == 1) {
                    if (p >= zm.length) throw new RdbFormatException(at, "zipmap entry overruns");
                    free = zm[p] & 0xFF;
                    p++;
                }
                if (n + free > zm.length - p) throw new RdbFormatException(at, "zipmap entry overruns");
                e.add(java.util.Arrays.copyOfRange(zm, p, p + (int) n));
                p += (int) n + free;
            }
        }
        if (e.isEmpty()) throw new RdbFormatException(at, "empty hash");
        return hashOf(e, at, limits.hashMaxListpackValue());
    }
}
