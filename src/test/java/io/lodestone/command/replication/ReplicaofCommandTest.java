package io.lodestone.command.replication;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REPLICAOF, ROLE, INFO replication and the replica's command checks (READONLY, MASTERDOWN), byte for
 * byte against a real redis-server 7.0 configured the same way: both are replicas of a port nobody
 * listens on, so their link stays down.
 */
class ReplicaofCommandTest {
    private static ServerProcess redis;
    private static ServerProcess lodestone;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable() && ServerProcess.lodestoneAvailable());
        redis = ServerProcess.redis();
        lodestone = ServerProcess.lodestone();
    }

    @AfterAll
    static void stop() {
        if (redis != null) redis.close();
        if (lodestone != null) lodestone.close();
    }

    /** Sends the same command to both servers and checks the replies are the same bytes; returns Lodestone's. */
    private static String same(String... args) throws IOException {
        try (RespClient r = redis.client(); RespClient l = lodestone.client()) {
            String expected = RespClient.escape(r.call(args));
            String actual = RespClient.escape(l.call(args));
            assertEquals(expected, actual, String.join(" ", args));
            return actual;
        }
    }

    private static String text(ServerProcess s, String... args) throws IOException {
        try (RespClient c = s.client()) {
            return RespClient.text(c.call(args));
        }
    }

    private static List<String> infoFieldNames(ServerProcess s) throws IOException {
        return List.copyOf(Info.parse(text(s, "INFO", "replication")).keySet());
    }

    private static void awaitRole(ServerProcess s, String state) {
        Wait.until(Duration.ofSeconds(10), s + " to reach " + state,
                () -> text(s, "ROLE").contains("\r\n" + state + "\r\n"), () -> text(s, "ROLE"));
    }

    @Test
    void replicaofRepliesRoleInfoAndChecks() throws Exception {
        same("REPLICAOF", "no", "one");
        same("REPLICAOF", "127.0.0.1", "abc");
        same("REPLICAOF", "127.0.0.1", "70000");
        same("REPLICAOF", "127.0.0.1", "-1");
        same("SLAVEOF", "127.0.0.1");
        same("SET", "k", "v");
        same("REPLICAOF", "127.0.0.1", "1");
        same("REPLICAOF", "127.0.0.1", "1");
        same("SLAVEOF", "127.0.0.1", "1");
        awaitRole(redis, "connect");
        awaitRole(lodestone, "connect");
        // Both retry the connection every second: a ROLE may catch one of them in "connecting".
        Wait.upTo(Duration.ofMillis(250), "the same ROLE", () -> text(redis, "ROLE").equals(text(lodestone, "ROLE")));
        same("ROLE");
        assertTrue(text(lodestone, "HELLO", "2").contains("role\r\n$7\r\nreplica"), text(lodestone, "HELLO", "2"));
        same("GET", "k");
        same("SET", "k", "v2");
        same("DEL", "k");
        same("CONFIG", "GET", "replicaof");
        same("WAIT", "0", "0");
        same("SYNC");
        assertEquals(infoFieldNames(redis).subList(0, 13), infoFieldNames(lodestone).subList(0, 13));
        String info = text(lodestone, "INFO", "replication");
        assertTrue(info.contains("master_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"), info);
        assertTrue(info.contains("master_link_down_since_seconds:-1\r\n"), info);

        same("CONFIG", "SET", "replica-serve-stale-data", "no");
        same("GET", "k");
        same("PING");
        same("SET", "k", "v3");
        same("INFO", "keyspace");
        try (RespClient r = redis.client(); RespClient l = lodestone.client()) {
            for (String[] cmd : new String[][]{{"MULTI"}, {"GET", "k"}, {"DBSIZE"}, {"EXEC"}}) {
                assertEquals(RespClient.escape(r.call(cmd)), RespClient.escape(l.call(cmd)), String.join(" ", cmd));
            }
        }
        same("CONFIG", "SET", "replica-serve-stale-data", "yes");
        same("CONFIG", "SET", "replica-read-only", "no");
        same("SET", "k", "local");
        same("GET", "k");
        same("CONFIG", "SET", "replica-read-only", "yes");

        same("REPLICAOF", "NO", "ONE");
        same("ROLE");
        same("REPLICAOF", "no", "one");
        same("SET", "k", "master again");
        same("CONFIG", "GET", "replicaof");
        assertTrue(lodestone.logContains("REPLICAOF 127.0.0.1:1 enabled (user request from 'id="), lodestone.log());
        assertTrue(lodestone.logContains("Error condition on socket for SYNC: Connection refused"), lodestone.log());
        assertTrue(lodestone.logContains("REPLICAOF would result into synchronization with the master we are already"
                + " connected with. No operation performed."), lodestone.log());
    }
}
