package io.lodestone.persistence;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loading state: while an AOF is replayed nothing expires, because a later command of the file
 * may change the TTL (Redis's keyIsExpired returns 0 while server.loading). Each scenario runs against
 * Lodestone and, as the oracle, a real redis-server.
 */
class LoadingTest {

    private static ServerProcess start(String target, String... args) throws IOException {
        if (target.equals("redis")) {
            Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
            return ServerProcess.redis(args);
        }
        return ServerProcess.lodestone(args);
    }

    /** Waits until the wall clock is past {@code ms} (bounded: the callers' times are under a second away). */
    private static void awaitPast(long ms) {
        Wait.until(Duration.ofSeconds(2), "the clock to pass " + ms, () -> System.currentTimeMillis() > ms);
    }

    private static Jedis jedis(ServerProcess s) {
        return new Jedis("127.0.0.1", s.port());
    }

    /** The scenario: SET … PX, PERSIST, restart after the old TTL passed: the key is kept. */
    @ParameterizedTest
    @ValueSource(strings = {"lodestone", "redis"})
    void persistedKeySurvivesARestartAfterItsOldTtlPassed(String target) throws Exception {
        Path dir = TempDirs.create("loading");
        long at;
        try (ServerProcess s = start(target, "--dir", dir.toString(), "--appendonly", "yes"); Jedis j = jedis(s)) {
            at = System.currentTimeMillis() + 300;
            j.set("k", "v", SetParams.setParams().pxAt(at));
            assertEquals(1L, j.persist("k"));
            j.set("gone", "v", SetParams.setParams().pxAt(at));
        }
        restartAfter(at, target, dir);
    }

    /** Restarts from {@code dir} once {@code at} passed: PERSISTed "k" is there, "gone" is gone. */
    private static void restartAfter(long at, String target, Path dir) throws Exception {
        awaitPast(at);
        try (ServerProcess s = start(target, "--dir", dir.toString(), "--appendonly", "yes"); Jedis j = jedis(s)) {
            assertEquals("v", j.get("k"));
            assertEquals(-1L, j.pttl("k"));
            assertNull(j.get("gone"));
        }
    }

    /** Waits (bounded) for a BGREWRITEAOF to finish. */
    private static void awaitRewrite(Jedis j) {
        Wait.until(Duration.ofSeconds(5), "the rewrite to finish", () -> {
            Map<String, String> info = Info.parse(j.info("persistence"));
            return "0".equals(info.get("aof_rewrite_in_progress")) && "0".equals(info.get("aof_rewrite_scheduled"));
        }, () -> j.info("persistence"));
    }

    /** The TTL lives in the AOF's RDB base and the PERSIST in its INCR file: the base keeps the key for it. */
    @ParameterizedTest
    @ValueSource(strings = {"lodestone", "redis"})
    void rdbPreambleKeepsExpiredKeysForTheIncrFile(String target) throws Exception {
        Path dir = TempDirs.create("loading");
        long at;
        try (ServerProcess s = start(target, "--dir", dir.toString(), "--appendonly", "yes",
                "--aof-use-rdb-preamble", "yes"); Jedis j = jedis(s)) {
            at = System.currentTimeMillis() + 1000;
            j.set("k", "v", SetParams.setParams().pxAt(at));
            j.set("gone", "v", SetParams.setParams().pxAt(at));
            j.bgrewriteaof();
            awaitRewrite(j);
            assertTrue(j.info("persistence").contains("aof_rewrites:1"), j.info("persistence"));
            assertEquals(1L, j.persist("k"));
        }
        restartAfter(at, target, dir);
    }

    /** Redis's unit/expire "... after loadaof": KEEPTTL keeps and GETEX PERSIST removes a TTL across DEBUG LOADAOF. */
    @ParameterizedTest
    @ValueSource(strings = {"lodestone", "redis"})
    void ttlChangesSurviveDebugLoadaof(String target) throws Exception {
        try (ServerProcess s = start(target, "--appendonly", "yes", "--enable-debug-command", "yes"); Jedis j = jedis(s)) {
            j.set("keep", "bar", SetParams.setParams().ex(100));
            j.set("keep", "bar2", SetParams.setParams().keepTtl());
            j.set("persist", "bar", SetParams.setParams().ex(100));
            assertEquals("bar", j.getEx("persist", GetExParams.getExParams().persist()));
            Object reply = j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "LOADAOF");
            assertEquals("OK", new String((byte[]) reply, StandardCharsets.US_ASCII));
            assertEquals("bar2", j.get("keep"));
            assertTrue(j.ttl("keep") > 90, "KEEPTTL kept the TTL");
            assertEquals("bar", j.get("persist"));
            assertEquals(-1L, j.ttl("persist"));
            assertEquals(0L, infoLong(j, "persistence", "rdb_changes_since_last_save"), "the reload counts as saved");
        }
    }

    /**
     * An AOF whose keys' TTLs have passed when it is replayed: each command sees the key as the file
     * left it, so PERSIST, PEXPIREAT and INCR act on it; only after loading does what is still expired go.
     * Both servers load the same files and must end with the same data.
     */
    @Test
    void keysExpiringDuringTheReplayAreSeenByLaterCommands() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        long past = System.currentTimeMillis() - 60_000;
        String[][] commands = {
                {"SET", "kept", "v", "PXAT", Long.toString(past)},
                {"PERSIST", "kept"},
                {"SET", "counter", "5", "PXAT", Long.toString(past)},
                {"INCR", "counter"},
                {"SET", "counter2", "5", "PXAT", Long.toString(past)},
                {"INCR", "counter2"},
                {"PERSIST", "counter2"},
                {"RPUSH", "list", "a", "b"},
                {"PEXPIREAT", "list", Long.toString(past)},
                {"RPUSH", "list", "c"},
                {"PERSIST", "list"},
                {"HSET", "h", "f", "v"},
                {"PEXPIREAT", "h", Long.toString(past)},
                {"SET", "renamed", "v", "PXAT", Long.toString(past)},
                {"RENAME", "renamed", "target"},
                {"PERSIST", "target"},
                {"SINTERSTORE", "inter", "nokey1", "nokey2"},
        };
        Map<String, Object> lodestone = loadHandWrittenAof("lodestone", commands);
        Map<String, Object> redis = loadHandWrittenAof("redis", commands);
        assertEquals(redis, lodestone);
        assertEquals(Map.of("0:kept", List.of("string", "v", -1L), "0:counter2", List.of("string", "6", -1L),
                "0:list", List.of("list", List.of("a", "b", "c"), -1L), "0:target", List.of("string", "v", -1L)), lodestone);
    }

    private static Map<String, Object> loadHandWrittenAof(String target, String[][] commands) throws Exception {
        Path dir = TempDirs.create("loading");
        Path aofDir = Files.createDirectories(dir.resolve("appendonlydir"));
        StringBuilder aof = new StringBuilder();
        for (String[] argv : commands) {
            aof.append('*').append(argv.length).append("\r\n");
            for (String a : argv) aof.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        Files.writeString(aofDir.resolve("appendonly.aof.1.incr.aof"), aof, StandardCharsets.ISO_8859_1);
        Files.writeString(aofDir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        try (ServerProcess s = start(target, "--dir", dir.toString(), "--appendonly", "yes"); Jedis j = jedis(s)) {
            // The replayed SINTERSTORE looked up two missing keys: Redis counts those misses too.
            assertEquals("2", info(j, "stats", "keyspace_misses"), target);
            Map<String, Object> data = Datasets.snapshot(j);
            j.select(0);
            // Nothing expired during the load; what is still expired goes at the first access after it.
            assertNull(j.get("counter"));
            assertNull(j.get("h"));
            return data;
        }
    }

    /** A replica's full sync keeps keys whose TTL passed on the master: only the master's DEL removes them. */
    @Test
    void replicaLoadsExpiredKeysAndWaitsForItsMastersDel() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             ServerProcess replica = ServerProcess.lodestone();
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            m.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "SET-ACTIVE-EXPIRE", "0");
            long at = System.currentTimeMillis() + 100;
            m.set("short", "v", SetParams.setParams().pxAt(at));
            m.set("long", "v");
            awaitPast(at);
            r.replicaof("127.0.0.1", master.port());
            Wait.upTo(Duration.ofSeconds(15), "the link up",
                    () -> info(r, "replication", "master_link_status").equals("up"));
            assertEquals("up", info(r, "replication", "master_link_status"));
            assertEquals(2L, r.dbSize(), "the payload's expired key is loaded");
            assertNull(r.get("short"), "but hidden");
            assertNull(m.get("short"), "the master expires it on access and sends DEL");
            Wait.upTo(Duration.ofSeconds(15), "the master's DEL", () -> r.dbSize() == 1L);
            assertEquals(1L, r.dbSize());
        }
    }

    /**
     * Start-up listens first and loads meanwhile, as redis-server: PING and reads get -LOADING, INFO
     * reports the load, commands that would save or replace the half-loaded data are refused, and once
     * the log says it is ready every key is there. key-load-delay slows the load down, as in Redis's tests.
     */
    @ParameterizedTest
    @ValueSource(strings = {"no", "yes"})
    void clientsGetLoadingWhileTheDataSetLoadsAtStartUp(String appendonly) throws Exception {
        Path dir = TempDirs.create("loading");
        try (ServerProcess s = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", appendonly,
                "--aof-use-rdb-preamble", "yes", "--enable-debug-command", "yes"); Jedis j = jedis(s)) {
            j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "POPULATE", "20000");
            if (appendonly.equals("yes")) {
                j.bgrewriteaof();
                awaitRewrite(j);
                j.set("after-rewrite", "in the incr file");
            } else {
                j.save();
            }
        }
        // 20,000 keys at 100 µs each: the load lasts two seconds at least.
        try (ServerProcess s = ServerProcess.lodestoneLoading("--dir", dir.toString(), "--appendonly", appendonly,
                "--key-load-delay", "100");
             io.lodestone.testsupport.RespClient c = s.client()) {
            assertEquals("-LOADING Redis is loading the dataset in memory\r\n", str(c.call("PING")));
            assertEquals("-LOADING Redis is loading the dataset in memory\r\n", str(c.call("GET", "key:1")));
            assertEquals("-LOADING Redis is loading the dataset in memory\r\n", str(c.call("SAVE")));
            String info = str(c.call("INFO", "persistence"));
            assertTrue(info.contains("loading:1\r\n") && info.contains("loading_total_bytes:"), info);
            Wait.upTo(Duration.ofSeconds(30), "the end of the load",
                    () -> s.log().contains("Ready to accept connections"));
            assertTrue(s.logContains("Ready to accept connections"), s.log());
            assertEquals("+PONG\r\n", str(c.call("PING")));
            assertEquals(":" + (appendonly.equals("yes") ? 20001 : 20000) + "\r\n", str(c.call("DBSIZE")));
            assertTrue(str(c.call("INFO", "persistence")).contains("loading:0\r\n"));
        }
    }

    /**
     * Redis 7.0's two ways a replica loads its master's payload: a new history (another replication
     * id) blocks clients with -LOADING (INFO loading:1); with repl-diskless-load swapdb, a full sync of
     * the history it already has loads in the background while its old data is still served (INFO
     * async_loading:1), and commands flagged no-async-loading get -LOADING.
     */
    @Test
    void replicaLoadsANewHistoryBlockingAndItsOwnHistoryInTheBackground() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             ServerProcess replica = ServerProcess.lodestone("--key-load-delay", "100", "--repl-diskless-load", "swapdb");
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            m.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "POPULATE", "20000");
            r.set("old", "data");
            r.replicaof("127.0.0.1", master.port());
            String[] seen = {""}; // INFO persistence as it was when it showed the load
            Wait.upTo(Duration.ofSeconds(5), "loading:1",
                    () -> (seen[0] = r.info("persistence")).contains("loading:1"));
            assertTrue(seen[0].contains("loading:1\r\nasync_loading:0\r\n"), seen[0]);
            var refused = org.junit.jupiter.api.Assertions.assertThrows(
                    redis.clients.jedis.exceptions.JedisDataException.class, () -> r.get("old"));
            assertEquals("LOADING Redis is loading the dataset in memory", refused.getMessage());
            Wait.upTo(Duration.ofSeconds(15), "the link up",
                    () -> info(r, "replication", "master_link_status").equals("up"));
            assertEquals(20000L, r.dbSize());

            // The same history again: the master drops the replica and overwrites its backlog.
            r.configSet("replica-read-only", "no");
            r.set("old", "data");
            m.configSet("repl-backlog-size", "16384");
            var t = m.multi();
            t.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "KILL", "TYPE", "replica");
            for (int i = 0; i < 10; i++) t.set("filler" + i, "A".repeat(16384));
            t.exec();
            Wait.upTo(Duration.ofSeconds(5), "async_loading:1",
                    () -> (seen[0] = r.info("persistence")).contains("async_loading:1"));
            assertTrue(seen[0].contains("loading:0\r\nasync_loading:1\r\n"), seen[0]);
            assertEquals("data", r.get("old"));
            var noAsync = org.junit.jupiter.api.Assertions.assertThrows(
                    redis.clients.jedis.exceptions.JedisDataException.class, () -> r.replicaofNoOne());
            assertEquals("LOADING Redis is loading the dataset in memory", noAsync.getMessage());
            Wait.upTo(Duration.ofSeconds(15), "the load done",
                    () -> r.info("persistence").contains("loading:0\r\nasync_loading:0\r\n")
                            && info(r, "replication", "master_link_status").equals("up"));
            assertEquals(20010L, r.dbSize());
            assertEquals(null, r.get("old"));
        }
    }

    private static String str(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    private static String info(Jedis j, String section, String field) {
        String value = Info.field(j.info(section), field);
        if (value == null) throw new AssertionError("no " + field + " in INFO " + section);
        return value;
    }

    private static long infoLong(Jedis j, String section, String field) {
        return Info.number(j.info(section), field);
    }
}
