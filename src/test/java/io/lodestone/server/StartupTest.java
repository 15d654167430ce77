package io.lodestone.server;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server process as a user starts it: config file, overrides, logs, exit codes, signals. */
class StartupTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killAll() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts Main in a new JVM; output (stdout and stderr) goes to a file we can poll. */
    private Process launch(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add("io.lodestone.server.Main");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    private static String waitForLog(Path log, Process p, String text) throws IOException {
        Wait.until(BOUND, "'" + text + "' in the log", () -> {
            String s = read(log);
            if (s.contains(text)) return true;
            if (!p.isAlive()) throw new AssertionError("exited " + p.exitValue() + " before '" + text + "':\n" + s);
            return false;
        }, () -> "\n" + read(log));
        return read(log);
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static int exitCode(Process p) throws InterruptedException {
        assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "process did not exit");
        return p.exitValue();
    }

    private static String str(byte[] reply) {
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    void configFileThenOverridesThenCleanShutdownOnSigterm() throws Exception {
        int port = ServerProcess.freePort();
        Path conf = dir.resolve("redis.conf");
        Files.writeString(conf, "# my settings\nport 1\nrequirepass fromfile\nmaxclients 77\n\n# end\n");
        Path log = dir.resolve("out.log");
        Process p = launch(log, conf.toString(), "--port", Integer.toString(port), "--requirepass", "x",
                "--bind", "127.0.0.1", "--save", "");
        String out = waitForLog(log, p, "Ready to accept connections");
        assertTrue(out.matches("(?s).*\\d+:M \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* Ready to accept connections.*"), out);
        assertTrue(out.contains("pid=" + p.pid()), out);
        try (RespClient c = RespClient.connect(port)) {
            assertEquals("-NOAUTH Authentication required.\r\n", str(c.call("GET", "k")));
            assertEquals("+OK\r\n", str(c.call("AUTH", "x")));
            assertEquals("*2\r\n$10\r\nmaxclients\r\n$2\r\n77\r\n", str(c.call("CONFIG", "GET", "maxclients")));
            assertEquals("+OK\r\n", str(c.call("CONFIG", "SET", "maxclients", "50", "timeout", "30")));
            assertEquals("+OK\r\n", str(c.call("CONFIG", "REWRITE")));
        }
        String rewritten = Files.readString(conf);
        assertTrue(rewritten.startsWith("# my settings\n"), rewritten);
        assertTrue(rewritten.contains("\nmaxclients 50\n"), rewritten);
        assertTrue(rewritten.contains("timeout 30"), rewritten);
        assertTrue(rewritten.contains("# end"), rewritten);
        p.destroy(); // SIGTERM
        assertEquals(0, exitCode(p));
        String end = Files.readString(log);
        assertTrue(end.contains("Received SIGTERM scheduling shutdown..."), end);
        assertTrue(end.contains("ready to exit, bye bye"), end);
    }

    @Test
    void busyPortLogsAndExitsNonZero() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path log = dir.resolve("busy.log");
            Process p = launch(log, "--port", Integer.toString(busy.getLocalPort()), "--bind", "127.0.0.1");
            assertNotEquals(0, exitCode(p));
            String out = Files.readString(log);
            assertTrue(out.contains("Failed listening on port " + busy.getLocalPort() + " (TCP), aborting."), out);
        }
    }

    @Test
    void badConfigIsRefusedWithRedisFatalBlock() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "# fine\nport \"abc\"\n");
        Path log = dir.resolve("bad.log");
        Process p = launch(log, conf.toString());
        assertEquals(1, exitCode(p));
        String out = Files.readString(log);
        assertTrue(out.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n"
                + ">>> 'port \"abc\"'\nargument couldn't be parsed into an integer"), out);
    }

    @Test
    void redisCliWorksAgainstUs() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("redis-cli"), "redis-cli is not installed");
        try (EmbeddedServer server = EmbeddedServer.start()) {
            String p = Integer.toString(server.port());
            assertEquals("OK", cli(null, "-p", p, "SET", "greeting", "hello world"));
            assertEquals("hello world", cli(null, "-p", p, "GET", "greeting"));
            assertEquals("6", cli(null, "-p", p, "-3", "INCRBY", "n", "6"));
            String piped = cli("SET a 1\nINCR a\nGET a\n", "-p", p);
            assertEquals("OK\n2\n2", piped);
            String mass = cli("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\n", "-p", p, "--pipe");
            assertTrue(mass.contains("errors: 0, replies: 2"), mass);
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    private static String cli(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("redis-cli");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
        return out.strip();
    }
}
