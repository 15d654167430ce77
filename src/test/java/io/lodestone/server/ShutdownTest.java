package io.lodestone.server;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SHUTDOWN as Redis 7.0 has it: a master waits for a lagging replica (clients blocked in SHUTDOWN,
 * INFO shutdown_in_milliseconds), ABORT cancels the wait and the blocked clients get the error, a
 * replica that catches up lets the shutdown finish, and a SIGTERM noticed by cron can be aborted
 * too. Every scenario runs against redis-server and Lodestone: the replies must be the same bytes.
 */
@Slow
class ShutdownTest {
    private static final Duration BOUND = Duration.ofSeconds(15);

    private interface Scenario {
        void run(ServerProcess master, ServerProcess replica, List<String> replies) throws Exception;
    }

    @Test
    void abortCancelsTheWaitForALaggingReplica() throws Exception {
        assertSameReplies((m, r, replies) -> {
            signal(r, "STOP");
            try (RespClient c = m.client(); RespClient waiter = m.client()) {
                replies.add(RespClient.text(c.call("INCR", "k")));
                waiter.send(b("SHUTDOWN"));
                Wait.until(BOUND, "the shutdown waits", () -> Info.field(text(c.call("INFO", "server")),
                        "shutdown_in_milliseconds") != null);
                String clients = text(c.call("INFO", "clients"));
                replies.add(Info.field(clients, "blocked_clients"));
                replies.add(Info.field(clients, "connected_clients")); // the replica is not counted
                replies.add(text(c.call("SHUTDOWN", "ABORT", "NOW")));
                replies.add(text(c.call("SHUTDOWN", "ABORT")));
                replies.add(text(waiter.readReply()));
                replies.add(text(c.call("SHUTDOWN", "ABORT")));
                replies.add(String.valueOf(Info.field(text(c.call("INFO", "server")), "shutdown_in_milliseconds")));
                replies.add(text(c.call("SET", "after", "abort"))); // writes go on
            } finally {
                signal(r, "CONT");
            }
            awaitLog(m, "Waiting for replicas before shutting down.");
            awaitLog(m, "Shutdown manually aborted.");
        });
    }

    @Test
    void theShutdownFinishesWhenTheReplicaCatchesUp() throws Exception {
        assertSameReplies((m, r, replies) -> {
            signal(r, "STOP");
            try (RespClient c = m.client(); RespClient waiter = m.client()) {
                replies.add(text(c.call("CONFIG", "SET", "shutdown-timeout", "60")));
                replies.add(text(c.call("INCR", "k")));
                waiter.send(b("SHUTDOWN", "NOSAVE"));
                Wait.until(BOUND, "the shutdown waits", () -> Info.field(text(c.call("INFO", "server")),
                        "shutdown_in_milliseconds") != null);
                signal(r, "CONT");
                assertTrue(waiter.awaitClose(BOUND), "the master exits once the replica has the INCR");
            } finally {
                signal(r, "CONT");
            }
            try (RespClient rc = r.client()) {
                replies.add(text(rc.call("GET", "k")));
            }
            Wait.until(BOUND, "the log says so", () -> m.log().contains("ready to exit, bye bye"));
            awaitLog(m, "1 of 1 replicas are in sync when shutting down.");
        });
    }

    @Test
    void aSignalsShutdownCanBeAbortedBeforeCronActs() throws Exception {
        assertSameReplies((m, r, replies) -> {
            try (RespClient c = m.client()) {
                replies.add(text(c.call("DEBUG", "PAUSE-CRON", "1")));
                signal(m, "TERM");
                Wait.until(BOUND, "the signal is noted", () -> m.log().contains("Received SIGTERM scheduling shutdown..."));
                replies.add(text(c.call("SHUTDOWN", "ABORT")));
                replies.add(text(c.call("DEBUG", "PAUSE-CRON", "0")));
                replies.add(text(c.call("PING")));
            }
            awaitLog(m, "Shutdown manually aborted.");
        });
    }

    /** Runs the scenario on a master and a replica of redis-server, then of Lodestone, and compares. */
    private static void assertSameReplies(Scenario s) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        List<String> redis = run(true, s);
        List<String> ours = run(false, s);
        assertEquals(redis, ours);
    }

    private static List<String> run(boolean redis, Scenario s) throws Exception {
        String[] args = {"--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0", "--save", ""};
        try (ServerProcess m = redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args);
             ServerProcess r = redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args)) {
            try (RespClient rc = r.client(); RespClient mc = m.client()) {
                rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
                mc.call("SET", "k", "1");
                Wait.until(BOUND, "the replica is in sync", () -> {
                    String mo = Info.field(text(mc.call("INFO", "replication")), "master_repl_offset");
                    String info = text(rc.call("INFO", "replication"));
                    return "up".equals(Info.field(info, "master_link_status"))
                            && mo.equals(Info.field(info, "slave_repl_offset"));
                });
            }
            List<String> replies = new ArrayList<>();
            s.run(m, r, replies);
            return replies;
        }
    }

    /** The server's log is read as it comes: a line may follow the reply it goes with. */
    private static void awaitLog(ServerProcess p, String line) {
        Wait.until(BOUND, "the log line " + line, () -> p.log().contains(line));
    }

    private static void signal(ServerProcess p, String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
    }

    private static byte[][] b(String... args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) out[i] = args[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return out;
    }

    private static String text(byte[] reply) {
        return RespClient.text(reply);
    }
}
