package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;
import io.lodestone.testsupport.ServerProcess;
import redis.clients.jedis.Jedis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Valid RDB files and DUMP payloads for the fuzz tests: written by Lodestone's encoder (every type in
 * its compact and large encodings, plain list nodes, TTLs, several databases), hand-made in the older
 * encodings Redis 7.0 still loads (ziplists, zipmap, quicklist of ziplists, linked lists, string scores,
 * IDLE/FREQ/EXPIRETIME opcodes), and, when redis-server runs here, written by it (DEBUG POPULATE and
 * every type, a stream and a function library that Lodestone refuses).
 */
final class RdbCorpus {
    static final RdbValueReader.Limits LIMITS = new RdbValueReader.Limits(128, 64, 512, 128, 64, -2);

    private RdbCorpus() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A named valid file. */
    record Sample(String name, byte[] bytes) {
    }

    /** Values of every type and encoding (some with the large encodings, one list with a plain node). */
    static List<Object> values() {
        List<Object> v = new ArrayList<>();
        v.add(b("hello"));
        v.add(b(""));
        v.add(b("12345"));
        v.add(b("-9000000000"));
        v.add(b("compressible ".repeat(30)));
        v.add(new byte[] {0, (byte) 0xff, '\r', '\n'});
        ListValue small = new ListValue(-2);
        for (String s : new String[] {"a", "1", "-70000", "x".repeat(70)}) small.pushTail(b(s));
        v.add(small);
        ListValue nodes = new ListValue(4);
        for (int i = 0; i < 20; i++) nodes.pushTail(b(i % 2 == 0 ? "e" + i : Integer.toString(i * 1000)));
        v.add(nodes);
        ListValue plain = new ListValue(-2);
        plain.pushTail(b("before"));
        plain.appendPlain(b("P".repeat(300)));
        plain.pushTail(b("after"));
        v.add(plain);
        SetValue ints = SetValue.intset();
        for (long x : new long[] {1, -5, 70000, -3_000_000_000L, 42}) ints.addLong(x, 512);
        v.add(ints);
        SetValue narrow = SetValue.intset();
        for (long x : new long[] {1, 2, 3}) narrow.addLong(x, 512);
        v.add(narrow);
        SetValue strs = SetValue.hashtable(0);
        for (int i = 0; i < 12; i++) strs.add(b("m" + i), 512);
        v.add(strs);
        HashValue h = new HashValue();
        for (int i = 0; i < 6; i++) h.set(b("f" + i), b(i % 2 == 0 ? "v" + i : Integer.toString(i)), 128, 64);
        v.add(h);
        HashValue big = new HashValue();
        for (int i = 0; i < 140; i++) big.set(b("field" + i), b("value" + i), 128, 64);
        v.add(big);
        ZSetValue.Limits zl = new ZSetValue.Limits(128, 64);
        ZSetValue z = ZSetValue.createFor(b("a"), zl);
        double[] scores = {1.5, -2, 3e10, Double.POSITIVE_INFINITY, 0.1, -0.0};
        for (int i = 0; i < scores.length; i++) z.add(b("z" + i), scores[i], 0, zl);
        v.add(z);
        ZSetValue zbig = ZSetValue.createFor(b("a"), zl);
        for (int i = 0; i < 30; i++) zbig.add(b("member" + i), i * 0.25, 0, zl);
        zbig.convertToLarge();
        v.add(zbig);
        v.add(stream());
        v.add(new StreamValue());
        return v;
    }

    /**
     * A stream over several nodes (4 entries each) with other-field entries, XDEL tombstones, a
     * trimmed head, and two groups, one with consumers and pending entries, one of a name that sorts
     * as unsigned bytes.
     */
    static StreamValue stream() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 14; i++) {
            byte[][] fv = i % 5 == 0 ? new byte[][] {b("other"), b("x".repeat(i * 5)), b("n"), b(Integer.toString(-i))}
                    : new byte[][] {b("f"), b("v" + i)};
            s.append(new StreamID(1_700_000_000_000L + i / 3, i), fv, 0, fv.length, 4096, 4);
        }
        s.delete(new StreamID(1_700_000_000_002L, 7));
        s.delete(new StreamID(1_700_000_000_003L, 10));
        s.trimByLength(11, false, 0);
        StreamGroup g = s.createGroup(b("group"), new StreamID(1_700_000_000_003L, 11), 11);
        StreamConsumer alice = g.createConsumer(b("alice"), 1_700_000_000_100L);
        StreamConsumer bob = g.createConsumer(b("bob"), 1_700_000_000_200L);
        g.createConsumer(b("idle"), 1_700_000_000_300L);
        long[][] pending = {{1_700_000_000_002L, 8}, {1_700_000_000_003L, 9}, {1_700_000_000_003L, 11}};
        for (int i = 0; i < pending.length; i++) {
            StreamConsumer owner = i == 1 ? bob : alice;
            StreamNack n = new StreamNack(owner, 1_700_000_000_500L + i, i + 1);
            StreamID id = new StreamID(pending[i][0], pending[i][1]);
            g.pel.put(id, n);
            owner.pel.put(id, n);
        }
        s.createGroup(new byte[] {(byte) 0xC3, 'g'}, StreamID.MIN, StreamGroup.INVALID_ENTRIES_READ);
        return s;
    }

    /** Lodestone's own file of {@link #values}, in databases 0, 1 and 5, some keys with TTLs. */
    static byte[] ownFile(boolean compress) throws Exception {
        Keyspace ks = new Keyspace(16);
        List<Object> values = values();
        for (int i = 0; i < values.size(); i++) {
            int db = i % 3 == 2 ? 5 : i % 2;
            KeyEntry e = ks.db(db).add(b("key:" + i), values.get(i));
            if (i % 4 == 1) ks.db(db).setExpire(e, 4_000_000_000_000L + i);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new RdbFileWriter(compress, true, 0).write(ks, out);
        return out.toByteArray();
    }

    /** The DUMP payload of a value written as raw type-and-value bytes (legacy encodings). */
    static byte[] dumpOf(byte[] typeAndValue) {
        ByteSink out = new ByteSink(typeAndValue.length + 10);
        out.put(typeAndValue, 0, typeAndValue.length);
        out.putLE(Rdb.VERSION, 2);
        out.putLE(Crc64.of(out.buf, 0, out.len), 8);
        return out.toArray();
    }

    /** The older encodings as type-and-value bytes: what RDB files of Redis 2.x to 6.x hold. */
    static List<byte[]> legacyValues() {
        List<byte[]> v = new ArrayList<>();
        // a 300-byte entry: the next entry's prevlen takes 5 bytes
        List<byte[]> items = List.of(b("a"), b("12"), b("-3"), b("x".repeat(300)), b("300"), b("70000"),
                b("5000000000"), b("7"), b("bb"), b("-129"));
        v.add(value(Rdb.TYPE_LIST_ZIPLIST, s -> Rdb.writeString(s, ziplist(items), false)));
        v.add(value(Rdb.TYPE_LIST_QUICKLIST, s -> {
            Rdb.writeLen(s, 2);
            Rdb.writeString(s, ziplist(items.subList(0, 4)), false);
            Rdb.writeString(s, ziplist(items.subList(4, 10)), false);
        }));
        v.add(value(Rdb.TYPE_ZSET_ZIPLIST, s -> Rdb.writeString(s, ziplist(List.of(b("m1"), b("1"), b("m2"), b("2.5"),
                b("m3"), b("inf"))), false)));
        v.add(value(Rdb.TYPE_HASH_ZIPLIST, s -> Rdb.writeString(s, ziplist(List.of(b("f"), b("v"), b("n"), b("17"),
                b("long"), b("y".repeat(70)))), false)));
        v.add(value(Rdb.TYPE_HASH_ZIPMAP, s -> Rdb.writeString(s, zipmap(List.of(b("f1"), b("v1"), b("f2"),
                b("z".repeat(300)))), false)));
        v.add(value(Rdb.TYPE_LIST, s -> {
            Rdb.writeLen(s, 3);
            for (String e : new String[] {"one", "2", "three"}) Rdb.writeString(s, b(e), false);
        }));
        v.add(value(Rdb.TYPE_ZSET, s -> {
            Rdb.writeLen(s, 3);
            Rdb.writeString(s, b("a"), false);
            s.put(3);
            s.put(b("1.5"), 0, 3);
            Rdb.writeString(s, b("b"), false);
            s.put(254); // +inf
            Rdb.writeString(s, b("c"), false);
            s.put(6);
            s.put(b("-2e-10"), 0, 6);
        }));
        v.add(value(Rdb.TYPE_SET, s -> {
            Rdb.writeLen(s, 2);
            Rdb.writeString(s, b("s1"), false);
            Rdb.writeString(s, b("s2"), false);
        }));
        v.add(value(Rdb.TYPE_SET_INTSET, s -> {
            ByteSink is = new ByteSink(32);
            is.putLE(8, 4);
            is.putLE(3, 4);
            for (long x : new long[] {-1L << 40, 0, 1L << 40}) is.putLE(x, 8);
            Rdb.writeString(s, is.toArray(), false);
        }));
        v.add(value(Rdb.TYPE_HASH, s -> {
            Rdb.writeLen(s, 2);
            for (String e : new String[] {"h1", "v1", "h2", "v2"}) Rdb.writeString(s, b(e), false);
        }));
        return v;
    }

    private interface Body {
        void write(ByteSink s);
    }

    private static byte[] value(int type, Body body) {
        ByteSink s = new ByteSink(64);
        s.put(type);
        body.write(s);
        return s.toArray();
    }

    /** A file (version 9) of the legacy values with the older opcodes: EXPIRETIME, IDLE, FREQ. */
    static byte[] legacyFile() {
        ByteSink s = new ByteSink(1024);
        s.put(b("REDIS0009"), 0, 9);
        s.put(Rdb.OPCODE_AUX);
        Rdb.writeString(s, b("redis-ver"), false);
        Rdb.writeString(s, b("5.0.7"), false);
        s.put(Rdb.OPCODE_SELECTDB);
        Rdb.writeLen(s, 0);
        s.put(Rdb.OPCODE_RESIZEDB);
        Rdb.writeLen(s, 10);
        Rdb.writeLen(s, 2);
        List<byte[]> values = legacyValues();
        for (int i = 0; i < values.size(); i++) {
            if (i == 1) {
                s.put(Rdb.OPCODE_EXPIRETIME);
                s.putLE(4_000_000_000L, 4);
            } else if (i == 2) {
                s.put(Rdb.OPCODE_EXPIRETIME_MS);
                s.putLE(4_000_000_000_000L, 8);
            } else if (i == 3) {
                s.put(Rdb.OPCODE_IDLE);
                Rdb.writeLen(s, 1000);
            } else if (i == 4) {
                s.put(Rdb.OPCODE_FREQ);
                s.put(5);
            }
            byte[] v = values.get(i);
            s.put(v[0]);
            Rdb.writeString(s, b("legacy:" + i), false);
            s.put(v, 1, v.length - 1);
        }
        s.put(Rdb.OPCODE_EOF);
        s.putLE(Crc64.of(s.buf, 0, s.len), 8);
        return s.toArray();
    }

    /** A ziplist of the entries (integers in their integer encodings), as ziplist.c writes it. */
    static byte[] ziplist(List<byte[]> entries) {
        ByteSink s = new ByteSink(64);
        s.len = 10;
        int prev = 0, tail = 10;
        for (byte[] e : entries) {
            int start = s.len;
            tail = start;
            if (prev < 254) {
                s.put(prev);
            } else {
                s.put(254);
                s.putLE(prev, 4);
            }
            if (e.length <= 20 && Listpack.isCanonicalLong(e)) {
                long x = Listpack.parse(e);
                if (x >= 0 && x <= 12) {
                    s.put(0xF1 + (int) x);
                } else if (x >= Byte.MIN_VALUE && x <= Byte.MAX_VALUE) {
                    s.put(0xFE);
                    s.putLE(x, 1);
                } else if (x >= Short.MIN_VALUE && x <= Short.MAX_VALUE) {
                    s.put(0xC0);
                    s.putLE(x, 2);
                } else if (x >= -(1 << 23) && x < (1 << 23)) {
                    s.put(0xF0);
                    s.putLE(x, 3);
                } else if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
                    s.put(0xD0);
                    s.putLE(x, 4);
                } else {
                    s.put(0xE0);
                    s.putLE(x, 8);
                }
            } else if (e.length <= 63) {
                s.put(e.length);
                s.put(e, 0, e.length);
            } else if (e.length <= 16383) {
                s.put(0x40 | (e.length >>> 8));
                s.put(e.length & 0xFF);
                s.put(e, 0, e.length);
            } else {
                s.put(0x80);
                s.putBE(e.length, 4);
                s.put(e, 0, e.length);
            }
            prev = s.len - start;
        }
        s.put(0xFF);
        s.setLE(0, s.len, 4);
        s.setLE(4, entries.isEmpty() ? 10 : tail, 4);
        s.setLE(8, entries.size(), 2);
        return s.toArray();
    }

    /** A zipmap of field, value... (no free bytes), as zipmap.c writes it. */
    static byte[] zipmap(List<byte[]> pairs) {
        ByteSink s = new ByteSink(64);
        s.put(pairs.size() / 2);
        for (int i = 0; i < pairs.size(); i++) {
            byte[] e = pairs.get(i);
            if (e.length < 254) {
                s.put(e.length);
            } else {
                s.put(254);
                s.putLE(e.length, 4);
            }
            if (i % 2 == 1) s.put(0); // free
            s.put(e, 0, e.length);
        }
        s.put(0xFF);
        return s.toArray();
    }

    /**
     * Files written by a real redis-server 7.0, if one runs here: every type (Datasets), DEBUG POPULATE,
     * plain list nodes, LZF strings; and one with a stream and a function library (refused by Lodestone).
     */
    static List<Sample> redisFiles() throws Exception {
        List<Sample> out = new ArrayList<>();
        if (!ServerProcess.redisAvailable()) return out;
        try (ServerProcess r = ServerProcess.redis("--sanitize-dump-payload", "yes", "--enable-debug-command", "yes",
                "--maxmemory-policy", "allkeys-lfu");
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            io.lodestone.testsupport.Datasets.populate(j);
            j.sendCommand(() -> b("DEBUG"), "POPULATE", "300", "pop", "12");
            j.sendCommand(() -> b("DEBUG"), "QUICKLIST-PACKED-THRESHOLD", "100");
            j.rpush("l:plain", "small", "p".repeat(200), "tail");
            j.sendCommand(() -> b("DEBUG"), "QUICKLIST-PACKED-THRESHOLD", "0");
            j.set("s:lzf", "abcabcabc".repeat(50));
            j.save();
            out.add(new Sample("redis", Files.readAllBytes(r.dir().resolve("dump.rdb"))));
            j.configSet("rdbcompression", "no");
            j.flushAll();
            j.hset("h", Map.of("a", "1", "b", "2"));
            j.zadd("z", 1, "m");
            j.sadd("s", "1", "2");
            j.rpush("l", "a", "b");
            j.save();
            out.add(new Sample("redis-uncompressed", Files.readAllBytes(r.dir().resolve("dump.rdb"))));
            j.configSet("rdbcompression", "yes");
            j.xadd("stream", redis.clients.jedis.StreamEntryID.NEW_ENTRY, Map.of("f", "v"));
            j.functionLoad("#!lua name=lib\nredis.register_function('f', function() return 1 end)");
            j.set("after", "stream");
            j.save();
            out.add(new Sample("redis-stream-function", Files.readAllBytes(r.dir().resolve("dump.rdb"))));
            j.functionFlush();
            j.flushAll();
            for (int i = 0; i < 250; i++) {
                j.xadd("s", new redis.clients.jedis.StreamEntryID(1000 + i / 7, i), i % 9 == 0 ? Map.of("a", "1", "b", "x" + i) : Map.of("f", "v" + i));
            }
            j.xdel("s", new redis.clients.jedis.StreamEntryID(1003, 22), new redis.clients.jedis.StreamEntryID(1020, 140));
            j.xtrim("s", redis.clients.jedis.params.XTrimParams.xTrimParams().maxLen(230));
            j.xgroupCreate("s", "g1", new redis.clients.jedis.StreamEntryID(1001, 5), false);
            j.xgroupCreate("s", "g2", redis.clients.jedis.StreamEntryID.LAST_ENTRY, false);
            j.xreadGroup("g1", "c1", redis.clients.jedis.params.XReadGroupParams.xReadGroupParams().count(5),
                    Map.of("s", redis.clients.jedis.StreamEntryID.UNRECEIVED_ENTRY));
            j.xreadGroup("g1", "c2", redis.clients.jedis.params.XReadGroupParams.xReadGroupParams().count(3),
                    Map.of("s", redis.clients.jedis.StreamEntryID.UNRECEIVED_ENTRY));
            j.xgroupCreateConsumer("s", "g2", "idle");
            j.xadd("empty", redis.clients.jedis.StreamEntryID.NEW_ENTRY, Map.of("f", "v"));
            j.xtrim("empty", redis.clients.jedis.params.XTrimParams.xTrimParams().maxLen(0));
            j.save();
            out.add(new Sample("redis-stream", Files.readAllBytes(r.dir().resolve("dump.rdb"))));
        }
        return out;
    }

    /** Redis's own test assets (old encodings written by old servers), when the shared suite is here. */
    static List<Sample> sharedAssets() throws Exception {
        List<Sample> out = new ArrayList<>();
        Path dir = Paths.get("..", "shared", "redis-suite", "redis-7.0.15", "tests", "assets");
        if (!Files.isDirectory(dir)) return out;
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".rdb")).sorted().toList()) {
                out.add(new Sample("asset " + p.getFileName(), Files.readAllBytes(p)));
            }
        }
        return out;
    }

    /** Every sample: Lodestone's (compressed and not), the legacy file, Redis's files and assets. */
    static List<Sample> all() throws Exception {
        List<Sample> out = new ArrayList<>();
        out.add(new Sample("lodestone", ownFile(true)));
        out.add(new Sample("lodestone-uncompressed", ownFile(false)));
        out.add(new Sample("legacy", legacyFile()));
        out.addAll(redisFiles());
        out.addAll(sharedAssets());
        return out;
    }
}
