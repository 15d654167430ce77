package io.lodestone.replication;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
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
@Slow
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
                assertTrue(replica.logContains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."));
                assertEquals(repl(m, "master_repl_offset"), repl(r, "master_repl_offset"));
            }
        }
    }

    /** INFO replication and ROLE while a full sync is in progress, next to a real redis-server replica. */
    @Test
    void infoDuringTransferMatchesARealReplica() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--repl-diskless-sync-delay", "1", "--rdb-key-save-delay", "10000");
             Jedis m = jedis(master);
             ServerProcess real = ServerProcess.redis();
             ServerProcess replica = ServerProcess.lodestone();
             Jedis jr = jedis(real); Jedis jl = jedis(replica)) {
            for (int i = 0; i < 150; i++) m.set("k" + i, "v");
            jr.replicaof("127.0.0.1", master.port());
            jl.replicaof("127.0.0.1", master.port());
            await("both replicas in transfer", () -> "1".equals(repl(jr, "master_sync_in_progress"))
                    && "1".equals(repl(jl, "master_sync_in_progress")));
            assertEquals(fieldNames(jr.info("replication")), fieldNames(jl.info("replication")));
            assertEquals("sync", String.valueOf(jl.role().get(3)));
            awaitLinkUp(jr);
            awaitLinkUp(jl);
            awaitInSync(m, jl);
            assertEquals(fieldNames(jr.info("replication")), fieldNames(jl.info("replication")));
            assertEquals(snapshot(jr), snapshot(jl));
        }
    }

    private static java.util.List<String> fieldNames(String info) {
        return java.util.List.copyOf(Info.parse(info).keySet());
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
