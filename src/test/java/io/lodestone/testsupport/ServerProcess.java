package io.lodestone.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server running as a child process for one test: real {@code redis-server}, or Lodestone.
 *
 * <p>Each server listens on 127.0.0.1 on a free ephemeral port, works in its own temporary
 * directory, and starts with {@code --port <p> --bind 127.0.0.1 --dir <tmp> --save '' --appendonly no}
 * followed by the caller's arguments (later arguments win, as with redis-server); a {@link Setup}
 * can add a config file, name the directory, or keep the save rules. The factories return once the
 * server accepts connections: its log says {@code Ready to accept connections}, or, if the log is
 * silent for a while, a connection gets a reply. {@link #close()} sends SIGTERM, escalates to
 * SIGKILL after a bound, and deletes the directory if it made it.
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

    /**
     * What a start may change besides the arguments.
     *
     * @param dir the working directory (also {@code --dir}), which the caller owns: it is kept at
     *     close; null for a new temporary directory, deleted at close
     * @param configFile a config file, passed before every other argument (the only place where
     *     redis-server reads one); null for none
     * @param keepSaveRules leave out {@code --save ''}, so that the save lines of the config file and
     *     of the arguments apply
     */
    public record Setup(Path dir, Path configFile, boolean keepSaveRules) {
        public static final Setup DEFAULT = new Setup(null, null, false);
    }

    private final String name;
    private final Process process;
    private final int port;
    private final Path dir;
    private final boolean ownsDir;
    private final List<String> arguments;
    private final StringBuffer log;
    private final Thread shutdownHook;

    private ServerProcess(String name, Process process, int port, Path dir, boolean ownsDir, List<String> arguments,
                          StringBuffer log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.arguments = arguments;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "kill " + name + " :" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a real redis-server. */
    public static ServerProcess redis(String... args) throws IOException {
        return redis(Setup.DEFAULT, args);
    }

    /** Starts a real redis-server with a config file, in a given directory, or with its save rules. */
    public static ServerProcess redis(Setup setup, String... args) throws IOException {
        return start("redis-server", List.of(redisExecutable()), setup, true, args);
    }

    /**
     * Starts Lodestone ({@value #LODESTONE_MAIN}) in a new JVM with this JVM's test class path; or
     * a real redis-server when {@code -Dlodestone.diff.target=redis}.
     */
    public static ServerProcess lodestone(String... args) throws IOException {
        if (targetIsRedis()) {
            return start("redis-server as lodestone", List.of(redisExecutable()), Setup.DEFAULT, true, args);
        }
        return start("lodestone", lodestoneCommand(), Setup.DEFAULT, true, args);
    }

    /**
     * Starts Lodestone and returns as soon as its port accepts connections, before its data set may
     * have loaded (clients get -LOADING until the log says it is ready): for tests of loading itself.
     */
    public static ServerProcess lodestoneLoading(String... args) throws IOException {
        return start("lodestone", lodestoneCommand(), Setup.DEFAULT, false, args);
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

    /**
     * Runs redis-server with arguments it should refuse (a fatal config error) in {@code dir}, and
     * returns what it printed on stderr. Killed after a bound if it started after all.
     */
    public static String redisRefusal(Path dir, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(redisExecutable());
        command.addAll(args);
        Path stderr = Files.createTempFile(dir, "refusal", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile()).start();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        return Files.readString(stderr, StandardCharsets.ISO_8859_1);
    }

    /** A free TCP port on the loopback interface (free when asked: bind it soon). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
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

    /**
     * The arguments after the config file: the standard ones, then the caller's. With the config file
     * in front they are what the server read, so a config loader given them sees the same thing.
     */
    public List<String> arguments() {
        return arguments;
    }

    /** "redis-server", "lodestone", or "redis-server as lodestone" (the stand-in): for messages. */
    public String name() {
        return name;
    }

    /** Everything the server wrote to stdout and stderr so far (the last MiB of it). */
    public String log() {
        return log.toString();
    }

    /**
     * Whether the server's output contains {@code text}, waiting up to five seconds for it: the
     * output reaches the test through a pipe and a reader thread, so a line the server wrote before
     * answering a command may not be here yet when the answer is.
     */
    public boolean logContains(String text) {
        return Wait.upTo(java.time.Duration.ofSeconds(5), "log line: " + text, () -> log().contains(text));
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
            if (ownsDir) {
                TempDirs.delete(dir);
            }
        }
    }

    @Override
    public String toString() {
        return name + " on 127.0.0.1:" + port + " (pid " + process.pid() + ")";
    }

    // ---------------------------------------------------------------------------------------------
    // Start-up

    /** Starts a server; returns once it is {@code ready} (answers PONG) or else once it listens. */
    private static ServerProcess start(String name, List<String> launcher, Setup setup, boolean ready,
                                       String... args) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            Path dir = setup.dir() != null ? setup.dir() : TempDirs.create("lodestone-test-");
            int port = freePort();
            List<String> arguments = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString()));
            if (!setup.keepSaveRules()) {
                arguments.addAll(List.of("--save", ""));
            }
            arguments.addAll(List.of("--appendonly", "no"));
            arguments.addAll(List.of(args));
            List<String> command = new ArrayList<>(launcher);
            if (setup.configFile() != null) {
                command.add(setup.configFile().toString());
            }
            command.addAll(arguments);
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            StringBuffer log = new StringBuffer();
            drain(process.getInputStream(), log, name + " :" + port + " log");
            ServerProcess server = new ServerProcess(name, process, port, dir, setup.dir() == null,
                    List.copyOf(arguments), log);
            try {
                if (ready) {
                    server.awaitReady(command);
                } else {
                    server.awaitListening(command);
                }
                return server;
            } catch (IOException e) {
                server.close();
                last = e;
                // Another process may have taken the port between our probe and the bind.
                if (!server.log().toLowerCase().contains("address already in use")) {
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                server.close(); // interrupted: leave no process behind
                throw e;
            }
        }
        throw last;
    }

    private void awaitReady(List<String> command) throws IOException {
        long start = System.nanoTime();
        // Probe with a connection only after the log had its chance: a probe is a client that the
        // server counts (client ids, INFO stats), and a differential test wants both servers to have
        // seen the same clients.
        boolean answered = Wait.upTo(START_TIMEOUT, this + " to accept connections",
                () -> log.indexOf(READY_LINE) >= 0 || !process.isAlive()
                        || System.nanoTime() - start > LOG_GRACE.toNanos() && answersPing());
        if (log.indexOf(READY_LINE) >= 0) {
            return;
        }
        if (!process.isAlive()) {
            throw new IOException(name + " exited with status " + process.exitValue()
                    + " before accepting connections\ncommand: " + String.join(" ", quoted(command))
                    + "\nlog:\n" + log());
        }
        if (answered) {
            return;
        }
        throw new IOException(name + " did not accept connections on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s\ncommand: " + String.join(" ", quoted(command))
                + "\nlog:\n" + log());
    }

    /** Waits until the port accepts connections (the server may still be loading its data). */
    private void awaitListening(List<String> command) throws IOException {
        boolean[] listening = {false};
        Wait.upTo(START_TIMEOUT, this + " to listen", () -> {
            listening[0] = acceptsConnection();
            return listening[0] || !process.isAlive();
        });
        if (listening[0]) {
            return;
        }
        if (!process.isAlive()) {
            throw new IOException(name + " exited with status " + process.exitValue()
                    + "\ncommand: " + String.join(" ", quoted(command)) + "\nlog:\n" + log());
        }
        throw new IOException(name + " did not listen on port " + port + "\nlog:\n" + log());
    }

    private boolean acceptsConnection() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A PONG, not -LOADING: a server still loading its data is not ready. */
    private boolean answersPing() {
        try (RespClient c = new RespClient("127.0.0.1", port, Duration.ofSeconds(2))) {
            return new String(c.call("PING"), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Copies a process's output into {@code log} (its last MB kept) on a daemon thread. */
    static void drain(InputStream stream, StringBuffer log, String threadName) {
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
}
