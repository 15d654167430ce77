package io.lodestone.replication;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.lodestone.replication.ReplTesting.await;
import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.jedis;
import static io.lodestone.replication.ReplTesting.repl;
import static io.lodestone.replication.ReplTesting.snapshot;
import static io.lodestone.replication.ReplTesting.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults between a Lodestone master and a Lodestone replica: the master killed with -9 and restarted
 * from its AOF on the same port (the replica reconnects, resyncs and converges), and the master frozen
 * past the replica's repl-timeout (the replica drops the link, then continues partially).
 */
@Slow
class LinkFaultsTest {
    @Test
    void masterKilledAndRestartedTheReplicaConverges() throws Exception {
        Path dir = TempDirs.create("link-faults");
        ServerProcess m = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes",
                "--appendfsync", "always", "--repl-diskless-sync-delay", "0");
        int port = m.port();
        try (ServerProcess r = ServerProcess.lodestone("--replicaof", "127.0.0.1", Integer.toString(port));
             Jedis rj = jedis(r)) {
            try (Jedis mj = jedis(m)) {
                ReplTesting.populate(mj, "");
                awaitInSync(mj, rj);
                m.kill();
            }
            await("link down", () -> "down".equals(repl(rj, "master_link_status")));
            m.close();
            ServerProcess restarted = ServerProcess.lodestone("--dir", dir.toString(), "--port", Integer.toString(port),
                    "--appendonly", "yes", "--repl-diskless-sync-delay", "0");
            // ServerProcess.port() is the port it picked; the later --port wins, as with redis-server.
            try (Jedis mj = new Jedis("127.0.0.1", port, 10_000)) {
                ReplTesting.writes(mj, 1);
                awaitInSync(mj, rj);
                assertEquals(snapshot(mj), snapshot(rj));
                assertEquals(1, stat(mj, "sync_full"));
            } finally {
                restarted.close();
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void masterFrozenPastReplTimeoutTheReplicaContinuesPartially() throws Exception {
        try (ServerProcess m = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             Jedis mj = jedis(m);
             ServerProcess r = ServerProcess.lodestone("--replicaof", "127.0.0.1", Integer.toString(m.port()),
                     "--repl-timeout", "2");
             Jedis rj = jedis(r)) {
            ReplTesting.populate(mj, "");
            awaitInSync(mj, rj);
            MasterInteropTest.signal(m, "STOP");
            try {
                await("the replica notices the silent master", () -> "down".equals(repl(rj, "master_link_status")));
            } finally {
                MasterInteropTest.signal(m, "CONT");
            }
            assertTrue(r.logContains("MASTER timeout") || r.log().contains("timeout"), r.log());
            ReplTesting.writes(mj, 2);
            awaitInSync(mj, rj);
            assertEquals(snapshot(mj), snapshot(rj));
            assertEquals(1, stat(mj, "sync_full"));
            assertEquals(1, stat(mj, "sync_partial_ok"));
        }
    }
}
