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
 * Expired keys on a replica, as redis-server 7.0 treats them: a read-only replica hides them and
 * waits for its master's DEL; a writable replica deletes one a write looks up (the write starts from
 * no key), and expires in cron the keys its own clients gave a TTL. The same sequence runs on a pair
 * of redis-servers when one is installed, and the observations must be equal.
 */
@Slow
class WritableReplicaExpiryTest {
    private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes();

    @Test
    void writableReplicaDeletesExpiredKeysOnWriteAndExpiresItsOwn() throws Exception {
        List<String> lodestone = scenario(false);
        if (ServerProcess.redisAvailable()) assertEquals(scenario(true), lodestone);
        assertEquals(List.of("2", "0", "2", "1", "-1", "null", "2", "4", "2"), lodestone);
    }

    private static ServerProcess start(boolean redis, String... args) throws Exception {
        return redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args);
    }

    private static List<String> scenario(boolean redis) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerProcess master = start(redis, "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes");
             ServerProcess replica = start(redis);
             Jedis m = jedis(master); Jedis r = jedis(replica)) {
            r.replicaof("127.0.0.1", master.port());
            awaitLinkUp(r);
            m.sendCommand(DEBUG, "SET-ACTIVE-EXPIRE", "0");
            m.psetex("key1", 10, "5");
            m.psetex("key2", 10, "5");
            awaitInSync(m, r);
            await("expired on the replica", () -> r.exists("key1", "key2") == 0);
            seen.add(Long.toString(r.dbSize()));
            seen.add(Long.toString(r.exists("key1", "key2")));
            r.configSet("replica-read-only", "no");
            seen.add(Long.toString(r.dbSize()));
            seen.add(Long.toString(r.incr("key1"))); // the write deletes the expired key first
            seen.add(Long.toString(r.ttl("key1")));
            seen.add(String.valueOf(r.get("key2"))); // a read only hides it
            seen.add(Long.toString(r.dbSize()));
            r.setex("own1", 1, "v");
            r.psetex("own2", 800, "v");
            seen.add(Long.toString(r.dbSize()));
            await("the replica's own keys expired", () -> r.dbSize() == 2);
            seen.add(Long.toString(r.dbSize()));
        }
        return seen;
    }
}
