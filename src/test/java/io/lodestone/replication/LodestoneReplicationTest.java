package io.lodestone.replication;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.List;

import static io.lodestone.replication.ReplTesting.await;
import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.awaitLinkUp;
import static io.lodestone.replication.ReplTesting.count;
import static io.lodestone.replication.ReplTesting.info;
import static io.lodestone.replication.ReplTesting.jedis;
import static io.lodestone.replication.ReplTesting.populate;
import static io.lodestone.replication.ReplTesting.repl;
import static io.lodestone.replication.ReplTesting.snapshot;
import static io.lodestone.replication.ReplTesting.stat;
import static io.lodestone.replication.ReplTesting.writes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lodestone replicating from Lodestone: full sync, stream, read-only replicas, chains, shared snapshots. */
@Slow
class LodestoneReplicationTest {
    @BeforeAll
    static void needLodestone() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable());
    }

    @Test
    void chainOfThreeAgreesOnDataOffsetsAndReplid() throws Exception {
        try (ServerProcess a = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             ServerProcess b = ServerProcess.lodestone("--repl-diskless-sync-delay", "0");
             ServerProcess c = ServerProcess.lodestone();
             Jedis ja = jedis(a); Jedis jb = jedis(b); Jedis jc = jedis(c)) {
            populate(ja, "");
            assertEquals("OK", jb.replicaof("127.0.0.1", a.port()));
            assertEquals("OK", jc.replicaof("127.0.0.1", b.port()));
            awaitLinkUp(jb);
            awaitLinkUp(jc);
            for (int i = 0; i < 10; i++) writes(ja, i);
            assertEquals(1L, ja.waitReplicas(1, 5000));
            awaitInSync(ja, jb);
            awaitInSync(jb, jc);
            var expected = snapshot(ja);
            assertEquals(expected, snapshot(jb));
            assertEquals(expected, snapshot(jc));
            String replid = repl(ja, "master_replid");
            assertEquals(replid, repl(jb, "master_replid"));
            assertEquals(replid, repl(jc, "master_replid"));
            String offset = repl(ja, "master_repl_offset");
            assertEquals(offset, repl(jb, "master_repl_offset"));
            assertEquals(offset, repl(jc, "master_repl_offset"));

            // Replicas refuse writes; the master client's writes go through.
            JedisDataException e = assertThrows(JedisDataException.class, () -> jc.set("x", "1"));
            assertEquals("READONLY You can't write against a read only replica.", e.getMessage());
            assertEquals("OK Already connected to specified master", jb.replicaof("127.0.0.1", a.port()));
            List<Object> role = jc.role();
            assertEquals("slave", text(role.get(0)));
            assertEquals("connected", text(role.get(3)));
            assertEquals(Long.parseLong(offset), role.get(4));
            assertEquals("master", text(ja.role().get(0)));
            assertEquals("1", repl(jb, "connected_slaves"));
            assertTrue(jb.info("replication").contains("slave0:ip=127.0.0.1,port=" + c.port() + ",state=online"));

            // The middle replica loses its master: the end of the chain keeps its link, then both continue.
            jb.clientKill(redis.clients.jedis.params.ClientKillParams.clientKillParams()
                    .type(redis.clients.jedis.args.ClientType.MASTER));
            await("partial resync of b", () -> stat(ja, "sync_partial_ok") == 1);
            writes(ja, 99);
            awaitInSync(ja, jb);
            awaitInSync(jb, jc);
            assertEquals(snapshot(ja), snapshot(jc));
            assertEquals(1L, stat(ja, "sync_full"));
            assertEquals(1L, stat(jb, "sync_full"));
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b) : String.valueOf(o);
    }

    @Test
    void twoReplicasShareOneSnapshot() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "1");
             ServerProcess r1 = ServerProcess.lodestone();
             ServerProcess r2 = ServerProcess.lodestone("--replica-announce-ip", "10.1.2.3", "--replica-announce-port", "7777");
             Jedis m = jedis(master); Jedis j1 = jedis(r1); Jedis j2 = jedis(r2)) {
            populate(m, "");
            j1.replicaof("127.0.0.1", master.port());
            j2.replicaof("127.0.0.1", master.port());
            awaitLinkUp(j1);
            awaitLinkUp(j2);
            writes(m, 1);
            awaitInSync(m, j1);
            awaitInSync(m, j2);
            var expected = snapshot(m);
            assertEquals(expected, snapshot(j1));
            assertEquals(expected, snapshot(j2));
            assertEquals(2L, stat(m, "sync_full"));
            assertEquals(1, count(master.log(), "Starting BGSAVE for SYNC"), master.log());
            assertEquals("2", repl(m, "connected_slaves"));
            assertTrue(m.info("replication").contains(":ip=10.1.2.3,port=7777,state=online"), m.info("replication"));
        }
    }

    @Test
    void replicaHidesExpiredKeysUntilItsMasterDeletesThem() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             ServerProcess replica = ServerProcess.lodestone();
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            m.sendCommand((redis.clients.jedis.commands.ProtocolCommand) () -> "DEBUG".getBytes(), "SET-ACTIVE-EXPIRE", "0");
            r.replicaof("127.0.0.1", master.port());
            awaitLinkUp(r);
            m.psetex("short", 100, "v");
            m.set("long", "v");
            awaitInSync(m, r);
            await("expired on the replica", () -> r.get("short") == null);
            assertEquals(2L, r.dbSize()); // still there: the master decides
            assertEquals(-2L, r.pttl("short"));
            assertEquals(null, m.get("short")); // the master expires it and sends DEL
            awaitInSync(m, r);
            assertEquals(1L, r.dbSize());
            assertEquals("1", info(r, "keyspace", "db0").split(",")[0].replace("keys=", ""));
        }
    }

    /** Redis's expireSlaveKeys: no master knows the keys a writable replica's clients gave a TTL. */
    @Test
    void writableReplicaExpiresTheKeysItsClientsSet() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             ServerProcess replica = ServerProcess.lodestone("--replica-read-only", "no");
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            m.sendCommand((redis.clients.jedis.commands.ProtocolCommand) () -> "DEBUG".getBytes(), "SET-ACTIVE-EXPIRE", "0");
            r.replicaof("127.0.0.1", master.port());
            awaitLinkUp(r);
            m.psetex("masters", 100, "v");
            awaitInSync(m, r);
            long expired = stat(r, "expired_keys");
            r.psetex("mine", 1, "v");
            await("the replica's own key expired", () -> stat(r, "expired_keys") == expired + 1);
            assertEquals(null, r.get("mine"));
            Thread.sleep(200);
            assertEquals(expired + 1, stat(r, "expired_keys"));
            assertEquals(1L, r.dbSize()); // the master's key waits for the master's DEL
        }
    }

    @Test
    void diskBackedSyncToDiskLoadingReplica() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--repl-diskless-sync", "no");
             ServerProcess replica = ServerProcess.lodestone();
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            populate(m, "");
            r.set("old", "gone after the sync");
            r.replicaof("127.0.0.1", master.port());
            awaitLinkUp(r);
            writes(m, 1);
            awaitInSync(m, r);
            assertEquals(snapshot(m), snapshot(r));
            assertTrue(replica.log().matches("(?s).*receiving \\d+ bytes from master to disk.*"), replica.log());
            assertTrue(java.nio.file.Files.exists(replica.dir().resolve("dump.rdb")));
        }
    }
}
