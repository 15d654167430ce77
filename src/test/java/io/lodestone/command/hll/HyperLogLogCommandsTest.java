package io.lodestone.command.hll;

import io.lodestone.testsupport.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.SafeEncoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HyperLogLog commands against an embedded server through Jedis: behaviour, accuracy, WATCH,
 * keyspace events, and the in-place rules for string values. Byte-exactness against Redis is
 * {@link HyperLogLogDifferentialTest}'s and the diff case file's business.
 */
@Timeout(60)
class HyperLogLogCommandsTest {
    private static EmbeddedServer server;
    private static final List<String> events = new CopyOnWriteArrayList<>();
    private Jedis jedis;

    @BeforeAll
    static void start() {
        server = EmbeddedServer.start(ctx -> ctx.notifier = (type, event, key, db) ->
                events.add(db + ":" + event + ":" + new String(key, StandardCharsets.ISO_8859_1)),
                "notify-keyspace-events KEA");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() {
        jedis = new Jedis("127.0.0.1", server.port());
        jedis.flushAll();
        jedis.configSet("hll-sparse-max-bytes", "3000");
        events.clear();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    private Object pfdebug(String sub, String key) {
        return jedis.sendCommand(() -> SafeEncoder.encode("PFDEBUG"), sub, key);
    }

    private String encoding(String key) {
        return SafeEncoder.encode((byte[]) pfdebug("ENCODING", key));
    }

    private List<String> eventsNow() {
        List<String> out = new ArrayList<>(events);
        events.clear();
        return out;
    }

    // ---- Behaviour -------------------------------------------------------------------------------

    @Test
    void addCountAndMergeThroughJedis() {
        assertEquals(1, jedis.pfadd("h", "a", "b", "c"));
        assertEquals(0, jedis.pfadd("h", "a", "b"));
        assertEquals(3, jedis.pfcount("h"));
        assertEquals(1, jedis.pfadd("h2", "c", "d"));
        assertEquals(4, jedis.pfcount("h", "h2"));
        assertEquals("OK", jedis.pfmerge("m", "h", "h2", "missing"));
        assertEquals(4, jedis.pfcount("m"));
        assertEquals("string", jedis.type("m"));
        assertEquals(0, jedis.pfcount("missing"));
    }

    @Test
    void estimatesAreWithinTwoPercentForAHundredThousandElements() {
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            batch.add("element-" + i);
            if (batch.size() == 1000) {
                jedis.pfadd("big", batch.toArray(new String[0]));
                batch.clear();
            }
        }
        long count = jedis.pfcount("big");
        assertTrue(Math.abs(count - 100_000) < 2_000, "estimated " + count);
        assertEquals("dense", encoding("big"));
        assertEquals(HyperLogLog.DENSE_SIZE, jedis.strlen("big"));
    }

    @Test
    void theCachedCardinalityIsStoredAndInvalidatedInTheHeader() {
        jedis.pfadd("h", "a", "b", "c");
        byte[] before = jedis.getrange("h".getBytes(), 8, 15);
        assertEquals((byte) 0x80, before[7]);
        assertEquals(3, jedis.pfcount("h"));
        assertArrayEquals(new byte[]{3, 0, 0, 0, 0, 0, 0, 0}, jedis.getrange("h".getBytes(), 8, 15));
        jedis.pfadd("h", "d");
        assertArrayEquals(new byte[]{3, 0, 0, 0, 0, 0, 0, (byte) 0x80}, jedis.getrange("h".getBytes(), 8, 15));
        // Several keys: computed aside, nothing cached.
        assertEquals(4, jedis.pfcount("h", "other"));
        assertEquals((byte) 0x80, jedis.getrange("h".getBytes(), 15, 15)[0]);
    }

    @Test
    void sparseTurnsDenseAtTheConfiguredSize() {
        jedis.configSet("hll-sparse-max-bytes", "100");
        jedis.pfadd("h", "a");
        assertEquals("sparse", encoding("h"));
        for (int i = 0; i < 200 && "sparse".equals(encoding("h")); i++) {
            jedis.pfadd("h", "e" + i);
            if ("sparse".equals(encoding("h"))) assertTrue(jedis.strlen("h") <= 100);
        }
        assertEquals("dense", encoding("h"));
        jedis.configSet("hll-sparse-max-bytes", "3000");
        jedis.pfadd("h", "more");
        assertEquals("dense", encoding("h"));
    }

    @Test
    void notAnHllIsWrongType() {
        jedis.set("s", "just a string");
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.pfadd("s", "a"));
        assertEquals("WRONGTYPE Key is not a valid HyperLogLog string value.", e.getMessage());
        jedis.set("bad".getBytes(), "HYLL\u0001\0\0\0\0\0\0\0\0\0\0\u0080\u0040\u0063".getBytes(StandardCharsets.ISO_8859_1));
        e = assertThrows(JedisDataException.class, () -> jedis.pfcount("bad"));
        assertEquals("INVALIDOBJ Corrupted HLL object detected", e.getMessage());
    }

    // ---- Strings written in place ----------------------------------------------------------------

    @Test
    void aCopiedValueIsNotChangedThroughItsCopy() {
        jedis.pfadd("src", "a", "b");
        byte[] original = jedis.get("src".getBytes());
        assertTrue(jedis.copy("src", "dst", false));
        jedis.pfadd("dst", "c", "d", "e");
        jedis.pfcount("dst");
        assertArrayEquals(original, jedis.get("src".getBytes()));
        // And a value stored with SET (an embstr in Redis) becomes raw once PFCOUNT unshares it.
        jedis.set("small".getBytes(), original);
        assertEquals("embstr", jedis.objectEncoding("small"));
        jedis.pfcount("small");
        assertEquals("raw", jedis.objectEncoding("small"));
        assertEquals("raw", jedis.objectEncoding("src"));
    }

    @Test
    void aDenseValueSetByClientsIsCopiedBeforeItsFirstUpdate() {
        for (int i = 0; i < 5000; i++) jedis.pfadd("d", "x" + i);
        byte[] dense = jedis.get("d".getBytes());
        jedis.set("e".getBytes(), dense);
        jedis.pfadd("e", "new1", "new2", "new3");
        jedis.pfcount("e");
        assertArrayEquals(dense, jedis.get("d".getBytes()));
        jedis.pfadd("d", "new1", "new2", "new3");
        assertEquals(jedis.pfcount("d"), jedis.pfcount("e"));
    }

    @Test
    void expiryIsKept() {
        jedis.pfadd("h", "a");
        jedis.expire("h", 100);
        jedis.pfadd("h", "b");
        jedis.pfcount("h");
        jedis.pfmerge("h", "other");
        assertTrue(jedis.ttl("h") > 90);
    }

    // ---- WATCH -----------------------------------------------------------------------------------

    /** Runs an empty transaction after {@code change} ran on another connection while watching key. */
    private boolean watchedExecSurvives(String key, Runnable change) {
        jedis.watch(key);
        change.run();
        Transaction t = jedis.multi();
        t.exists("anything");
        return t.exec() != null;
    }

    private Runnable onOther(java.util.function.Consumer<Jedis> action) {
        return () -> {
            try (Jedis other = new Jedis("127.0.0.1", server.port())) {
                action.accept(other);
            }
        };
    }

    @Test
    void pfaddThatChangesRegistersTouchesWatchers() {
        jedis.pfadd("h", "a");
        jedis.pfcount("h");
        assertTrue(watchedExecSurvives("h", onOther(o -> o.pfadd("h", "a"))));
        assertTrue(!watchedExecSurvives("h", onOther(o -> o.pfadd("h", "b"))));
    }

    @Test
    void pfcountThatRefreshesTheCacheTouchesWatchers() {
        jedis.pfadd("h", "a", "b");
        assertTrue(!watchedExecSurvives("h", onOther(o -> o.pfcount("h"))));
        // Cache valid now: a read only.
        assertTrue(watchedExecSurvives("h", onOther(o -> o.pfcount("h"))));
        // Several keys never write.
        jedis.pfadd("h", "c");
        assertTrue(watchedExecSurvives("h", onOther(o -> o.pfcount("h", "x"))));
    }

    @Test
    void pfmergeTouchesItsDestinationOnly() {
        jedis.pfadd("a", "1");
        jedis.pfadd("b", "2");
        assertTrue(watchedExecSurvives("a", onOther(o -> o.pfmerge("b", "a"))));
        assertTrue(!watchedExecSurvives("b", onOther(o -> o.pfmerge("b", "a"))));
    }

    // ---- Keyspace events -------------------------------------------------------------------------

    @Test
    void pfaddAndPfmergeNotifyPfadd() {
        jedis.pfadd("h", "a");
        List<String> got = eventsNow();
        assertTrue(got.contains("0:pfadd:h"), got.toString());
        jedis.pfadd("h", "a");
        assertEquals(List.of(), eventsNow());
        jedis.pfcount("h");
        jedis.pfcount("h", "h");
        assertEquals(List.of(), eventsNow());
        jedis.pfmerge("m", "h");
        assertTrue(eventsNow().contains("0:pfadd:m"));
        jedis.pfmerge("m");
        assertEquals(List.of("0:pfadd:m"), eventsNow());
        pfdebug("TODENSE", "m");
        assertEquals(List.of(), eventsNow());
    }

    // ---- PFDEBUG / PFSELFTEST --------------------------------------------------------------------

    @Test
    void pfdebugReportsAndConverts() {
        jedis.pfadd("h", "a", "b");
        assertEquals("sparse", encoding("h"));
        String decoded = SafeEncoder.encode((byte[]) pfdebug("DECODE", "h"));
        assertTrue(decoded.matches("(Z:\\d+ |z:\\d+ |v:\\d+,\\d+ )*(Z:\\d+|z:\\d+|v:\\d+,\\d+)"), decoded);
        @SuppressWarnings("unchecked")
        List<Long> regs = (List<Long>) pfdebug("GETREG", "h");
        assertEquals(16384, regs.size());
        assertEquals(2, regs.stream().filter(v -> v > 0).count());
        assertEquals("dense", encoding("h"));
        assertEquals(0L, pfdebug("TODENSE", "h"));
        JedisDataException e = assertThrows(JedisDataException.class, () -> pfdebug("DECODE", "h"));
        assertEquals("ERR HLL encoding is not sparse", e.getMessage());
        e = assertThrows(JedisDataException.class, () -> pfdebug("ENCODING", "nokey"));
        assertEquals("ERR The specified key does not exist", e.getMessage());
        e = assertThrows(JedisDataException.class, () -> pfdebug("what", "h"));
        assertEquals("ERR Unknown PFDEBUG subcommand 'what'", e.getMessage());
    }

    @Test
    void pfselftestPasses() {
        assertEquals("OK", SafeEncoder.encode((byte[]) jedis.sendCommand(() -> SafeEncoder.encode("PFSELFTEST"))));
        assertNotNull(jedis.ping());
        assertNull(jedis.get("anything"));
    }
}
