package io.lodestone.persistence.rdb;

import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile RDB files and DUMP payloads: valid ones ({@link RdbCorpus}) mutated byte by byte and field by
 * field (record types swapped, lengths and counts made huge or negative, the insides of ziplists,
 * listpacks, intsets and zipmaps changed, records dropped, repeated or cut), with the checksum kept,
 * recomputed, zeroed or not verified so that the value decoders are reached. Properties: a load either
 * succeeds, with values that serialize and load again to the same bytes, or fails with
 * {@link RdbFormatException}, never with a runtime exception caught by the loader's safety net, an
 * error, an allocation out of proportion to the input or an endless loop (each case has a timeout); a
 * file loaded whole and through a small window gives the same result.
 */
class RdbLoaderFuzzTest {
    private static final long NOW = 1_700_000_000_000L;
    /** What a load may allocate besides a constant: a multiple of the input (LZF expands 88 times at most). */
    private static final long ALLOC_FACTOR = 256;
    private static final long ALLOC_BASE = 64L << 20;

    private static List<RdbCorpus.Sample> corpus;
    private static List<List<Rec>> walks;

    private static String logLevel;

    @BeforeAll
    static void corpus() throws Exception {
        logLevel = Fuzz.quietLog(); // "rdbLoadObject skipping empty key", millions of times
        corpus = RdbCorpus.all();
        walks = new ArrayList<>();
        for (RdbCorpus.Sample s : corpus) walks.add(walk(s.bytes()));
    }

    @AfterAll
    static void loud() {
        Fuzz.restoreLog(logLevel);
    }

    /** A record of a file: its type or opcode byte at {@code start}, the key (if any), the value, the end. */
    record Rec(int start, int type, int keyAt, int valueAt, int end) {
        boolean isKey() {
            return type < 245;
        }
    }

    /** The records of a valid file, as far as they can be walked (a function or a stream ends the walk). */
    static List<Rec> walk(byte[] f) {
        List<Rec> out = new ArrayList<>();
        int pos = 9;
        try {
            while (pos < f.length) {
                int type = f[pos] & 0xFF;
                RdbValueReader r = new RdbValueReader(f, pos + 1, f.length, RdbCorpus.LIMITS);
                int keyAt = pos + 1, valueAt = pos + 1, end;
                switch (type) {
                    case Rdb.OPCODE_EOF -> {
                        out.add(new Rec(pos, type, keyAt, valueAt, Math.min(f.length, pos + 9)));
                        return out;
                    }
                    case Rdb.OPCODE_AUX, Rdb.OPCODE_RESIZEDB -> {
                        r.readString();
                        valueAt = r.position();
                        r.readString();
                        end = r.position();
                    }
                    case Rdb.OPCODE_SELECTDB, Rdb.OPCODE_IDLE -> {
                        r.readString();
                        end = r.position();
                    }
                    case Rdb.OPCODE_EXPIRETIME_MS -> end = pos + 9;
                    case Rdb.OPCODE_EXPIRETIME -> end = pos + 5;
                    case Rdb.OPCODE_FREQ -> end = pos + 2;
                    default -> {
                        if (type >= 245) return out;
                        r.readString();
                        valueAt = r.position();
                        r.readValue(type, pos);
                        end = r.position();
                    }
                }
                out.add(new Rec(pos, type, keyAt, valueAt, end));
                pos = end;
            }
        } catch (RdbFormatException e) {
            // a type Lodestone refuses (a stream): the walk ends there
        }
        return out;
    }

    /** Value types and opcodes a type byte is swapped with: every one Redis defines, and a few it does not. */
    static final int[] TYPES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100,
        245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255};
    /** Length encodings that claim too much, or are negative as signed numbers, or are not lengths. */
    static final byte[][] LENGTHS = {
        {(byte) 0x80, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
        {(byte) 0x80, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
        {(byte) 0x80, 0x00, 0x10, 0x00, 0x00},
        {(byte) 0x81, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
        {(byte) 0x81, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0},
        {(byte) 0x81, 0, 0, 0, 1, 0, 0, 0, 0},
        {(byte) 0x81, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0},
        {(byte) 0xBF, (byte) 0xFF}, {0x7F, (byte) 0xFF}, {0x3F}, {0}, {1},
        {(byte) 0xC0, 0x05}, {(byte) 0xC1, 0x00, 0x01}, {(byte) 0xC2, 1, 0, 0, 0},
        {(byte) 0xC3, 0x05, (byte) 0x80, 0x7F, 0, 0, 0}, {(byte) 0xC3, (byte) 0x80, 0x7F, 0, 0, 0, 0x05},
        {(byte) 0xC4}, {(byte) 0xFF}, {(byte) 0x82}};

    /** Bytes the length or string encoding at {@code p} takes (its header, for a string). */
    static int lengthBytes(byte[] f, int p) {
        if (p >= f.length) return 0;
        int b = f[p] & 0xFF;
        return switch (b >>> 6) {
            case 0 -> 1;
            case 1 -> 2;
            case 2 -> b == 0x81 ? 9 : 5;
            default -> 1;
        };
    }

    /** One structure-aware mutation of a walked file, or a byte-level one; {@code kind[0]} names it. */
    static byte[] mutateFile(byte[] f, List<Rec> recs, SplittableRandom rnd, String[] kind) {
        List<Rec> keys = recs.stream().filter(Rec::isKey).toList();
        int r = rnd.nextInt(100);
        if (recs.isEmpty() || r < 20) return Mutations.bytes(f, rnd, kind);
        Rec rec = rnd.nextInt(4) > 0 && !keys.isEmpty() ? keys.get(rnd.nextInt(keys.size())) : recs.get(rnd.nextInt(recs.size()));
        if (r < 32) {
            kind[0] = "type swap";
            byte[] c = f.clone();
            c[rec.start()] = (byte) TYPES[rnd.nextInt(TYPES.length)];
            return c;
        }
        if (r < 52) {
            kind[0] = "length";
            int at = rnd.nextInt(3) == 0 ? rec.keyAt() : rec.valueAt();
            if (at >= f.length) return f;
            return Mutations.splice(f, at, Math.min(f.length, at + lengthBytes(f, at)), LENGTHS[rnd.nextInt(LENGTHS.length)]);
        }
        if (r < 75) {
            kind[0] = "blob inside";
            // the string at the value's start: a ziplist, listpack, intset or zipmap for the packed types
            int at = rec.valueAt();
            int hb = lengthBytes(f, at);
            if (hb == 0 || (f[at] & 0xC0) == 0xC0) return Mutations.bytes(f, rnd, kind);
            long len = 0;
            int b0 = f[at] & 0xFF;
            if (hb == 1) len = b0;
            else if (hb == 2) len = ((b0 & 0x3F) << 8) | (f[at + 1] & 0xFF);
            else for (int i = 1; i < hb; i++) len = (len << 8) | (f[at + i] & 0xFF);
            int from = at + hb;
            int to = (int) Math.min(f.length, from + len);
            if (to - from < 2) return Mutations.bytes(f, rnd, kind);
            byte[] blob = Arrays.copyOfRange(f, from, to);
            String[] inner = new String[1];
            byte[] mutated = blobMutation(blob, rnd, inner);
            kind[0] = "blob " + inner[0];
            // the string's length follows the blob's new size
            byte[] header = lengthOf(mutated.length);
            return Mutations.splice(f, at, to, concat(header, mutated));
        }
        if (r < 88) {
            kind[0] = "record";
            Rec other = recs.get(rnd.nextInt(recs.size()));
            byte[] recBytes = Arrays.copyOfRange(f, rec.start(), rec.end());
            return switch (rnd.nextInt(3)) {
                case 0 -> Mutations.splice(f, rec.start(), rec.end(), new byte[0]);
                case 1 -> Mutations.splice(f, other.start(), other.start(), recBytes);
                default -> Mutations.splice(f, rec.start(), rec.start(), Arrays.copyOfRange(f, other.start(), other.end()));
            };
        }
        kind[0] = "cut in a record";
        return Arrays.copyOf(f, Math.max(0, rec.start() + rnd.nextInt(Math.max(1, rec.end() - rec.start() + 1))));
    }

    /** A change inside a ziplist, listpack, intset or zipmap: header fields, entry bytes, lengths. */
    static byte[] blobMutation(byte[] blob, SplittableRandom rnd, String[] kind) {
        byte[] c = blob.clone();
        int r = rnd.nextInt(100);
        if (r < 30 && c.length >= 10) {
            kind[0] = "header";
            int field = new int[] {0, 4, 8, 6, 4}[rnd.nextInt(5)];
            long[] values = {0, 1, 0xFFFF, 0xFFFFFFFFL, 0x7FFFFFFFL, c.length + 1, c.length - 1, 65535, 10, 6};
            long v = values[rnd.nextInt(values.length)];
            int width = field == 8 || field == 4 && rnd.nextBoolean() ? 2 : 4;
            for (int i = 0; i < width && field + i < c.length; i++) c[field + i] = (byte) (v >>> (8 * i));
            return c;
        }
        if (r < 45) {
            kind[0] = "terminator";
            c[rnd.nextBoolean() ? c.length - 1 : rnd.nextInt(c.length)] = (byte) (rnd.nextBoolean() ? 0xFF : 0xFE);
            return c;
        }
        if (r < 60) {
            kind[0] = "entry encoding";
            int[] encodings = {0xF0, 0xF1, 0xF4, 0xF5, 0xFE, 0xE0, 0xEF, 0xC0, 0xDF, 0x80, 0xBF, 0x40, 0x7F, 0xFD, 0xD0};
            c[rnd.nextInt(c.length)] = (byte) encodings[rnd.nextInt(encodings.length)];
            return c;
        }
        return Mutations.bytes(c, rnd, kind);
    }

    static byte[] lengthOf(int n) {
        io.lodestone.persistence.ByteSink s = new io.lodestone.persistence.ByteSink(9);
        Rdb.writeLen(s, n);
        return s.toArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** What a load gave: the loaded data as DB:key -> value bytes, or the error's reason and offset. */
    record Loaded(Map<String, String> data, String error) {
    }

    /** Loads whole or through a window; fails the case on anything but success or RdbFormatException. */
    static Loaded load(byte[] f, boolean verify, boolean deep, boolean keepExpired, int window) throws Exception {
        RdbFileLoader loader = new RdbFileLoader(RdbCorpus.LIMITS, verify).deep(deep).keepExpired(keepExpired);
        try {
            RdbFileLoader.Result r = window == 0 ? loader.load(f, 16, NOW)
                    : loader.load(new ByteArrayInputStream(f), window, 16, NOW);
            return new Loaded(content(r.keyspace()), null);
        } catch (RdbFormatException e) {
            safetyNet(e);
            return new Loaded(null, e.getMessage());
        }
    }

    /** A runtime exception turned into a format error by a catch-all: a check is missing. */
    static void safetyNet(RdbFormatException e) {
        String m = e.reason();
        if (m.startsWith("corrupt data (") || m.startsWith("corrupt value (")) {
            throw new AssertionError("a runtime exception escaped the checks: " + e.getMessage(), e);
        }
    }

    /**
     * Every key's value in a canonical form; each loaded value must serialize and load again to the same
     * content (a value that loaded broken fails here rather than in a later command).
     */
    static Map<String, String> content(io.lodestone.store.Keyspace ks) throws RdbFormatException {
        Map<String, String> all = new TreeMap<>();
        for (int i = 0; i < ks.databases(); i++) {
            int db = i;
            List<Object[]> entries = new ArrayList<>();
            ks.db(i).forEach(e -> entries.add(new Object[] {e.key(), e.value(), e.expireAt()}));
            for (Object[] e : entries) {
                all.put(db + ":" + new String((byte[]) e[0], java.nio.charset.StandardCharsets.ISO_8859_1),
                        roundTrip(e[1]) + " ttl " + e[2]);
            }
        }
        return all;
    }

    /** The value's canonical form, checked to be the same after a serialization and a load. */
    static String roundTrip(Object v) throws RdbFormatException {
        String once = ValueForm.of(v);
        byte[] bytes = new RdbValueWriter(false).serialize(v);
        String twice = ValueForm.of(new RdbValueReader(bytes, 0, bytes.length, RdbCorpus.LIMITS).deep(true).read());
        if (!once.equals(twice)) {
            throw new AssertionError("a loaded value does not survive a round trip: " + abbreviate(once) + " then " + abbreviate(twice));
        }
        return once;
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** An outcome name without numbers (offsets, sizes) for the counts. */
    static String outcome(Loaded l) {
        return l.error() == null ? "loaded" : l.error().replaceAll("[0-9a-f]{6,}|\\d+", "N").replaceAll("'[^']*'", "'…'");
    }

    @Test
    @Slow
    void mutatedFilesLoadOrFailCleanly() {
        Fuzz fuzz = Fuzz.target("rdb-file", 100_000, 6);
        fuzz.run((index, rnd) -> {
            int pick = rnd.nextInt(corpus.size());
            byte[] f = corpus.get(pick).bytes();
            String[] kind = new String[1];
            f = mutateFile(f, walks.get(pick), rnd, kind);
            for (int k = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0; k > 0; k--) f = Mutations.bytes(f, rnd, new String[1]);
            // the checksum: kept (wrong, mostly), not verified, recomputed, or zero (Redis's "no checksum")
            int crc = rnd.nextInt(4);
            if (crc == 2 && f.length > 17) putCrc(f, Crc64.of(f, 0, f.length - 8));
            if (crc == 3 && f.length > 17) putCrc(f, 0);
            boolean verify = crc != 1;
            fuzz.input(f);
            fuzz.count(kind[0]);
            boolean deep = rnd.nextBoolean(), keep = rnd.nextInt(4) == 0;
            long before = Fuzz.allocatedBytes();
            Loaded whole = load(f, verify, deep, keep, 0);
            long allocated = Fuzz.allocatedBytes() - before;
            if (before >= 0 && allocated > ALLOC_BASE + ALLOC_FACTOR * f.length) {
                throw new AssertionError("loading " + f.length + " bytes allocated " + allocated + " bytes");
            }
            fuzz.count(outcome(whole));
            if (rnd.nextInt(4) == 0) {
                int window = 64 + rnd.nextInt(2048);
                Loaded windowed = load(f, verify, deep, keep, window);
                assertEquals(whole, windowed, "loaded whole and through a window of " + window + " bytes");
            }
        });
        assertTrue(fuzz.cases() > 0);
    }

    private static void putCrc(byte[] f, long crc) {
        for (int i = 0; i < 8; i++) f[f.length - 8 + i] = (byte) (crc >>> (8 * i));
    }

    /** The DUMP payloads of every value, Lodestone's and the legacy encodings. */
    static List<byte[]> payloads() throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (Object v : RdbCorpus.values()) {
            out.add(new RdbValueWriter(true).dump(v));
            out.add(new RdbValueWriter(false).dump(v));
        }
        for (byte[] v : RdbCorpus.legacyValues()) out.add(RdbCorpus.dumpOf(v));
        return out;
    }

    @Test
    @Slow
    void mutatedDumpPayloadsDecodeOrFailCleanly() throws Exception {
        List<byte[]> payloads = payloads();
        Fuzz fuzz = Fuzz.target("dump-payload", 200_000, 4);
        fuzz.run((index, rnd) -> {
            byte[] p = payloads.get(rnd.nextInt(payloads.size()));
            byte[] body = Arrays.copyOf(p, p.length - 10);
            String[] kind = new String[1];
            Rec whole = new Rec(0, body[0] & 0xFF, 1, 1, body.length);
            body = mutateFile(body, List.of(whole), rnd, kind);
            if (body.length == 0) body = new byte[] {0};
            byte[] m = RdbCorpus.dumpOf(body);
            if (rnd.nextInt(8) == 0) m[m.length - 10] = (byte) (rnd.nextBoolean() ? 11 : rnd.nextInt(256));
            if (rnd.nextInt(5) == 0) m = Mutations.bytes(m, rnd, kind); // the checksum is wrong now, mostly
            fuzz.input(m);
            fuzz.count(kind[0]);
            boolean skip = rnd.nextInt(10) == 0;
            if (!DumpPayload.verify(m, skip)) {
                fuzz.count("ERR DUMP payload version or checksum are wrong");
                return;
            }
            try {
                roundTrip(DumpPayload.decode(m, RdbCorpus.LIMITS, rnd.nextBoolean(), n -> { }));
                fuzz.count("restored");
            } catch (RdbFormatException e) {
                safetyNet(e);
                fuzz.count("ERR Bad data format: " + e.kind());
            }
        });
        assertTrue(fuzz.cases() > 0);
    }

    /** A file of {@code records} between the header and EOF, with its checksum. */
    static byte[] file(byte[]... records) {
        io.lodestone.persistence.ByteSink s = new io.lodestone.persistence.ByteSink(64);
        s.put(RdbCorpus.b("REDIS0010"), 0, 9);
        for (byte[] r : records) s.put(r, 0, r.length);
        s.put(Rdb.OPCODE_EOF);
        s.putLE(Crc64.of(s.buf, 0, s.len), 8);
        return s.toArray();
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    /** Found by fuzzing: a RESIZEDB hint of 2^63 keys sized a table of 2^30 buckets (8 GB): OutOfMemoryError. */
    @Test
    void aHugeResizeDbHintDoesNotSizeAnAllocation() throws Exception {
        byte[] key = bytes(Rdb.TYPE_STRING, 1, 'k', 1, 'v');
        for (byte[] hint : new byte[][] {bytes(0x81, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0),
            bytes(0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), bytes(0x80, 0x40, 0, 0, 0)}) {
            byte[] f = file(bytes(Rdb.OPCODE_SELECTDB, 0, Rdb.OPCODE_RESIZEDB), hint, bytes(0), key);
            long before = Fuzz.allocatedBytes();
            Loaded l = load(f, true, true, false, 0);
            long allocated = Fuzz.allocatedBytes() - before;
            assertEquals(null, l.error());
            assertEquals(1, l.data().size());
            assertTrue(before < 0 || allocated < (16L << 20), "allocated " + allocated + " bytes for a 3-key hint");
        }
    }

    /** Found by fuzzing: SELECTDB 2^64-1 (negative as a long) failed with an ArrayIndexOutOfBoundsException. */
    @Test
    void aSelectDbBeyondTheDatabasesIsRedisFatalError() {
        byte[] f = file(bytes(Rdb.OPCODE_SELECTDB, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), bytes(0, 1, 'k', 1, 'v'));
        RdbFormatException e = org.junit.jupiter.api.Assertions.assertThrows(RdbFormatException.class,
                () -> new RdbFileLoader(RdbCorpus.LIMITS, true).load(f, 16, NOW));
        assertEquals("FATAL: Data file was created with a Redis server configured to handle more than 16 databases",
                e.reason());
    }

    /**
     * Found by RESTORE against redis-server: Redis keeps a packed zset's scores as bytes and reads them
     * with strtod when used (zzlStrtod), so "1*5" is 1, "\x01.5" 0, "0x10" 16 and " -2e1x" -20; Lodestone
     * refused them (and read "\x01.5" as 0.5). A NaN, which Redis would keep, is still refused.
     */
    @Test
    void packedZsetScoresAreReadAsRedisReadsThem() throws Exception {
        Listpack.Builder lp = new Listpack.Builder();
        for (String s : new String[] {"a", "1*5", "b", "\u0001.5", "c", "0x10", "d", " -2e1x"}) lp.add(RdbCorpus.b(s));
        io.lodestone.persistence.ByteSink p = new io.lodestone.persistence.ByteSink(64);
        p.put(Rdb.TYPE_ZSET_LISTPACK);
        Rdb.writeString(p, lp.finish(), false);
        io.lodestone.store.type.ZSetValue z = (io.lodestone.store.type.ZSetValue)
                new RdbValueReader(p.toArray(), 0, p.len, RdbCorpus.LIMITS).deep(true).read();
        assertEquals("zset [d=-20.0, b=0.0, a=1.0, c=16.0]", ValueForm.of(z));
        Listpack.Builder nan = new Listpack.Builder();
        nan.add(RdbCorpus.b("a"));
        nan.add(RdbCorpus.b("nan"));
        io.lodestone.persistence.ByteSink q = new io.lodestone.persistence.ByteSink(64);
        q.put(Rdb.TYPE_ZSET_LISTPACK);
        Rdb.writeString(q, nan.finish(), false);
        org.junit.jupiter.api.Assertions.assertThrows(RdbFormatException.class,
                () -> new RdbValueReader(q.toArray(), 0, q.len, RdbCorpus.LIMITS).deep(true).read());
    }

    /**
     * Found by RESTORE against redis-server: rdbLoadLen reads an encoding byte (0xC0..0xFF) where a
     * length is expected as its low six bits, so a quicklist node's container 0xC2 is 2 (packed) and
     * SELECTDB 0xC3 selects database 3; Lodestone refused both.
     */
    @Test
    void anEncodingByteWhereALengthIsExpectedIsItsLowBits() throws Exception {
        Listpack.Builder lp = new Listpack.Builder();
        lp.add(RdbCorpus.b("x"));
        lp.add(RdbCorpus.b("y"));
        io.lodestone.persistence.ByteSink p = new io.lodestone.persistence.ByteSink(64);
        p.put(Rdb.TYPE_LIST_QUICKLIST_2);
        p.put(1);
        p.put(0xC2);
        Rdb.writeString(p, lp.finish(), false);
        assertEquals("list [x, y]", ValueForm.of(new RdbValueReader(p.toArray(), 0, p.len, RdbCorpus.LIMITS).read()));
        Loaded l = load(file(bytes(Rdb.OPCODE_SELECTDB, 0xC3), bytes(0, 1, 'k', 1, 'v')), true, true, false, 0);
        assertEquals(java.util.Set.of("3:k"), l.data().keySet());
    }

    /** Every sample of the corpus loads unmutated (Redis's file with a stream and a function too). */
    @Test
    void theCorpusLoads() throws Exception {
        for (RdbCorpus.Sample s : corpus) {
            if (s.name().startsWith("asset corrupt")) continue;
            Loaded l = load(s.bytes(), true, true, true, 0);
            assertEquals(null, l.error(), s.name());
            assertTrue(s.name().startsWith("asset") || !l.data().isEmpty(), s.name()); // scriptbackup.rdb has no keys
        }
    }
}
