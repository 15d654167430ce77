package io.lodestone.replication;

import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.populate;
import static io.lodestone.replication.ReplTesting.snapshot;
import static io.lodestone.replication.ReplTesting.writes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Replication over TLS only (every server has --port 0): a real redis-server replica of a Lodestone
 * master and a Lodestone replica of a real redis-server master, both with tls-replication yes and
 * client certificates required, data compared with DEBUG DIGEST and the whole-dataset snapshot; a
 * diskless and a disk-based full sync (the RDB file goes through TLS in chunks, not sendfile).
 */
@Slow
class TlsReplicationTest {
    private static TlsFiles tls;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && !ServerProcess.targetIsRedis());
        Assumptions.assumeTrue(TlsFiles.opensslAvailable(), "openssl is needed to make test certificates");
        tls = TlsFiles.create();
    }

    /** A TLS-only server's arguments, as Redis's suite runs --tls: a client certificate for the link. */
    private static String[] args(int tlsPort, String... extra) {
        List<String> a = new ArrayList<>(List.of("--port", "0", "--tls-port", Integer.toString(tlsPort),
                "--tls-replication", "yes", "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
                "--tls-client-cert-file", tls.file("client.crt").toString(),
                "--tls-client-key-file", tls.file("client.key").toString()));
        a.addAll(tls.serverArgs());
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static Object debug(Jedis j, String... args) {
        Object reply = j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), args);
        return reply instanceof byte[] b ? new String(b, StandardCharsets.US_ASCII) : reply;
    }

    private static void awaitSameData(Jedis m, Jedis r) {
        awaitSameDigest(m, r);
        assertEquals(snapshot(m), snapshot(r));
    }

    /** DEBUG DIGEST only: for data sets whose key-by-key snapshot over TLS would take seconds. */
    private static void awaitSameDigest(Jedis m, Jedis r) {
        awaitInSync(m, r);
        assertEquals(debug(m, "DIGEST"), debug(r, "DIGEST"));
    }

    @Test
    void redisReplicaOfLodestoneMasterDiskless() throws Exception {
        int mPort = ServerProcess.freePort();
        int rPort = ServerProcess.freePort();
        try (ServerProcess master = ServerProcess.lodestone(args(mPort)); Jedis m = tls.jedis(mPort)) {
            populate(m, "");
            try (ServerProcess replica = ServerProcess.redis(args(rPort, "--replicaof", "127.0.0.1",
                    Integer.toString(mPort))); Jedis r = tls.jedis(rPort)) {
                awaitSameData(m, r);
                assertTrue(master.logContains("Starting BGSAVE for SYNC with target: replicas sockets"), master.log());
                // REPLCONF listening-port: a TLS replica announces its TLS port.
                assertTrue(ReplTesting.info(m, "replication", "slave0").contains("port=" + rPort), m.info("replication"));
                for (int i = 0; i < 10; i++) writes(m, i);
                awaitSameData(m, r);
            }
        }
    }

    @Test
    void lodestoneReplicaOfRedisMaster() throws Exception {
        int mPort = ServerProcess.freePort();
        int rPort = ServerProcess.freePort();
        try (ServerProcess master = ServerProcess.redis(args(mPort)); Jedis m = tls.jedis(mPort)) {
            populate(m, "");
            try (ServerProcess replica = ServerProcess.lodestone(args(rPort, "--replicaof", "127.0.0.1",
                    Integer.toString(mPort))); Jedis r = tls.jedis(rPort)) {
                awaitSameData(m, r);
                assertTrue(ReplTesting.info(m, "replication", "slave0").contains("port=" + rPort), m.info("replication"));
                for (int i = 0; i < 10; i++) writes(m, i);
                awaitSameData(m, r);
                assertTrue(replica.log().contains("MASTER <-> REPLICA sync: Finished with success"), replica.log());
            }
        }
    }

    @Test
    void diskBasedFullSyncAndChain() throws Exception {
        int mPort = ServerProcess.freePort();
        int rPort = ServerProcess.freePort();
        int cPort = ServerProcess.freePort();
        try (ServerProcess master = ServerProcess.lodestone(args(mPort, "--repl-diskless-sync", "no"));
             Jedis m = tls.jedis(mPort)) {
            populate(m, "");
            debug(m, "POPULATE", "5000", "key", "100"); // a payload of ~600 KB: many TLS records and chunks
            try (ServerProcess replica = ServerProcess.lodestone(args(rPort, "--replicaof", "127.0.0.1",
                    Integer.toString(mPort), "--repl-diskless-sync", "no"));
                 Jedis r = tls.jedis(rPort)) {
                awaitSameDigest(m, r);
                assertTrue(master.logContains("Starting BGSAVE for SYNC with target: disk"), master.log());
                // A redis-server replica of the Lodestone replica: a chain, all over TLS.
                try (ServerProcess chained = ServerProcess.redis(args(cPort, "--replicaof", "127.0.0.1",
                        Integer.toString(rPort))); Jedis c = tls.jedis(cPort)) {
                    for (int i = 0; i < 10; i++) writes(m, i);
                    awaitSameDigest(m, r);
                    awaitSameDigest(r, c);
                    assertTrue(replica.logContains("Starting BGSAVE for SYNC with target: disk"), replica.log());
                }
            }
        }
    }

    @Test
    void replicaWithoutAcceptedCertificateIsRefused() throws IOException {
        int mPort = ServerProcess.freePort();
        int rPort = ServerProcess.freePort();
        // The replica's own CA does not trust the master's certificate: the link never comes up.
        TlsFiles other = TlsFiles.create();
        List<String> replicaArgs = new ArrayList<>(List.of(args(rPort, "--replicaof", "127.0.0.1",
                Integer.toString(mPort))));
        replicaArgs.addAll(List.of("--tls-ca-cert-file", other.file("ca.crt").toString()));
        try (ServerProcess master = ServerProcess.lodestone(args(mPort));
             ServerProcess replica = ServerProcess.lodestone(replicaArgs.toArray(String[]::new))) {
            assertTrue(replica.logContains("Error condition on socket for SYNC: "), replica.log());
            assertTrue(master.isAlive());
        }
    }
}
