package io.lodestone.command.dump;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DUMP payloads against a real redis-server 7.0: every type and encoding written by one server
 * restores into the other with the same content and encoding, and where Redis's layout is
 * deterministic the payloads are byte for byte the same.
 */
class DumpRestoreCrossTest {
    private static ServerProcess redis;
    private static EmbeddedServer lode;
    private static RespClient r;
    private static RespClient l;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server not installed");
        redis = ServerProcess.redis();
        lode = EmbeddedServer.start();
        r = redis.client();
        l = RespClient.connect(lode.port());
    }

    @AfterAll
    static void stop() throws IOException {
        if (r != null) r.close();
        if (l != null) l.close();
        if (lode != null) lode.close();
        if (redis != null) redis.close();
    }

    /** Runs the same command on both servers and checks the replies are the same. */
    private static void both(String... cmd) throws IOException {
        byte[] a = r.call(cmd);
        byte[] b = l.call(cmd);
        assertEquals(RespClient.escape(a), RespClient.escape(b), String.join(" ", cmd));
    }

    private static void both(List<String> cmd) throws IOException {
        both(cmd.toArray(new String[0]));
    }

    private static byte[] bulk(byte[] reply, Object context) {
        String head = new String(reply, 0, Math.min(reply.length, 20), StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("$") && !head.startsWith("$-1"), "not a bulk reply: " + RespClient.escape(reply) + " after " + context);
        int crlf = head.indexOf("\r\n");
        int n = Integer.parseInt(head.substring(1, crlf));
        return Arrays.copyOfRange(reply, crlf + 2, crlf + 2 + n);
    }

    /** A RESP2 flat array of bulk strings without CR LF inside, as strings. */
    private static List<String> strings(byte[] reply) {
        String s = new String(reply, StandardCharsets.ISO_8859_1);
        String[] lines = s.split("\r\n");
        List<String> out = new ArrayList<>();
        for (int i = 1; i < lines.length; i += 2) out.add(lines[i + 1]);
        return out;
    }

    private static List<String> sortedPairs(byte[] reply) {
        List<String> e = strings(reply);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < e.size(); i += 2) out.add(e.get(i) + "=" + e.get(i + 1));
        Collections.sort(out);
        return out;
    }

    private static List<String> sorted(byte[] reply) {
        List<String> e = strings(reply);
        Collections.sort(e);
        return e;
    }

    /**
     * Builds key k on both servers with {@code setup}, compares DUMP bytes when {@code identical},
     * crosses the payloads (Lodestone's into Redis and back) and compares the content.
     */
    private static void check(String type, boolean identical, List<List<String>> setup) throws IOException {
        both("DEL", "k", "fromL", "fromR");
        for (List<String> cmd : setup) both(cmd);
        byte[] dr = bulk(r.call("DUMP", "k"), setup);
        byte[] dl = bulk(l.call("DUMP", "k"), setup);
        if (identical) {
            int at = Arrays.mismatch(dr, dl);
            assertEquals(-1, at, () -> type + " " + setup.get(setup.size() - 1).get(0) + ": DUMP payloads differ at byte " + at
                    + " (lengths " + dr.length + " / " + dl.length + "); redis: "
                    + RespClient.escape(Arrays.copyOfRange(dr, Math.max(0, at - 8), Math.min(dr.length, at + 24)))
                    + " lodestone: " + RespClient.escape(Arrays.copyOfRange(dl, Math.max(0, at - 8), Math.min(dl.length, at + 24))));
        }
        // Each payload into both servers: Lodestone's DUMP must load in Redis and Redis's in Lodestone.
        for (RespClient c : new RespClient[] {r, l}) {
            assertEquals("+OK\r\n", RespClient.text(c.call("RESTORE".getBytes(), "fromL".getBytes(), "0".getBytes(), dl)));
            assertEquals("+OK\r\n", RespClient.text(c.call("RESTORE".getBytes(), "fromR".getBytes(), "0".getBytes(), dr)));
        }
        for (String key : new String[] {"k", "fromL", "fromR"}) {
            both("OBJECT", "ENCODING", key);
            both("TYPE", key);
            switch (type) {
                case "string" -> both("GET", key);
                case "list" -> both("LRANGE", key, "0", "-1");
                case "set" -> assertEquals(sorted(r.call("SMEMBERS", key)), sorted(l.call("SMEMBERS", key)));
                case "hash" -> assertEquals(sortedPairs(r.call("HGETALL", key)), sortedPairs(l.call("HGETALL", key)));
                case "zset" -> both("ZRANGE", key, "0", "-1", "WITHSCORES");
                default -> throw new AssertionError(type);
            }
        }
        // The key restored on each side holds what the original holds.
        if (type.equals("list") || type.equals("zset") || type.equals("string")) {
            byte[] orig = l.call(read(type, "k"));
            assertEquals(RespClient.escape(orig), RespClient.escape(l.call(read(type, "fromR"))));
            assertEquals(RespClient.escape(r.call(read(type, "k"))), RespClient.escape(r.call(read(type, "fromL"))));
        }
    }

    private static String[] read(String type, String key) {
        return switch (type) {
            case "string" -> new String[] {"GET", key};
            case "list" -> new String[] {"LRANGE", key, "0", "-1"};
            default -> new String[] {"ZRANGE", key, "0", "-1", "WITHSCORES"};
        };
    }

    private static List<List<String>> cmds(String... lines) {
        List<List<String>> out = new ArrayList<>();
        for (String line : lines) out.add(List.of(line.split(" ")));
        return out;
    }

    private static List<String> bulkCmd(String head, int n, java.util.function.IntFunction<String> arg) {
        List<String> c = new ArrayList<>(List.of(head.split(" ")));
        for (int i = 0; i < n; i++) c.add(arg.apply(i));
        return c;
    }

    @Test
    void strings() throws IOException {
        for (String v : new String[] {"hello", "0", "-1", "127", "-128", "128", "32767", "-32769", "2147483647",
                "2147483648", "-2147483648", "12345678901234", "007", "+5", "-0", "abcdefghijklmnopqrstu",
                "x".repeat(21), "x".repeat(24), "x".repeat(25), "x".repeat(100), "ab".repeat(500),
                "value-1 value-2 value-3 value-4 value-5 value-6", "The quick brown fox jumps over the lazy dog"}) {
            check("string", true, List.of(List.of("SET", "k", v)));
        }
        check("string", true, List.of(List.of("SET", "k", ""), List.of("APPEND", "k", "ab")));
        StringBuilder sb = new StringBuilder();
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 3000; i++) sb.append((char) ('a' + rnd.nextInt(6)));
        check("string", true, List.of(List.of("SET", "k", sb.toString())));
        check("string", true, List.of(List.of("SET", "k", "9".repeat(70000))));
    }

    @Test
    void lists() throws IOException {
        check("list", true, cmds("RPUSH k a 1 -1 200 -5000 70000 -9000000 3000000000 -9223372036854775808 b"));
        check("list", true, List.of(bulkCmd("RPUSH k", 3000, i -> "value-" + i)));
        check("list", true, List.of(bulkCmd("RPUSH k", 3000, i -> Integer.toString(i * 37))));
        check("list", true, List.of(bulkCmd("RPUSH k", 40, i -> "y".repeat(i * 150))));
        check("list", true, List.of(bulkCmd("RPUSH k", 12, i -> i % 3 == 0 ? "q".repeat(9000 + i) : "s" + i)));
        check("list", false, List.of(bulkCmd("LPUSH k", 3000, i -> "value-" + i)));
        check("list", true, List.of(List.of("CONFIG", "SET", "list-max-listpack-size", "5"),
                bulkCmd("RPUSH k", 23, i -> "e" + i), List.of("CONFIG", "SET", "list-max-listpack-size", "-2")));
    }

    @Test
    void sets() throws IOException {
        check("set", true, cmds("SADD k 1 2 3 -100 70000"));
        check("set", true, cmds("SADD k 5 -5000000000 3"));
        check("set", true, List.of(bulkCmd("SADD k", 400, i -> Integer.toString(i * 3 - 100))));
        check("set", false, cmds("SADD k a b c 1"));
        check("set", false, List.of(bulkCmd("SADD k", 600, i -> Integer.toString(i))));
    }

    @Test
    void hashes() throws IOException {
        check("hash", true, cmds("HSET k f1 v1 f2 123 f3 -4097 n 9223372036854775807 e 1.5"));
        check("hash", true, List.of(bulkCmd("HSET k", 200, i -> i % 2 == 0 ? "field:" + i : "value:" + i * 7)));
        check("hash", true, List.of(List.of("HSET", "k", "long", "z".repeat(64), "x", "0")));
        check("hash", false, List.of(List.of("HSET", "k", "long", "z".repeat(65), "x", "0")));
        check("hash", false, List.of(bulkCmd("HSET k", 1200, i -> "f" + i)));
    }

    @Test
    void zsets() throws IOException {
        check("zset", true, cmds("ZADD k 1 a 2.5 b -3 c 1e300 d inf e -inf f 0.1 g 3 h 123456789012 i"));
        check("zset", true, List.of(bulkCmd("ZADD k", 200, i -> i % 2 == 0 ? Double.toString(i * 0.37) : "m" + i)));
        check("zset", true, List.of(bulkCmd("ZADD k", 1000, i -> i % 2 == 0 ? Integer.toString(i % 7) : "member-" + i)));
        check("zset", true, List.of(List.of("ZADD", "k", "1", "z".repeat(65), "2", "b")));
    }
}
