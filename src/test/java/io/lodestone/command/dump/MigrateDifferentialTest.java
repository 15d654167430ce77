package io.lodestone.command.dump;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Twin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

/**
 * MIGRATE from Lodestone answers as MIGRATE from redis-server: each source migrates into a target of
 * its own (both real redis-servers, started alike), with the same arguments but the target's port;
 * the replies, and afterwards what the targets and sources hold, are compared.
 */
class MigrateDifferentialTest {
    private static Twin twin;
    private static ServerProcess targetOfRedis, targetOfOurs;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        twin = Twin.start("enable-debug-command", "yes");
        targetOfRedis = ServerProcess.redis("--enable-debug-command", "yes");
        targetOfOurs = ServerProcess.redis("--enable-debug-command", "yes");
    }

    @AfterAll
    static void stop() {
        if (twin != null) twin.close();
        if (targetOfRedis != null) targetOfRedis.close();
        if (targetOfOurs != null) targetOfOurs.close();
    }

    /** MIGRATE with {@code port} standing for the port of each source's own target. */
    private static void migrate(Twin.Conn c, Object... args) {
        String[] r = callPerTarget(c, targetOfRedis.port(), targetOfOurs.port(), args);
        twin.compare("MIGRATE " + Twin.describe(args), r[0], r[1]);
    }

    private static String[] callPerTarget(Twin.Conn c, int redisPort, int ourPort, Object... args) {
        Object[] a = new Object[args.length + 1], b = new Object[args.length + 1];
        a[0] = b[0] = "MIGRATE";
        for (int i = 0; i < args.length; i++) {
            a[i + 1] = "port".equals(args[i]) ? Integer.toString(redisPort) : args[i];
            b[i + 1] = "port".equals(args[i]) ? Integer.toString(ourPort) : args[i];
        }
        try {
            return new String[] {RespClient.text(c.real.call(Twin.argv(a))), RespClient.text(c.mine.call(Twin.argv(b)))};
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The same command on both targets, compared. */
    private static void onTargets(Object... args) throws IOException {
        try (RespClient r = targetOfRedis.client(); RespClient o = targetOfOurs.client()) {
            twin.compare("target: " + Twin.describe(args), RespClient.text(r.call(Twin.argv(args))),
                    RespClient.text(o.call(Twin.argv(args))));
        }
    }

    @Test
    void migrateAnswersAsRedis() throws IOException {
        try (Twin.Conn c = twin.connect("migrate")) {
            c.call("FLUSHALL");
            onTargets("FLUSHALL");
            c.call("SET", "s", "Some Value");
            c.call("RPUSH", "l", "a", "b", "c", "d");
            c.call("HSET", "h", "f1", "v1", "f2", "v2");
            c.call("SET", "t", "with ttl");
            c.call("EXPIRE", "t", "100");
            migrate(c, "127.0.0.1", "port", "s", "0", "5000");
            migrate(c, "127.0.0.1", "port", "l", "9", "5000", "COPY");
            migrate(c, "127.0.0.1", "port", "t", "0", "5000");
            migrate(c, "127.0.0.1", "port", "nokey", "0", "5000");
            // the target has it: BUSYKEY, unless REPLACE
            migrate(c, "127.0.0.1", "port", "l", "9", "5000", "COPY");
            migrate(c, "127.0.0.1", "port", "l", "9", "5000", "COPY", "REPLACE");
            c.call("MSET", "a", "1", "b", "2", "c", "3");
            onTargets("MSET", "b", "taken");
            migrate(c, "127.0.0.1", "port", "", "0", "5000", "KEYS", "a", "b", "c", "missing");
            migrate(c, "127.0.0.1", "port", "", "0", "5000", "KEYS", "x", "y");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "KEYS", "h");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "BOGUS");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "AUTH");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "AUTH2", "user");
            migrate(c, "127.0.0.1", "port", "h", "notanumber", "5000");
            migrate(c, "127.0.0.1", "port", "h", "0", "notanumber");
            // AUTH: right, then wrong
            onTargets("CONFIG", "SET", "requirepass", "foobar");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "COPY", "AUTH", "foobar");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "COPY", "REPLACE", "AUTH2", "default", "foobar");
            migrate(c, "127.0.0.1", "port", "h", "0", "5000", "COPY", "AUTH", "wrong");
            try (RespClient r = targetOfRedis.client(); RespClient o = targetOfOurs.client()) {
                for (RespClient t : new RespClient[] {r, o}) {
                    t.call("AUTH", "foobar");
                    t.call("CONFIG", "SET", "requirepass", "");
                }
            }
            c.call("EXISTS", "s", "l", "t", "a", "b", "c", "h");
            for (int db : new int[] {0, 9}) {
                onTargets("SELECT", Integer.toString(db));
                onTargets("DEBUG", "DIGEST");
            }
            onTargets("TTL", "t");
            // nothing listens there
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            String[] r = callPerTarget(c, closed, closed, "127.0.0.1", Integer.toString(closed), "l", "0", "1000");
            twin.compare("MIGRATE to a closed port", r[0], r[1]);
            c.call("FLUSHALL");
        }
        twin.assertSame();
    }

    /** A target that does not answer within the timeout: IOERR, and the key stays. */
    @Test
    void timeoutIsAnIoError() throws Exception {
        try (Twin.Conn c = twin.connect("timeout")) {
            c.call("SET", "slow", "v");
            try (RespClient r = targetOfRedis.client(); RespClient o = targetOfOurs.client()) {
                r.send(Twin.argv("DEBUG", "SLEEP", "1"));
                o.send(Twin.argv("DEBUG", "SLEEP", "1"));
                Thread.sleep(100);
                migrate(c, "127.0.0.1", "port", "slow", "0", "300");
                r.readReply();
                o.readReply();
            }
            c.call("EXISTS", "slow");
            c.call("DEL", "slow");
        }
        twin.assertSame();
    }

    @SuppressWarnings("unused")
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
