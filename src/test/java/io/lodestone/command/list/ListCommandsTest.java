package io.lodestone.command.list;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.args.ListPosition;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.LPosParams;
import redis.clients.jedis.util.KeyValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The list commands through a real client (Jedis): behaviour, big lists, and WATCH. */
class ListCommandsTest {
    private EmbeddedServer server;
    private Jedis jedis;
    private Jedis other;

    @BeforeEach
    void start() {
        server = EmbeddedServer.start();
        jedis = new Jedis("127.0.0.1", server.port());
        other = new Jedis("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        jedis.close();
        other.close();
        server.close();
    }

    @Test
    void pushAndPopAtBothEnds() {
        assertEquals(3, jedis.rpush("l", "b", "c", "d"));
        assertEquals(4, jedis.lpush("l", "a"));
        assertEquals(List.of("a", "b", "c", "d"), jedis.lrange("l", 0, -1));
        assertEquals("a", jedis.lpop("l"));
        assertEquals("d", jedis.rpop("l"));
        assertEquals(List.of("c", "b"), jedis.rpop("l", 5));
        assertEquals(0, jedis.exists("l") ? 1 : 0);
        assertNull(jedis.lpop("l"));
    }

    @Test
    void aLargeListKeepsOrderAndIndexes() {
        int n = 100_000;
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add("e" + i);
            if (batch.size() == 1000) {
                jedis.rpush("big", batch.toArray(new String[0]));
                batch.clear();
            }
        }
        assertEquals(n, jedis.llen("big"));
        for (int i = 0; i < n; i += 9973) {
            assertEquals("e" + i, jedis.lindex("big", i));
            assertEquals("e" + (n - 1 - i), jedis.lindex("big", -1 - i));
        }
        assertEquals(List.of("e49999", "e50000", "e50001"), jedis.lrange("big", 49999, 50001));
        assertEquals("OK", jedis.lset("big", 50000, "middle"));
        assertEquals(n + 1, jedis.linsert("big", ListPosition.AFTER, "middle", "after-middle"));
        assertEquals(List.of("e49999", "middle", "after-middle", "e50001"), jedis.lrange("big", 49999, 50002));
        assertEquals(Long.valueOf(50001), jedis.lpos("big", "after-middle"));
        assertEquals(1, jedis.lrem("big", 0, "middle"));
        assertEquals("OK", jedis.ltrim("big", 10, -11));
        assertEquals(n - 20, jedis.llen("big"));
        assertEquals("e10", jedis.lindex("big", 0));
        assertEquals("e" + (n - 11), jedis.lindex("big", -1));
    }

    @Test
    void movesAndMultiPops() {
        jedis.rpush("src", "1", "2", "3");
        assertEquals("1", jedis.lmove("src", "dst", ListDirection.LEFT, ListDirection.RIGHT));
        assertEquals("3", jedis.rpoplpush("src", "dst"));
        assertEquals(List.of("3", "1"), jedis.lrange("dst", 0, -1));
        KeyValue<String, List<String>> popped = jedis.lmpop(ListDirection.RIGHT, 5, "nokey", "dst");
        assertEquals("dst", popped.getKey());
        assertEquals(List.of("1", "3"), popped.getValue());
        jedis.rpush("src", "x", "2");
        assertEquals(List.of(0L, 2L), jedis.lpos("src", "2", LPosParams.lPosParams(), 0));
        assertEquals(List.of(2L), jedis.lpos("src", "2", LPosParams.lPosParams().rank(-1), 1));
    }

    @Test
    void wrongTypeAndErrors() {
        jedis.set("s", "v");
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.lpush("s", "x"));
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", e.getMessage());
        assertEquals("ERR no such key", assertThrows(JedisDataException.class, () -> jedis.lset("nokey", 0, "v")).getMessage());
        jedis.rpush("l", "a");
        assertEquals("ERR index out of range", assertThrows(JedisDataException.class, () -> jedis.lset("l", 5, "v")).getMessage());
        assertEquals("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use"
                + " negative to start from the end of the list",
                assertThrows(JedisDataException.class, () -> jedis.lpos("l", "a", LPosParams.lPosParams().rank(0))).getMessage());
    }

    /** WATCH sees what Redis signals: pushes, LSET and LTRIM always, LREM/LINSERT only when they change something. */
    @Test
    void watchSeesEveryChangeAndNothingElse() {
        assertEquals(true, watchAfter(() -> other.lpush("k", "b")));
        assertEquals(true, watchAfter(() -> other.ltrim("k", 0, -1)));
        assertEquals(true, watchAfter(() -> other.lset("k", 0, "a")));
        assertEquals(true, watchAfter(() -> other.lmove("s", "k", ListDirection.LEFT, ListDirection.LEFT)));
        assertEquals(true, watchAfter(() -> other.lpop("k")));
        assertEquals(false, watchAfter(() -> other.lrem("k", 0, "zz")));
        assertEquals(false, watchAfter(() -> other.linsert("k", ListPosition.BEFORE, "zz", "y")));
        assertEquals(false, watchAfter(() -> other.lpop("k", 0)));
        assertEquals(false, watchAfter(() -> other.lpushx("nokey", "a")));
        assertEquals(false, watchAfter(() -> {
            other.lindex("k", 0);
            other.lrange("k", 0, -1);
            other.lpos("k", "a");
            other.llen("k");
        }));
    }

    /** Whether EXEC failed after {@code change} ran between WATCH k and EXEC (k = [a], s = [x]). */
    private boolean watchAfter(Runnable change) {
        jedis.flushAll();
        jedis.rpush("k", "a");
        jedis.rpush("s", "x");
        jedis.watch("k");
        change.run();
        Transaction t = jedis.multi();
        t.llen("nokey");
        return t.exec() == null;
    }

    @Test
    void aClientBlockedOnTheWatchedKeyDoesNotTouchItUntilServed() throws Exception {
        jedis.watch("dst");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Jedis blocker = new Jedis("127.0.0.1", server.port())) {
            Future<String> moved = pool.submit(() -> blocker.brpoplpush("src", "dst", 0));
            Wait.until(Duration.ofSeconds(10), "the client to block",
                    () -> "1".equals(Info.field(other.info("clients"), "blocked_clients")));
            Transaction t = jedis.multi();
            t.llen("nokey");
            assertEquals(List.of(0L), t.exec());
            other.rpush("src", "v");
            assertEquals("v", moved.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("v"), jedis.lrange("dst", 0, -1));
        } finally {
            pool.shutdownNow();
        }
    }
}
