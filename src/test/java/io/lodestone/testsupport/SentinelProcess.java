package io.lodestone.testsupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One real, unmodified {@code redis-sentinel} running as a child process for a test, monitoring one
 * master. Most tests want several of them: {@link SentinelGroup}.
 *
 * <p>Same discipline as {@link ServerProcess}: the sentinel listens on 127.0.0.1 on a free ephemeral
 * port, works in its own temporary directory with a generated {@code sentinel.conf} (Sentinel rewrites
 * that file as its state changes, so it must be its own), its stdout and stderr are kept as its
 * {@link #log()}, {@link #start} returns once it answers {@code PING}, and {@link #close()} sends SIGTERM,
 * escalates to SIGKILL after a bound and deletes the directory.
 *
 * <p>The generated configuration is
 * <pre>
 * port &lt;free port&gt;
 * bind 127.0.0.1
 * dir &lt;temp dir&gt;
 * sentinel monitor &lt;name&gt; 127.0.0.1 &lt;master port&gt; &lt;quorum&gt;
 * sentinel down-after-milliseconds &lt;name&gt; &lt;ms&gt;
 * sentinel failover-timeout &lt;name&gt; &lt;ms&gt;
 * sentinel parallel-syncs &lt;name&gt; &lt;n&gt;
 * </pre>
 * and, once it runs, {@code SENTINEL DEBUG <param> <ms> ...} with {@link Config#timers()}: Sentinel's
 * internal periods (INFO every 10 s, hello messages every 2 s) are made for production and would make a
 * test wait many seconds for discovery and for an old master to be turned into a replica;
 * {@link Config#FAST_TIMERS} shortens them. Sentinel's behaviour is otherwise untouched.
 *
 * <p>System property {@code redis.sentinel} (else {@code $REDIS_SENTINEL}, else {@code redis-sentinel}
 * on the PATH) names the executable.
 */
public final class SentinelProcess implements AutoCloseable {

    /** The master name every test uses unless it has a reason not to. */
    public static final String MASTER_NAME = "mymaster";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);
    private static final int PORT_ATTEMPTS = 3;

    private static Boolean available;

    /**
     * What a sentinel monitors and how.
     *
     * @param masterName the name clients ask Sentinel about ({@code mymaster})
     * @param masterPort the port of the master on 127.0.0.1 to monitor at start
     * @param quorum sentinels that must agree the master is down before a failover
     * @param downAfter {@code down-after-milliseconds}: silence after which an instance is down
     * @param failoverTimeout {@code failover-timeout}: bound of each failover step, and twice it the wait
     *     before the same failover is tried again
     * @param parallelSyncs {@code parallel-syncs}: replicas reconfigured at once after a failover
     * @param timers {@code SENTINEL DEBUG} parameters (milliseconds) applied at start; empty for
     *     Sentinel's defaults
     */
    public record Config(String masterName, int masterPort, int quorum, Duration downAfter,
                         Duration failoverTimeout, int parallelSyncs, Map<String, Long> timers) {

        /**
         * INFO every second (Sentinel's own rate while a failover runs) and hello messages every half
         * second: discovery takes about a second, and a restarted old master is turned into a replica
         * about three seconds after it comes back (Sentinel waits four publish periods, then the next
         * INFO) instead of ten or more.
         *
         * <p>PING every half second: when a failover switches a sentinel to the promoted replica, its new
         * link to it has one of its two connections re-made only a ping period later (seen with a real
         * redis-server as master too), and the time since the switch counts as unanswered. With the
         * default period (1 s) and {@code down-after-milliseconds} 1000 the new master was sometimes
         * flagged down right after its promotion, and a second failover followed.
         */
        public static final Map<String, Long> FAST_TIMERS = Map.of("info-period", 1000L, "publish-period", 500L,
                "ping-period", 500L);

        public Config {
            timers = Map.copyOf(timers);
        }

        /**
         * {@value #MASTER_NAME} on {@code masterPort}, quorum 2, down after 1 s, failover timeout 3 s,
         * parallel-syncs 1, {@link #FAST_TIMERS}.
         */
        public static Config of(int masterPort) {
            return new Config(MASTER_NAME, masterPort, 2, Duration.ofSeconds(1), Duration.ofSeconds(3), 1,
                    FAST_TIMERS);
        }

        public Config withMasterPort(int port) {
            return new Config(masterName, port, quorum, downAfter, failoverTimeout, parallelSyncs, timers);
        }

        public Config withQuorum(int n) {
            return new Config(masterName, masterPort, n, downAfter, failoverTimeout, parallelSyncs, timers);
        }

        public Config withDownAfter(Duration d) {
            return new Config(masterName, masterPort, quorum, d, failoverTimeout, parallelSyncs, timers);
        }

        public Config withFailoverTimeout(Duration d) {
            return new Config(masterName, masterPort, quorum, downAfter, d, parallelSyncs, timers);
        }

        public Config withParallelSyncs(int n) {
            return new Config(masterName, masterPort, quorum, downAfter, failoverTimeout, n, timers);
        }

        public Config withTimers(Map<String, Long> t) {
            return new Config(masterName, masterPort, quorum, downAfter, failoverTimeout, parallelSyncs, t);
        }

        /** The {@code sentinel.conf} for a sentinel on {@code port} working in {@code dir}. */
        String file(int port, Path dir) {
            return String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir \"" + dir + "\"",
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + masterName + " " + failoverTimeout.toMillis(),
                    "sentinel parallel-syncs " + masterName + " " + parallelSyncs,
                    "");
        }
    }

    private final Config config;
    private final Process process;
    private final int port;
    private final Path dir;
    private final StringBuffer log;
    private final Thread shutdownHook;
    private Jedis connection;

    private SentinelProcess(Config config, Process process, int port, Path dir, StringBuffer log) {
        this.config = config;
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "kill redis-sentinel :" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** True when a redis-sentinel executable can be run. */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(executable(), "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        return available;
    }

    /** Starts a sentinel; returns once it answers PING and took {@link Config#timers()}. */
    public static SentinelProcess start(Config config) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            Path dir = TempDirs.create("lodestone-sentinel-");
            int port = ServerProcess.freePort();
            Path file = dir.resolve("sentinel.conf");
            Files.writeString(file, config.file(port, dir), StandardCharsets.UTF_8);
            List<String> command = List.of(executable(), file.toString());
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            StringBuffer log = new StringBuffer();
            ServerProcess.drain(process.getInputStream(), log, "redis-sentinel :" + port + " log");
            SentinelProcess sentinel = new SentinelProcess(config, process, port, dir, log);
            try {
                sentinel.awaitReady(command);
                sentinel.applyTimers();
                return sentinel;
            } catch (IOException e) {
                sentinel.close();
                last = e;
                // Another process may have taken the port between our probe and the bind.
                if (!sentinel.log().toLowerCase().contains("address already in use")) {
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                sentinel.close();
                throw e;
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}, as Jedis's sentinel pool takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    public Config config() {
        return config;
    }

    /** Everything the sentinel wrote so far (the last MiB): its {@code +sdown}, {@code +switch-master}... */
    public String log() {
        return log.toString();
    }

    /** The configuration file as Sentinel last rewrote it. */
    public String configFile() throws IOException {
        return Files.readString(dir.resolve("sentinel.conf"), StandardCharsets.UTF_8);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** kill -9 (for tests of a sentinel's own failure); {@link #close()} still cleans up. */
    public void kill() throws InterruptedException {
        closeConnection();
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(this + " survived SIGKILL");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Queries, each on one connection kept open (reopened after an error) with a short timeout.

    /**
     * {@code SENTINEL GET-MASTER-ADDR-BY-NAME}: the port of the master this sentinel names now (its
     * host is always 127.0.0.1 here), or -1 when it names none or does not answer.
     */
    public int masterPort() {
        List<String> addr = query(j -> j.sentinelGetMasterAddrByName(config.masterName()));
        return addr == null || addr.size() != 2 ? -1 : Integer.parseInt(addr.get(1));
    }

    /** {@code SENTINEL MASTER}: the master's state as this sentinel sees it (flags, num-slaves...); null if no answer. */
    public Map<String, String> master() {
        return query(j -> j.sentinelMaster(config.masterName()));
    }

    /** {@code SENTINEL REPLICAS}: one map per replica (name, port, flags, master-port...); null if no answer. */
    public List<Map<String, String>> replicas() {
        return query(j -> j.sentinelReplicas(config.masterName()));
    }

    /** {@code SENTINEL SENTINELS}: one map per other sentinel this one knows of; null if no answer. */
    public List<Map<String, String>> sentinels() {
        return query(j -> j.sentinelSentinels(config.masterName()));
    }

    /** Any command on this sentinel's connection (SENTINEL DEBUG, SENTINEL SET, SENTINEL CKQUORUM...). */
    public synchronized Object call(String... args) {
        Jedis j = connection();
        try {
            return j.sendCommand(() -> redis.clients.jedis.util.SafeEncoder.encode(args[0]),
                    java.util.Arrays.copyOfRange(args, 1, args.length));
        } catch (JedisException e) {
            closeConnection();
            throw e;
        }
    }

    private synchronized <T> T query(java.util.function.Function<Jedis, T> q) {
        try {
            return q.apply(connection());
        } catch (JedisException e) {
            closeConnection();
            return null;
        }
    }

    private Jedis connection() {
        if (connection == null) {
            connection = new Jedis("127.0.0.1", port, (int) QUERY_TIMEOUT.toMillis());
        }
        return connection;
    }

    private synchronized void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (JedisException e) {
                // Already broken.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
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
            TempDirs.delete(dir);
        }
    }

    @Override
    public String toString() {
        return "redis-sentinel on 127.0.0.1:" + port + " (pid " + process.pid() + ")";
    }

    // ---------------------------------------------------------------------------------------------
    // Start-up

    private void awaitReady(List<String> command) throws IOException {
        boolean answered = Wait.upTo(START_TIMEOUT, this + " to answer PING",
                () -> !process.isAlive() || answersPing());
        if (!process.isAlive()) {
            throw new IOException("redis-sentinel exited with status " + process.exitValue()
                    + " before accepting connections\ncommand: " + String.join(" ", command) + "\nlog:\n" + log());
        }
        if (!answered) {
            throw new IOException("redis-sentinel did not answer on port " + port + " within "
                    + START_TIMEOUT.toSeconds() + " s\ncommand: " + String.join(" ", command) + "\nlog:\n" + log());
        }
    }

    private boolean answersPing() {
        try (RespClient c = new RespClient("127.0.0.1", port, QUERY_TIMEOUT)) {
            return new String(c.call("PING"), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private void applyTimers() throws IOException {
        if (config.timers().isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("SENTINEL", "DEBUG"));
        new LinkedHashMap<>(config.timers()).forEach((k, v) -> {
            args.add(k);
            args.add(Long.toString(v));
        });
        try (RespClient c = new RespClient("127.0.0.1", port, QUERY_TIMEOUT)) {
            String reply = RespClient.text(c.call(args.toArray(String[]::new)));
            if (!reply.startsWith("+OK")) {
                throw new IOException("redis-sentinel refused " + args + ": " + reply);
            }
        }
    }

    private static String executable() {
        String configured = System.getProperty("redis.sentinel", System.getenv("REDIS_SENTINEL"));
        return configured == null || configured.isBlank() ? "redis-sentinel" : configured;
    }
}
