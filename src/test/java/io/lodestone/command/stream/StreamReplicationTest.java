package io.lodestone.command.stream;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Streams on the replication link: a Lodestone master under XADD (generated IDs, approximate
 * trimming), XREADGROUP (with and without NOACK, served while blocked), XACK, XCLAIM, XAUTOCLAIM and
 * XDEL, followed by a Lodestone replica and a real redis-server replica, which must end with the
 * master's streams, groups and pending lists (XINFO STREAM FULL, consumers' seen times aside: a
 * replica sets them when it applies) and its DEBUG DIGEST; and the reverse, a real redis-server
 * master followed by a Lodestone replica.
 */
@Slow
class StreamReplicationTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final String[] KEYS = {"jobs", "events", "trimmed"};

    @BeforeAll
    static void needsRedis() {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
    }

    private static String call(RespClient c, String... args) throws IOException {
        return new String(c.call(args), StandardCharsets.ISO_8859_1);
    }

    private static String info(RespClient c, String field) throws IOException {
        return Info.field(call(c, "INFO", "replication"), field);
    }

    /** Waits until the replica applied everything the master sent. */
    private static void awaitInSync(RespClient master, RespClient replica) {
        Wait.until(BOUND, "replica offset = master offset", () -> {
            String m = info(master, "master_repl_offset");
            return "up".equals(info(replica, "master_link_status")) && m != null
                    && m.equals(info(replica, "slave_repl_offset"));
        });
    }

    /** XINFO STREAM FULL with every list whole, the consumers' seen times masked. */
    private static String full(RespClient c, String key) throws IOException {
        return call(c, "XINFO", "STREAM", key, "FULL", "COUNT", "0").replaceAll("seen-time\r\n:\\d+", "seen-time\r\n:T");
    }

    /**
     * Small nodes on every server, so that trimming works on node boundaries; the layout is each
     * server's own (XINFO's radix-tree counts follow it), so all of them get the same setting.
     */
    private static void smallNodes(RespClient... servers) throws IOException {
        for (RespClient c : servers) call(c, "CONFIG", "SET", "stream-node-max-entries", "4");
    }

    /** The workload: every stream write whose effect differs from the command sent. */
    private static void workload(RespClient m, RespClient blocked, int round) throws IOException {
        call(m, "XGROUP", "CREATE", "jobs", "workers", "$", "MKSTREAM");
        call(m, "XGROUP", "CREATE", "jobs", "audit", "0", "ENTRIESREAD", "0");
        // A reader blocked before the entries arrive, served by the first XADD.
        blocked.send("XREADGROUP".getBytes(), "GROUP".getBytes(), "workers".getBytes(), "sleeper".getBytes(),
                "BLOCK".getBytes(), "0".getBytes(), "STREAMS".getBytes(), "jobs".getBytes(), ">".getBytes());
        Wait.until(BOUND, "a blocked reader", () -> Info.number(call(m, "INFO", "clients"), "blocked_clients") == 1);
        for (int i = 0; i < 40; i++) call(m, "XADD", "jobs", "*", "job", round + ":" + i, "n", Integer.toString(i));
        blocked.readReply();
        call(m, "XREADGROUP", "GROUP", "workers", "alice", "COUNT", "10", "STREAMS", "jobs", ">");
        call(m, "XREADGROUP", "GROUP", "workers", "bob", "COUNT", "10", "STREAMS", "jobs", ">");
        call(m, "XREADGROUP", "GROUP", "workers", "carol", "NOACK", "COUNT", "5", "STREAMS", "jobs", ">");
        call(m, "XREADGROUP", "GROUP", "audit", "dave", "STREAMS", "jobs", ">");
        String pending = call(m, "XPENDING", "jobs", "workers", "-", "+", "6");
        for (String id : pending.split("\r\n")) {
            if (id.matches("\\d+-\\d+")) call(m, "XACK", "jobs", "workers", id);
        }
        call(m, "XCLAIM", "jobs", "workers", "erin", "0", firstPendingId(m, "workers"), "RETRYCOUNT", "7");
        call(m, "XAUTOCLAIM", "jobs", "workers", "frank", "0", "0", "COUNT", "3");
        call(m, "XDEL", "jobs", firstPendingId(m, "audit"));
        call(m, "XAUTOCLAIM", "jobs", "audit", "gina", "0", "0", "COUNT", "5", "JUSTID");
        call(m, "XCLAIM", "jobs", "workers", "hank", "0", "0-1", "LASTID", "99999999999999-0");
        call(m, "XGROUP", "CREATECONSUMER", "jobs", "workers", "ivan");
        call(m, "XGROUP", "DELCONSUMER", "jobs", "workers", "bob");
        for (int i = 0; i < 30; i++) call(m, "XADD", "trimmed", "MAXLEN", "~", "10", "*", "i", Integer.toString(i));
        call(m, "XTRIM", "trimmed", "MINID", "~", "0-1");
        for (int i = 0; i < 10; i++) call(m, "XADD", "events", i + 1 + "-*", "e", Integer.toString(i));
        call(m, "XDEL", "events", "3-0", "4-0");
        call(m, "XSETID", "events", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "5-0");
    }

    /** The group's lowest pending ID (XPENDING's summary: count, then the smallest ID). */
    private static String firstPendingId(RespClient m, String group) throws IOException {
        String[] parts = call(m, "XPENDING", "jobs", group).split("\r\n");
        return parts[2];
    }

    /**
     * What Redis 7.0 itself keeps equal on replicas: a group's read counter (and so its lag) travels
     * only with XGROUP SETID (NOACK reads, XCLAIM ... LASTID without a claim), never with the XCLAIM
     * effects of ordinary reads, so a redis-server replica differs from its master there too.
     */
    private static String replicated(String full) {
        return full.replaceAll("entries-read\r\n(:\\d+|\\$-1)\r\n", "entries-read\r\n?\r\n")
                .replaceAll("lag\r\n(:\\d+|\\$-1)\r\n", "lag\r\n?\r\n");
    }

    /**
     * The replicas hold the master's streams as far as Redis 7.0 replicates them, and are equal to
     * each other exactly; the data digest is the master's.
     */
    private static void assertSameStreams(RespClient master, RespClient... replicas) throws IOException {
        for (RespClient r : replicas) awaitInSync(master, r);
        for (String key : KEYS) {
            String want = full(master, key);
            for (RespClient r : replicas) assertEquals(replicated(want), replicated(full(r, key)), key);
            for (int i = 1; i < replicas.length; i++) assertEquals(full(replicas[0], key), full(replicas[i], key), key);
        }
        for (RespClient r : replicas) assertEquals(call(master, "DEBUG", "DIGEST"), call(r, "DEBUG", "DIGEST"));
    }

    @Test
    void lodestoneAndRedisReplicasOfALodestoneMasterEndWithItsStreams() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone("--enable-debug-command", "yes");
             RespClient m = RespClient.connect(master.port());
             RespClient blocked = RespClient.connect(master.port());
             ServerProcess lodestone = ServerProcess.lodestone("--enable-debug-command", "yes",
                     "--replicaof", "127.0.0.1", Integer.toString(master.port()));
             ServerProcess redis = ServerProcess.redis("--enable-debug-command", "yes", "--replicaof", "127.0.0.1", Integer.toString(master.port()));
             RespClient lr = RespClient.connect(lodestone.port());
             RespClient rr = RespClient.connect(redis.port())) {
            awaitInSync(m, lr);
            awaitInSync(m, rr);
            smallNodes(m, lr, rr);
            workload(m, blocked, 1);
            assertSameStreams(m, lr, rr);
        }
    }

    @Test
    void aLodestoneReplicaOfARedisMasterEndsWithItsStreams() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--enable-debug-command", "yes");
             RespClient m = RespClient.connect(master.port());
             RespClient blocked = RespClient.connect(master.port());
             ServerProcess lodestone = ServerProcess.lodestone("--enable-debug-command", "yes",
                     "--replicaof", "127.0.0.1", Integer.toString(master.port()));
             RespClient lr = RespClient.connect(lodestone.port())) {
            awaitInSync(m, lr);
            smallNodes(m, lr);
            workload(m, blocked, 1);
            assertSameStreams(m, lr);
        }
    }

    @Test
    void aLodestoneReplicaFullySyncsStreamsWithGroupsFromARedisMaster() throws Exception {
        try (ServerProcess master = ServerProcess.redis("--enable-debug-command", "yes");
             RespClient m = RespClient.connect(master.port());
             RespClient blocked = RespClient.connect(master.port())) {
            smallNodes(m);
            workload(m, blocked, 1);
            try (ServerProcess lodestone = ServerProcess.lodestone("--enable-debug-command", "yes",
                    "--replicaof", "127.0.0.1", Integer.toString(master.port()));
                 RespClient lr = RespClient.connect(lodestone.port())) {
                smallNodes(lr);
                assertSameStreams(m, lr);
                // Then the live stream on top of what the payload held.
                call(m, "XADD", "jobs", "*", "after", "sync");
                call(m, "XREADGROUP", "GROUP", "workers", "alice", "STREAMS", "jobs", ">");
                call(m, "XACK", "jobs", "audit", firstPendingId(m, "audit"));
                assertSameStreams(m, lr);
            }
        }
    }
}
