package io.lodestone.security;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replication link authenticated as an ACL user: a replica account with only +psync +replconf
 * +ping, masteruser + masterauth on the replica, in both directions with a real redis-server.
 */
@Slow
class AclReplicationTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    /** The master's users: the default user needs a password; "replicator" may only replicate. */
    private static final String[] MASTER = {"--repl-diskless-sync-delay", "0", "--requirepass", "admin-secret",
            "--user", "replicator", "on", ">repl-secret", "+psync", "+replconf", "+ping"};
    private static final String[] REPLICA = {"--masteruser", "replicator", "--masterauth", "repl-secret"};

    @BeforeAll
    static void needLodestone() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable() && !ServerProcess.targetIsRedis());
    }

    private static void followsAsTheReplicaUser(ServerProcess master, ServerProcess replica) throws Exception {
        try (Jedis m = new Jedis("127.0.0.1", master.port()); Jedis r = new Jedis("127.0.0.1", replica.port())) {
            m.auth("admin-secret");
            for (int i = 0; i < 100; i++) m.set("k" + i, "v" + i);
            r.replicaof("127.0.0.1", master.port());
            Wait.until(BOUND, "the link up", () -> r.info("replication").contains("master_link_status:up"));
            m.set("after", "sync");
            Wait.until(BOUND, "the stream applied", () -> "sync".equals(r.get("after")));
            assertEquals("v42", r.get("k42"));
            // The replica user can do nothing else: it is a replication account, not a client one.
            try (Jedis other = new Jedis("127.0.0.1", master.port())) {
                other.auth("replicator", "repl-secret");
                Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> other.get("k1"));
                assertTrue(e.getMessage().contains("NOPERM this user has no permissions to run the 'get' command"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aLodestoneReplicaFollowsALodestoneMasterAsAReplicationUser() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone(MASTER); ServerProcess replica = ServerProcess.lodestone(REPLICA)) {
            followsAsTheReplicaUser(master, replica);
        }
    }

    @Test
    void aRealRedisReplicaFollowsALodestoneMasterAsAReplicationUser() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        try (ServerProcess master = ServerProcess.lodestone(MASTER); ServerProcess replica = ServerProcess.redis(REPLICA)) {
            followsAsTheReplicaUser(master, replica);
        }
    }

    @Test
    void aLodestoneReplicaFollowsARealRedisMasterAsAReplicationUser() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        try (ServerProcess master = ServerProcess.redis(MASTER); ServerProcess replica = ServerProcess.lodestone(REPLICA)) {
            followsAsTheReplicaUser(master, replica);
        }
    }

    @Test
    void aWrongReplicaPasswordIsRefusedAndLogged() throws Exception {
        try (ServerProcess master = ServerProcess.lodestone(MASTER);
             ServerProcess replica = ServerProcess.lodestone("--masteruser", "replicator", "--masterauth", "wrong");
             Jedis m = new Jedis("127.0.0.1", master.port()); Jedis r = new Jedis("127.0.0.1", replica.port())) {
            r.replicaof("127.0.0.1", master.port());
            Wait.until(BOUND, "the refusal logged", () -> replica.log().contains("Unable to AUTH to MASTER: -WRONGPASS"));
            assertTrue(r.info("replication").contains("master_link_status:down"));
            m.auth("admin-secret");
            // Jedis's aclLog() expects Redis 7.2's fields: read Redis 7.0's flat field list directly.
            java.util.List<?> entries = (java.util.List<?>) m.sendCommand(redis.clients.jedis.Protocol.Command.ACL, "LOG", "1");
            java.util.List<?> fields = (java.util.List<?>) entries.get(0);
            java.util.Map<String, String> entry = new java.util.HashMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                Object v = fields.get(i + 1);
                entry.put(new String((byte[]) fields.get(i)), v instanceof byte[] b ? new String(b) : String.valueOf(v));
            }
            assertEquals("auth", entry.get("reason"));
            assertEquals("replicator", entry.get("username"));
        }
    }
}
