package io.lodestone.replication;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.lodestone.replication.ReplTesting.await;
import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.jedis;
import static io.lodestone.replication.ReplTesting.repl;
import static io.lodestone.replication.ReplTesting.snapshot;
import static io.lodestone.replication.ReplTesting.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A master restarted from its RDB keeps its replication history (Redis 7.0): the file's repl-id and
 * offset become its replid2 and second_repl_offset, so its replica continues with a partial resync;
 * keys that expired while it was down are dropped by the load and reach the replica as DEL.
 * Checked against a real redis-server replica, whose counters are the oracle's own.
 */
@Slow
class MasterRestartTest {
    @Test
    void restartedMasterContinuesItsHistoryWithARealReplica() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        Path dir = TempDirs.create("master-restart");
        ServerProcess m = ServerProcess.lodestone("--dir", dir.toString(), "--repl-diskless-sync-delay", "0",
                "--enable-debug-command", "yes");
        int port = m.port();
        try (ServerProcess r = ServerProcess.redis("--replicaof", "127.0.0.1", Integer.toString(port));
             Jedis rj = jedis(r)) {
            String replid;
            long offset;
            try (Jedis mj = jedis(m)) {
                ReplTesting.populate(mj, "");
                mj.sendCommand(() -> "DEBUG".getBytes(), "SET-ACTIVE-EXPIRE", "0");
                long at = System.currentTimeMillis() + 200;
                for (int i = 0; i < 10; i++) mj.set("short" + i, "v", SetParams.setParams().pxAt(at));
                awaitInSync(mj, rj);
                await("the short keys' time passed", () -> System.currentTimeMillis() > at);
                replid = repl(mj, "master_replid");
                offset = Long.parseLong(repl(mj, "master_repl_offset"));
                try {
                    mj.sendCommand(redis.clients.jedis.Protocol.Command.SHUTDOWN, "SAVE");
                } catch (redis.clients.jedis.exceptions.JedisConnectionException closed) {
                    // SHUTDOWN answers by closing the connection
                }
            }
            m.close();
            // SHUTDOWN waited for the replica to acknowledge the whole stream (its last GETACK included),
            // so the replica stands at the offset the RDB recorded.
            long finalOffset = Long.parseLong(repl(rj, "master_repl_offset"));
            assertTrue(finalOffset >= offset);
            ServerProcess restarted = ServerProcess.lodestone("--dir", dir.toString(), "--port", Integer.toString(port),
                    "--repl-diskless-sync-delay", "0");
            try (Jedis mj = new Jedis("127.0.0.1", port, 10_000)) {
                assertNotEquals(replid, repl(mj, "master_replid"));
                assertEquals(replid, repl(mj, "master_replid2"));
                assertEquals(Long.toString(finalOffset + 1), repl(mj, "second_repl_offset"));
                assertEquals("10", ReplTesting.info(mj, "persistence", "rdb_last_load_keys_expired"));
                awaitInSync(mj, rj);
                assertEquals(1, stat(mj, "sync_partial_ok"));
                assertEquals(0, stat(mj, "sync_full"));
                // DBSIZE on a replica counts keys whose TTL passed until its master's DEL arrives.
                assertEquals(mj.dbSize(), rj.dbSize(), "the DELs of the expired keys reached the replica");
                assertEquals(snapshot(mj), snapshot(rj));
            } finally {
                restarted.close();
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
