package io.lodestone.server;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A script past busy-reply-threshold, on Lodestone and on redis-server side by side: connections
 * opened during it are answered (-BUSY, SCRIPT KILL, FUNCTION STATS) with the same statistics, and a
 * replica running one goes on reading its master's stream, which it runs once the script is over.
 */
class BusyScriptResponderTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    /** Runs until killed (a script that only reads may be). */
    private static final String ENDLESS = "local a = 0 while true do a = a + 1 end";

    /** A connection that sends nothing when it opens (no CLIENT SETINFO): only the test's commands count. */
    private static Jedis jedis(ServerProcess s) {
        return new Jedis(new redis.clients.jedis.HostAndPort("127.0.0.1", s.port()),
                redis.clients.jedis.DefaultJedisClientConfig.builder().timeoutMillis(30_000)
                        .clientSetInfoConfig(redis.clients.jedis.ClientSetInfoConfig.DISABLED).build());
    }

    /** Starts {@code args} on its own connection and waits until the server answers others -BUSY. */
    private static CompletableFuture<Object> startBusy(ServerProcess s, String... args) {
        CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> {
            try (Jedis j = jedis(s)) {
                return j.sendCommand(() -> args[0].getBytes(), java.util.Arrays.copyOfRange(args, 1, args.length));
            } catch (JedisDataException e) {
                return e.getMessage();
            }
        });
        Wait.until(BOUND, "the script to be busy", () -> {
            try (Jedis j = jedis(s)) {
                j.ping();
                return false;
            } catch (JedisDataException e) {
                return e.getMessage().startsWith("BUSY");
            }
        });
        return result;
    }

    /** What new connections get while a script and then a function are busy, and what it counts. */
    private static List<String> newConnectionsWhileBusy(ServerProcess s) throws Exception {
        List<String> seen = new ArrayList<>();
        try (Jedis j = jedis(s)) {
            j.configSet("busy-reply-threshold", "50");
            j.sendCommand(() -> "FUNCTION".getBytes(), "LOAD", "#!lua name=busy\nredis.register_function('spin', function() " + ENDLESS + " end)");
            j.configResetStat();
        }
        CompletableFuture<Object> eval = startBusy(s, "EVAL", ENDLESS, "0");
        try (Jedis fresh = jedis(s)) {
            seen.add(assertThrows(JedisDataException.class, fresh::ping).getMessage());
            seen.add(assertThrows(JedisDataException.class, () -> fresh.sendCommand(() -> "FUNCTION".getBytes(), "KILL")).getMessage());
            seen.add(assertThrows(JedisDataException.class, () -> fresh.sendCommand(() -> "FUNCTION".getBytes(), "STATS")).getMessage());
        }
        try (Jedis fresh = jedis(s)) {
            seen.add(fresh.scriptKill());
        }
        seen.add(String.valueOf(eval.get(BOUND.toSeconds(), TimeUnit.SECONDS)).replaceAll("script: \\w+, on @user_script:\\d+", "script"));
        CompletableFuture<Object> fcall = startBusy(s, "FCALL", "spin", "0");
        try (Jedis fresh = jedis(s)) {
            Object stats = fresh.sendCommand(() -> "FUNCTION".getBytes(), "STATS");
            List<?> running = (List<?>) ((List<?>) stats).get(1);
            seen.add(new String((byte[]) running.get(1)) + " " + new String((byte[]) ((List<?>) running.get(3)).get(0)));
            seen.add(new String((byte[]) fresh.sendCommand(() -> "FUNCTION".getBytes(), "KILL")));
        }
        seen.add(String.valueOf(fcall.get(BOUND.toSeconds(), TimeUnit.SECONDS)).replaceAll("script: \\w+, on @user_function:\\d+", "script"));
        try (Jedis j = jedis(s)) {
            seen.add(j.info("errorstats").trim());
            // (Redis lists commands in its hash table's order)
            java.util.TreeSet<String> stats = new java.util.TreeSet<>();
            for (String line : j.info("commandstats").split("\r\n")) {
                if (line.matches("cmdstat_(ping|script\\|kill|function\\|kill|function\\|stats):.*")) {
                    // how many PINGs ran before the script turned busy is a matter of timing
                    stats.add(line.replaceAll("usec=\\d+,usec_per_call=[\\d.]+,", "")
                            .replaceAll("^(cmdstat_ping:)calls=\\d+,", "$1"));
                }
            }
            seen.addAll(stats);
        }
        return seen;
    }

    @Test
    void connectionsOpenedDuringAScriptAreAnsweredAsByRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && !ServerProcess.targetIsRedis());
        List<String> redis;
        try (ServerProcess r = ServerProcess.redis()) {
            redis = newConnectionsWhileBusy(r);
        }
        try (ServerProcess l = ServerProcess.lodestone()) {
            assertEquals(redis, newConnectionsWhileBusy(l));
        }
        assertTrue(redis.get(0).startsWith("BUSY"), redis.toString());
    }

    @Test
    void replicaReadsItsMastersStreamWhileAScriptIsBusy() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && !ServerProcess.targetIsRedis());
        try (ServerProcess master = ServerProcess.redis("--repl-diskless-sync-delay", "0");
             ServerProcess replica = ServerProcess.lodestone("--busy-reply-threshold", "50");
             Jedis m = jedis(master);
             Jedis r = jedis(replica)) {
            r.replicaof("127.0.0.1", master.port());
            Wait.until(BOUND, "the link", () -> r.info("replication").contains("master_link_status:up"));
            // a read-only script that runs until killed: what the master sends meanwhile must be read
            CompletableFuture<Object> script = startBusy(replica, "EVAL", ENDLESS, "0");
            String value = "v".repeat(1000);
            for (int round = 0; round < 40; round++) {
                Pipeline p = m.pipelined();
                for (int i = 0; i < 1000; i++) p.set("k" + (round * 1000 + i), value);
                p.sync();
            }
            long sent = Long.parseLong(info(m, "replication", "master_repl_offset"));
            // ~40 MB went out: the replica's socket took it, so the master holds almost none of it
            Wait.until(BOUND, "the master's output buffer to drain", () -> {
                String list = m.clientList(redis.clients.jedis.args.ClientType.REPLICA);
                long omem = Long.parseLong(list.replaceAll("(?s).*omem=(\\d+).*", "$1"));
                return omem < 1_000_000;
            });
            try (Jedis other = jedis(replica)) {
                assertEquals("OK", other.scriptKill());
            }
            script.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            Wait.until(BOUND, "the replica to run the held stream",
                    () -> Long.parseLong(info(r, "replication", "master_repl_offset")) == sent);
            assertEquals(m.dbSize(), r.dbSize());
            assertEquals(value, r.get("k39999"));
            assertEquals("1", info(m, "stats", "sync_full"));
            assertTrue(r.info("replication").contains("master_link_status:up"));
        }
    }

    private static String info(Jedis j, String section, String field) {
        for (String line : j.info(section).split("\r\n")) {
            if (line.startsWith(field + ":")) return line.substring(field.length() + 1);
        }
        throw new AssertionError(field + " not in INFO " + section);
    }
}
