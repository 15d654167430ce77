package io.lodestone.command.zset;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BZPOPMIN, BZPOPMAX and BZMPOP while they wait: fairness, timeouts, MULTI, types. */
class ZSetBlockingTest {
    private EmbeddedServer server;
    private RespClient client;

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start();
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private static byte[][] cmd(String line) {
        String[] parts = line.split(" ");
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) out[i] = parts[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private String call(String line) throws IOException {
        return text(client.call(cmd(line)));
    }

    @Test
    void waitersAreServedFirstComeFirstServed() throws Exception {
        try (RespClient a = RespClient.connect(server.port());
             RespClient b = RespClient.connect(server.port());
             RespClient c = RespClient.connect(server.port())) {
            a.send(cmd("BZPOPMIN k 0"));
            ZSetPropagationTest.waitBlocked(client, 1);
            b.send(cmd("BZPOPMIN other k 0"));
            ZSetPropagationTest.waitBlocked(client, 2);
            c.send(cmd("BZPOPMAX k 0"));
            ZSetPropagationTest.waitBlocked(client, 3);
            assertEquals(":2\r\n", call("ZADD k 1 x 2 y"));
            assertEquals("*3\r\n$1\r\nk\r\n$1\r\nx\r\n$1\r\n1\r\n", text(a.readReply()));
            assertEquals("*3\r\n$1\r\nk\r\n$1\r\ny\r\n$1\r\n2\r\n", text(b.readReply()));
            ZSetPropagationTest.waitBlocked(client, 1);
            assertEquals(":0\r\n", call("EXISTS k"));
            assertEquals(":1\r\n", call("ZADD k 3 z"));
            assertEquals("*3\r\n$1\r\nk\r\n$1\r\nz\r\n$1\r\n3\r\n", text(c.readReply()));
        }
    }

    @Test
    void aTimeoutAnswersANullArrayAfterTheTimeout() throws IOException {
        long start = System.nanoTime();
        assertEquals("*-1\r\n", call("BZPOPMIN k 0.2"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 190 && ms < 5000, "took " + ms + " ms");
        assertEquals("*-1\r\n", call("BZMPOP 0.05 2 k j MAX COUNT 3"));
        call("HELLO 3");
        assertEquals("_\r\n", call("BZPOPMAX k 0.05"));
    }

    @Test
    void insideMultiTheyAnswerAtOnce() throws IOException {
        client.timeout(Duration.ofSeconds(2));
        call("MULTI");
        call("BZPOPMIN k 0");
        call("BZMPOP 0 1 k MIN");
        call("ZADD k 1 a");
        call("BZPOPMIN k 0");
        assertEquals("*4\r\n*-1\r\n*-1\r\n:1\r\n*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n", call("EXEC"));
    }

    @Test
    void bzmpopServesTheKeyThatGotElements() throws Exception {
        try (RespClient a = RespClient.connect(server.port())) {
            a.send(cmd("BZMPOP 0 2 k1 k2 MAX COUNT 2"));
            ZSetPropagationTest.waitBlocked(client, 1);
            call("ZADD k2 1 a 2 b 3 c");
            assertEquals("*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
                    text(a.readReply()));
            assertEquals(":1\r\n", call("ZCARD k2"));
        }
    }

    /** Keys are served in the order they became ready, whatever their order in the command. */
    @Test
    void theFirstKeyToBecomeReadyServes() throws Exception {
        try (RespClient a = RespClient.connect(server.port())) {
            a.send(cmd("BZPOPMIN k1 k2 0"));
            ZSetPropagationTest.waitBlocked(client, 1);
            call("MULTI");
            call("ZADD k2 2 b");
            call("ZADD k1 1 a");
            call("EXEC");
            assertEquals("*3\r\n$2\r\nk2\r\n$1\r\nb\r\n$1\r\n2\r\n", text(a.readReply()));
            assertEquals(":1\r\n", call("EXISTS k1"));
        }
    }

    /** Redis serves a sorted-set waiter only from a sorted set: another type leaves it waiting. */
    @Test
    void aKeyOfAnotherTypeKeepsTheClientWaiting() throws Exception {
        try (RespClient a = RespClient.connect(server.port())) {
            a.send(cmd("BZPOPMIN k 0"));
            ZSetPropagationTest.waitBlocked(client, 1);
            call("SET k v");
            ZSetPropagationTest.waitBlocked(client, 1);
            call("DEL k");
            call("ZADD k 5 m");
            assertEquals("*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n5\r\n", text(a.readReply()));
        }
    }

    @Test
    void aWaiterServedByATransactionSeesItsEffect() throws Exception {
        try (RespClient a = RespClient.connect(server.port())) {
            a.send(cmd("BZPOPMAX k 0"));
            ZSetPropagationTest.waitBlocked(client, 1);
            call("MULTI");
            call("ZADD k 1 a 2 b");
            call("ZREM k b");
            call("EXEC");
            assertEquals("*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n", text(a.readReply()));
            assertEquals(":0\r\n", call("EXISTS k"));
        }
    }

    @Test
    void clientUnblockGivesTheTimeoutReplyOrAnError() throws Exception {
        try (RespClient a = RespClient.connect(server.port())) {
            String id = text(a.call(cmd("CLIENT ID"))).replaceAll("[^0-9]", "");
            a.send(cmd("BZPOPMIN k 0"));
            ZSetPropagationTest.waitBlocked(client, 1);
            assertEquals(":1\r\n", call("CLIENT UNBLOCK " + id));
            assertEquals("*-1\r\n", text(a.readReply()));
            a.send(cmd("BZMPOP 0 1 k MIN"));
            ZSetPropagationTest.waitBlocked(client, 1);
            assertEquals(":1\r\n", call("CLIENT UNBLOCK " + id + " ERROR"));
            assertEquals("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", text(a.readReply()));
        }
    }
}
