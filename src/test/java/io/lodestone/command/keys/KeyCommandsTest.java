package io.lodestone.command.keys;

import io.lodestone.command.CommandError;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.args.FlushMode;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.SafeEncoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key commands against an embedded server, through Jedis and raw sockets. */
@Timeout(60)
class KeyCommandsTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static EmbeddedServer server;
    private Jedis jedis;

    @BeforeAll
    static void start() {
        server = EmbeddedServer.start();
        StubStrings.install(server.context());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        jedis = new Jedis("127.0.0.1", server.port());
        jedis.flushAll();
    }

    @AfterEach
    void disconnect() {
        jedis.sendCommand(() -> SafeEncoder.encode("DEBUG"), "SET-ACTIVE-EXPIRE", "1");
        jedis.close();
    }

    // ---- DEL, EXISTS, TYPE, TOUCH, RANDOMKEY, DBSIZE, FLUSH ---------------------------------------

    @Test
    void delAndUnlinkCountOnlyKeysThatExisted() {
        jedis.set("a", "1");
        jedis.set("b", "2");
        jedis.set("c", "3");
        assertEquals(1, jedis.del("a", "a", "nokey"));
        assertEquals(2, jedis.unlink("b", "c", "a"));
        assertEquals(0, jedis.dbSize());
    }

    @Test
    void existsCountsRepeatedKeysRepeatedly() {
        jedis.set("a", "1");
        assertEquals(3, jedis.exists("a", "a", "nokey", "a"));
        assertTrue(jedis.exists("a"));
        assertFalse(jedis.exists("nokey"));
    }

    @Test
    void typeNamesStringsAndMissingKeys() {
        jedis.set("s", "v");
        assertEquals("string", jedis.type("s"));
        assertEquals("none", jedis.type("nokey"));
        assertEquals("string", KeyTypes.name(new byte[0]));
        assertEquals("none", KeyTypes.name(null));
    }

    @Test
    void touchCountsExistingKeys() {
        jedis.set("a", "1");
        assertEquals(2, jedis.touch("a", "nokey", "a"));
    }

    @Test
    void randomKeyReturnsALiveKeyOrNull() throws IOException {
        assertNull(jedis.randomKey());
        jedis.set("only", "v");
        assertEquals("only", jedis.randomKey());
        try (RespClient raw = RespClient.connect(server.port())) {
            raw.call("FLUSHALL");
            assertEquals("$-1\r\n", RespClient.text(raw.call("RANDOMKEY")));
            raw.call("HELLO", "3");
            assertEquals("_\r\n", RespClient.text(raw.call("RANDOMKEY")));
        }
    }

    @Test
    void randomKeySkipsManyExpiredKeys() throws InterruptedException {
        disableActiveExpiry();
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 500; i++) {
            p.set("gone:" + i, "v");
            p.pexpire("gone:" + i, 1);
        }
        p.set("live", "v");
        p.sync();
        Wait.until(BOUND, "keys to expire", () -> jedis.keys("*").equals(Set.of("live")));
        assertEquals(501, jedis.dbSize());
        assertEquals("live", jedis.randomKey());
    }

    @Test
    void flushDbEmptiesOnlyTheSelectedDatabase() {
        jedis.set("a", "1");
        jedis.select(1);
        jedis.set("b", "1");
        assertEquals("OK", jedis.flushDB(FlushMode.ASYNC));
        assertEquals(0, jedis.dbSize());
        jedis.select(0);
        assertEquals(1, jedis.dbSize());
        assertEquals("OK", jedis.flushAll(FlushMode.SYNC));
        assertEquals(0, jedis.dbSize());
    }

    // ---- Expiry ----------------------------------------------------------------------------------

    @Test
    void expireConditions() {
        jedis.set("k", "v");
        assertEquals(0, jedis.expire("k", 100, ExpiryOption.XX));
        assertEquals(0, jedis.expire("k", 100, ExpiryOption.GT));
        assertEquals(1, jedis.expire("k", 100, ExpiryOption.NX));
        assertEquals(0, jedis.expire("k", 200, ExpiryOption.NX));
        assertEquals(0, jedis.expire("k", 50, ExpiryOption.GT));
        assertEquals(1, jedis.expire("k", 200, ExpiryOption.GT));
        assertEquals(0, jedis.expire("k", 300, ExpiryOption.LT));
        assertEquals(1, jedis.expire("k", 150, ExpiryOption.LT));
        assertEquals(150, jedis.ttl("k"));
        assertEquals(1, jedis.persist("k"));
        assertEquals(1, jedis.expire("k", 150, ExpiryOption.LT));
        JedisDataException e = assertThrows(JedisDataException.class,
                () -> jedis.sendCommand(() -> SafeEncoder.encode("EXPIRE"), "k", "1", "GT", "LT"));
        assertEquals("ERR GT and LT options at the same time are not compatible", e.getMessage());
    }

    @Test
    void ttlReportsMissingPersistentAndRemaining() {
        assertEquals(-2, jedis.ttl("k"));
        assertEquals(-2, jedis.pttl("k"));
        jedis.set("k", "v");
        assertEquals(-1, jedis.ttl("k"));
        assertEquals(-1, jedis.pexpireTime("k"));
        jedis.pexpire("k", 100_000);
        long pttl = jedis.pttl("k");
        assertTrue(pttl > 99_000 && pttl <= 100_000, "pttl " + pttl);
        jedis.expireAt("k", 4_000_000_000L);
        assertEquals(4_000_000_000L, jedis.expireTime("k"));
        assertEquals(4_000_000_000_000L, jedis.pexpireTime("k"));
        jedis.pexpireAt("k", 4_000_000_000_499L);
        assertEquals(4_000_000_000L, jedis.expireTime("k"));
        jedis.pexpireAt("k", 4_000_000_000_500L);
        assertEquals(4_000_000_001L, jedis.expireTime("k"));
    }

    @Test
    void expireInThePastDeletesAtOnce() {
        jedis.set("k", "v");
        assertEquals(1, jedis.expire("k", -1));
        assertFalse(jedis.exists("k"));
        assertEquals(0, jedis.dbSize());
        jedis.set("k", "v");
        assertEquals(1, jedis.pexpireAt("k", 1));
        assertEquals(0, jedis.dbSize());
    }

    @Test
    void expireOverflowIsAnError() {
        jedis.set("k", "v");
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.expire("k", Long.MAX_VALUE));
        assertEquals("ERR invalid expire time in 'expire' command", e.getMessage());
        e = assertThrows(JedisDataException.class, () -> jedis.pexpire("k", Long.MAX_VALUE));
        assertEquals("ERR invalid expire time in 'pexpire' command", e.getMessage());
        assertEquals(1, jedis.pexpireAt("k", Long.MAX_VALUE));
    }

    @Test
    void lazyExpiryHidesThenDeletesOnAccess() throws InterruptedException {
        disableActiveExpiry();
        jedis.set("k", "v");
        jedis.set("stay", "v");
        jedis.pexpire("k", 20);
        Wait.until(BOUND, "k to expire logically", () -> jedis.keys("*").equals(Set.of("stay")));
        assertEquals(2, jedis.dbSize(), "nothing has deleted k yet");
        assertEquals(-2, jedis.ttl("k"));
        assertEquals(1, jedis.dbSize(), "the access deleted it");
    }

    @Test
    void activeExpiryDeletesKeysNobodyAsksFor() throws InterruptedException {
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 300; i++) {
            p.set("t:" + i, "v");
            p.pexpire("t:" + i, 10);
        }
        p.set("stay", "v");
        p.sync();
        // DBSIZE never looks keys up, so only the cron can bring it down.
        Wait.until(BOUND, "active expiry", () -> jedis.dbSize() == 1);
        assertTrue(jedis.exists("stay"));
    }

    // ---- RENAME, COPY, MOVE, SWAPDB --------------------------------------------------------------

    @Test
    void renameCarriesTheExpiryAndReplacesTheTarget() {
        jedis.set("a", "1");
        jedis.expire("a", 100);
        jedis.set("b", "2");
        assertEquals("OK", jedis.rename("a", "b"));
        assertFalse(jedis.exists("a"));
        assertEquals(100, jedis.ttl("b"));
        jedis.set("c", "3");
        jedis.expire("c", 500);
        jedis.set("d", "4");
        assertEquals("OK", jedis.rename("d", "c"));
        assertEquals(-1, jedis.ttl("c"), "the target's own expiry goes with it");
        assertEquals(0, jedis.renamenx("c", "b"));
        assertEquals(1, jedis.renamenx("c", "e"));
        assertEquals("OK", jedis.rename("e", "e"));
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.rename("nokey", "x"));
        assertEquals("ERR no such key", e.getMessage());
    }

    @Test
    void copyKeepsTheExpiryAndHonoursDbAndReplace() {
        jedis.set("x", "v");
        jedis.expire("x", 100);
        assertTrue(jedis.copy("x", "y", false));
        assertEquals(100, jedis.ttl("y"));
        jedis.set("z", "other");
        assertFalse(jedis.copy("x", "z", false));
        assertTrue(jedis.copy("x", "z", true));
        assertTrue(jedis.copy("x", "x", 1, false));
        assertFalse(jedis.copy("x", "x", 1, false));
        jedis.select(1);
        assertEquals(100, jedis.ttl("x"));
        jedis.select(0);
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.copy("x", "y", 16, false));
        assertEquals("ERR DB index is out of range", e.getMessage());
        e = assertThrows(JedisDataException.class, () -> jedis.copy("x", "x", false));
        assertEquals("ERR source and destination objects are the same", e.getMessage());
    }

    @Test
    void moveTakesTheKeyWithItsExpiry() {
        jedis.set("m", "v");
        jedis.expire("m", 100);
        assertEquals(1, jedis.move("m", 1));
        assertFalse(jedis.exists("m"));
        jedis.select(1);
        assertEquals(100, jedis.ttl("m"));
        assertEquals(1, jedis.move("m", 0));
        jedis.select(0);
        jedis.select(1);
        jedis.set("m", "in1");
        jedis.select(0);
        assertEquals(0, jedis.move("m", 1), "the target already has the key");
        assertTrue(jedis.exists("m"));
        assertEquals(0, jedis.move("nokey", 1));
    }

    @Test
    void swapdbIsSeenAtOnceByClientsOfBothDatabases() {
        jedis.set("in0", "v");
        try (Jedis other = new Jedis("127.0.0.1", server.port())) {
            other.select(1);
            other.set("in1", "v");
            assertEquals("OK", jedis.swapDB(0, 1));
            assertTrue(jedis.exists("in1"));
            assertTrue(other.exists("in0"));
            assertFalse(other.exists("in1"));
        }
    }

    // ---- OBJECT ----------------------------------------------------------------------------------

    @Test
    void objectEncodingAndRefcount() {
        jedis.set("s", "hello");
        jedis.set("n", "100");
        jedis.set("big", "x".repeat(45));
        assertEquals("embstr", jedis.objectEncoding("s"));
        assertEquals("int", jedis.objectEncoding("n"));
        assertEquals("raw", jedis.objectEncoding("big"));
        assertEquals(Integer.MAX_VALUE, jedis.objectRefcount("n"));
        assertEquals(1, jedis.objectRefcount("s"));
        jedis.copy("n", "n2", false);
        assertEquals(1, jedis.objectRefcount("n2"), "a copy is never shared");
        assertNull(jedis.objectEncoding("nokey"));
        assertNull(jedis.objectRefcount("nokey"));
    }

    @Test
    void objectIdletimeGrowsAndOnlyRealAccessesResetIt() throws InterruptedException {
        jedis.set("k", "v");
        Wait.until(BOUND, "idle time to reach a second", () -> jedis.objectIdletime("k") >= 1);
        jedis.exists("k");
        jedis.type("k");
        jedis.ttl("k");
        jedis.objectEncoding("k");
        jedis.scan("0");
        jedis.keys("*");
        assertTrue(jedis.objectIdletime("k") >= 1, "inspection does not count as use");
        jedis.touch("k");
        assertEquals(0, jedis.objectIdletime("k"));
    }

    @Test
    void objectFreqAndIdletimeDependOnThePolicy() {
        jedis.set("k", "v");
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.objectFreq("k"));
        assertTrue(e.getMessage().startsWith("ERR An LFU maxmemory policy is not selected"));
        try (EmbeddedServer lfu = EmbeddedServer.start(); Jedis j = new Jedis("127.0.0.1", lfu.port())) {
            j.configSet("maxmemory-policy", "allkeys-lfu");
            StubStrings.install(lfu.context());
            j.set("k", "v");
            assertEquals(5, j.objectFreq("k"));
            e = assertThrows(JedisDataException.class, () -> j.objectIdletime("k"));
            assertEquals("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when"
                    + " switching between policies at runtime LRU and LFU data will take some time to adjust.",
                    e.getMessage());
            assertNull(j.objectIdletime("nokey"), "a missing key replies null before any policy check");
        }
    }

    @Test
    void objectRepliesNullInResp3ForMissingKeys() throws IOException {
        try (RespClient raw = RespClient.connect(server.port())) {
            raw.call("HELLO", "3");
            assertEquals("_\r\n", RespClient.text(raw.call("OBJECT", "ENCODING", "nokey")));
            assertEquals("_\r\n", RespClient.text(raw.call("OBJECT", "FREQ", "nokey")));
        }
    }

    // ---- KEYS and SCAN ---------------------------------------------------------------------------

    @Test
    void keysAndScanListEverything() {
        Set<String> all = new HashSet<>();
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 100; i++) {
            p.set("k" + i, "v");
            all.add("k" + i);
        }
        p.sync();
        assertEquals(all, jedis.keys("*"));
        assertEquals(all, fullScan(new ScanParams().count(3), null));
        assertEquals(all, fullScan(new ScanParams(), "string"));
        assertEquals(Set.of(), fullScan(new ScanParams(), "hash"));
        assertEquals(Set.of("k7"), jedis.keys("k7"));
        assertEquals(Set.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"), jedis.keys("k?"));
    }

    @Test
    void scanReturnsEveryKeyPresentThroughoutWhileTheTableGrows() {
        Set<String> original = new HashSet<>();
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 1000; i++) {
            p.set("orig:" + i, "v");
            original.add("orig:" + i);
        }
        p.sync();
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int added = 0, calls = 0;
        do {
            ScanResult<String> r = jedis.scan(cursor, new ScanParams().count(10));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            // Grow the table between calls, twice as fast as the scan reads it: the table doubles
            // several times, each time rehashed incrementally under the cursor.
            Pipeline more = jedis.pipelined();
            for (int i = 0; i < 20; i++) more.set("new:" + added++, "v");
            more.sync();
            assertTrue(++calls < 100_000, "the scan does not end");
        } while (!cursor.equals("0"));
        assertTrue(jedis.dbSize() > 4 * 1000, "the table grew several times over: " + jedis.dbSize());
        Set<String> missing = new HashSet<>(original);
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), missing.size() + " keys present throughout were not returned");
    }

    @Test
    void scanReturnsEveryKeyPresentThroughoutWhileTheTableShrinks() throws InterruptedException {
        Set<String> kept = new HashSet<>();
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 8000; i++) {
            String k = (i % 40 == 0 ? "keep:" : "del:") + i;
            p.set(k, "v");
            if (k.startsWith("keep:")) kept.add(k);
        }
        p.sync();
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int next = 0, calls = 0;
        do {
            ScanResult<String> r = jedis.scan(cursor, new ScanParams().count(20));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            Pipeline del = jedis.pipelined();
            for (int n = 0; n < 300 && next < 8000; next++) {
                if (next % 40 != 0) {
                    del.del("del:" + next);
                    n++;
                }
            }
            del.sync();
            Thread.sleep(1); // let cron shrink the table while the scan is under way
            assertTrue(++calls < 100_000, "the scan does not end");
        } while (!cursor.equals("0"));
        Set<String> missing = new HashSet<>(kept);
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), missing.size() + " keys present throughout were not returned");
    }

    @Test
    void scanLeavesOutAndDeletesExpiredKeys() throws InterruptedException {
        disableActiveExpiry();
        Pipeline p = jedis.pipelined();
        for (int i = 0; i < 50; i++) {
            p.set("live:" + i, "v");
            p.set("dead:" + i, "v");
            p.pexpire("dead:" + i, 1);
        }
        p.sync();
        Wait.until(BOUND, "keys to expire logically", () -> jedis.keys("*").size() == 50);
        assertEquals(100, jedis.dbSize());
        Set<String> seen = fullScan(new ScanParams().count(7), null);
        assertEquals(50, seen.size());
        assertTrue(seen.stream().allMatch(k -> k.startsWith("live:")));
        assertEquals(50, jedis.dbSize(), "the scan deleted what it found expired");
    }

    @Test
    void scanCursorIsAnUnsigned64BitDecimal() throws IOException {
        assertEquals(0, ScanCommand.parseCursor(b("0")));
        assertEquals(0, ScanCommand.parseCursor(b("")));
        assertEquals(7, ScanCommand.parseCursor(b("007")));
        assertEquals(5, ScanCommand.parseCursor(b("+5")));
        assertEquals(-1L, ScanCommand.parseCursor(b("18446744073709551615")));
        assertEquals(-1L, ScanCommand.parseCursor(b("-1")));
        assertEquals(1, ScanCommand.parseCursor(b("-18446744073709551615")));
        assertEquals(Long.MIN_VALUE, ScanCommand.parseCursor(b("9223372036854775808")));
        for (String bad : List.of("+", "-", " 1", "1 ", "0x1", "1.0", "abc", "18446744073709551616",
                "18446744073709551620", "-18446744073709551616", "99999999999999999999")) {
            CommandError e = assertThrows(CommandError.class, () -> ScanCommand.parseCursor(b(bad)), bad);
            assertEquals("ERR invalid cursor", e.getMessage());
        }
        try (RespClient raw = RespClient.connect(server.port())) {
            raw.call("SET", "k", "v");
            assertEquals("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", RespClient.text(raw.call("SCAN", "0")));
            assertEquals("-ERR invalid cursor\r\n", RespClient.text(raw.call("SCAN", "18446744073709551616")));
            assertEquals("-ERR syntax error\r\n", RespClient.text(raw.call("SCAN", "0", "COUNT", "0")));
        }
    }

    // ---- Statistics ------------------------------------------------------------------------------

    @Test
    void inspectionCountsHitsAndMissesButListingDoesNot() {
        jedis.set("k", "v");
        assertStats(1, 1, () -> jedis.exists("k", "nokey"));
        assertStats(1, 0, () -> jedis.type("k"));
        assertStats(0, 1, () -> jedis.ttl("nokey"));
        assertStats(1, 0, () -> jedis.objectEncoding("k"));
        assertStats(1, 1, () -> jedis.touch("k", "nokey"));
        assertStats(1, 0, () -> jedis.copy("k", "k2", false));
        assertStats(0, 0, () -> jedis.keys("*"));
        assertStats(0, 0, () -> jedis.scan("0"));
        assertStats(2, 0, () -> jedis.scan("0", new ScanParams(), "string"));
        assertStats(0, 0, () -> jedis.expire("k", 100));
        assertStats(0, 0, () -> jedis.rename("k2", "k3"));
    }

    private void assertStats(long hits, long misses, Runnable command) {
        long h0 = stat("keyspace_hits"), m0 = stat("keyspace_misses");
        command.run();
        assertEquals(hits, stat("keyspace_hits") - h0, "hits");
        assertEquals(misses, stat("keyspace_misses") - m0, "misses");
    }

    private long stat(String name) {
        return Info.number(jedis.info("stats"), name);
    }

    // ---- Helpers ---------------------------------------------------------------------------------

    private Set<String> fullScan(ScanParams params, String type) {
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        do {
            ScanResult<String> r = type == null ? jedis.scan(cursor, params) : jedis.scan(cursor, params, type);
            seen.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals("0"));
        return seen;
    }

    private void disableActiveExpiry() {
        jedis.sendCommand(() -> SafeEncoder.encode("DEBUG"), "SET-ACTIVE-EXPIRE", "0");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
