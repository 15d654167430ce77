package io.lodestone.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server running as a child process for one test: real {@code redis-server}, or Lodestone.
 *
 * <p>Each server listens on 127.0.0.1 on a free ephemeral port, works in its own temporary
 * directory, and starts with {@code --save '' --appendonly no --dir <tmp>} followed by the
 * caller's arguments (later arguments win, as with redis-server). The factories return once the
 * server accepts connections: its log says {@code Ready to accept connections}, or, if the log is
 * silent for a while, a connection gets a reply. {@link #close()} sends SIGTERM, escalates to
 * SIGKILL after a bound, and deletes the directory.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code lodestone.diff.target=redis}: {@link #lodestone} starts a real redis-server
 *       instead, so that a differential suite can be validated Redis against Redis.</li>
 *   <li>{@code lodestone.jvm.args}: extra JVM options for the Lodestone process
 *       (whitespace separated).</li>
 *   <li>{@code redis.server}: the redis-server executable (else {@code $REDIS_SERVER}, else
 *       {@code redis-server} on the PATH).</li>
 * </ul>
 */
public final class ServerProcess implements AutoCloseable {

    public static final String TARGET_PROPERTY = "lodestone.diff.target";
    public static final String LODESTONE_MAIN = "io.lodestone.server.Main";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** How long the log may stay silent before readiness is probed with a connection instead. */
    private static final Duration LOG_GRACE = Duration.ofSeconds(2);
    private static final String READY_LINE = "Ready to accept connections";
    private static final int MAX_LOG_CHARS = 1 << 20;
    private static final int PORT_ATTEMPTS = 3;

    private static Boolean redisAvailable;

    private final String name;
    private final Process process;
    private final int port;
    private final Path dir;
    private final StringBuffer log;
    private final Thread shutdownHook;

    private ServerProcess(String name, Process process, int port, Path dir, StringBuffer log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "kill " + name + " :" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a real redis-server. */
    public static ServerProcess redis(String... args) throws IOException {
        return start("redis-server", List.of(redisExecutable()), true, args);
    }

    /**
     * Starts Lodestone ({@value #LODESTONE_MAIN}) in a new JVM with this JVM's test class path; or
     * a real redis-server when {@code -Dlodestone.diff.target=redis}.
     */
    public static ServerProcess lodestone(String... args) throws IOException {
        if (targetIsRedis()) {
            return start("redis-server as lodestone", List.of(redisExecutable()), true, args);
        }
        return start("lodestone", lodestoneCommand(), true, args);
    }

    /**
     * Starts Lodestone and returns as soon as its port accepts connections, before its data set may
     * have loaded (clients get -LOADING until the log says it is ready): for tests of loading itself.
     */
    public static ServerProcess lodestoneLoading(String... args) throws IOException {
        return start("lodestone", lodestoneCommand(), false, args);
    }

    /** A JVM running {@value #LODESTONE_MAIN} with this JVM's test class path. */
    private static List<String> lodestoneCommand() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        String jvmArgs = System.getProperty("lodestone.jvm.args", "").trim();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(LODESTONE_MAIN);
        return command;
    }

    /** True when {@code -Dlodestone.diff.target=redis}: "Lodestone" is a second redis-server. */
    public static boolean targetIsRedis() {
        return "redis".equalsIgnoreCase(System.getProperty(TARGET_PROPERTY, "lodestone"));
    }

    /** True when a redis-server executable can be run. */
    public static synchronized boolean redisAvailable() {
        if (redisAvailable == null) {
            try {
                Process p = new ProcessBuilder(redisExecutable(), "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                redisAvailable = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                redisAvailable = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                redisAvailable = false;
            }
        }
        return redisAvailable;
    }

    /** True when {@link #lodestone} can start something: Lodestone's main class, or Redis as stand-in. */
    public static boolean lodestoneAvailable() {
        if (targetIsRedis()) {
            return redisAvailable();
        }
        try {
            Class.forName(LODESTONE_MAIN, false, ServerProcess.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    /** "redis-server", "lodestone", or "redis-server as lodestone" (the stand-in): for messages. */
    public String name() {
        return name;
    }

    /** Everything the server wrote to stdout and stderr so far (the last MiB of it). */
    public String log() {
        return log.toString();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** kill -9: the process dies at once, mid-write if it was writing (crash tests). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(this + " survived SIGKILL");
        }
    }

    /** Opens a new raw connection to this server. */
    public RespClient client() throws IOException {
        return RespClient.connect(port);
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook runs anyway.
            }
            deleteRecursively(dir);
        }
    }

    @Override
    public String toString() {
        return name + " on 127.0.0.1:" + port + " (pid " + process.pid() + ")";
    }

    // ---------------------------------------------------------------------------------------------
    // Start-up

    private static ServerProcess start(String name, List<String> launcher, boolean ready, String... args)
            throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            Path dir = Files.createTempDirectory("lodestone-test-");
            int port = freePort();
            List<String> command = new ArrayList<>(launcher);
            command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no"));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            StringBuffer log = new StringBuffer();
            drain(process.getInputStream(), log, name + " :" + port + " log");
            ServerProcess server = new ServerProcess(name, process, port, dir, log);
            try {
                if (ready) server.awaitReady(command);
                else server.awaitListening(command);
                return server;
            } catch (IOException e) {
                server.close();
                last = e;
                // Another process may have taken the port between our probe and the bind.
                if (!server.log().toLowerCase().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private void awaitReady(List<String> command) throws IOException {
        long start = System.nanoTime();
        long deadline = start + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (log.indexOf(READY_LINE) >= 0) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException(name + " exited with status " + process.exitValue()
                        + " before accepting connections\ncommand: " + String.join(" ", quoted(command))
                        + "\nlog:\n" + log());
            }
            // Probe with a connection only after the log had its chance: a probe is a client
            // that the server counts (client ids, INFO stats), and a differential test wants
            // both servers to have seen the same clients.
            if (System.nanoTime() - start > LOG_GRACE.toNanos() && answersPing()) {
                return;
            }
            sleep(25);
        }
        throw new IOException(name + " did not accept connections on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s\ncommand: " + String.join(" ", quoted(command))
                + "\nlog:\n" + log());
    }

    /** Waits until the port accepts connections (the server may still be loading its data). */
    private void awaitListening(List<String> command) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IOException(name + " exited with status " + process.exitValue()
                            + "\ncommand: " + String.join(" ", quoted(command)) + "\nlog:\n" + log());
                }
            }
            sleep(25);
        }
        throw new IOException(name + " did not listen on port " + port + "\nlog:\n" + log());
    }

    /** A PONG, not -LOADING: a server still loading its data is not ready. */
    private boolean answersPing() {
        try (RespClient c = new RespClient("127.0.0.1", port, Duration.ofSeconds(2))) {
            return new String(c.call("PING"), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static void drain(InputStream stream, StringBuffer log, String threadName) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = stream.read(buf)) >= 0) {
                    log.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (log.length() > MAX_LOG_CHARS) {
                        log.delete(0, log.length() - MAX_LOG_CHARS / 2);
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String redisExecutable() {
        String configured = System.getProperty("redis.server", System.getenv("REDIS_SERVER"));
        return configured == null || configured.isBlank() ? "redis-server" : configured;
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Paths.get(c)))
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The command as a shell would show it, with a long class path shortened. */
    private static List<String> quoted(List<String> command) {
        return command.stream()
                .map(a -> a.length() > 200 ? a.substring(0, 100) + "...(" + a.length() + " chars)" : a)
                .map(a -> a.isEmpty() || a.contains(" ") ? "'" + a + "'" : a)
                .toList();
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the server", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Leave it for the OS to clean; a leftover temp dir must not fail a test.
        }
    }
}
