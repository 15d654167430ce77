package io.lodestone.replication;

import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;

import static io.lodestone.replication.ReplTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real redis-server 7.0 replicating from a Lodestone master: full sync (diskless and disk-backed)
 * of every type, the live stream, partial resync after a cut link, a full sync when the backlog no
 * longer holds the history, one snapshot for two replicas, WAIT, and a replica dropped for its output
 * buffer. Data are compared whole at the end of each.
 */
@Slow
class MasterInteropTest {

    @BeforeAll
    static void needsRedis() {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
    }

    private static ServerProcess master(String... extra) throws Exception {
        String[] base = {"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return ServerProcess.lodestone(all);
    }

    private static ServerProcess redisReplicaOf(ServerProcess m, String... extra) throws Exception {
        String[] base = {"--replicaof", "127.0.0.1", Integer.toString(m.port())};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return ServerProcess.redis(all);
    }

    @Test
    void fullSyncThenStreamThenPartialResync() throws Exception {
        try (ServerProcess m = master();
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            Datasets.populate(mj);
            try (ServerProcess r = redisReplicaOf(m);
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
                assertTrue(rj.info("replication").contains("master_link_status:up"));

                writeEverything(mj, "a");
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
                assertEquals(1, WaitCount(mj, 1, 5000));

                // Cut the link from the replica's side: it reconnects and continues from the backlog.
                rj.clientKill(new redis.clients.jedis.params.ClientKillParams().type(redis.clients.jedis.args.ClientType.MASTER));
                writeEverything(mj, "b");
                await("a partial resync", () -> field(mj, "stats", "sync_partial_ok").equals("1"));
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
                assertEquals("1", field(mj, "stats", "sync_full"));
                // The server's output reaches the test through a pipe reader: wait for the line.
                await("the partial resync in the log", () -> m.log().contains("Partial resynchronization request from"));
            }
        }
    }

    @Test
    void diskBackedSyncAndBacklogOverflowForcesFullSync() throws Exception {
        try (ServerProcess m = master("--repl-diskless-sync", "no", "--repl-backlog-size", "16384");
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            Datasets.populate(mj);
            try (ServerProcess r = redisReplicaOf(m);
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                assertTrue(m.logContains("Starting BGSAVE for SYNC with target: disk"), m.log());
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
                // A frozen replica loses its link; the master writes more than its backlog holds meanwhile.
                signal(r, "STOP");
                try {
                    mj.clientKill(new redis.clients.jedis.params.ClientKillParams()
                            .type(redis.clients.jedis.args.ClientType.REPLICA));
                    for (int i = 0; i < 200; i++) mj.set("filler:" + i, "x".repeat(200));
                } finally {
                    signal(r, "CONT");
                }
                await("a second full sync", () -> field(mj, "stats", "sync_full").equals("2"));
                assertEquals("1", field(mj, "stats", "sync_partial_err"));
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
            }
        }
    }

    @Test
    void twoReplicasShareOneSnapshot() throws Exception {
        try (ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "2");
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            Datasets.populate(mj);
            try (ServerProcess r1 = redisReplicaOf(m);
                 ServerProcess r2 = redisReplicaOf(m);
                 Jedis j1 = new Jedis("127.0.0.1", r1.port());
                 Jedis j2 = new Jedis("127.0.0.1", r2.port())) {
                awaitInSync(mj, j1);
                awaitInSync(mj, j2);
                Map<String, Object> want = Datasets.snapshot(mj);
                assertEquals(want, Datasets.snapshot(j1));
                assertEquals(want, Datasets.snapshot(j2));
                assertEquals("2", field(mj, "stats", "sync_full"));
                int snapshots = m.log().split("Starting BGSAVE for SYNC", -1).length - 1;
                assertEquals(1, snapshots, m.log());
                assertEquals(2, WaitCount(mj, 2, 5000));
                assertEquals("2", field(mj, "replication", "connected_slaves"));
            }
        }
    }

    @Test
    void waitTimesOutWithTheReplicasThatAcknowledged() throws Exception {
        try (ServerProcess m = master();
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            assertEquals(0, WaitCount(mj, 0, 0));
            mj.set("k", "v");
            long t0 = System.nanoTime();
            assertEquals(0, WaitCount(mj, 1, 200));
            assertTrue(System.nanoTime() - t0 >= 150_000_000L);
            try (ServerProcess r = redisReplicaOf(m);
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                mj.set("k2", "v2");
                assertEquals(1, WaitCount(mj, 1, 0));
                assertEquals(1, WaitCount(mj, 3, 300));
                assertEquals("v2", rj.get("k2"));
            }
        }
    }

    /** Redis refreshes the count of good replicas when the settings change, not only in cron. */
    @Test
    void minReplicasToWriteCountsAnOnlineReplicaAtOnce() throws Exception {
        try (ServerProcess m = master();
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            try (ServerProcess r = redisReplicaOf(m);
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                await("the replica online", () -> mj.info("replication").contains("state=online"));
                mj.configSet("min-replicas-to-write", "1");
                mj.configSet("min-replicas-max-lag", "10");
                assertEquals("OK", mj.set("k", "v"));
                mj.configSet("min-replicas-to-write", "2");
                var e = org.junit.jupiter.api.Assertions.assertThrows(redis.clients.jedis.exceptions.JedisDataException.class,
                        () -> mj.set("k", "w"));
                assertEquals("NOREPLICAS Not enough good replicas to write.", e.getMessage());
                mj.configSet("min-replicas-to-write", "1");
                assertEquals("OK", mj.set("k", "x"));
            }
        }
    }

    @Test
    void slowReplicaOverItsOutputLimitIsDroppedAndResyncs() throws Exception {
        try (ServerProcess m = master("--client-output-buffer-limit", "replica", "1mb", "0", "0", "--repl-backlog-size", "16384");
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            mj.set("start", "1");
            try (ServerProcess r = redisReplicaOf(m);
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                signal(r, "STOP");
                try {
                    String big = "v".repeat(10_000);
                    for (int i = 0; i < 3000 && !m.log().contains("overcoming of output buffer limits"); i++) {
                        mj.set("big:" + (i % 500), big);
                    }
                    assertTrue(m.logContains("overcoming of output buffer limits"), m.log());
                    assertEquals("0", field(mj, "replication", "connected_slaves"));
                } finally {
                    signal(r, "CONT");
                }
                await("a second full sync", () -> field(mj, "stats", "sync_full").equals("2"));
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
            }
        }
    }

    private static String read(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void signal(ServerProcess p, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
    }

    @Test
    void redisCliRdbAndReplicaAreServed() throws Exception {
        try (ServerProcess m = master();
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            Datasets.populate(mj);
            java.nio.file.Path out = java.nio.file.Files.createTempFile("cli", ".rdb");
            Process rdb = new ProcessBuilder("redis-cli", "-p", Integer.toString(m.port()), "--rdb", out.toString())
                    .redirectErrorStream(true).start();
            assertTrue(rdb.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && rdb.exitValue() == 0);
            Process check = new ProcessBuilder("redis-check-rdb", out.toString()).redirectErrorStream(true).start();
            String report = new String(check.getInputStream().readAllBytes());
            assertTrue(check.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && check.exitValue() == 0, report);
            assertTrue(report.contains("keys read"), report);
            java.nio.file.Files.delete(out);
            // --rdb has hung up
            await("no replica connected", () -> field(mj, "replication", "connected_slaves").equals("0"));

            // stdbuf: redis-cli's stdout is a file here, which stdio would buffer.
            java.nio.file.Path log = java.nio.file.Files.createTempFile("cli-replica", ".log");
            Process replica = new ProcessBuilder("stdbuf", "-o0", "redis-cli", "-p", Integer.toString(m.port()), "--replica")
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                await("slave0 online", () -> field(mj, "replication", "slave0").contains("state=online"));
                mj.set("after-sync", "1");
                await("SET after-sync in the redis-cli --replica output",
                        () -> read(log).contains("\"SET\",\"after-sync\",\"1\""));
                assertTrue(!read(log).contains("\"SELECT\",\"-1\""), read(log));
                assertTrue(read(log).contains("SYNC done after"), read(log));
            } finally {
                replica.destroyForcibly();
                replica.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                java.nio.file.Files.deleteIfExists(log);
            }
        }
    }

    /** Writes of every type, expiry, a transaction and effects that are rewritten for replicas. */
    static void writeEverything(Jedis j, String tag) {
        j.set("w:" + tag, "1", redis.clients.jedis.params.SetParams.setParams().ex(1000));
        j.incr("w:counter");
        j.rpush("w:list", tag, tag + "2");
        j.lpop("w:list");
        j.sadd("w:set", tag, "x", "y", "z");
        j.spop("w:set");
        j.hset("w:hash", tag, "v");
        j.hincrByFloat("w:hash", "f", 1.5);
        j.zadd("w:zset", 1, tag);
        j.zincrby("w:zset", 2.5, tag);
        j.expire("s:raw", 10_000);
        j.select(5);
        j.set("db5:" + tag, tag);
        j.select(0);
        redis.clients.jedis.Transaction t = j.multi();
        t.set("w:tx1:" + tag, "a");
        t.set("w:tx2:" + tag, "b");
        t.exec();
        j.del("s:neg");
    }

    private static long WaitCount(Jedis j, int replicas, long timeout) {
        return j.waitReplicas(replicas, timeout);
    }

    /** Waits until the replica's offset equals the master's and the link is up. */
    static void awaitInSync(Jedis master, Jedis replica) {
        ReplTesting.awaitInSync(master, replica);
    }

    /** One INFO field, "" when absent. */
    static String field(Jedis j, String section, String name) {
        String v = ReplTesting.info(j, section, name);
        return v == null ? "" : v;
    }
}
