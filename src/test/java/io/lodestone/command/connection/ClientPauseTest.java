package io.lodestone.command.connection;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIENT PAUSE / UNPAUSE as Redis 7.0 behaves: which commands wait, how they resume, the data kept still. */
class ClientPauseTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private EmbeddedServer server;
    private RespClient admin;

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start();
        admin = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        admin.close();
        server.close();
    }

    private static byte[][] args(String... a) {
        byte[][] out = new byte[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return out;
    }

    private long blockedClients() throws IOException {
        return Info.number(text(admin.call("INFO", "clients")), "blocked_clients");
    }

    private void awaitBlocked(long n) {
        Wait.until(BOUND, n + " blocked clients", () -> blockedClients() == n);
    }

    @Test
    void writeAndMayReplicateCommandsWaitReadsDoNot() throws IOException {
        admin.call("PFADD", "hll", "a");
        assertEquals("+OK", text(admin.call("CLIENT", "PAUSE", "100000", "WRITE")).trim());
        try (RespClient w = RespClient.connect(server.port()); RespClient pf = RespClient.connect(server.port());
             RespClient pub = RespClient.connect(server.port()); RespClient r = RespClient.connect(server.port())) {
            assertEquals("$-1", text(r.call("GET", "foo")).trim());
            assertTrue(text(r.call("PING")).startsWith("+PONG"));
            w.send(args("SET", "foo", "bar"));
            pf.send(args("PFCOUNT", "hll"));
            pub.send(args("PUBLISH", "ch", "m"));
            awaitBlocked(3);
            // A request queued behind a held command waits too, and runs after it.
            w.send(args("GET", "foo"));
            // Syntax errors are answered at once: the arity check comes first.
            assertTrue(text(r.call("SET", "foo")).startsWith("-ERR wrong number of arguments"));
            assertEquals("+OK", text(admin.call("CLIENT", "UNPAUSE")).trim());
            assertEquals("+OK", text(w.readReply()).trim());
            assertEquals("$3\r\nbar", text(w.readReply()).trim());
            assertEquals(":1", text(pf.readReply()).trim());
            assertEquals(":0", text(pub.readReply()).trim());
            assertEquals(0, blockedClients());
        }
    }

    @Test
    void pauseAllHoldsReadsAndEndsOnItsOwn() throws IOException {
        admin.call("CLIENT", "PAUSE", "300");
        try (RespClient r = RespClient.connect(server.port())) {
            long start = System.nanoTime();
            assertTrue(text(r.call("PING")).startsWith("+PONG"));
            assertTrue(System.nanoTime() - start >= 200_000_000L, "PING waited for the pause to end");
        }
    }

    @Test
    void expiredKeysAreNeitherDeletedNorVisibleWhilePaused() throws IOException {
        long expiredBefore = Info.number(text(admin.call("INFO", "stats")), "expired_keys");
        admin.call("MULTI");
        admin.call("SET", "a", "1", "PX", "10");
        admin.call("CLIENT", "PAUSE", "50000", "WRITE");
        admin.call("EXEC");
        Wait.until(BOUND, "a to read as expired", () -> text(admin.call("GET", "a")).trim().equals("$-1"));
        assertEquals(expiredBefore, Info.number(text(admin.call("INFO", "stats")), "expired_keys"));
        admin.call("CLIENT", "UNPAUSE");
        admin.call("GET", "a");
        assertEquals(expiredBefore + 1, Info.number(text(admin.call("INFO", "stats")), "expired_keys"));
    }

    @Test
    void errorsAsRedis() throws IOException {
        assertEquals("-ERR timeout is not an integer or out of range", text(admin.call("CLIENT", "PAUSE", "x")).trim());
        assertEquals("-ERR timeout is negative", text(admin.call("CLIENT", "PAUSE", "-1")).trim());
        assertEquals("-ERR CLIENT PAUSE mode must be WRITE or ALL", text(admin.call("CLIENT", "PAUSE", "1", "READ")).trim());
    }
}
