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
