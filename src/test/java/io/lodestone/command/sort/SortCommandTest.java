package io.lodestone.command.sort;

import io.lodestone.testsupport.Effects;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.SortingParams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SORT's effects beyond its reply: what SORT ... STORE propagates (checked against the appendonly
 * file and INFO rdb_changes_since_last_save of a real redis-server 7.0 for the same commands), its
 * keyspace events, WATCH on the destination, and large inputs. Replies are in diff/sort.txt.
 */
class SortCommandTest {
    private EmbeddedServer server;
    private RespClient client;
    private Jedis jedis;
    private final List<String> stream = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> {
            ctx.addPropagation((db, argv, argc) -> {
                stream.add(Effects.formatWithDb(db, argv, argc));
            });
            ctx.notifier = (type, event, key, db) -> {
                if ((type & (KeyspaceEvents.LIST | KeyspaceEvents.GENERIC)) != 0) {
                    events.add(event + " " + new String(key, StandardCharsets.ISO_8859_1));
                }
            };
        }, "notify-keyspace-events KEA");
        client = RespClient.connect(server.port());
        jedis = new Jedis("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() throws IOException {
        jedis.close();
        client.close();
        server.close();
    }

    private long dirtyOf(String... command) throws IOException {
        return Info.dirtyOf(client, command);
    }

    @Test
    void sortStorePropagatesAsItselfAndCountsEachStoredElement() throws IOException {
        client.call("RPUSH", "src", "3", "1", "2");
        stream.clear();
        assertEquals(3, dirtyOf("SORT", "src", "STORE", "dst"));
        assertEquals(6, dirtyOf("SORT", "src", "GET", "#", "GET", "x_*", "STORE", "dst"));
        assertEquals(1, dirtyOf("SORT", "src", "LIMIT", "5", "5", "STORE", "dst")); // deletes dst
        assertEquals(0, dirtyOf("SORT", "src", "LIMIT", "5", "5", "STORE", "dst")); // nothing to delete
        assertEquals(0, dirtyOf("SORT", "src"));
        assertEquals(0, dirtyOf("SORT_RO", "src"));
        assertEquals(0, dirtyOf("SORT", "src", "LIMIT", "x", "1", "STORE", "dst"));
        client.call("RPUSH", "bad", "x");
        stream.clear();
        assertEquals(0, dirtyOf("SORT", "bad", "STORE", "dst"));
        assertEquals(List.of(), stream);

        stream.clear();
        client.call("SORT", "src", "STORE", "dst");
        client.call("sort", "src", "get", "#", "get", "x_*", "store", "dst");
        client.call("SORT", "src", "LIMIT", "5", "5", "STORE", "dst");
        client.call("SORT", "src", "LIMIT", "5", "5", "STORE", "dst");
        client.call("SORT", "src", "DESC");
        client.call("SORT_RO", "src", "DESC");
        assertEquals(List.of("0: SORT src STORE dst", "0: sort src get # get x_* store dst",
                "0: SORT src LIMIT 5 5 STORE dst"), new ArrayList<>(stream));
    }

    @Test
    void aSetStoredWithoutOrderIsSortedSoReplicasStoreTheSameList() throws IOException {
        client.call("SADD", "s", "banana", "apple", "cherry", "10", "9");
        client.call("SORT", "s", "BY", "nosort", "STORE", "d");
        assertEquals("*5\r\n$2\r\n10\r\n$1\r\n9\r\n$5\r\napple\r\n$6\r\nbanana\r\n$6\r\ncherry\r\n",
                new String(client.call("LRANGE", "d", "0", "-1"), StandardCharsets.ISO_8859_1));
    }

    @Test
    void keyspaceEventsAreRedisOnes() throws IOException {
        client.call("RPUSH", "src", "3", "1", "2");
        client.call("SORT", "src", "STORE", "dst");
        client.call("SORT", "src", "LIMIT", "5", "5", "STORE", "dst");
        client.call("SORT", "src", "LIMIT", "5", "5", "STORE", "dst");
        client.call("SORT", "src");
        client.call("SET", "dst", "x");
        client.call("SORT", "src", "STORE", "dst");
        client.call("SORT", "src", "STORE", "src");
        assertEquals(List.of("rpush src", "sortstore dst", "del dst", "sortstore dst", "sortstore src"),
                new ArrayList<>(events));
    }

    /** Whether a transaction watching key still commits after another client runs change. */
    private boolean commitsAfter(String key, Consumer<Jedis> change) {
        try (Jedis other = new Jedis("127.0.0.1", server.port())) {
            jedis.watch(key);
            change.accept(other);
            Transaction t = jedis.multi();
            t.exists(key);
            return t.exec() != null;
        }
    }

    @Test
    void watchOnTheDestinationSeesStoresAndDeletionsOnly() {
        jedis.rpush("src", "2", "1");
        jedis.rpush("bad", "x");
        assertFalse(commitsAfter("dst", o -> o.sort("src", "dst")));
        assertFalse(commitsAfter("dst", o -> o.sort("src", "dst"))); // same content, still a write
        assertFalse(commitsAfter("dst", o -> o.sort("src", new SortingParams().limit(5, 5), "dst")));
        assertTrue(commitsAfter("dst", o -> o.sort("src", new SortingParams().limit(5, 5), "dst")));
        assertTrue(commitsAfter("dst", o -> o.sort("nokey", "dst")));
        assertTrue(commitsAfter("dst", o -> {
            try {
                o.sort("bad", "dst");
            } catch (RuntimeException expected) {
                // the conversion error stores nothing
            }
        }));
        assertTrue(commitsAfter("src", o -> o.sort("src")));
        assertTrue(commitsAfter("src", o -> o.sortReadonly("src", new SortingParams().desc())));
        assertFalse(commitsAfter("src", o -> o.sort("src", "src")));
    }

    @Test
    void largeInputsSortAndKeepTheirNativeOrderWithNosort() {
        Random r = new Random(7);
        int n = 20_000;
        String[] values = new String[n];
        for (int i = 0; i < n; i++) values[i] = Integer.toString(r.nextInt(1_000_000) - 500_000);
        jedis.rpush("l", values);
        List<String> sorted = jedis.sort("l");
        assertEquals(n, sorted.size());
        for (int i = 1; i < n; i++) assertTrue(Long.parseLong(sorted.get(i - 1)) <= Long.parseLong(sorted.get(i)));

        List<String> tail = jedis.sort("l", new SortingParams().by("nosort").desc().limit(100, 5));
        assertEquals(List.of(values[n - 101], values[n - 102], values[n - 103], values[n - 104], values[n - 105]), tail);
        List<String> mid = jedis.sort("l", new SortingParams().by("nosort").limit(12_345, 3));
        assertEquals(List.of(values[12_345], values[12_346], values[12_347]), mid);

        assertEquals(n, jedis.sort("l", new SortingParams().alpha(), "d"));
        assertEquals(n, jedis.llen("d"));
    }

    @Test
    void sortConvertsACompactSortedSetAsRedisDoes() {
        jedis.zadd("z", 1, "a");
        assertEquals("listpack", jedis.objectEncoding("z"));
        jedis.sortReadonly("z", new SortingParams().alpha());
        assertEquals("skiplist", jedis.objectEncoding("z"));
        assertEquals(List.of("a"), jedis.zrange("z", 0, -1));
    }

    @Test
    void strtodAcceptsWhatGlibcConvertsInFull() {
        assertEquals(0.0, SortCommand.strtod(new byte[0]));
        assertEquals(16.0, SortCommand.strtod(b("0x10")));
        assertEquals(8.0, SortCommand.strtod(b("0X1P3")));
        assertEquals(0.5, SortCommand.strtod(b("0x.8")));
        assertEquals(7.0, SortCommand.strtod(b(" \t7")));
        assertEquals(1.0, SortCommand.strtod(b("1\0junk")));
        assertEquals(Double.NEGATIVE_INFINITY, SortCommand.strtod(b("-Infinity")));
        assertEquals(Double.MIN_VALUE, SortCommand.strtod(b("0x1p-1074")));
        for (String bad : new String[]{" ", "1 ", "nan", "1e", "0x", "+", "1e400", "1e-400", "1e-310", "0x1.8p-1074",
                "infx", "1_0", "1d", "0x1p", ".e1"}) {
            assertTrue(Double.isNaN(SortCommand.strtod(b(bad))), bad);
        }
    }

    @Test
    void alphaWithoutStoreComparesLikeStrcmp() {
        assertEquals(0, SortCommand.strcmp(b("a\0b"), b("a\0a")));
        assertEquals(0, SortCommand.strcmp(b("a\0b"), b("a")));
        assertTrue(SortCommand.strcmp(b("a"), b("ab")) < 0);
        assertTrue(SortCommand.strcmp(new byte[]{(byte) 0xff}, b("z")) > 0);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
