package io.lodestone.server;

import io.lodestone.testsupport.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A client may write a whole large pipeline before reading any reply, as with Redis. */
class LargePipelineTest {
    @Test
    void fiftyMegabytesInAndOutWithoutReadingFirst() throws Exception {
        int n = 5000;
        byte[] value = new byte[10_000];
        Arrays.fill(value, (byte) 'x');
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            req.write("*2\r\n$4\r\nECHO\r\n$10000\r\n".getBytes(StandardCharsets.US_ASCII));
            req.write(value);
            req.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (EmbeddedServer server = EmbeddedServer.start(); Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            // Writing everything first: a server that stopped reading while its replies wait would
            // leave this write blocked forever (the socket timeout does not cover writes).
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(req.toByteArray());
                    s.getOutputStream().flush();
                } catch (Exception ignored) {
                    // The read below reports the failure.
                }
            });
            writer.start();
            writer.join(20_000);
            assertEquals(false, writer.isAlive(), "the server stopped reading a client that writes before it reads");
            long expected = (long) n * ("$10000\r\n".length() + 10_000 + 2);
            long got = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            while (got < expected) {
                int r = in.read(buf);
                if (r < 0) break;
                got += r;
            }
            assertEquals(expected, got);
        }
    }
}
