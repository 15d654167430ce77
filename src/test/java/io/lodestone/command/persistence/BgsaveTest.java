package io.lodestone.command.persistence;

import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.persistence.rdb.RdbValueReader;
import io.lodestone.persistence.rdb.RdbValueWriter;
import io.lodestone.store.Keyspace;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BGSAVE is a point-in-time snapshot taken while commands keep running: writes made before it are
 * in the file, writes made during it are not, whatever they do to the keys (overwrite, delete,
 * change in place, expire, rename, move, swap or flush databases).
 */
class BgsaveTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** SAVE and DEBUG RELOAD of ~60k keys block for a fraction of a second, or seconds on a loaded machine. */
    private static final int TIMEOUT_MS = 30_000;

    @Test
    void snapshotIsThePointInTimeOfBgsaveWhileWritesContinue() throws Exception {
        // 20 µs per key: the save of ~60k keys lasts about a second, throttled between slices.
        try (EmbeddedServer server = EmbeddedServer.start("rdb-key-save-delay 20");
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            populate(j);
            Path rdb = server.context().rdb.path();
            assertEquals("OK", j.save());
            Path expected = rdb.resolveSibling("expected.rdb");
            Files.copy(rdb, expected, StandardCopyOption.REPLACE_EXISTING);

            assertEquals("Background saving started", j.bgsave());
            mutateEverything(j);
            assertTrue(info(j).contains("rdb_bgsave_in_progress:1"), "the writes must overlap the save");
            assertEquals("ERR Background save already in progress", error(() -> j.bgsave()));
            assertEquals("ERR Background save already in progress", error(() -> j.save()));
            Wait.until(WAIT, "the BGSAVE to end", () -> info(j).contains("rdb_bgsave_in_progress:0"));
            String info = info(j);
            assertTrue(info.contains("rdb_last_bgsave_status:ok"), info);
            assertTrue(!info.contains("rdb_last_cow_size:0\r\n"), "writes serialized keys ahead of the walk: " + info);

            Map<String, String> want = load(expected), got = load(rdb);
            assertSameData(want, got);
            // And the live data did change: the snapshot is not simply the current state.
            j.save();
            assertTrue(!want.equals(load(rdb)));
        }
    }

    @Test
    void savePointsStartBgsaveAndLastsaveMoves() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("save 1 3");
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            long before = j.lastsave();
            assertTrue(j.info("stats").contains("total_forks:0\r\n"));
            for (int i = 0; i < 5; i++) j.set("k" + i, "v");
            Wait.until(WAIT, "a save point's BGSAVE", () -> info(j).contains("rdb_changes_since_last_save:0")
                    && j.lastsave() > before - 1 && info(j).contains("rdb_saves:1"));
            // Each background snapshot is where Redis forks: INFO counts them as forks.
            assertTrue(j.info("stats").contains("total_forks:1\r\n"), j.info("stats"));
            assertTrue(Files.exists(server.context().rdb.path()));
            assertEquals(5, load(server.context().rdb.path()).size());
        }
    }

    @Test
    void failedBgsaveStopsWritesUntilASaveSucceeds() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("save 3600 1");
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            j.set("a", "1");
            Path rdb = server.context().rdb.path();
            // A directory where the file should be: the rename at the end of the save fails.
            Files.createDirectories(rdb);
            Files.writeString(rdb.resolve("x"), "x");
            assertEquals("Background saving started", j.bgsave());
            Wait.until(WAIT, "the BGSAVE to end", () -> info(j).contains("rdb_bgsave_in_progress:0"));
            assertTrue(info(j).contains("rdb_last_bgsave_status:err"));
            String misconf = error(() -> j.set("b", "2"));
            assertTrue(misconf.startsWith("MISCONF Redis is configured to save RDB snapshots"), misconf);
            assertTrue(error(() -> j.ping()).startsWith("MISCONF"));
            assertEquals("1", j.get("a"), "reads still work");
            assertEquals("OK", j.configSet("stop-writes-on-bgsave-error", "no"));
            assertEquals("OK", j.set("b", "2"));
            assertEquals("OK", j.configSet("stop-writes-on-bgsave-error", "yes"));
            Files.delete(rdb.resolve("x"));
            Files.delete(rdb);
            assertEquals("OK", j.save());
            assertEquals("OK", j.set("c", "3"));
        }
    }

    @Test
    void bgsaveScheduleAndSyntax() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("rdb-key-save-delay 100");
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            cmd(j, "DEBUG", "populate", "20000");
            assertEquals("ERR syntax error", error(() -> cmd(j, "BGSAVE", "now")));
            assertEquals("Background saving started", cmd(j, "BGSAVE", "schedule"));
            assertEquals("ERR Background save already in progress", error(() -> cmd(j, "BGSAVE", "SCHEDULE")));
            j.configSet("rdb-key-save-delay", "0");
            Wait.until(WAIT, "the BGSAVE to end", () -> info(j).contains("rdb_bgsave_in_progress:0"));
            // BGSAVE inside MULTI is scheduled, as in Redis, and runs from cron.
            assertEquals("OK", cmd(j, "MULTI"));
            assertEquals("QUEUED", cmd(j, "BGSAVE"));
            Object r = j.sendCommand(redis.clients.jedis.Protocol.Command.EXEC);
            assertEquals("Background saving scheduled", new String((byte[]) ((java.util.List<?>) r).get(0)));
            Wait.until(WAIT, "the scheduled BGSAVE", () -> info(j).contains("rdb_saves:2"));
        }
    }

    /** rdb-key-save-delay counts after every key, the last included: a one-key save lasts that long, as in Redis. */
    @Test
    void keySaveDelayHoldsEvenAOneKeySave() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("rdb-key-save-delay 1000000");
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            j.set("k", "v");
            long t0 = System.nanoTime();
            assertEquals("Background saving started", j.bgsave());
            Thread.sleep(300);
            assertTrue(info(j).contains("rdb_bgsave_in_progress:1"), info(j));
            Wait.until(WAIT, "the BGSAVE to end", () -> info(j).contains("rdb_bgsave_in_progress:0"));
            assertTrue(System.nanoTime() - t0 >= 1_000_000_000L);
            assertTrue(info(j).contains("rdb_last_bgsave_status:ok"), info(j));
        }
    }

    @Test
    void debugReloadKeepsTheData() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start();
             Jedis j = new Jedis("127.0.0.1", server.port(), TIMEOUT_MS)) {
            populate(j);
            j.save();
            Map<String, String> before = load(server.context().rdb.path());
            assertEquals("OK", cmd(j, "DEBUG", "RELOAD"));
            j.save();
            assertSameData(before, load(server.context().rdb.path()));
            j.set("extra", "x");
            assertEquals("OK", cmd(j, "DEBUG", "RELOAD", "NOSAVE"));
            assertEquals(null, j.get("extra"));
            assertEquals("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                    error(() -> cmd(j, "DEBUG", "RELOAD", "FAST")));
            j.set("extra", "x");
            assertEquals("OK", cmd(j, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"));
            assertEquals("x", j.get("extra"));
        }
    }

    /** ~60k keys over four databases, every type, some with TTLs. */
    static void populate(Jedis j) {
        cmd(j, "DEBUG", "populate", "50000");
        Pipeline p = j.pipelined();
        for (int db = 0; db < 4; db++) {
            p.select(db);
            for (int i = 0; i < 500; i++) {
                p.rpush("list:" + i, "a", "b", "c", Integer.toString(i));
                p.hset("hash:" + i, Map.of("f1", "v1", "f2", Integer.toString(i)));
                p.sadd("set:" + i, "x", "y", Integer.toString(i));
                p.sadd("intset:" + i, "1", "2", Integer.toString(i));
                p.zadd("zset:" + i, i, "m" + i);
                p.set("str:" + i, "value " + i);
                if (i % 3 == 0) p.pexpire("str:" + i, 3_600_000L + i);
            }
            for (int i = 0; i < 200; i++) p.rpush("biglist", "element-" + i);
            for (int i = 0; i < 1000; i++) p.zadd("bigzset", i, "member-" + i);
        }
        p.select(0);
        p.sync();
    }

    /** Writes of every kind to keys the snapshot has and has not reached yet. */
    private static void mutateEverything(Jedis j) {
        Pipeline p = j.pipelined();
        for (int i = 0; i < 50000; i += 97) p.set("key:" + i, "overwritten");
        for (int i = 13; i < 50000; i += 89) p.del("key:" + i);
        for (int i = 0; i < 500; i += 7) {
            p.lpush("list:" + i, "new");
            p.hset("hash:" + i, "f3", "new");
            p.sadd("set:" + i, "new");
            p.sadd("intset:" + i, "not-an-int");
            p.zadd("zset:" + i, -1, "new");
            p.append("str:" + i, "+");
            p.expire("hash:" + i, 100);
            p.persist("str:" + i);
        }
        p.rename("key:7", "renamed:7");
        p.move("key:8", 1);
        p.incr("key:9");
        p.setrange("key:10", 2, "XYZ");
        p.set("created-during-save", "1");
        p.select(3);
        p.sendCommand(redis.clients.jedis.Protocol.Command.FLUSHDB, new String[0]);
        p.set("after-flush", "1");
        p.select(0);
        p.swapDB(1, 2);
        p.sync();
    }

    /** Every key of an RDB file: db:key -> expiry and the value's serialized form. */
    static Map<String, String> load(Path rdb) throws Exception {
        Keyspace ks = new RdbFileLoader(new RdbValueReader.Limits(512, 64, 512, 128, 64, -2), true)
                .load(rdb, 16, 0).keyspace();
        RdbValueWriter w = new RdbValueWriter(false);
        Map<String, String> all = new TreeMap<>();
        for (int i = 0; i < ks.databases(); i++) {
            int db = i;
            ks.db(i).forEach(e -> all.put(db + ":" + new String(e.key(), StandardCharsets.ISO_8859_1),
                    e.expireAt() + ":" + canonical(w, e.value())));
        }
        return all;
    }

    /** A value's content: serialized bytes, or sorted members where order is hash-table order. */
    private static String canonical(RdbValueWriter w, Object v) {
        if (v instanceof io.lodestone.store.type.SetValue set && !set.isIntset()) {
            java.util.List<String> m = new java.util.ArrayList<>();
            set.forEachMember(b -> m.add(HexFormat.of().formatHex(b)));
            java.util.Collections.sort(m);
            return "set" + m;
        }
        if (v instanceof io.lodestone.store.type.HashValue h && !h.isCompact()) {
            java.util.List<String> m = new java.util.ArrayList<>();
            h.forEach((f, fo, fl, x, xo, xl) -> m.add(HexFormat.of().formatHex(f, fo, fo + fl) + "="
                    + HexFormat.of().formatHex(x, xo, xo + xl)));
            java.util.Collections.sort(m);
            return "hash" + m;
        }
        return HexFormat.of().formatHex(w.serialize(v));
    }

    /** Equality of two data sets, reporting a few differing keys rather than both sets. */
    static void assertSameData(Map<String, String> want, Map<String, String> got) {
        java.util.List<String> diff = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!e.getValue().equals(got.get(e.getKey()))) diff.add(e.getKey() + (got.containsKey(e.getKey()) ? " differs" : " missing"));
        }
        for (String k : got.keySet()) if (!want.containsKey(k)) diff.add(k + " unexpected");
        assertTrue(diff.isEmpty(), diff.size() + " keys differ, e.g. " + diff.subList(0, Math.min(10, diff.size())));
    }

    static String info(Jedis j) {
        return j.info("persistence");
    }

    static String cmd(Jedis j, String... args) {
        Object r = j.sendCommand(() -> redis.clients.jedis.util.SafeEncoder.encode(args[0]),
                java.util.Arrays.copyOfRange(args, 1, args.length));
        return r instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(r);
    }

    static String error(Runnable r) {
        try {
            r.run();
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected an error reply");
    }
}
