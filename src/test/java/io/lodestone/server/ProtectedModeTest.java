package io.lodestone.server;

import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may connect, against a real redis-server: the same requests from the same addresses get the same
 * bytes back, and the connection is closed or kept alike. A client that is not local comes from
 * 127.0.0.2, which is loopback to the kernel (the test stays on this machine) but not local to Redis
 * 7.0, whose islocalClient accepts exactly 127.0.0.1 and ::1.
 */
class ProtectedModeTest {
    private static final String NOT_LOCAL = "127.0.0.2";

    /** What one connection from {@code from} gets for {@code request}, and whether it was closed. */
    private static String exchange(int port, String from, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(300);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    int n = s.getInputStream().read(buf);
                    if (n < 0) return out.toString(StandardCharsets.ISO_8859_1) + "<closed>";
                    out.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    if (out.size() > 0) break;
                } catch (java.net.SocketException e) {
                    return out.toString(StandardCharsets.ISO_8859_1) + "<closed>";
                }
            }
            return out.toString(StandardCharsets.ISO_8859_1) + "<open>";
        }
    }

    /** Each step's outcome on redis-server, then on Lodestone, started with the same arguments. */
    private static List<String> sameOnBoth(List<String[]> steps, String... args) throws Exception {
        List<String> expected = new ArrayList<>();
        List<String> got = new ArrayList<>();
        try (ServerProcess redis = ServerProcess.redis(args); ServerProcess ours = ServerProcess.lodestone(args)) {
            for (String[] step : steps) {
                expected.add(step[0] + " " + exchange(redis.port(), step[0], step[1]));
                got.add(step[0] + " " + exchange(ours.port(), step[0], step[1]));
            }
        }
        assertEquals(expected, got);
        return got;
    }

    private static boolean notLocalAddressUsable() {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(NOT_LOCAL, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void protectedModeRefusesClientsThatAreNotLocal() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        Assumptions.assumeTrue(notLocalAddressUsable(), NOT_LOCAL + " cannot be bound here");
        List<String[]> steps = List.of(
                new String[] {"127.0.0.1", "PING\r\n"},
                new String[] {NOT_LOCAL, "PING\r\n"},
                new String[] {NOT_LOCAL, "*1\r\n$4\r\nPING\r\n"});
        List<String> got = sameOnBoth(steps, "--protected-mode", "yes");
        assertTrue(got.get(1).startsWith(NOT_LOCAL + " -DENIED Redis is running in protected mode") && got.get(1).endsWith("<closed>"),
                got.get(1));
        got = sameOnBoth(steps, "--protected-mode", "no");
        assertEquals(NOT_LOCAL + " +PONG\r\n<open>", got.get(1));
        got = sameOnBoth(steps, "--protected-mode", "yes", "--requirepass", "secret");
        assertTrue(got.get(1).startsWith(NOT_LOCAL + " -NOAUTH"), got.get(1));
    }

    @Test
    void debugCommandLocalMeansTheSameAddresses() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        Assumptions.assumeTrue(notLocalAddressUsable(), NOT_LOCAL + " cannot be bound here");
        List<String[]> steps = List.of(
                new String[] {"127.0.0.1", "DEBUG SLEEP 0\r\n"},
                new String[] {NOT_LOCAL, "DEBUG SLEEP 0\r\n"},
                new String[] {NOT_LOCAL, "CONFIG SET dir .\r\n"});
        List<String> got = sameOnBoth(steps, "--protected-mode", "no", "--enable-debug-command", "local",
                "--enable-protected-configs", "local");
        assertEquals("127.0.0.1 +OK\r\n<open>", got.get(0));
        assertTrue(got.get(1).startsWith(NOT_LOCAL + " -ERR DEBUG command not allowed"), got.get(1));
    }

    @Test
    void maxclientsRefusesTheClientPastTheLimit() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        List<String> outcomes = new ArrayList<>();
        for (boolean lodestone : new boolean[] {false, true}) {
            String[] args = {"--maxclients", "2"};
            try (ServerProcess server = lodestone ? ServerProcess.lodestone(args) : ServerProcess.redis(args);
                 Socket first = new Socket("127.0.0.1", server.port());
                 Socket second = new Socket("127.0.0.1", server.port())) {
                for (Socket s : List.of(first, second)) { // both admitted before the third arrives
                    s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals('+', s.getInputStream().read());
                }
                outcomes.add(exchange(server.port(), "127.0.0.1", "PING\r\n"));
            }
        }
        assertEquals("-ERR max number of clients reached\r\n<closed>", outcomes.get(0));
        assertEquals(outcomes.get(0), outcomes.get(1));
    }
}
