package io.lodestone.command.zset;

import io.lodestone.testsupport.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sorted-set commands through a real client (Jedis) against an embedded server. */
class ZSetCommandsTest {
    private EmbeddedServer server;
    private Jedis jedis;

    @BeforeEach
    void start() {
        server = EmbeddedServer.start();
        jedis = new Jedis("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        jedis.close();
        server.close();
    }

    private String encoding(String key) {
        return jedis.objectEncoding(key);
    }

    @Test
    void addScoreAndRangeAnItem() {
        assertEquals(2, jedis.zadd("z", Map.of("a", 1.0, "b", 2.5)));
        assertEquals(2.5, jedis.zscore("z", "b"));
        assertEquals(List.of("a", "b"), jedis.zrange("z", 0, -1));
        assertEquals(List.of(new Tuple("b", 2.5)), jedis.zrangeByScoreWithScores("z", 2, 3));
        assertEquals(1, jedis.zadd("z", 3, "a", ZAddParams.zAddParams().ch()));
        assertEquals(1L, jedis.zrank("z", "a"));
        assertNull(jedis.zrank("z", "nobody"));
        assertEquals(5.0, jedis.zincrby("z", 2, "a"));
    }

    @Test
    void encodingConvertsOneWayAtTheConfiguredThresholds() {
        jedis.configSet("zset-max-listpack-entries", "8");
        jedis.configSet("zset-max-listpack-value", "4");
        for (int i = 0; i < 8; i++) jedis.zadd("z", i, "m" + i);
        assertEquals("listpack", encoding("z"));
        jedis.zadd("z", 8, "m8");
        assertEquals("skiplist", encoding("z"));
        jedis.zremrangeByRank("z", 0, 6);
        assertEquals("skiplist", encoding("z"));
        jedis.zadd("w", 1, "long-member");
        assertEquals("skiplist", encoding("w"));
        // A stored result is built afresh and may be compact again.
        jedis.zunionstore("u", "z");
        assertEquals("listpack", encoding("u"));
    }

    @Test
    void watchSeesEveryChangeAndNothingElse() {
        jedis.zadd("z", 1, "a");
        try (Jedis other = new Jedis("127.0.0.1", server.port())) {
            jedis.watch("z");
            other.zadd("z", 1, "a"); // no change: the score is the same
            Transaction t = jedis.multi();
            t.zcard("z");
            assertEquals(List.of(1L), t.exec());

            jedis.watch("z");
            other.zincrby("z", 1, "a");
            t = jedis.multi();
            t.zcard("z");
            assertNull(t.exec());

            jedis.watch("z");
            other.zpopmin("z");
            t = jedis.multi();
            t.zcard("z");
            assertNull(t.exec());

            jedis.watch("dst");
            other.zadd("s", 1, "x");
            other.zunionstore("dst", "s");
            t = jedis.multi();
            t.zcard("dst");
            assertNull(t.exec());

            jedis.watch("dst");
            other.zrem("s", "nothing");
            other.zremrangeByScore("dst", 10, 20);
            t = jedis.multi();
            t.zcard("dst");
            assertEquals(List.of(1L), t.exec());
        }
    }

    /** ZRANDMEMBER with a negative count: repeats allowed, each pick uniform over the members. */
    @Test
    void randomMembersWithRepetitionAreUniform() {
        for (int entries : new int[]{128, 0}) {
            jedis.configSet("zset-max-listpack-entries", Integer.toString(entries));
            jedis.del("z");
            for (int i = 0; i < 10; i++) jedis.zadd("z", i, "m" + i);
            Map<String, Integer> counts = new HashMap<>();
            List<String> picks = jedis.zrandmember("z", -10_000);
            assertEquals(10_000, picks.size());
            for (String p : picks) counts.merge(p, 1, Integer::sum);
            assertEquals(10, counts.size());
            // Expect 1000 each; 6 standard deviations (sd ~ 30) is far outside chance.
            for (int n : counts.values()) assertTrue(n > 820 && n < 1180, counts.toString());
        }
    }

    /** A positive count gives distinct members, with their own scores, in both sampling regimes. */
    @Test
    void randomMembersWithoutRepetitionAreDistinct() {
        for (int entries : new int[]{128, 0}) {
            jedis.configSet("zset-max-listpack-entries", Integer.toString(entries));
            jedis.del("z");
            for (int i = 0; i < 100; i++) jedis.zadd("z", i, "m" + i);
            for (int count : new int[]{1, 5, 30, 40, 90, 99}) {
                List<Tuple> got = jedis.zrandmemberWithScores("z", count);
                assertEquals(count, got.size());
                Set<String> seen = new HashSet<>();
                for (Tuple t : got) {
                    assertTrue(seen.add(t.getElement()), "repeated " + t.getElement());
                    assertEquals(Double.parseDouble(t.getElement().substring(1)), t.getScore());
                }
            }
            // Every member turns up over many small samples. A given member misses one sample of 3 with
            // probability 0.97: 300 samples left some member out in about 1% of runs (it failed a CI
            // run), 3000 in about 1e-38; the loop ends as soon as all have turned up.
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 3000 && seen.size() < 100; i++) seen.addAll(jedis.zrandmember("z", 3));
            assertEquals(100, seen.size());
            assertNotNull(jedis.zrandmember("z"));
        }
    }

    /** ZSCAN of a large set returns every member present throughout, even while the set grows. */
    @Test
    void zscanReturnsEveryMemberAcrossGrowth() {
        jedis.configSet("zset-max-listpack-entries", "16");
        Map<String, Double> all = new HashMap<>();
        for (int i = 0; i < 2000; i++) all.put("m" + i, (double) i);
        jedis.zadd("z", all);
        Set<String> found = new HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        int calls = 0, added = 0;
        do {
            ScanResult<Tuple> page = jedis.zscan("z", cursor, new ScanParams().count(50));
            for (Tuple t : page.getResult()) {
                found.add(t.getElement());
                if (t.getElement().startsWith("m")) assertEquals(all.get(t.getElement()), t.getScore());
            }
            cursor = page.getCursor();
            if (added < 3000) {
                for (int i = 0; i < 100; i++) jedis.zadd("z", -1, "new" + added++);
            }
        } while (!cursor.equals("0") && ++calls < 10_000);
        assertEquals("0", cursor);
        assertTrue(found.containsAll(all.keySet()));
        ScanResult<Tuple> matched = jedis.zscan("z", "0", new ScanParams().match("m1?").count(10_000));
        List<String> names = new ArrayList<>();
        for (Tuple t : matched.getResult()) names.add(t.getElement());
        assertEquals(10, new HashSet<>(names).size(), names.toString());
    }

    @Test
    void aSetThatEmptiesIsDeleted() {
        jedis.zadd("z", 1, "a");
        jedis.expire("z", 100);
        assertEquals(1, jedis.zrem("z", "a"));
        assertEquals(false, jedis.exists("z"));
        jedis.zadd("z", 1, "a");
        assertEquals(-1, jedis.ttl("z"));
        jedis.zpopmax("z");
        assertEquals(false, jedis.exists("z"));
    }

    @Test
    void copyIsDeepAndKeepsTheEncoding() {
        jedis.zadd("z", Map.of("a", 1.0, "b", 2.0));
        assertTrue(jedis.copy("z", "c", false));
        jedis.zadd("c", 3, "x");
        assertEquals(2, jedis.zcard("z"));
        assertEquals("listpack", encoding("c"));
        assertEquals("zset", jedis.type("c"));
        byte[] member = SafeEncoder.encode("a");
        assertEquals(1.0, jedis.zscore(SafeEncoder.encode("c"), member));
    }
}
