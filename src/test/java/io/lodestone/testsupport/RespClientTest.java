package io.lodestone.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespClientTest {

    /** One reply of every RESP2 and RESP3 type, as a server would write it. */
    private static final List<String> REPLIES = List.of(
            "+OK\r\n",
            "-ERR wrong\r\n",
            ":-42\r\n",
            "$5\r\nhe\r\nl\r\n",
            "$0\r\n\r\n",
            "$-1\r\n",
            "*-1\r\n",
            "*0\r\n",
            "*3\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n$-1\r\n",
            "_\r\n",
            ",3.14\r\n",
            ",inf\r\n",
            "#t\r\n",
            "(3492890328409238509324850943850943825024385\r\n",
            "!5\r\nERR x\r\n",
            "=8\r\ntxt:a\r\nb\r\n",
            "%2\r\n$1\r\nk\r\n:1\r\n+k2\r\n%1\r\n_\r\n~0\r\n",
            "~2\r\n:1\r\n:2\r\n",
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n",
            "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2\r\n:3\r\n");

    @Test
    void framesEveryReplyTypeExactlyEvenOneByteAtATime() throws Exception {
        String all = String.join("", REPLIES);
        try (FakeServer server = new FakeServer(all.getBytes(StandardCharsets.UTF_8), 1);
             RespClient client = RespClient.connect(server.port())) {
            for (String expected : REPLIES) {
                assertEquals(expected, new String(client.readReply(), StandardCharsets.UTF_8));
            }
            assertTrue(client.awaitClose(Duration.ofSeconds(5)));
        }
    }

    @Test
    void reportsACloseInsideAReply() throws Exception {
        try (FakeServer server = new FakeServer("*2\r\n:1\r\n".getBytes(StandardCharsets.US_ASCII), 64);
             RespClient client = RespClient.connect(server.port())) {
            assertThrows(EOFException.class, client::readReply);
        }
    }

    @Test
    void sendsCommandsAsMultibulks() throws Exception {
        try (FakeServer server = new FakeServer("+OK\r\n".getBytes(StandardCharsets.US_ASCII), 64);
             RespClient client = RespClient.connect(server.port())) {
            assertEquals("+OK\r\n", new String(client.call("SET", "k", ""), StandardCharsets.US_ASCII));
            assertEquals("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", server.received(26));
        }
    }

    @Test
    void escapesLikeTheCaseFiles() {
        assertEquals("\"a\\r\\n\\x00\\xff\\\"\\\\\"", RespClient.escape(new byte[] {'a', '\r', '\n', 0, (byte) 0xff, '"', '\\'}));
    }

    @Test
    void respValueRoundTrips() {
        for (String reply : REPLIES) {
            byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(bytes, RespValue.parse(bytes).encode(), reply);
        }
    }

    /** Accepts one connection, writes {@code reply} in chunks of {@code chunk} bytes, then closes. */
    private static final class FakeServer implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final Thread thread;

        FakeServer(byte[] reply, int chunk) throws IOException {
            thread = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < reply.length; i += chunk) {
                        out.write(reply, i, Math.min(chunk, reply.length - i));
                        out.flush();
                    }
                    // Keep reading what the client sends until it has had time to send it.
                    s.setSoTimeout(300);
                    InputStream in = s.getInputStream();
                    int b;
                    while ((b = in.read()) >= 0) {
                        synchronized (received) {
                            received.write(b);
                        }
                    }
                } catch (IOException e) {
                    // Timeout or client gone: done.
                }
            });
            thread.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        String received(int n) throws InterruptedException {
            for (int i = 0; i < 100; i++) {
                synchronized (received) {
                    if (received.size() >= n) {
                        return received.toString(StandardCharsets.UTF_8);
                    }
                }
                Thread.sleep(10);
            }
            return received.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            listener.close();
            thread.join(2000);
        }
    }
}
