package io.lodestone.scripting;

import io.lodestone.testsupport.RestartableServer;
import io.lodestone.testsupport.JedisCalls;
import io.lodestone.testsupport.RedisTools;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Function libraries are data, between Lodestone and a real redis-server 7.0: an RDB with functions
 * written by either loads in the other (and passes redis-check-rdb), FUNCTION DUMP payloads RESTORE
 * both ways, a replica of either kind gets its master's libraries by the full sync and every later
 * FUNCTION LOAD / DELETE / RESTORE / FLUSH and FCALL effect by the stream, and libraries survive a
 * restart from an AOF written without the RDB preamble.
 */
class FunctionsInteropTest {
    private static final Duration BOUND = Duration.ofSeconds(15);

    /** Two libraries: several functions, flags, a description, a function that writes, one that reads. */
    private static final String LIB_COUNTERS = """
            #!lua name=counters
            local function bump(key, by) return redis.call('incrby', key, by) end
            redis.register_function('bump', function(keys, args) return bump(keys[1], args[1]) end)
            redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end,
                flags={'no-writes'}, description='reads a counter'}
            redis.register_function{function_name='Mixed_Case', callback=function() return {1, 'two', {ok='OK'}} end,
                flags={'allow-stale', 'no-writes'}}
            """;
    private static final String LIB_QUEUE = """
            #!lua name=queue
            redis.register_function('enqueue', function(keys, args)
              redis.call('rpush', keys[1], unpack(args))
              redis.call('hincrby', keys[2], 'enqueued', #args)
              return redis.call('llen', keys[1])
            end)
            """;

    @BeforeAll
    static void needRedis() {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && !ServerProcess.targetIsRedis());
    }

    private static Object call(Jedis j, Object... args) {
        return JedisCalls.call(j, args);
    }

    /** Replies as text and lists, for comparing. */
    private static Object plain(Object reply) {
        if (reply instanceof byte[] x) return new String(x, StandardCharsets.ISO_8859_1);
        if (reply instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(plain(o));
            return out;
        }
        return reply;
    }

    /**
     * FUNCTION LIST WITHCODE, libraries by name and functions by name: Redis lists both in its hash
     * tables' order, which differs between servers.
     */
    private static String libraries(Jedis j) {
        TreeMap<String, String> libs = new TreeMap<>();
        for (Object lib : (List<?>) plain(call(j, "FUNCTION", "LIST", "WITHCODE"))) {
            List<?> fields = (List<?>) lib;
            TreeMap<String, Object> byField = new TreeMap<>();
            for (int i = 0; i < fields.size(); i += 2) byField.put((String) fields.get(i), fields.get(i + 1));
            TreeMap<String, Object> functions = new TreeMap<>();
            for (Object f : (List<?>) byField.get("functions")) functions.put((String) ((List<?>) f).get(1), f);
            byField.put("functions", functions);
            libs.put((String) byField.get("library_name"), byField.toString());
        }
        return libs.toString();
    }

    /** The libraries are there and work: the calls' replies and what they wrote. */
    private static List<Object> exercise(Jedis j) {
        List<Object> out = new ArrayList<>();
        out.add(plain(call(j, "FCALL", "bump", "1", "fn:counter", "5")));
        out.add(plain(call(j, "FCALL_RO", "peek", "1", "fn:counter")));
        out.add(plain(call(j, "FCALL", "mixed_case", "0")));
        out.add(plain(call(j, "FCALL", "enqueue", "2", "fn:q", "fn:stats", "a", "b", "c")));
        out.add(j.lrange("fn:q", 0, -1));
        out.add(j.hgetAll("fn:stats"));
        return out;
    }

    private static void load(Jedis j) {
        assertEquals("counters", plain(call(j, "FUNCTION", "LOAD", LIB_COUNTERS)));
        assertEquals("queue", plain(call(j, "FUNCTION", "LOAD", LIB_QUEUE)));
    }

    @Test
    void rdbWithFunctionsLoadsBothWays() throws Exception {
        Path dir = TempDirs.create("functions-rdb");
        String expected;
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            load(j);
            expected = libraries(j);
            assertEquals("OK", j.save());
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--enable-debug-command", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, libraries(j));
            List<Object> results = exercise(j);
            assertEquals("OK", plain(call(j, "DEBUG", "RELOAD")));
            assertEquals(expected, libraries(j));
            // FLUSHALL keeps the libraries; they are saved with the keys
            j.flushAll();
            assertEquals(expected, libraries(j));
            assertEquals("OK", j.save());
            RedisTools.assertCheckRdbPasses(dir.resolve("dump.rdb"));
            try (ServerProcess r = ServerProcess.redis("--dir", dir.toString());
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                assertEquals(expected, libraries(rj));
                assertEquals(results, exercise(rj));
            }
        }
    }

    @Test
    void dumpPayloadsRestoreBothWays() throws Exception {
        try (ServerProcess r = ServerProcess.redis();
             ServerProcess l = ServerProcess.lodestone();
             Jedis rj = new Jedis("127.0.0.1", r.port());
             Jedis lj = new Jedis("127.0.0.1", l.port())) {
            load(rj);
            byte[] fromRedis = (byte[]) call(rj, "FUNCTION", "DUMP");
            assertEquals("OK", plain(call(lj, "FUNCTION", "RESTORE", fromRedis)));
            assertEquals(libraries(rj), libraries(lj));
            assertEquals(exercise(rj), exercise(lj));
            // APPEND (the default) refuses a library that exists; REPLACE takes it
            JedisDataException e = assertThrows(JedisDataException.class, () -> call(lj, "FUNCTION", "RESTORE", fromRedis));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            assertEquals("OK", plain(call(lj, "FUNCTION", "RESTORE", fromRedis, "REPLACE")));

            call(lj, "FUNCTION", "DELETE", "queue");
            byte[] fromLodestone = (byte[]) call(lj, "FUNCTION", "DUMP");
            assertEquals("OK", plain(call(rj, "FUNCTION", "RESTORE", fromLodestone, "FLUSH")));
            assertEquals(libraries(lj), libraries(rj));
            assertTrue(libraries(rj).contains("counters") && !libraries(rj).contains("queue"));
        }
    }

    /** A master of one kind, a replica of the other: the full sync, then the stream. */
    private static void replicate(ServerProcess master, ServerProcess replica) throws Exception {
        try (Jedis m = new Jedis("127.0.0.1", master.port(), 10_000);
             Jedis r = new Jedis("127.0.0.1", replica.port(), 10_000)) {
            load(m);
            call(r, "FUNCTION", "LOAD", "#!lua name=stale\nredis.register_function('stale', function() return 1 end)");
            r.replicaof("127.0.0.1", master.port());
            Wait.until(BOUND, "the replica's link", () -> r.info("replication").contains("master_link_status:up"));
            // the full sync replaces the replica's libraries with its master's
            String expected = libraries(m);
            Wait.until(BOUND, "the libraries by the full sync", () -> libraries(r).equals(expected));

            exercise(m);
            call(m, "FUNCTION", "LOAD", "REPLACE", LIB_QUEUE.replace("return redis.call('llen', keys[1])", "return 0"));
            call(m, "FUNCTION", "DELETE", "counters");
            byte[] dump = (byte[]) call(m, "FUNCTION", "DUMP");
            call(m, "FUNCTION", "FLUSH");
            call(m, "FUNCTION", "RESTORE", dump);
            call(m, "FUNCTION", "LOAD", LIB_COUNTERS);
            call(m, "FCALL", "bump", "1", "fn:after", "7");
            m.set("fn:marker", "done");
            Wait.until(BOUND, "the stream", () -> "done".equals(r.get("fn:marker")));
            assertEquals(libraries(m), libraries(r));
            assertEquals("7", r.get("fn:after"));
            assertEquals(m.lrange("fn:q", 0, -1), r.lrange("fn:q", 0, -1));
            assertEquals(m.hgetAll("fn:stats"), r.hgetAll("fn:stats"));
            // a read-only replica runs read-only functions and refuses the others, as Redis does
            assertEquals("7", plain(call(r, "FCALL_RO", "peek", "1", "fn:after")));
            JedisDataException e = assertThrows(JedisDataException.class, () -> call(r, "FCALL", "bump", "1", "fn:after", "1"));
            assertEquals("READONLY You can't write against a read only replica.", e.getMessage());
        }
    }

    @Test
    void redisMasterLodestoneReplica() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--repl-diskless-sync-delay", "0");
             ServerProcess replica = ServerProcess.lodestone()) {
            replicate(master, replica);
        }
    }

    @Test
    void lodestoneMasterRedisReplica() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             ServerProcess replica = ServerProcess.redis()) {
            replicate(master, replica);
        }
    }

    @Test
    void librariesSurviveRestartFromCommandAof() throws Exception {
        try (RestartableServer s = RestartableServer.start("--appendonly", "yes", "--aof-use-rdb-preamble", "no")) {
            String expected;
            try (Jedis j = new Jedis("127.0.0.1", s.port())) {
                assertEquals("counters", plain(call(j, "FUNCTION", "LOAD", LIB_COUNTERS)));
                assertTrue(plain(call(j, "BGREWRITEAOF")).toString().startsWith("Background"));
                Wait.until(BOUND, "the rewrite", () -> j.info("persistence").contains("aof_rewrite_in_progress:0")
                        && !j.info("persistence").contains("aof_rewrite_scheduled:1"));
                // after the rewrite: in the incremental file
                assertEquals("queue", plain(call(j, "FUNCTION", "LOAD", LIB_QUEUE)));
                expected = libraries(j);
            }
            s.kill();
            s.restart();
            try (Jedis j = new Jedis("127.0.0.1", s.port())) {
                assertEquals(expected, libraries(j));
                exercise(j);
                call(j, "FUNCTION", "DELETE", "queue");
                expected = libraries(j);
            }
            s.kill();
            s.restart();
            try (Jedis j = new Jedis("127.0.0.1", s.port())) {
                assertEquals(expected, libraries(j));
            }
        }
    }
}
