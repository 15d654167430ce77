package io.lodestone.persistence.rdb;

import io.lodestone.testsupport.JedisCalls;
import io.lodestone.testsupport.RedisTools;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams between Lodestone and a real redis-server 7.0: a dump written by Redis loads here with the
 * same digests and DUMP payloads (so the same node bytes, counters, groups and pending entries), a
 * dump written here passes redis-check-rdb and loads in Redis, DUMP payloads RESTORE both ways, and an
 * AOF rewrite without the RDB preamble writes Redis's commands.
 */
class StreamInteropTest {
    private static final String[] KEYS = {"s:nodes", "s:empty", "s:default", "s:onenode", "s:unsigned", "s:setid"};

    private static byte[] b(String s) {
        return JedisCalls.bytes(s);
    }

    private static Object call(Jedis j, Object... args) {
        return JedisCalls.call(j, args);
    }

    /** Streams in every shape the data layer has: many nodes, tombstones, trims, groups, PELs, edge IDs. */
    private static void build(Jedis j) {
        call(j, "CONFIG", "SET", "stream-node-max-entries", "5");
        for (int i = 0; i < 60; i++) {
            List<Object> a = new ArrayList<>(List.of("XADD", "s:nodes", (1_700_000_000_000L + i / 4) + "-" + i));
            if (i % 7 == 3) {
                a.addAll(List.of("other", "x".repeat(70 + i), "n", "99999999999"));
            } else if (i == 11) {
                a.addAll(List.of("f", "y".repeat(5000)));
            } else if (i == 12) {
                a.addAll(List.of(new byte[] {0, (byte) 0xff, '\r'}, new byte[] {(byte) 0x80}));
            } else {
                a.addAll(List.of("f", Integer.toString(i * 37 - 500)));
            }
            call(j, a.toArray());
        }
        call(j, "XDEL", "s:nodes", "1700000000000-0", "1700000000002-9", "1700000000010-40", "1700000000010-41");
        call(j, "XTRIM", "s:nodes", "MAXLEN", "50");
        call(j, "XGROUP", "CREATE", "s:nodes", "g1", "0");
        call(j, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "s:nodes", ">");
        call(j, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s:nodes", ">");
        call(j, "XACK", "s:nodes", "g1", "1700000000003-12");
        call(j, "XGROUP", "CREATECONSUMER", "s:nodes", "g1", "carol");
        call(j, "XGROUP", "CREATE", "s:nodes", new byte[] {(byte) 0xC3, 'g'}, "$");
        call(j, "XGROUP", "CREATE", "s:nodes", "a-group", "1700000000005-20", "ENTRIESREAD", "17");

        call(j, "XADD", "s:empty", "5-5", "f", "v");
        call(j, "XTRIM", "s:empty", "MAXLEN", "0");
        call(j, "XGROUP", "CREATE", "s:empty", "g", "$");

        call(j, "CONFIG", "SET", "stream-node-max-entries", "100");
        for (int i = 0; i < 250; i++) call(j, "XADD", "s:default", "1-" + (i + 1), "temp", Integer.toString(20 + i % 9), "hum", "0.5");
        call(j, "XTRIM", "s:default", "MAXLEN", "~", "120");

        call(j, "CONFIG", "SET", "stream-node-max-entries", "0");
        call(j, "CONFIG", "SET", "stream-node-max-bytes", "0");
        for (int i = 0; i < 300; i++) call(j, "XADD", "s:onenode", "7-" + i, "k", "value" + i);
        call(j, "CONFIG", "SET", "stream-node-max-entries", "100");
        call(j, "CONFIG", "SET", "stream-node-max-bytes", "4096");

        call(j, "XADD", "s:unsigned", "18446744073709551614-18446744073709551610", "f", "v");
        call(j, "XADD", "s:unsigned", "18446744073709551615-3", "f", "w");

        call(j, "XADD", "s:setid", "10-1", "a", "1");
        call(j, "XADD", "s:setid", "10-2", "a", "2");
        call(j, "XDEL", "s:setid", "10-2");
        call(j, "XSETID", "s:setid", "20-0", "ENTRIESADDED", "40", "MAXDELETEDID", "15-0");
    }

    private static Map<String, byte[]> dumps(Jedis j) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String k : KEYS) out.put(k, j.dump(k));
        return out;
    }

    private static Map<String, String> digests(Jedis j) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : KEYS) out.put(k, new String((byte[]) ((List<?>) call(j, "DEBUG", "DIGEST-VALUE", k)).get(0)));
        out.put("*", new String((byte[]) call(j, "DEBUG", "DIGEST")));
        return out;
    }

    private static void assertSameDumps(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        for (String k : KEYS) assertArrayEquals(expected.get(k), actual.get(k), k);
    }

    @Test
    void redisDumpLoadsHereAndOursLoadsInRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        Path dir = TempDirs.create("streams");
        Map<String, byte[]> dumps;
        Map<String, String> digests;
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--enable-debug-command", "yes");
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            build(j);
            dumps = dumps(j);
            digests = digests(j);
            assertEquals("OK", j.save());
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--enable-debug-command", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(digests, digests(j));
            assertSameDumps(dumps, dumps(j));
            for (String k : KEYS) {
                assertEquals("stream", j.type(k));
                assertEquals("stream", j.objectEncoding(k));
            }
            assertEquals(List.of("s:default"), j.scan("0", new redis.clients.jedis.params.ScanParams().match("s:d*"),
                    "stream").getResult());
            assertEquals("OK", new String((byte[]) call(j, "DEBUG", "RELOAD")));
            assertSameDumps(dumps, dumps(j));
            assertEquals(1L, j.copy("s:nodes", "copy", false) ? 1L : 0L);
            assertArrayEquals(dumps.get("s:nodes"), j.dump("copy"));
            j.del("copy");
            assertEquals("OK", j.save());
        }
        RedisTools.assertCheckRdbPasses(dir.resolve("dump.rdb"));
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--enable-debug-command", "yes");
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            assertEquals(digests, digests(j));
            assertSameDumps(dumps, dumps(j));
        }
    }

    @Test
    void dumpPayloadsRestoreBothWays() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        try (ServerProcess r = ServerProcess.redis("--enable-debug-command", "yes", "--sanitize-dump-payload", "yes");
             ServerProcess l = ServerProcess.lodestone("--enable-debug-command", "yes", "--sanitize-dump-payload", "yes");
             Jedis rj = new Jedis("127.0.0.1", r.port());
             Jedis lj = new Jedis("127.0.0.1", l.port())) {
            build(rj);
            Map<String, byte[]> fromRedis = dumps(rj);
            for (String k : KEYS) assertEquals("OK", lj.restore(k, 0, fromRedis.get(k)));
            assertSameDumps(fromRedis, dumps(lj));
            assertEquals(digests(rj), digests(lj));
            rj.flushAll();
            for (String k : KEYS) assertEquals("OK", rj.restore(k, 0, lj.dump(k)));
            assertSameDumps(fromRedis, dumps(rj));
            // Each node of each stream counts as one sanitized blob, as in Redis.
            assertEquals(stat(rj, "dump_payload_sanitizations"), stat(lj, "dump_payload_sanitizations"));
        }
    }

    /**
     * A stream's content from its DUMP payload, nodes included, with consumers' seen times masked:
     * an AOF does not carry them (the replayed XCLAIM and XGROUP CREATECONSUMER set them to the time
     * of the load).
     */
    private static String replayedForm(byte[] payload) throws RdbFormatException {
        String form = ValueForm.of(DumpPayload.decode(payload, RdbCorpus.LIMITS, true, n -> { }));
        return form.replaceAll("consumer (\\S+) \\d+", "consumer $1 <seen>") + " in " + payload.length + " bytes";
    }

    /**
     * The rewritten AOF replays into the same streams: both servers rewrite the same RESTOREd streams
     * without the RDB preamble and load the result again (DEBUG LOADAOF), then hold the same streams
     * (entries, counters, groups, PELs with delivery times and counts) in payloads of the same size
     * (the replayed XADDs cut nodes alike), and the same digests. Needs the stream commands, which
     * live in command/stream.
     */
    @Test
    void rewrittenAofReplaysIntoTheSameStreams() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        String[] args = {"--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes"};
        try (ServerProcess r = ServerProcess.redis(args);
             ServerProcess l = ServerProcess.lodestone(args);
             Jedis rj = new Jedis("127.0.0.1", r.port());
             Jedis lj = new Jedis("127.0.0.1", l.port())) {
            Assumptions.assumeTrue(!lj.commandInfo("XADD").isEmpty(), "the stream commands are not merged yet");
            build(rj);
            Map<String, byte[]> payloads = dumps(rj);
            rj.flushAll();
            for (String k : KEYS) {
                rj.restore(k, 0, payloads.get(k));
                lj.restore(k, 0, payloads.get(k));
            }
            rewrittenBase(r, rj);
            rewrittenBase(l, lj);
            for (Jedis j : List.of(rj, lj)) assertEquals("OK", new String((byte[]) call(j, "DEBUG", "LOADAOF")));
            Map<String, byte[]> replayed = dumps(rj);
            Map<String, byte[]> ours = dumps(lj);
            for (String k : KEYS) assertEquals(replayedForm(replayed.get(k)), replayedForm(ours.get(k)), k);
            assertEquals(digests(rj), digests(lj));
            Map<String, String> original = digests(rj);
            original.remove("*");
            for (String k : KEYS) assertEquals(original.get(k), digests(lj).get(k));
        }
    }

    /**
     * The same XADD, XDEL and XTRIM sequence under several stream-node-max-bytes/entries settings
     * leaves byte-identical DUMP payloads in both servers: nodes are cut, flagged and freed as Redis
     * does it, and the counters follow. Needs the stream commands.
     */
    @Test
    void nodesAreCutFlaggedAndFreedAsRedisDoes() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        try (ServerProcess r = ServerProcess.redis();
             ServerProcess l = ServerProcess.lodestone();
             Jedis rj = new Jedis("127.0.0.1", r.port());
             Jedis lj = new Jedis("127.0.0.1", l.port())) {
            Assumptions.assumeTrue(!lj.commandInfo("XADD").isEmpty(), "the stream commands are not merged yet");
            java.util.Random rnd = new java.util.Random(14);
            String[][] configs = {{"100", "4096"}, {"7", "0"}, {"0", "300"}, {"3", "120"}, {"0", "0"}, {"1", "1"}};
            for (String[] conf : configs) {
                String key = "s:" + conf[0] + ":" + conf[1];
                for (Jedis j : List.of(rj, lj)) {
                    j.configSet("stream-node-max-entries", conf[0]);
                    j.configSet("stream-node-max-bytes", conf[1]);
                }
                long seq = 0;
                for (int step = 0; step < 400; step++) {
                    List<Object> cmd = new ArrayList<>();
                    int k = rnd.nextInt(20);
                    if (k < 14) {
                        cmd.addAll(List.of("XADD", key, "5-" + (++seq)));
                        int fields = 1 + rnd.nextInt(3);
                        for (int f = 0; f < fields; f++) {
                            cmd.add(rnd.nextInt(3) == 0 ? "g" + f : "f" + f);
                            cmd.add(rnd.nextBoolean() ? Integer.toString(rnd.nextInt(100000) - 50000) : "v".repeat(rnd.nextInt(90)));
                        }
                    } else if (k < 17) {
                        cmd.addAll(List.of("XDEL", key, "5-" + (1 + rnd.nextInt((int) seq + 1)), "5-" + (1 + rnd.nextInt((int) seq + 1))));
                    } else if (k == 17) {
                        cmd.addAll(List.of("XTRIM", key, "MAXLEN", rnd.nextBoolean() ? "=" : "~", Integer.toString(20 + rnd.nextInt(60))));
                    } else if (k == 18) {
                        cmd.addAll(List.of("XTRIM", key, "MINID", "~", "5-" + (seq - rnd.nextInt(80)), "LIMIT", Integer.toString(rnd.nextInt(30))));
                    } else {
                        cmd.addAll(List.of("XTRIM", key, "MINID", "5-" + (seq - 50 - rnd.nextInt(40))));
                    }
                    assertEquals(reply(rj, cmd), reply(lj, cmd), cmd.toString());
                    if (step % 25 == 24) assertArrayEquals(rj.dump(key), lj.dump(key), key + " after " + cmd);
                }
                assertArrayEquals(rj.dump(key), lj.dump(key), key);
            }
        }
    }

    /** A reply as text (an error as its message), so both servers' replies compare. */
    private static String reply(Jedis j, List<Object> cmd) {
        try {
            Object r = call(j, cmd.toArray());
            return String.valueOf(r instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : r);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return "error " + e.getMessage();
        }
    }

    private static String stat(Jedis j, String name) {
        for (String line : j.info("stats").split("\r\n")) if (line.startsWith(name + ":")) return line;
        throw new AssertionError("no " + name + " in INFO stats");
    }

    /** The sequence number of the newest base file in the AOF directory (0 if none). */
    private static int newestBase(Path aofDir) throws java.io.IOException {
        try (var files = Files.list(aofDir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".base.aof"))
                    .mapToInt(n -> Integer.parseInt(n.replaceAll(".*\\.(\\d+)\\.base\\.aof", "$1"))).max().orElse(0);
        }
    }

    /** The base file of an AOF rewrite with aof-use-rdb-preamble no, once the rewrite is through. */
    private static String rewrittenBase(ServerProcess s, Jedis j) throws Exception {
        Path aofDir = s.dir().resolve("appendonlydir");
        int before = newestBase(aofDir);
        j.bgrewriteaof();
        Wait.until(Duration.ofSeconds(20), s + " to rewrite its AOF", () -> {
            String info = j.info("persistence");
            return info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")
                    && newestBase(aofDir) > before;
        }, s::log);
        String suffix = "." + newestBase(aofDir) + ".base.aof";
        try (var files = Files.list(aofDir)) {
            String name = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix)).findFirst().orElseThrow();
            return Files.readString(aofDir.resolve(name), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aofRewriteWritesRedisCommandsForAStream() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        String[] aof = {"--appendonly", "yes", "--aof-use-rdb-preamble", "no"};
        try (ServerProcess r = ServerProcess.redis(aof);
             ServerProcess l = ServerProcess.lodestone(aof);
             Jedis rj = new Jedis("127.0.0.1", r.port());
             Jedis lj = new Jedis("127.0.0.1", l.port())) {
            build(rj);
            Map<String, byte[]> payloads = dumps(rj);
            // One key at a time: both files then hold the same commands in the same order.
            for (String k : new String[] {"s:nodes", "s:empty", "s:setid"}) {
                byte[] payload = payloads.get(k);
                rj.flushAll();
                lj.flushAll();
                rj.restore(k, 0, payload);
                lj.restore(k, 0, payload);
                String expected = rewrittenBase(r, rj);
                if (k.equals("s:nodes")) {
                    assertTrue(expected.contains("XCLAIM") && expected.contains("CREATECONSUMER"), expected);
                }
                assertEquals(expected, rewrittenBase(l, lj), k);
            }
        }
    }
}
