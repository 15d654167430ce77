package io.lodestone.command.replication;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FAILOVER: Redis's errors, and a switch of roles that needs no full sync on either side. */
class FailoverTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static String call(EmbeddedServer s, String... args) throws Exception {
        try (RespClient c = RespClient.connect(s.port())) {
            String reply = RespClient.text(c.call(args));
            return reply.endsWith("\r\n") ? reply.substring(0, reply.length() - 2) : reply;
        }
    }

    private static String field(Jedis j, String section, String name) {
        for (String line : j.info(section).split("\r\n")) {
            if (line.startsWith(name + ":")) return line.substring(name.length() + 1);
        }
        return null;
    }

    private static void awaitInSync(Jedis master, Jedis replica) {
        Wait.until(BOUND, "the replica in sync", () -> "up".equals(field(replica, "replication", "master_link_status"))
                && field(master, "replication", "master_repl_offset").equals(field(replica, "replication", "slave_repl_offset")));
    }

    @Test
    void refusalsAreRedissErrors() throws Exception {
        try (EmbeddedServer m = EmbeddedServer.start("repl-diskless-sync-delay 0");
             EmbeddedServer r = EmbeddedServer.start();
             Jedis jm = new Jedis("127.0.0.1", m.port()); Jedis jr = new Jedis("127.0.0.1", r.port())) {
            assertEquals("-ERR FAILOVER requires connected replicas.", call(m, "FAILOVER"));
            assertEquals("-ERR No failover in progress.", call(m, "FAILOVER", "ABORT"));
            jr.replicaof("127.0.0.1", m.port());
            awaitInSync(jm, jr);
            assertEquals("-ERR FAILOVER is not valid when server is a replica.", call(r, "FAILOVER"));
            assertEquals("-ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
                    call(m, "FAILOVER", "TO", "127.0.0.1", Integer.toString(r.port()), "FORCE"));
            assertEquals("-ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
                    call(m, "FAILOVER", "FORCE", "TIMEOUT", "100"));
            assertEquals("-ERR FAILOVER target HOST and PORT is not a replica.",
                    call(m, "FAILOVER", "TO", "invalidhost", Integer.toString(r.port())));
            assertTrue(call(m, "FAILOVER", "TO", "127.0.0.1", "invalidport").startsWith("-ERR"));
            assertEquals("-ERR FAILOVER timeout must be greater than 0", call(m, "FAILOVER", "TIMEOUT", "0"));
            assertEquals("-ERR syntax error", call(m, "FAILOVER", "ABORT", "TIMEOUT", "10"));
            assertEquals("no-failover", field(jm, "replication", "master_failover_state"));
        }
    }

    @Test
    void theTargetBecomesTheMasterAndEveryoneContinuesPartially() throws Exception {
        try (EmbeddedServer m = EmbeddedServer.start("repl-diskless-sync-delay 0");
             EmbeddedServer r1 = EmbeddedServer.start("repl-diskless-sync-delay 0");
             EmbeddedServer r2 = EmbeddedServer.start("repl-diskless-sync-delay 0");
             Jedis jm = new Jedis("127.0.0.1", m.port());
             Jedis j1 = new Jedis("127.0.0.1", r1.port());
             Jedis j2 = new Jedis("127.0.0.1", r2.port())) {
            for (int i = 0; i < 1000; i++) jm.set("k" + i, "v" + i);
            j1.replicaof("127.0.0.1", m.port());
            j2.replicaof("127.0.0.1", m.port());
            awaitInSync(jm, j1);
            awaitInSync(jm, j2);
            jm.incr("after-sync");
            long partial = Long.parseLong(field(j1, "stats", "sync_partial_ok"));
            long full = Long.parseLong(field(j1, "stats", "sync_full"));

            assertEquals("+OK", call(m, "FAILOVER", "TO", "127.0.0.1", Integer.toString(r1.port())));
            Wait.until(BOUND, "the failover ends", () -> "no-failover".equals(field(jm, "replication", "master_failover_state")));
            assertEquals("slave", field(jm, "replication", "role"));
            assertEquals("master", field(j1, "replication", "role"));
            j2.replicaof("127.0.0.1", r1.port());
            awaitInSync(j1, jm);
            awaitInSync(j1, j2);
            assertEquals(partial + 2, Long.parseLong(field(j1, "stats", "sync_partial_ok")));
            assertEquals(full, Long.parseLong(field(j1, "stats", "sync_full")));
            j1.incr("after-failover");
            awaitInSync(j1, jm);
            awaitInSync(j1, j2);
            String digest = call(r1, "DEBUG", "DIGEST");
            assertEquals(digest, call(m, "DEBUG", "DIGEST"));
            assertEquals(digest, call(r2, "DEBUG", "DIGEST"));
            assertEquals("1", jm.get("after-failover"));
        }
    }
}
