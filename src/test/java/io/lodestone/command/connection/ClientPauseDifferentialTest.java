package io.lodestone.command.connection;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Twin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

/**
 * CLIENT PAUSE and UNPAUSE against a real redis-server 7.0: which commands wait (writes and
 * may-replicate ones for WRITE, everything for ALL, even inside MULTI), that they run in order when
 * the pause ends, that errors found before the pause check answer at once, and that no key expires
 * while clients are paused (a read sees it gone, DBSIZE still counts it).
 */
class ClientPauseDifferentialTest {
    private static Twin twin;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        twin = Twin.start();
    }

    @AfterAll
    static void stop() {
        if (twin != null) twin.close();
    }

    @Test
    void writesWaitForTheEndOfAWritePauseAndReadsDoNot() {
        try (Twin.Conn admin = twin.connect("admin"); Twin.Conn writer = twin.connect("writer");
             Twin.Conn tx = twin.connect("tx")) {
            admin.call("FLUSHALL");
            admin.call("PFADD", "hll", "a");
            tx.call("MULTI");
            admin.call("CLIENT", "PAUSE", "100000", "WRITE");
            writer.send("SET", "foo", "bar");
            writer.send("PFCOUNT", "hll"); // may-replicate: waits too, behind the SET
            tx.send("SET", "queued", "1"); // postponed, not even QUEUED yet
            admin.call("GET", "foo");
            admin.call("PING");
            admin.call("SET", "foo"); // the arity error comes before the pause
            admin.call("CLIENT", "UNPAUSE");
            writer.read("SET foo bar");
            writer.read("PFCOUNT hll");
            tx.read("SET queued 1");
            tx.call("EXEC");
            admin.call("GET", "foo");
            admin.call("GET", "queued");
        }
        twin.assertSame();
    }

    @Test
    void anAllPauseHoldsEveryCommandUntilItsDeadline() {
        try (Twin.Conn admin = twin.connect("admin"); Twin.Conn other = twin.connect("other")) {
            admin.call("CLIENT", "PAUSE", "300", "ALL");
            other.send("PING");
            other.read("PING");
            admin.call("PING");
        }
        twin.assertSame();
    }

    @Test
    void noKeyExpiresWhileClientsArePaused() throws InterruptedException {
        try (Twin.Conn c = twin.connect("c")) {
            c.call("FLUSHALL");
            c.call("MULTI");
            c.call("SET", "k", "v", "PX", "10");
            c.call("CLIENT", "PAUSE", "100000", "WRITE"); // starts when the transaction ends
            c.call("EXEC");
            Thread.sleep(150);
            c.call("GET", "k");
            c.call("DBSIZE");
            c.call("CLIENT", "UNPAUSE");
            c.call("GET", "k");
            c.call("DBSIZE");
        }
        twin.assertSame();
    }

    @Test
    void badArguments() {
        try (Twin.Conn c = twin.connect("c")) {
            c.call("CLIENT", "PAUSE", "abc");
            c.call("CLIENT", "PAUSE", "-1");
            c.call("CLIENT", "PAUSE", "10", "READ");
            c.call("CLIENT", "PAUSE");
            c.call("CLIENT", "UNPAUSE", "x");
            c.call("CLIENT", "UNPAUSE");
        }
        twin.assertSame();
    }
}
