package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;

/**
 * Writes one value as redis-server 7.0 writes it in an RDB file or a DUMP payload: the type byte
 * redis would choose for the value's encoding, then the value.
 *
 * <ul>
 *   <li>string: type 0, one string (integer-encoded or LZF-compressed when Redis would);</li>
 *   <li>list: type 18 (quicklist 2): each plain chunk (an element of at least packed_threshold) a
 *       PLAIN node, the elements between them cut into listpack nodes exactly as a quicklist filled
 *       by RPUSH under the list's {@code list-max-listpack-size} would be (an element over the node
 *       limit is a node of its own). A list shaped by other operations (LPUSH, LINSERT,
 *       LREM...) may have other node boundaries in Redis: same content, other bytes;</li>
 *   <li>set: type 11 with the intset blob, or type 2 with the members;</li>
 *   <li>hash: type 16 with a listpack of field, value... in insertion order, or type 4;</li>
 *   <li>zset: type 17 with a listpack of member, score... in order, or type 5 (members from the
 *       highest to the lowest, scores as binary doubles), as Redis walks its skiplist backwards;</li>
 *   <li>stream: type 19, its nodes' listpack bytes as they are ({@link RdbStream}).</li>
 * </ul>
 */
public final class RdbValueWriter {
    /** Redis's SIZE_SAFETY_LIMIT and the optimization_level table of quicklist.c. */
    private static final int SIZE_SAFETY_LIMIT = 8192;
    private static final int[] OPTIMIZATION_LEVEL = {4096, 8192, 16384, 32768, 65536};
    /** quicklist.c's SIZE_ESTIMATE_OVERHEAD: the bytes an entry is assumed to add besides its data. */
    private static final int SIZE_ESTIMATE_OVERHEAD = 8;

    private final boolean compress;
    /** The fill of the list being written (the list-max-listpack-size it was created with). */
    private long listFill;

    /** @param compress {@code rdbcompression}: LZF for strings over 20 bytes */
    public RdbValueWriter(boolean compress) {
        this.compress = compress;
    }

    /** The DUMP payload: type, value, RDB version (2 bytes LE) and CRC64 of all that (8 bytes LE). */
    public byte[] dump(Object value) {
        ByteSink out = new ByteSink(64);
        write(out, null, value);
        out.putLE(Rdb.VERSION, 2);
        long crc = Crc64.of(out.buf, 0, out.len);
        out.putLE(crc, 8);
        return out.toArray();
    }

    /** Type byte and value, without the DUMP footer. */
    public byte[] serialize(Object value) {
        ByteSink out = new ByteSink(64);
        write(out, null, value);
        return out.toArray();
    }

    /**
     * An RDB file's key-value pair: the type byte, the key, then the value (the caller writes any
     * expiry opcode before). Appends to {@code out}, no intermediate copy.
     */
    public void writeKeyValue(ByteSink out, byte[] key, Object value) {
        write(out, key, value);
    }

    /** The type byte, then the key when writing a file's key-value pair. */
    private void head(ByteSink out, int type, byte[] key) {
        out.put(type);
        if (key != null) Rdb.writeString(out, key, compress);
    }

    private void write(ByteSink out, byte[] key, Object value) {
        if (value instanceof byte[] s) {
            head(out, Rdb.TYPE_STRING, key);
            Rdb.writeString(out, s, compress);
        } else if (value instanceof ListValue l) {
            head(out, Rdb.TYPE_LIST_QUICKLIST_2, key);
            writeList(out, l);
        } else if (value instanceof SetValue s) {
            writeSet(out, key, s);
        } else if (value instanceof HashValue h) {
            writeHash(out, key, h);
        } else if (value instanceof ZSetValue z) {
            writeZSet(out, key, z);
        } else if (value instanceof StreamValue st) {
            head(out, Rdb.TYPE_STREAM_LISTPACKS_2, key);
            RdbStream.write(out, st, compress);
        } else {
            throw new IllegalArgumentException("no RDB form for " + (value == null ? "null" : value.getClass().getName()));
        }
    }

    private void writeSet(ByteSink out, byte[] key, SetValue s) {
        if (s.isIntset()) {
            head(out, Rdb.TYPE_SET_INTSET, key);
            Rdb.writeString(out, s.intsetBlob(), compress);
            return;
        }
        head(out, Rdb.TYPE_SET, key);
        Rdb.writeLen(out, s.size());
        s.forEachMember(m -> Rdb.writeString(out, m, compress));
    }

    private void writeHash(ByteSink out, byte[] key, HashValue h) {
        if (h.isCompact()) {
            head(out, Rdb.TYPE_HASH_LISTPACK, key);
            Listpack.Builder lp = new Listpack.Builder();
            h.forEach((f, fo, fl, v, vo, vl) -> {
                lp.add(java.util.Arrays.copyOfRange(f, fo, fo + fl));
                lp.add(java.util.Arrays.copyOfRange(v, vo, vo + vl));
            });
            Rdb.writeString(out, lp.finish(), compress);
            return;
        }
        head(out, Rdb.TYPE_HASH, key);
        Rdb.writeLen(out, h.size());
        h.forEach((f, fo, fl, v, vo, vl) -> {
            Rdb.writeString(out, f, fo, fl, compress);
            Rdb.writeString(out, v, vo, vl, compress);
        });
    }

    private void writeZSet(ByteSink out, byte[] key, ZSetValue z) {
        int n = z.size();
        if (z.isCompact()) {
            head(out, Rdb.TYPE_ZSET_LISTPACK, key);
            Listpack.Builder lp = new Listpack.Builder();
            ZSetValue.Cursor c = z.cursor(0, false);
            while (c.next()) {
                lp.add(c.member());
                lp.add(Rdb.d2string(c.score()));
            }
            Rdb.writeString(out, lp.finish(), compress);
            return;
        }
        head(out, Rdb.TYPE_ZSET_2, key);
        Rdb.writeLen(out, n);
        ZSetValue.Cursor c = z.cursor(n - 1, true);
        while (c.next()) {
            Rdb.writeString(out, c.member(), compress);
            out.putLE(Double.doubleToRawLongBits(c.score()), 8);
        }
    }

    /** Nodes as _quicklistNodeAllowInsert cuts them when every element was appended at the tail. */
    private void writeList(ByteSink out, ListValue l) {
        // Each node: a finished listpack, or (plain) the one large element itself.
        java.util.List<byte[]> nodes = new java.util.ArrayList<>();
        java.util.List<Boolean> plain = new java.util.ArrayList<>();
        listFill = Math.max(-5, Math.min(l.fill(), (1 << 15) - 1));
        Listpack.Builder cur = null;
        ListValue.Cursor c = l.cursor(0, true);
        while (c.next()) {
            byte[] e = c.bytes();
            if (c.inPlainChunk()) {
                if (cur != null) {
                    nodes.add(cur.finish());
                    plain.add(false);
                    cur = null;
                }
                nodes.add(e);
                plain.add(true);
                continue;
            }
            if (cur == null || !allowInsert(cur, e.length)) {
                if (cur != null) {
                    nodes.add(cur.finish());
                    plain.add(false);
                }
                cur = new Listpack.Builder();
            }
            cur.add(e);
        }
        if (cur != null) {
            nodes.add(cur.finish());
            plain.add(false);
        }
        Rdb.writeLen(out, nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            Rdb.writeLen(out, plain.get(i) ? Rdb.CONTAINER_PLAIN : Rdb.CONTAINER_PACKED);
            Rdb.writeString(out, nodes.get(i), compress);
        }
    }

    /**
     * quicklistNodeExceedsLimit of redis 7.0.15: the new size is estimated with an overhead of 8
     * bytes per entry and checked against the fill's byte limit, or the safety limit and the count.
     */
    private boolean allowInsert(Listpack.Builder node, int sz) {
        long newSz = (long) node.bytes() + sz + SIZE_ESTIMATE_OVERHEAD;
        if (listFill < 0) return newSz <= negFillLimit();
        if (newSz > SIZE_SAFETY_LIMIT) return false;
        return node.count + 1 <= listFill;
    }

    private long negFillLimit() {
        long offset = Math.min(-listFill - 1, OPTIMIZATION_LEVEL.length - 1);
        return OPTIMIZATION_LEVEL[(int) offset];
    }
}
