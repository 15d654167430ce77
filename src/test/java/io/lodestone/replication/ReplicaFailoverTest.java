package io.lodestone.replication;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;

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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Promotion, demotion, authentication and restarts of Lodestone replicas. */
@Slow
class ReplicaFailoverTest {
    @BeforeAll
    static void needLodestone() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable() && !ServerProcess.targetIsRedis());
    }

    @Test
    void promotedReplicaServesItsOldMasterPartially() throws Exception {
        try (ServerProcess a = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             ServerProcess b = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             Jedis ja = jedis(a); Jedis jb = jedis(b)) {
            populate(ja, "");
            jb.replicaof("127.0.0.1", a.port());
            awaitLinkUp(jb);
            writes(ja, 1);
            awaitInSync(ja, jb);
            String oldId = repl(ja, "master_replid");
            long offset = Long.parseLong(repl(jb, "master_repl_offset"));

            assertEquals("OK", jb.replicaofNoOne());
            assertEquals("master", repl(jb, "role"));
            assertEquals(oldId, repl(jb, "master_replid2"));
            assertEquals(Long.toString(offset + 1), repl(jb, "second_repl_offset"));
            assertNotEquals(oldId, repl(jb, "master_replid"));
            assertTrue(b.logContains("MASTER MODE enabled (user request from 'id="), b.log());
            jb.set("written-on-b", "1");

            // The old master follows the promoted replica: PSYNC with its own history, through replid2.
            assertEquals("OK", ja.replicaof("127.0.0.1", b.port()));
            awaitLinkUp(ja);
            awaitInSync(jb, ja);
            assertEquals("1", ja.get("written-on-b"));
            assertEquals(1L, stat(jb, "sync_partial_ok"));
            assertEquals(0L, stat(jb, "sync_full"));
            assertEquals(repl(jb, "master_replid"), repl(ja, "master_replid"));
            assertTrue(a.logContains("Before turning into a replica, using my own master parameters"), a.log());
            assertTrue(a.logContains("Master replication ID changed to " + repl(jb, "master_replid")), a.log());
            assertEquals(snapshot(jb), snapshot(ja));
        }
    }

    @Test
    void wrongMasterauthKeepsTheLinkDown() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--requirepass", "secret", "--repl-diskless-sync-delay", "0");
             ServerProcess replica = ServerProcess.lodestone("--masterauth", "wrong");
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            m.auth("secret");
            m.set("k", "v");
            r.replicaof("127.0.0.1", master.port());
            await("AUTH failure logged", () -> replica.log().contains(
                    "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled."));
            assertEquals("down", repl(r, "master_link_status"));
            assertEquals("-1", repl(r, "master_last_io_seconds_ago"));
            r.configSet("masterauth", "secret");
            awaitLinkUp(r);
            await("key replicated", () -> "v".equals(r.get("k")));
        }
    }

    @Test
    void restartedReplicaContinuesFromItsRdb() throws Exception {
        Path dir = TempDirs.create("replica-restart");
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             Jedis m = jedis(master)) {
            populate(m, "");
            String port = Integer.toString(master.port());
            try (ServerProcess replica = ServerProcess.lodestone("--dir", dir.toString(), "--replicaof", "127.0.0.1", port);
                 Jedis r = jedis(replica)) {
                awaitLinkUp(r);
                writes(m, 1);
                awaitInSync(m, r);
                assertEquals("OK", r.save());
            }
            writes(m, 2); // the master's backlog keeps what the replica misses while it is down
            try (ServerProcess replica = ServerProcess.lodestone("--dir", dir.toString(), "--replicaof", "127.0.0.1", port);
                 Jedis r = jedis(replica)) {
                awaitLinkUp(r);
                awaitInSync(m, r);
                assertTrue(replica.logContains("Trying a partial resynchronization (request " + repl(m, "master_replid")),
                        replica.log());
                assertEquals(1L, stat(m, "sync_partial_ok"));
                assertEquals(1L, stat(m, "sync_full"));
                assertEquals(snapshot(m), snapshot(r));
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
