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
 * 17 listpack zset, 18 quicklist of listpacks, 15 and 19 streams ({@link RdbStream}). The encoding of the result follows the configured
 * thresholds as Redis 7.0 picks it on load: listpack and skiplist/dict payloads are checked against
 * entries and value size, ziplist hashes and packed zsets against the entry count only. A list is
 * re-cut into chunks by {@code list-max-listpack-size} (Redis keeps the payload's quicklist nodes
 * as they are, so a later DUMP of it can differ in node boundaries, not in content).
 *
 * <p>This is the one place a serialized value is validated (Redis's rdbLoadObject with the integrity
 * checks of listpack.c, ziplist.c, intset.c and zipmap.c): input is fully checked while it is decoded
 * (lengths, blob structure, duplicate members, NaN scores, element counts), and anything wrong raises
 * {@link RdbFormatException} with Redis's reason and no value is returned. Lodestone decodes every
 * value whole, so it never keeps a corrupt one; {@link #deep(boolean) deep sanitization} (Redis's
 * {@code sanitize-dump-payload}) decides only how a failure is classified: without it, what Redis's
 * shallow checks let through is {@link RdbFormatException.Kind#UNSANITIZED}. An empty collection is
 * {@link RdbFormatException.Kind#EMPTY_KEY}, with the reader positioned after it.
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
    private boolean deep;
    private int sanitizations;

    public RdbValueReader(byte[] buf, int off, int end, Limits limits) {
        this.buf = buf;
        this.pos = off;
        this.end = end;
        this.limits = limits;
    }

    /** Redis's deep_integrity_validation: whether corruption only a full scan finds counts as found. */
    public RdbValueReader deep(boolean deep) {
        this.deep = deep;
        return this;
    }

    /** Blobs deeply validated so far (Redis's stat_dump_payload_sanitizations counts them). */
    public int sanitizations() {
        return sanitizations;
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

    /**
     * The value of {@code type} (its type byte already read at {@code at}). A runtime exception from a
     * check this reader lacks is still corrupt input, never a failure of the caller.
     */
    Object readValue(int type, int at) throws RdbFormatException {
        try {
            return readTyped(type, at);
        } catch (RuntimeException e) {
            throw new RdbFormatException(pos, "corrupt value (" + e + ")");
        }
    }

    private Object readTyped(int type, int at) throws RdbFormatException {
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
            case Rdb.TYPE_STREAM_LISTPACKS:
            case Rdb.TYPE_STREAM_LISTPACKS_2:
                return RdbStream.read(this, type == Rdb.TYPE_STREAM_LISTPACKS_2);
            default:
                throw new RdbFormatException(at, "Unknown RDB encoding type " + type);
        }
    }

    /** An empty collection, the reader already past it (rdbLoadObject's emptykey). */
    private static RdbFormatException emptyKey(int at) {
        return new RdbFormatException(at, "empty key", RdbFormatException.Kind.EMPTY_KEY);
    }

    /**
     * A failure of a check Redis makes only with deep sanitization: corrupt either way, and without it
     * one that Redis would have let through.
     */
    RdbFormatException deepCheck(int at, String reason) {
        return new RdbFormatException(at, reason,
                deep ? RdbFormatException.Kind.CORRUPT : RdbFormatException.Kind.UNSANITIZED);
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

    long le(int n) throws RdbFormatException {
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
                if (b == 0x81) {
                    long n = be(8);
                    if (n < 0) throw new RdbFormatException(pos - 9, "length out of range");
                    return n;
                }
                throw new RdbFormatException(pos - 1, "Unknown length encoding " + (b >>> 6) + " in rdbLoadLen()");
            default:
                return -1 - (b & 0x3F);
        }
    }

    /**
     * A length that counts elements or bytes: never negative, never more than the input could hold.
     * A special-encoding byte (0xC0..0xFF) counts as its low six bits, as Redis's rdbLoadLen reads it
     * when no encoding is expected.
     */
    private int len() throws RdbFormatException {
        int at = pos;
        long n = rawLen();
        if (n < 0) return (int) (-1 - n);
        if (n > Integer.MAX_VALUE - 8) throw new RdbFormatException(at, "length out of range");
        return (int) n;
    }

    /**
     * A count of elements that follow: each takes at least one byte, so a count larger than the rest
     * of the input is corrupt (and must not size an allocation).
     */
    int count() throws RdbFormatException {
        int at = pos;
        int n = len();
        if (n > end - pos) throw new RdbFormatException(at, "element count " + n + " exceeds the input");
        return n;
    }

    /**
     * rdbLoadLen's full range: an unsigned 64-bit length (stream IDs and counters use all of it, and
     * a group's entries-read of -1 is written as 2^64-1). A special-encoding byte counts as its low
     * six bits, as for {@link #len}.
     */
    long lenU64() throws RdbFormatException {
        int b = u8();
        return switch (b >>> 6) {
            case 0 -> b & 0x3F;
            case 1 -> ((long) (b & 0x3F) << 8) | u8();
            case 2 -> {
                if (b == 0x80) yield be(4);
                if (b == 0x81) yield be(8);
                throw new RdbFormatException(pos - 1, "Unknown length encoding " + (b >>> 6) + " in rdbLoadLen()");
            }
            default -> b & 0x3F;
        };
    }

    /** {@code n} bytes as they are (rioRead). */
    byte[] raw(int n) throws RdbFormatException {
        if (end - pos < n) throw new RdbFormatException(pos, "unexpected end of input");
        byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    /** Whether this load validates deeply; counts one more deeply validated blob when it does. */
    boolean sanitizing() {
        if (deep) sanitizations++;
        return deep;
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
                // A back reference (3 bytes at most) expands to 264 bytes at most: a longer claim is
                // corrupt, and must not size an allocation.
                if (olen == 0) {
                    // Redis's lzf_decompress writes nothing into no room and returns 0, which is the
                    // length asked for: whatever the compressed bytes, the string is empty.
                    pos += clen;
                    return new byte[0];
                }
                if (olen > 88L * clen) throw new RdbFormatException(at, "Invalid LZF compressed string");
                try {
                    byte[] s = Lzf.decompress(buf, pos, clen, olen);
                    pos += clen;
                    return s;
                } catch (IllegalArgumentException e) {
                    throw new RdbFormatException(at, "Invalid LZF compressed string");
                }
            }
            default:
                throw new RdbFormatException(at, "Unknown RDB string encoding type " + enc);
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
        String s = new String(buf, pos, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        pos += n;
        // sscanf("%lg"): leading blanks, then the longest prefix that is a number; nothing at all fails.
        Double d = numberPrefix(s);
        if (d == null) throw new RdbFormatException(at, "invalid score");
        return d;
    }

    /**
     * C's strtod over a C string (up to its first NUL): leading blanks, then the longest prefix that is
     * a decimal or hexadecimal number, inf, infinity or nan; null when there is none.
     */
    static Double numberPrefix(String s) {
        int nul = s.indexOf('\0');
        java.util.regex.Matcher m = C_DOUBLE.matcher(nul < 0 ? s : s.substring(0, nul));
        if (!m.lookingAt()) return null;
        String num = m.group(1).toLowerCase(java.util.Locale.ROOT);
        if (num.contains("nan")) return Double.NaN;
        if (num.contains("inf")) return num.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (num.contains("0x")) return Double.parseDouble(num.contains("p") ? num : num + "p0");
        return Double.parseDouble(num);
    }

    /**
     * A score of a packed zset as Redis reads it when it is used (zzlStrtod: strtod over at most 127
     * bytes, 0 when no number starts the string); Redis's sanitization checks no score.
     */
    static double packedScore(byte[] s) {
        Double d = numberPrefix(new String(s, 0, Math.min(s.length, 127), java.nio.charset.StandardCharsets.ISO_8859_1));
        return d == null ? 0 : d;
    }

    private static final java.util.regex.Pattern C_DOUBLE = java.util.regex.Pattern.compile(
            "[ \\t\\n\\x0B\\f\\r]*([+-]?(?:0[xX](?:[0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)(?:[pP][+-]?\\d+)?"
            + "|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|(?i:infinity|inf|nan)))");

    // ---- Types -------------------------------------------------------------------------------------

    private ListValue readLinkedList() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw emptyKey(at);
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (int i = 0; i < n; i++) l.pushTail(readString());
        return l;
    }

    private SetValue readSet() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw emptyKey(at);
        SetValue s = n > limits.setMaxIntsetEntries() ? SetValue.hashtable(n) : SetValue.intset();
        for (int i = 0; i < n; i++) {
            int mat = pos;
            byte[] m = readString();
            if (!s.add(m, limits.setMaxIntsetEntries())) throw new RdbFormatException(mat, "Duplicate set members detected");
        }
        return s;
    }

    private SetValue readIntset() throws RdbFormatException {
        int at = pos;
        byte[] blob = readString();
        if (deep) sanitizations++;
        if (!Intset.headerValid(blob)) throw new RdbFormatException(at, "Intset integrity check failed.");
        if (!Intset.sorted(blob)) throw deepCheck(at, "Intset integrity check failed.");
        SetValue s = SetValue.intset();
        int n = Intset.length(blob);
        for (int i = 0; i < n; i++) s.addLong(Intset.get(blob, i), limits.setMaxIntsetEntries());
        return s;
    }

    private HashValue readHash() throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw emptyKey(at);
        HashValue h = new HashValue();
        for (int i = 0; i < n; i++) {
            int fat = pos;
            byte[] f = readString();
            byte[] v = readString();
            if (!h.set(f, v, limits.hashMaxListpackEntries(), limits.hashMaxListpackValue())) {
                // Redis finds a duplicate at once in a hash table, in a listpack only when sanitizing deeply.
                if (n > limits.hashMaxListpackEntries()) throw new RdbFormatException(fat, "Duplicate hash fields detected");
                throw deepCheck(fat, "Hash with dup elements");
            }
        }
        return h;
    }

    private ZSetValue readZSet(boolean binary) throws RdbFormatException {
        int at = pos;
        int n = count();
        if (n == 0) throw emptyKey(at);
        byte[][] members = new byte[n][];
        double[] scores = new double[n];
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            int mat = pos;
            members[i] = readString();
            scores[i] = binary ? readBinaryDouble() : readStringDouble();
            if (Double.isNaN(scores[i])) throw new RdbFormatException(mat, "Zset with NAN score detected");
            if (!seen.add(ByteBuffer.wrap(members[i]))) throw new RdbFormatException(mat, "Duplicate zset fields detected");
        }
        return ZSetValue.build(members, scores, n, zsetLimits());
    }

    private ZSetValue.Limits zsetLimits() {
        return new ZSetValue.Limits(limits.zsetMaxListpackEntries(), limits.zsetMaxListpackValue());
    }

    /**
     * The entries of a listpack stored as one string (lpValidateIntegrity): a bad header is found by
     * Redis's shallow check, bad entries only by the deep one.
     */
    private List<byte[]> listpack(int at, byte[] blob, String reason) throws RdbFormatException {
        if (deep) sanitizations++;
        if (!Listpack.headerValid(blob, 0, blob.length)) throw new RdbFormatException(at, reason);
        List<byte[]> out = new ArrayList<>();
        try {
            Listpack.decode(blob, 0, blob.length, at, out::add);
        } catch (RdbFormatException e) {
            throw deepCheck(at, reason);
        }
        return out;
    }

    /** The entries of a ziplist stored as one string; Redis validates every ziplist deeply. */
    private static List<byte[]> ziplist(int at, byte[] blob, String reason) throws RdbFormatException {
        List<byte[]> out = new ArrayList<>();
        try {
            Ziplist.decode(blob, at, out::add);
        } catch (RdbFormatException e) {
            throw new RdbFormatException(at, reason);
        }
        return out;
    }

    /**
     * Field/value or member/score pairs of a packed hash or zset: an even count without repeated
     * firsts (lpPairsValidateIntegrityAndDups, ziplistPairsConvertAndValidateIntegrity).
     */
    private List<byte[]> pairs(boolean listpack, String reason, long convertAbove) throws RdbFormatException {
        int at = pos;
        byte[] blob = readString();
        List<byte[]> e = listpack ? listpack(at, blob, reason) : ziplist(at, blob, reason);
        if ((e.size() & 1) != 0) throw listpack ? deepCheck(at, reason) : new RdbFormatException(at, reason);
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < e.size(); i += 2) {
            if (seen.add(ByteBuffer.wrap(e.get(i)))) continue;
            if (!listpack) throw new RdbFormatException(at, reason);
            // Unsanitized, Redis finds a repeated field when it converts the listpack to a hash table.
            throw deepCheck(at, !deep && e.size() / 2 > convertAbove ? "listpack with dup elements" : reason);
        }
        if (e.isEmpty()) throw emptyKey(at);
        return e;
    }

    private HashValue readPackedHash(boolean listpack) throws RdbFormatException {
        List<byte[]> e = pairs(listpack, listpack ? "Hash listpack integrity check failed." : "Hash ziplist integrity check failed.",
                limits.hashMaxListpackEntries());
        // Redis 7.0 converts a loaded ziplist hash by its length only; a listpack hash also by value size.
        HashValue h = new HashValue();
        long maxValue = listpack ? limits.hashMaxListpackValue() : Long.MAX_VALUE;
        for (int i = 0; i < e.size(); i += 2) h.set(e.get(i), e.get(i + 1), limits.hashMaxListpackEntries(), maxValue);
        return h;
    }

    private ZSetValue readPackedZSet(boolean listpack) throws RdbFormatException {
        int at = pos;
        String reason = listpack ? "Zset listpack integrity check failed." : "Zset ziplist integrity check failed.";
        List<byte[]> e = pairs(listpack, reason, Long.MAX_VALUE);
        int n = e.size() / 2;
        byte[][] members = new byte[n][];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            members[i] = e.get(2 * i);
            // Redis keeps the score's bytes and reads them with strtod when used; a NaN it would then
            // keep is refused (Lodestone orders by score as it loads).
            double d = packedScore(e.get(2 * i + 1));
            if (Double.isNaN(d)) throw new RdbFormatException(at, reason);
            scores[i] = d;
        }
        // Redis 7.0 converts a loaded listpack zset by its length only: long members stay packed.
        return ZSetValue.build(members, scores, n, new ZSetValue.Limits(limits.zsetMaxListpackEntries(), Long.MAX_VALUE));
    }

    private ListValue readListZiplist() throws RdbFormatException {
        int at = pos;
        List<byte[]> e = ziplist(at, readString(), "List ziplist integrity check failed.");
        if (e.isEmpty()) throw emptyKey(at);
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (byte[] x : e) l.pushTail(x);
        return l;
    }

    /** Quicklist nodes: plain elements, listpacks (type 18) or ziplists (type 14); empty packed nodes are skipped. */
    private ListValue readQuicklist(boolean v2) throws RdbFormatException {
        int at = pos;
        int nodes = count();
        ListValue l = new ListValue(limits.listMaxListpackSize());
        for (int i = 0; i < nodes; i++) {
            int container = Rdb.CONTAINER_PACKED;
            if (v2) {
                int cat = pos;
                long c = len(); // rdbLoadLen: an encoding byte (0xC0..) counts as its low six bits
                if (c != Rdb.CONTAINER_PLAIN && c != Rdb.CONTAINER_PACKED) {
                    throw new RdbFormatException(cat, "Quicklist integrity check failed.");
                }
                container = (int) c;
            }
            int nat = pos;
            byte[] node = readString();
            if (node.length == 0) throw new RdbFormatException(nat, "empty quicklist node");
            if (container == Rdb.CONTAINER_PLAIN) {
                l.appendPlain(node);
                continue;
            }
            List<byte[]> e = v2 ? listpack(nat, node, "Listpack integrity check failed.")
                    : ziplist(nat, node, "Ziplist integrity check failed.");
            for (byte[] x : e) l.appendPacked(x);
        }
        if (l.isEmpty()) throw emptyKey(at);
        return l;
    }

    /** RDB_TYPE_HASH_ZIPMAP (Redis 2.x), always validated deeply; converted as a listpack hash would be. */
    private HashValue readZipmap() throws RdbFormatException {
        int at = pos;
        byte[] zm = readString();
        List<byte[]> e = new ArrayList<>();
        if (!Zipmap.decode(zm, e::add)) throw new RdbFormatException(at, "Zipmap integrity check failed.");
        HashValue h = new HashValue();
        for (int i = 0; i < e.size(); i += 2) {
            if (!h.set(e.get(i), e.get(i + 1), limits.hashMaxListpackEntries(), limits.hashMaxListpackValue())) {
                throw new RdbFormatException(at, "Hash zipmap with dup elements, or big length (" + e.get(i).length + ")");
            }
        }
        return h;
    }
}
