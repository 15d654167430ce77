package io.lodestone.replication;

import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import static io.lodestone.replication.MasterInteropTest.awaitInSync;
import static io.lodestone.replication.MasterInteropTest.field;
import static io.lodestone.replication.MasterInteropTest.signal;
import static io.lodestone.replication.ReplTesting.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Faults around a Lodestone master, with real redis-server replicas: a replica killed in the middle
 * of its full sync, a replica frozen past repl-timeout, and the master killed after WAIT confirmed a
 * write - the promoted replica has it.
 */
@Slow
class MasterFaultsTest {
    @BeforeAll
    static void needsRedis() {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
    }

    @Test
    void replicaKilledDuringFullSyncThenAnotherSyncs() throws Exception {
        try (ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             Jedis mj = new Jedis("127.0.0.1", m.port(), 30_000)) {
            mj.sendCommand(() -> "DEBUG".getBytes(), "POPULATE", "5000");
            Datasets.populate(mj);
            mj.configSet("rdb-key-save-delay", "1000"); // about 5 s for the snapshot
            ServerProcess doomed = ServerProcess.redis("--replicaof", "127.0.0.1", Integer.toString(m.port()));
            try {
                await("the snapshot under way",
                        () -> field(mj, "persistence", "current_save_keys_processed").matches("[1-9][0-9]*"));
                doomed.kill();
            } finally {
                doomed.close();
            }
            await("no replica connected", () -> field(mj, "replication", "connected_slaves").equals("0"));
            // The snapshot has nobody to serve any more and stops.
            await("the snapshot to stop", () -> m.log().contains("no replica is left to receive it")
                    || m.log().contains("Background RDB transfer error"));
            mj.configSet("rdb-key-save-delay", "0");
            try (ServerProcess r = ServerProcess.redis("--replicaof", "127.0.0.1", Integer.toString(m.port()));
                 Jedis rj = new Jedis("127.0.0.1", r.port(), 30_000)) {
                awaitInSync(mj, rj);
                assertEquals(Datasets.snapshot(mj), Datasets.snapshot(rj));
            }
            assertTrue(m.logContains("Connection with replica"), m.log());
        }
    }

    @Test
    void replicaFrozenPastReplTimeoutIsDroppedAndContinues() throws Exception {
        try (ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--repl-timeout", "2");
             Jedis mj = new Jedis("127.0.0.1", m.port())) {
            mj.set("a", "1");
            try (ServerProcess r = ServerProcess.redis("--replicaof", "127.0.0.1", Integer.toString(m.port()),
                    "--repl-timeout", "60");
                 Jedis rj = new Jedis("127.0.0.1", r.port())) {
                awaitInSync(mj, rj);
                signal(r, "STOP");
                try {
                    await("no replica connected", () -> field(mj, "replication", "connected_slaves").equals("0"));
                    mj.set("b", "2");
                } finally {
                    signal(r, "CONT");
                }
                assertTrue(m.logContains("timeout: no ACK"), m.log());
                await("the replica connected again", () -> field(mj, "replication", "connected_slaves").equals("1"));
                awaitInSync(mj, rj);
                assertEquals("2", rj.get("b"));
                assertEquals("1", field(mj, "stats", "sync_partial_ok"));
                assertEquals("1", field(mj, "stats", "sync_full"));
            }
        }
    }

    @Test
    void writeAcknowledgedByWaitSurvivesMasterKillAndPromotion() throws Exception {
        ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
        try (ServerProcess r = ServerProcess.redis("--replicaof", "127.0.0.1", Integer.toString(m.port()));
             Jedis rj = new Jedis("127.0.0.1", r.port())) {
            try (Jedis mj = new Jedis("127.0.0.1", m.port())) {
                awaitInSync(mj, rj);
                for (int i = 0; i < 100; i++) mj.set("k" + i, "v" + i);
                mj.incr("counter");
                assertEquals(1, mj.waitReplicas(1, 5000));
                m.kill();
            }
            assertEquals("OK", rj.replicaofNoOne());
            assertEquals("1", rj.get("counter"));
            assertEquals("v99", rj.get("k99"));
            assertTrue(rj.info("replication").contains("role:master"));
        } finally {
            m.close();
        }
    }

    @Test
    void newlinesFromALoadingReplicaKeepItsLinkAlive() throws Exception {
        try (ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--repl-timeout", "2");
             Jedis mj = new Jedis("127.0.0.1", m.port());
             java.net.Socket replica = new java.net.Socket("127.0.0.1", m.port())) {
            mj.set("k", "v");
            var out = replica.getOutputStream();
            out.write("REPLCONF capa eof\r\nPSYNC ? -1\r\n".getBytes());
            out.flush();
            await("slave0 online", () -> field(mj, "replication", "slave0").contains("state=online"));
            // A replica that loads for longer than repl-timeout sends newlines instead of ACKs.
            long until = System.currentTimeMillis() + 4_000;
            while (System.currentTimeMillis() < until) {
                out.write('\n');
                out.flush();
                Thread.sleep(300);
                assertEquals("1", field(mj, "replication", "connected_slaves"));
            }
            // Silent: dropped after repl-timeout.
            await("no replica connected", () -> field(mj, "replication", "connected_slaves").equals("0"));
        }
    }
}
