package io.lodestone.command.set;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Set commands against an embedded server: behaviour beyond the differential cases (big sets,
 * encodings after random operations), WATCH, keyspace events, and the random commands checked by
 * property - distinctness, counts, and distribution bounds - rather than by bytes.
 */
@Timeout(120)
class SetCommandsTest {
    /** Keyspace events as "event key", recorded on the server thread. */
    private static final Queue<String> EVENTS = new ConcurrentLinkedQueue<>();
    private static EmbeddedServer server;
    private Jedis jedis;

    @BeforeAll
    static void start() {
        server = EmbeddedServer.start(ctx -> ctx.notifier = (type, event, key, db) ->
                EVENTS.add(event + " " + new String(key, StandardCharsets.ISO_8859_1)), "notify-keyspace-events KEA");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        jedis = new Jedis("127.0.0.1", server.port());
        jedis.flushAll();
        jedis.configSet("set-max-intset-entries", "512");
        EVENTS.clear();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    private static Set<String> range(int from, int to) {
        Set<String> out = new HashSet<>();
        for (int i = from; i < to; i++) out.add(Integer.toString(i));
        return out;
    }

    /** Adds members in pipelined batches (the server stops reading a client that does not read). */
    private void fill(String key, Set<String> members) {
        Pipeline p = jedis.pipelined();
        int n = 0;
        for (String m : members) {
            p.sadd(key, m);
            if (++n % 1000 == 0) p.sync();
        }
        p.sync();
    }

    // ---- Encodings and big sets ------------------------------------------------------------------

    @Test
    void anIntsetConvertsAtTheConfiguredSizeAndNeverBack() {
        fill("s", range(0, 512));
        assertEquals("intset", jedis.objectEncoding("s"));
        jedis.sadd("s", "512");
        assertEquals("hashtable", jedis.objectEncoding("s"));
        jedis.srem("s", "512");
        assertEquals("hashtable", jedis.objectEncoding("s"));
        assertEquals(range(0, 512), jedis.smembers("s"));
    }

    @Test
    void aLargeSetSupportsEveryOperation() {
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 100_000; i++) all.add("member:" + i);
        fill("big", all);
        assertEquals(100_000, jedis.scard("big"));
        assertEquals(all, jedis.smembers("big"));
        assertTrue(jedis.sismember("big", "member:99999"));
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 100_000; i += 2) {
            p.srem("big", "member:" + i);
            if (i % 2000 == 0) p.sync();
        }
        p.sync();
        assertEquals(50_000, jedis.scard("big"));
        Set<String> odd = new HashSet<>();
        for (int i = 1; i < 100_000; i += 2) odd.add("member:" + i);
        assertEquals(odd, jedis.smembers("big"));
        assertEquals(odd, scanAll("big", 100));
        jedis.sadd("other", "member:1", "member:2", "member:3");
        assertEquals(Set.of("member:1", "member:3"), jedis.sinter("big", "other"));
        assertEquals(2, jedis.sintercard("other", "big"));
        assertEquals(Set.of("member:2"), jedis.sdiff("other", "big"));
        assertEquals(50_001, jedis.sunionstore("u", "big", "other"));
    }

    private Set<String> scanAll(String key, int count) {
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            ScanResult<String> r = jedis.sscan(key, cursor, new ScanParams().count(count));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            assertTrue(++calls < 1_000_000);
        } while (!cursor.equals("0"));
        return seen;
    }

    @Test
    void sscanReturnsEveryStableMemberWhileTheSetChanges() {
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 2000; i++) stable.add("s" + i);
        fill("k", stable);
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int calls = 0, extra = 0;
        do {
            ScanResult<String> r = jedis.sscan("k", cursor, new ScanParams().count(20));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            // Grow the set (and so the table) in the middle of the scan, then shrink it again.
            if (calls < 20) for (int j = 0; j < 200; j++) jedis.sadd("k", "x" + extra++);
            else if (calls < 40) for (int j = 0; j < 200 && extra > 0; j++) jedis.srem("k", "x" + --extra);
            assertTrue(++calls < 1_000_000);
        } while (!cursor.equals("0"));
        assertTrue(seen.containsAll(stable));
    }

    @Test
    void sscanOfAnIntsetIsOneCallWithCursorZero() {
        fill("k", range(0, 300));
        ScanResult<String> r = jedis.sscan("k", "0", new ScanParams().count(1));
        assertEquals("0", r.getCursor());
        assertEquals(300, r.getResult().size());
    }

    // ---- WATCH -----------------------------------------------------------------------------------

    /** Whether a transaction watching {@code key} still commits after {@code change} ran on another client. */
    private boolean commitsAfter(String key, Consumer<Jedis> change) {
        try (Jedis other = new Jedis("127.0.0.1", server.port())) {
            jedis.watch(key);
            change.accept(other);
            Transaction t = jedis.multi();
            t.scard(key);
            return t.exec() != null;
        }
    }

    @Test
    void watchSeesEveryChangeAndNoNoOp() {
        jedis.sadd("s", "a", "b", "1");
        assertTrue(commitsAfter("s", o -> o.sadd("s", "a")));
        assertTrue(commitsAfter("s", o -> o.srem("s", "zz")));
        assertTrue(commitsAfter("s", o -> o.spop("s", 0)));
        assertTrue(commitsAfter("s", o -> o.smove("s", "s", "a")));
        assertTrue(commitsAfter("s", o -> o.smove("s", "d", "zz")));
        assertTrue(commitsAfter("s", o -> o.srandmember("s", 2)));
        assertTrue(commitsAfter("s", o -> o.sinterstore("d", "s")));
        assertTrue(commitsAfter("nokey", o -> o.sinterstore("nokey", "missing")));
        assertTrue(commitsAfter("nokey", o -> o.sunionstore("nokey", "missing")));

        assertTrue(!commitsAfter("s", o -> o.sadd("s", "c")));
        assertTrue(!commitsAfter("s", o -> o.srem("s", "c")));
        assertTrue(!commitsAfter("s", o -> o.spop("s")));
        assertTrue(!commitsAfter("s", o -> o.spop("s", 1)));
        assertTrue(!commitsAfter("d2", o -> o.smove("s", "d2", o.srandmember("s"))));
        jedis.sadd("s", "a", "b", "c");
        assertTrue(!commitsAfter("s", o -> o.smove("s", "d", "a")));
        assertTrue(!commitsAfter("d", o -> o.sinterstore("d", "s")));
        assertTrue(!commitsAfter("d", o -> o.sinterstore("d", "missing")));
        jedis.sadd("d", "x");
        assertTrue(!commitsAfter("d", o -> o.sdiffstore("d", "s", "s")));
        jedis.sadd("d", "x");
        assertTrue(!commitsAfter("d", o -> o.sunionstore("d", "s")));
    }

    // ---- Keyspace events -------------------------------------------------------------------------

    @Test
    void keyspaceEventsAreRedisOnes() {
        jedis.sadd("s", "a", "b");
        jedis.sadd("s", "a");
        jedis.srem("s", "zz");
        jedis.srem("s", "a");
        jedis.smove("s", "d", "b");
        jedis.sadd("s", "1", "2", "3");
        jedis.spop("s");
        jedis.spop("s", 1);
        jedis.spop("s", 5);
        jedis.sinterstore("i", "d");
        jedis.sunionstore("u", "d");
        jedis.sdiffstore("x", "d", "nokey");
        jedis.sdiffstore("x", "d", "d");
        jedis.sinterstore("i", "nokey");
        assertEquals(List.of("sadd s", "srem s", "srem s", "del s", "sadd d", "sadd s", "spop s", "spop s",
                "spop s", "del s", "sinterstore i", "sunionstore u", "sdiffstore x", "del x", "del i"),
                new ArrayList<>(EVENTS));
    }

    // ---- SPOP by property ------------------------------------------------------------------------

    @Test
    void spopWithCountPopsDistinctMembersThatLeaveTheSet() {
        // Sizes and counts reach all three of Redis's cases, on both encodings.
        for (String prefix : new String[]{"", "m"}) {
            for (int count : new int[]{1, 3, 10, 15, 19, 20, 25}) {
                Set<String> all = new HashSet<>();
                for (int i = 0; i < 20; i++) all.add(prefix + i);
                jedis.del("s");
                fill("s", all);
                Set<String> popped = jedis.spop("s", count);
                assertEquals(Math.min(count, 20), popped.size());
                assertTrue(all.containsAll(popped));
                Set<String> left = count >= 20 ? Set.of() : jedis.smembers("s");
                assertEquals(20 - popped.size(), left.size());
                for (String m : popped) assertTrue(!left.contains(m));
                assertEquals(count >= 20, !jedis.exists("s"));
            }
        }
    }

    @Test
    void spopOfMostMembersRebuildsTheRestWithTheEncodingRedisWouldGiveIt() {
        // A hashtable forced by one string member: popping all but three (few enough for Redis's
        // third case) rebuilds the rest from scratch, an intset exactly when they are all integers.
        int intsetAfter = 0, tableAfter = 0;
        for (int round = 0; round < 300 && (intsetAfter == 0 || tableAfter == 0); round++) {
            jedis.del("s");
            jedis.sadd("s", "a");
            fill("s", range(1, 20));
            Set<String> popped = jedis.spop("s", 17);
            Set<String> left = jedis.smembers("s");
            assertEquals(3, left.size());
            String enc = jedis.objectEncoding("s");
            if (left.contains("a")) {
                assertEquals("hashtable", enc, left.toString());
                tableAfter++;
            } else {
                assertEquals("intset", enc, left.toString());
                intsetAfter++;
            }
            assertEquals(17, popped.size());
        }
        assertTrue(intsetAfter > 0 && tableAfter > 0);
    }

    @Test
    void spopOfMostOfAnIntsetRepliesInAscendingOrder() throws IOException {
        // Redis's third case replies by iterating what is left of the old intset: sorted.
        try (RespClient raw = RespClient.connect(server.port())) {
            for (int round = 0; round < 20; round++) {
                raw.call("DEL", "s");
                for (int i = 0; i < 20; i++) raw.call("SADD", "s", Integer.toString(i * 3));
                String[] lines = RespClient.text(raw.call("SPOP", "s", "18")).split("\r\n");
                List<Integer> popped = new ArrayList<>();
                for (int i = 2; i < lines.length; i += 2) popped.add(Integer.parseInt(lines[i]));
                assertEquals(18, popped.size());
                assertEquals(popped.stream().sorted().toList(), popped);
            }
        }
    }

    @Test
    void spopPicksUniformly() {
        Map<String, Integer> hits = new HashMap<>();
        int rounds = 4000;
        for (String prefix : new String[]{"", "m"}) {
            hits.clear();
            String[] members = new String[10];
            for (int i = 0; i < 10; i++) members[i] = prefix + i;
            for (int batch = 0; batch < rounds / 200; batch++) {
                Pipeline p = jedis.pipelined();
                List<redis.clients.jedis.Response<String>> popped = new ArrayList<>();
                for (int r = 0; r < 200; r++) {
                    p.del("s");
                    p.sadd("s", members);
                    popped.add(p.spop("s"));
                }
                p.sync();
                for (var reply : popped) hits.merge(reply.get(), 1, Integer::sum);
            }
            assertEquals(10, hits.size());
            // Binomial(4000, 0.1): mean 400, sd 19. Six sd either side.
            for (Map.Entry<String, Integer> e : hits.entrySet()) {
                assertTrue(e.getValue() > 400 - 114 && e.getValue() < 400 + 114, prefix + " " + e);
            }
        }
    }

    // ---- SRANDMEMBER by property -----------------------------------------------------------------

    @Test
    void srandmemberWithPositiveCountReturnsDistinctMembers() {
        for (String prefix : new String[]{"", "m"}) {
            Set<String> all = new HashSet<>();
            for (int i = 0; i < 100; i++) all.add(prefix + i);
            jedis.del("s");
            fill("s", all);
            for (int count : new int[]{1, 2, 10, 33, 34, 50, 99, 100, 101, 1000}) {
                List<String> got = jedis.srandmember("s", count);
                assertEquals(Math.min(count, 100), got.size(), "count " + count);
                assertEquals(got.size(), new HashSet<>(got).size(), "repeated member for count " + count);
                assertTrue(all.containsAll(got));
            }
            assertEquals(100, jedis.scard("s"));
        }
    }

    @Test
    void srandmemberWithNegativeCountRepeatsAndIsUniform() {
        for (String prefix : new String[]{"", "m"}) {
            jedis.del("s");
            for (int i = 0; i < 20; i++) jedis.sadd("s", prefix + i);
            List<String> got = jedis.srandmember("s", -20_000);
            assertEquals(20_000, got.size());
            Map<String, Integer> hits = new HashMap<>();
            for (String m : got) hits.merge(m, 1, Integer::sum);
            assertEquals(20, hits.size());
            // Binomial(20000, 0.05): mean 1000, sd 31. Six sd either side.
            for (Map.Entry<String, Integer> e : hits.entrySet()) {
                assertTrue(e.getValue() > 1000 - 186 && e.getValue() < 1000 + 186, prefix + " " + e);
            }
        }
    }

    @Test
    void srandmemberDistinctSamplesAreUniform() {
        // Both sampling strategies (most of the set, and a small part of it) on both encodings.
        for (String prefix : new String[]{"", "m"}) {
            jedis.del("s");
            for (int i = 0; i < 30; i++) jedis.sadd("s", prefix + i);
            for (int count : new int[]{3, 20}) {
                Map<String, Integer> hits = new HashMap<>();
                int rounds = 3000;
                Pipeline p = jedis.pipelined();
                List<redis.clients.jedis.Response<List<String>>> replies = new ArrayList<>();
                for (int r = 0; r < rounds; r++) replies.add(p.srandmember("s", count));
                p.sync();
                for (var reply : replies) for (String m : reply.get()) hits.merge(m, 1, Integer::sum);
                double mean = rounds * count / 30.0;
                double sd = Math.sqrt(rounds * (count / 30.0) * (1 - count / 30.0));
                assertEquals(30, hits.size());
                for (Map.Entry<String, Integer> e : hits.entrySet()) {
                    assertTrue(Math.abs(e.getValue() - mean) < 6 * sd, prefix + " count " + count + " " + e);
                }
            }
        }
    }

    @Test
    void srandmemberHugeNegativeCountOnAMissingKeyIsEmpty() throws IOException {
        try (RespClient raw = RespClient.connect(server.port())) {
            assertEquals("*0\r\n", RespClient.text(raw.call("SRANDMEMBER", "nokey", "-9223372036854775807")));
            raw.call("SADD", "one", "x");
            byte[] reply = raw.call("SRANDMEMBER", "one", "-3");
            assertEquals("*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n", RespClient.text(reply));
        }
    }

    @Test
    void setsAreReturnedAsRespThreeSets() throws IOException {
        try (RespClient raw = RespClient.connect(server.port())) {
            raw.call("HELLO", "3");
            raw.call("SADD", "s", "2", "1");
            assertEquals("~2\r\n$1\r\n1\r\n$1\r\n2\r\n", RespClient.text(raw.call("SMEMBERS", "s")));
            assertEquals("~0\r\n", RespClient.text(raw.call("SPOP", "nokey", "3")));
            assertEquals("*0\r\n", RespClient.text(raw.call("SRANDMEMBER", "nokey", "3")));
            assertEquals("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", RespClient.text(raw.call("SRANDMEMBER", "s", "3")));
            assertNotNull(raw.call("SPOP", "s", "1"));
            assertNull(jedis.spop("nokey"));
        }
    }
}
