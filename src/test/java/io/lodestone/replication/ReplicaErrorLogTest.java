package io.lodestone.replication;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

import java.util.ArrayList;
import java.util.List;

import static io.lodestone.replication.ReplTesting.await;
import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.awaitLinkUp;
import static io.lodestone.replication.ReplTesting.jedis;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DEBUG REPLICATE feeds a command to the replicas as it is; a replica that answers its master's
 * command with an error logs it as Redis does ("== CRITICAL =="), whatever the error. Compared with a
 * pair of redis-servers when one is installed.
 */
@Slow
class ReplicaErrorLogTest {
    private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes();

    @Test
    void aReplicaLogsTheErrorsItSendsToItsMaster() throws Exception {
        List<String> lodestone = scenario(false);
        if (ServerProcess.redisAvailable()) assertEquals(scenario(true), lodestone);
        assertEquals(List.of(
                "== CRITICAL == This replica is sending an error to its master: 'unknown command 'fake-command-1',"
                        + " with args beginning with: ' after processing the command '<unknown>'",
                "== CRITICAL == This replica is sending an error to its master: 'value is not an integer or out"
                        + " of range' after processing the command 'incrby'"), lodestone);
    }

    private static List<String> scenario(boolean redis) throws Exception {
        String[] masterArgs = {"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"};
        try (ServerProcess master = redis ? ServerProcess.redis(masterArgs) : ServerProcess.lodestone(masterArgs);
             ServerProcess replica = redis ? ServerProcess.redis() : ServerProcess.lodestone();
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            r.replicaof("127.0.0.1", master.port());
            awaitLinkUp(r);
            assertEquals("OK", m.sendCommand(DEBUG, "REPLICATE", "fake-command-1") instanceof byte[] b
                    ? new String(b) : "?");
            m.set("foo", "bar");
            awaitInSync(m, r);
            r.configSet("replica-read-only", "no");
            r.set("number2", "foo");
            m.incrBy("number2", 1);
            awaitInSync(m, r);
            await("both errors logged", () -> critical(replica.log()).size() == 2);
            assertEquals("foo", r.get("number2"));
            return critical(replica.log());
        }
    }

    /**
     * The other direction: a replica's link carries no replies, so a replica that sends a command with
     * a reply (PING), or one that would use the data set (GET: refused), is disconnected and logged.
     */
    @Test
    void aReplicaThatMakesTheMasterReplyIsDisconnected() throws Exception {
        List<String> lodestone = replicaSendsCommands(false);
        if (ServerProcess.redisAvailable()) assertEquals(replicaSendsCommands(true), lodestone);
        assertEquals(List.of("+FULLRESYNC <id> 0", "closed",
                "Replica generated a reply to command 'get', disconnecting it",
                "== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the"
                        + " keyspace' after processing the command 'get'",
                "PONG", "+FULLRESYNC <id> 0", "closed", "Replica generated a reply to command 'ping', disconnecting it",
                "PONG"), lodestone);
    }

    private static List<String> replicaSendsCommands(boolean redis) throws Exception {
        List<String> seen = new ArrayList<>();
        String[] args = {"--repl-diskless-sync", "no"};
        try (ServerProcess master = redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args)) {
            for (String command : new String[]{"GET", "PING"}) {
                try (java.net.Socket c = new java.net.Socket("127.0.0.1", master.port())) {
                    c.setSoTimeout(10_000);
                    var out = c.getOutputStream();
                    var in = new java.io.BufferedInputStream(c.getInputStream());
                    out.write("PSYNC replicationid -1\r\n".getBytes());
                    StringBuilder line = new StringBuilder();
                    for (int b; (b = in.read()) != '\n' && b >= 0; ) line.append((char) b);
                    seen.add(line.toString().strip().replaceAll("FULLRESYNC [0-9a-f]{40}", "FULLRESYNC <id>"));
                    out.write((command.equals("GET") ? "GET foo\r\n" : "PING\r\n").getBytes());
                    // Whatever the master sent meanwhile (keep-alive newlines, the payload), then the end.
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (in.read() >= 0 && System.nanoTime() < deadline) {
                        // drained
                    }
                    seen.add(System.nanoTime() < deadline ? "closed" : "open");
                }
                // Both lines a refused GET causes (the CRITICAL one comes second), or PING's one.
                await("the log", () -> master.log().contains("reply to command '" + command.toLowerCase())
                        && (command.equals("PING") || master.log().contains("after processing the command 'get'")));
                for (String line : master.log().split("\n")) {
                    int at = line.indexOf("Replica generated a reply");
                    if (at >= 0 && line.contains("'" + command.toLowerCase() + "'")) {
                        seen.add(line.substring(at, line.indexOf(", disconnecting it") + ", disconnecting it".length()));
                    }
                    at = line.indexOf("== CRITICAL ==");
                    if (at >= 0 && line.contains("'" + command.toLowerCase() + "'")) seen.add(line.substring(at).strip());
                }
                try (Jedis j = jedis(master)) {
                    seen.add(j.ping());
                }
            }
        }
        return seen;
    }

    /** The CRITICAL lines, without Redis's log prefix (pid, role, time). */
    private static List<String> critical(String log) {
        List<String> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            int at = line.indexOf("== CRITICAL ==");
            if (at >= 0) out.add(line.substring(at).strip());
        }
        return out;
    }
}
