package io.lodestone.replication;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.util.ArrayList;
import java.util.List;

import static io.lodestone.replication.ReplTesting.awaitLinkUp;
import static io.lodestone.replication.ReplTesting.jedis;
import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * min-replicas-ack: a write's reply is held until enough replicas acknowledged it, replies keep
 * their order per client, reads are not held, and a write not acknowledged in time gets UNACKED.
 */
@Slow
class AckedWritesTest {
    @BeforeAll
    static void needLodestone() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable() && !ServerProcess.targetIsRedis());
    }

    private static ServerProcess master(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repl-diskless-sync-delay", "0", "--min-replicas-ack", "1"));
        args.addAll(List.of(extra));
        return ServerProcess.lodestone(args.toArray(String[]::new));
    }

    /** Every acknowledged write is already applied on the replica when the client reads the reply. */
    private static void acknowledgedWritesAreOnTheReplica(ServerProcess replica) throws Exception {
        try (ServerProcess m = master("--min-replicas-ack-timeout", "0");
             Jedis jm = jedis(m); Jedis jr = jedis(replica)) {
            jr.replicaof("127.0.0.1", m.port());
            awaitLinkUp(jr);
            for (int i = 0; i < 300; i++) {
                assertEquals("OK", jm.set("k" + i, "v" + i));
                assertEquals("v" + i, jr.get("k" + i), "write " + i + " acknowledged before the replica had it");
            }
            assertEquals(1L, jm.incr("counter"));
            assertEquals("1", jr.get("counter"));
            // A transaction's reply is held as one: EXEC's array once its effects are acknowledged.
            try (RespClient c = RespClient.connect(m.port())) {
                c.call("MULTI");
                c.call("SET", "tx1", "a");
                c.call("LPUSH", "tx2", "b");
                assertEquals("*2\r\n+OK\r\n:1\r\n", text(c.call("EXEC")));
                assertEquals("a", jr.get("tx1"));
                assertEquals("b", jr.lindex("tx2", 0));
            }
        }
    }

    @Test
    void aLodestoneReplicaAcknowledgesEachWriteBeforeItsReply() throws Exception {
        try (ServerProcess replica = ServerProcess.lodestone()) {
            acknowledgedWritesAreOnTheReplica(replica);
        }
    }

    @Test
    void aRealRedisReplicaAcknowledgesToo() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        try (ServerProcess replica = ServerProcess.redis()) {
            acknowledgedWritesAreOnTheReplica(replica);
        }
    }

    @Test
    void pipelinedRepliesKeepTheirOrderAndReadsAreNotHeld() throws Exception {
        try (ServerProcess replica = ServerProcess.lodestone();
             ServerProcess m = master("--min-replicas-ack-timeout", "0");
             Jedis jm = jedis(m); Jedis jr = jedis(replica); Jedis reader = jedis(m)) {
            jr.replicaof("127.0.0.1", m.port());
            awaitLinkUp(jr);
            Pipeline p = jm.pipelined();
            List<Response<?>> replies = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                replies.add(p.set("p" + i, Integer.toString(i)));
                replies.add(p.get("p" + (i / 2)));
                replies.add(p.incr("n"));
            }
            p.sync();
            for (int i = 0; i < 1000; i++) {
                assertEquals("OK", replies.get(3 * i).get());
                assertEquals(Integer.toString(i / 2), replies.get(3 * i + 1).get());
                assertEquals((long) (i + 1), replies.get(3 * i + 2).get());
            }
            assertEquals("1000", jr.get("n"));
            // Two acks needed, one replica: the write waits; another client reads what it wrote at once
            // (reads are not held), and the writer's own read waits behind its write.
            jm.configSet("min-replicas-ack", "2");
            try (RespClient writer = RespClient.connect(m.port()); ServerProcess second = ServerProcess.lodestone();
                 Jedis js = jedis(second)) {
                writer.sendRaw("*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$4\r\nslow\r\n"
                        .getBytes());
                ReplTesting.await("the write is applied", () -> "1".equals(reader.get("slow")));
                writer.timeout(java.time.Duration.ofMillis(300));
                assertThrows(java.net.SocketTimeoutException.class, writer::readReply);
                writer.timeout(RespClient.DEFAULT_TIMEOUT);
                js.replicaof("127.0.0.1", m.port());
                assertEquals("+OK\r\n", text(writer.readReply()));
                assertEquals("$1\r\n1\r\n", text(writer.readReply()));
                assertEquals("1", jr.get("slow"));
                assertEquals("1", js.get("slow"));
            }
        }
    }

    @Test
    void aWriteNobodyAcknowledgesGetsUnackedButIsApplied() throws Exception {
        try (ServerProcess m = master("--min-replicas-ack-timeout", "300");
             RespClient c = RespClient.connect(m.port()); Jedis jm = jedis(m)) {
            String unacked = "-UNACKED Write applied on this master but not acknowledged by 1 replica(s) within 300 ms"
                    + " (min-replicas-ack); a failover may lose it\r\n";
            // Pipelined: the read behind the write waits for it, so the replies stay in order.
            c.sendRaw(("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                    + "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n").getBytes());
            assertEquals(unacked, text(c.readReply()));
            assertEquals("$1\r\nv\r\n", text(c.readReply()));
            assertEquals(unacked, text(c.readReply()));
            assertEquals("v", jm.get("k"));
            assertEquals("1", jm.get("n"));
            // Reads alone are never held; a write that changes nothing is not propagated, so not held.
            assertEquals("$1\r\nv\r\n", text(c.call("GET", "k")));
            assertEquals(":0\r\n", text(c.call("DEL", "missing")));
            assertTrue(jm.info("errorstats").contains("errorstat_UNACKED:count=2"), jm.info("errorstats"));
            // QUIT behind a held write: the connection closes after both replies.
            c.sendRaw("*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1\r\n1\r\n*1\r\n$4\r\nQUIT\r\n".getBytes());
            assertEquals(unacked, text(c.readReply()));
            assertEquals("+OK\r\n", text(c.readReply()));
            assertTrue(c.awaitClose(ReplTesting.BOUND));
        }
    }

    @Test
    void heldWritesFailWhenTheMasterBecomesAReplica() throws Exception {
        try (ServerProcess other = ServerProcess.lodestone();
             ServerProcess m = master("--min-replicas-ack-timeout", "0");
             RespClient c = RespClient.connect(m.port()); Jedis jm = jedis(m)) {
            c.send("SET".getBytes(), "k".getBytes(), "v".getBytes());
            ReplTesting.await("the write is applied", () -> "v".equals(jm.get("k")));
            jm.replicaof("127.0.0.1", other.port());
            assertTrue(text(c.readReply()).startsWith("-UNACKED "));
        }
    }
}
