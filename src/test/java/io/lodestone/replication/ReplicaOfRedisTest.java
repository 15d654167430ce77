package io.lodestone.replication;

import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import static io.lodestone.replication.ReplTesting.await;
import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.awaitLinkUp;
import static io.lodestone.replication.ReplTesting.jedis;
import static io.lodestone.replication.ReplTesting.populate;
import static io.lodestone.replication.ReplTesting.repl;
import static io.lodestone.replication.ReplTesting.snapshot;
import static io.lodestone.replication.ReplTesting.stat;
import static io.lodestone.replication.ReplTesting.writes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lodestone as a replica of a real redis-server 7.0 master. */
class ReplicaOfRedisTest {
    @BeforeAll
    static void needRedis() {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && !ServerProcess.targetIsRedis());
    }

    @Test
    void fullSyncStreamAndPartialResyncAfterLinkCuts() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--repl-diskless-sync-delay", "0");
             Jedis m = jedis(master)) {
            populate(m, "");
            try (ServerProcess replica = ServerProcess.lodestone("--replicaof", "127.0.0.1", Integer.toString(master.port()));
                 Jedis r = jedis(replica)) {
                awaitLinkUp(r);
                awaitInSync(m, r);
                assertEquals(snapshot(m), snapshot(r));
                String log = replica.log();
                assertTrue(log.contains("Partial resynchronization not possible (no cached master)"), log);
                assertTrue(log.contains("Full resync from master: " + repl(m, "master_replid") + ":"), log);
                assertTrue(log.contains("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"), log);
                assertTrue(log.contains("MASTER <-> REPLICA sync: Finished with success"), log);
                assertEquals(repl(m, "master_replid"), repl(r, "master_replid"));

                for (int i = 0; i < 20; i++) writes(m, i);
                assertEquals(1L, m.waitReplicas(1, 5000)); // REPLCONF GETACK answered at once
                awaitInSync(m, r);
                assertEquals(snapshot(m), snapshot(r));

                // The replica drops its master: it reconnects and continues from its offset.
                assertEquals(1L, r.clientKill(redis.clients.jedis.params.ClientKillParams.clientKillParams()
                        .type(redis.clients.jedis.args.ClientType.MASTER)));
                await("sync_partial_ok 1", () -> stat(m, "sync_partial_ok") == 1);
                for (int i = 20; i < 30; i++) writes(m, i);
                awaitInSync(m, r);

                // The master drops its replica: same.
                m.clientKill(redis.clients.jedis.params.ClientKillParams.clientKillParams()
                        .type(redis.clients.jedis.args.ClientType.REPLICA));
                await("sync_partial_ok 2", () -> stat(m, "sync_partial_ok") == 2);
                for (int i = 30; i < 40; i++) writes(m, i);
                awaitInSync(m, r);
                assertEquals(snapshot(m), snapshot(r));
                assertEquals(1L, stat(m, "sync_full"));
                assertTrue(replica.log().contains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."));
                assertEquals(repl(m, "master_repl_offset"), repl(r, "master_repl_offset"));
            }
        }
    }

    @Test
    void diskPayloadLoadedFromMemoryWithSwapdb() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--repl-diskless-sync", "no");
             Jedis m = jedis(master)) {
            populate(m, "");
            try (ServerProcess replica = ServerProcess.lodestone("--repl-diskless-load", "swapdb");
                 Jedis r = jedis(replica)) {
                r.set("old", "data");
                assertEquals("OK", r.replicaof("127.0.0.1", master.port()));
                awaitLinkUp(r);
                awaitInSync(m, r);
                assertEquals(snapshot(m), snapshot(r));
                String log = replica.log();
                assertTrue(log.matches("(?s).*MASTER <-> REPLICA sync: receiving \\d+ bytes from master to parser.*"), log);
                assertTrue(log.contains("MASTER <-> REPLICA sync: Swapping active DB with loaded DB"), log);
                writes(m, 1);
                awaitInSync(m, r);
                assertEquals(snapshot(m), snapshot(r));
            }
        }
    }
}
