package io.lodestone.server;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code unixsocket} listener, against redis-server: same replies through the socket, the same
 * CLIENT LIST address and flag, {@code unixsocketperm} on the file, and the file removed at shutdown.
 */
class UnixSocketTest {

    @Test
    void servesClientsOnTheUnixSocketAsRedisDoes() throws Exception {
        String lodestone = session(false);
        if (ServerProcess.redisAvailable()) assertEquals(session(true), lodestone);
    }

    /** Starts one server with a Unix socket and returns what a client saw through it, paths masked. */
    private static String session(boolean redis) throws Exception {
        Path dir = Files.createTempDirectory("lsock");
        Path sock = dir.resolve("s.sock");
        String[] args = {"--unixsocket", sock.toString(), "--unixsocketperm", "700"};
        StringBuilder seen = new StringBuilder();
        try (ServerProcess server = redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args)) {
            Wait.until(Duration.ofSeconds(10), "the socket file", () -> Files.exists(sock));
            seen.append(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).append('\n');
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                seen.append(call(ch, "*1\r\n$4\r\nPING\r\n"));
                String info = call(ch, "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n");
                for (String field : info.split(" ")) {
                    if (field.startsWith("addr=") || field.startsWith("laddr=") || field.startsWith("flags=")) {
                        seen.append(field.replace(sock.toString(), "<sock>")).append('\n');
                    }
                }
                // A monitor shows a Unix socket client as unix:<path>, the socket's configured path.
                seen.append(call(ch, "*1\r\n$7\r\nMONITOR\r\n"));
                seen.append(lines(ch, "*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n", 3).replaceFirst("\\+\\d+\\.\\d{6} ", "+<time> ")
                        .replace(sock.toString(), "<sock>"));
                call(ch, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
            }
            Wait.until(Duration.ofSeconds(10), "the server to exit", () -> !server.isAlive());
            assertTrue(!Files.exists(sock), "the socket file is removed at shutdown");
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
        return seen.toString();
    }

    /** Sends one request and reads what arrives until the reply looks complete (or the peer closes). */
    private static String call(SocketChannel ch, String request) throws IOException {
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (ch.read(buf) < 0) break;
            String s = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
            if (complete(s)) return s;
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }

    /** Sends one request and reads until {@code n} lines arrived (or the peer closes). */
    private static String lines(SocketChannel ch, String request, int n) throws IOException {
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String s = "";
        while (System.nanoTime() < deadline && s.split("\r\n", -1).length <= n) {
            if (ch.read(buf) < 0) break;
            s = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        }
        return s;
    }

    /** A simple reply ends with its line; a bulk one once its announced length is there. */
    private static boolean complete(String s) {
        int eol = s.indexOf("\r\n");
        if (eol < 0) return false;
        if (s.charAt(0) != '$') return true;
        int len = Integer.parseInt(s.substring(1, eol));
        return s.length() >= eol + 2 + len + 2;
    }

    @Test
    void aPathThatCannotBeBoundStopsTheStart() throws Exception {
        assumeTrue(ServerProcess.lodestoneAvailable());
        Path missing = Path.of("/nonexistent-dir-for-lodestone", "s.sock");
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(ServerProcess.LODESTONE_MAIN);
        cmd.addAll(java.util.List.of("--port", Integer.toString(ServerProcess.freePort()), "--unixsocket",
                missing.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the server should exit");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, p.exitValue(), out);
            assertTrue(out.contains("Failed opening Unix socket"), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
