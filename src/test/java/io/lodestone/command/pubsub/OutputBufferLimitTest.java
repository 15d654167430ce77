package io.lodestone.command.pubsub;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber that stops reading must not make the server buffer without bound:
 * client-output-buffer-limit's pubsub class disconnects it, at once past the hard limit, or once it
 * has stayed above the soft limit for longer than the soft seconds. Redis is held to the same
 * expectations, so the test checks the scenario as well as Lodestone.
 */
class OutputBufferLimitTest {
    private static final byte[] PAYLOAD = new byte[64 * 1024];
    /** 64 MB at most: far above any socket buffering, so only a disconnect ends the loop. */
    private static final int MAX_PUBLISHES = 1024;

    @Test
    void lodestoneDisconnectsAtTheHardLimit() throws Exception {
        try (EmbeddedServer s = EmbeddedServer.start("client-output-buffer-limit pubsub 1mb 0 0")) {
            hardLimit(s.port());
        }
    }

    @Test
    void redisDisconnectsAtTheHardLimit() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        try (ServerProcess r = ServerProcess.redis("--client-output-buffer-limit", "pubsub 1mb 0 0")) {
            hardLimit(r.port());
        }
    }

    private static void hardLimit(int port) throws IOException {
        try (Socket slow = stalledSubscriber(port, "slow.ch");
             RespClient pub = RespClient.connect(port)) {
            int published = 0;
            while (published < MAX_PUBLISHES && ":1\r\n".equals(text(pub.call(b("PUBLISH"), b("slow.ch"), PAYLOAD)))) {
                published++;
            }
            assertTrue(published < MAX_PUBLISHES, "the stalled subscriber was never disconnected");
            assertTrue(published >= 16, "disconnected after only " + published + " messages of 64 KB");
            assertEquals(":0\r\n", text(pub.call("PUBLISH", "slow.ch", "x")));
            assertEquals("*2\r\n$7\r\nslow.ch\r\n:0\r\n", text(pub.call("PUBSUB", "NUMSUB", "slow.ch")));
            assertEquals("$0\r\n\r\n", text(pub.call("CLIENT", "LIST", "TYPE", "pubsub")));
            assertTrue(closedAfterDraining(slow), "the subscriber's connection stayed open");
        }
    }

    @Test
    void lodestoneDisconnectsAfterTheSoftLimitSeconds() throws Exception {
        try (EmbeddedServer s = EmbeddedServer.start("client-output-buffer-limit pubsub 0 256kb 1")) {
            softLimit(s.port());
        }
    }

    @Test
    void redisDisconnectsAfterTheSoftLimitSeconds() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        try (ServerProcess r = ServerProcess.redis("--client-output-buffer-limit", "pubsub 0 256kb 1")) {
            softLimit(r.port());
        }
    }

    /**
     * A burst far above the soft limit is tolerated (the time has not run); messages that keep coming
     * find the client still above it, and one more than a second later disconnects it.
     */
    private static void softLimit(int port) throws Exception {
        try (Socket slow = stalledSubscriber(port, "soft.ch");
             RespClient pub = RespClient.connect(port)) {
            long start = System.nanoTime();
            for (int i = 0; i < 160; i++) { // 10 MB: fills every socket buffer on the way
                assertEquals(":1\r\n", text(pub.call(b("PUBLISH"), b("soft.ch"), PAYLOAD)), "burst message " + i);
            }
            Wait.until(Duration.ofSeconds(10), "the subscriber above the soft limit to be disconnected",
                    () -> ":0\r\n".equals(text(pub.call("PUBLISH", "soft.ch", "tick"))));
            long disconnectedAfterMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(disconnectedAfterMs >= 900, "disconnected after " + disconnectedAfterMs + " ms, before the soft limit's second");
            assertTrue(closedAfterDraining(slow), "the subscriber's connection stayed open");
        }
    }

    /** A subscriber with a tiny receive window that reads its confirmation and then nothing. */
    private static Socket stalledSubscriber(int port, String channel) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.getOutputStream().write(RespClient.encode(b("SUBSCRIBE"), b(channel)));
        String expected = "*3\r\n$9\r\nsubscribe\r\n$" + channel.length() + "\r\n" + channel + "\r\n:1\r\n";
        byte[] got = s.getInputStream().readNBytes(expected.length());
        assertEquals(expected, text(got));
        return s;
    }

    /** Reads whatever was delivered before the close; true once the server has closed (bounded). */
    private static boolean closedAfterDraining(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long deadline = System.nanoTime() + 10_000_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                if (in.read(buf) < 0) return true;
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset by the server
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
