package io.lodestone.replication;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RestartableServer;
import io.lodestone.testsupport.SentinelGroup;
import io.lodestone.testsupport.SentinelProcess;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.lodestone.replication.ReplTesting.awaitInSync;
import static io.lodestone.replication.ReplTesting.repl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Sentinel-aware clients follow a failover of Lodestone servers managed by the real redis-sentinel:
 * three Lodestone servers (a master and two replicas) and three sentinels (quorum 2, down after 1 s).
 * For each client (Jedis's {@code JedisSentinelPool}, Lettuce's Master/Replica connection on a
 * sentinel URI, redis-py's {@code Sentinel.master_for}) a steady write load runs (SET k:n n, then INCR
 * counter, acknowledged writes recorded), the master is killed with -9, and:
 * <ul>
 *   <li>writes resume, through the same client object, against the replica Sentinel promoted;</li>
 *   <li>every write sent after the old master died and acknowledged is on the new master, and the
 *       counter values acknowledged since then only grow;</li>
 *   <li>the old master, restarted on its port and in its directory, is turned into a replica of the
 *       new master by Sentinel and ends with the new master's data (same DEBUG DIGEST), as does the
 *       other replica.</li>
 * </ul>
 * Writes acknowledged before the kill may be lost (replication is asynchronous): nothing is asserted
 * about them.
 *
 * <p>Each test prints (target/surefire-reports/...-output.txt) how long its client took to write again:
 * about 2.2 s for Jedis and redis-py (down after 1 s, vote, promotion, +switch-master); about 6 s for
 * Lettuce, whose Master/Replica topology refresh acts on at most one Sentinel event per 5 s, and the
 * first event of a failover it acts on (+elected-leader) comes before the promotion.
 */
@Slow
class SentinelClientsTest {
    private static final String MASTER = SentinelProcess.MASTER_NAME;
    private static final String[] SERVER_ARGS = {"--repl-diskless-sync-delay", "0", "--enable-debug-command", "local"};
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final Duration SETUP_BOUND = Duration.ofSeconds(20);
    /** Kill to first acknowledged write on the new master: down-after 1 s, vote, promotion, switch. */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(30);
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(30);
    private static final Duration LOAD_BOUND = Duration.ofSeconds(20);
    /** Acknowledged writes wanted before the kill, after the resumption, and after the old master rejoined. */
    private static final int WRITES_BEFORE_KILL = 100;
    private static final int WRITES_AFTER_RESUME = 100;
    private static final int WRITES_AFTER_REJOIN = 50;
    /** Upper bounds of a load, whatever happens: it stops by itself. */
    private static final int MAX_WRITES = 200_000;
    private static final Duration MAX_LOAD_TIME = Duration.ofSeconds(120);

    @BeforeAll
    static void needLodestoneAndSentinel() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable(), "Lodestone's main class is not on the class path");
        Assumptions.assumeTrue(SentinelGroup.available(), "redis-sentinel cannot be run");
    }

    @Test
    void jedisSentinelPoolFollowsTheFailover() throws Exception {
        try (Topology t = Topology.start()) {
            GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
            poolConfig.setMaxTotal(4);
            poolConfig.setMaxWait(Duration.ofSeconds(1));
            JedisClientConfig clientConfig = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(500).socketTimeoutMillis(1000).build();
            Set<HostAndPort> sentinels = t.sentinels.ports().stream().map(p -> new HostAndPort("127.0.0.1", p))
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            try (JedisSentinelPool pool = new JedisSentinelPool(MASTER, sentinels, poolConfig, clientConfig, clientConfig);
                 ThreadLoad load = new ThreadLoad("jedis", n -> {
                     try (Jedis j = pool.getResource()) {
                         j.set("k:" + n, Long.toString(n));
                         return j.incr("counter");
                     }
                 })) {
                failOver("JedisSentinelPool", t, load);
                assertEquals(new HostAndPort("127.0.0.1", t.sentinels.agreedMasterPort()), pool.getCurrentHostMaster());
            }
        }
    }

    @Test
    void lettuceMasterReplicaFollowsTheFailover() throws Exception {
        try (Topology t = Topology.start()) {
            List<Integer> ports = t.sentinels.ports();
            RedisURI.Builder uri = RedisURI.Builder.sentinel("127.0.0.1", ports.get(0), MASTER)
                    .withTimeout(Duration.ofSeconds(1));
            for (int p : ports.subList(1, ports.size())) {
                uri.withSentinel("127.0.0.1", p);
            }
            RedisClient client = RedisClient.create();
            // MasterReplica on a sentinel URI: topology from SENTINEL MASTER/REPLICAS, refreshed on the
            // sentinels' Pub/Sub events (+switch-master among them); writes go to the master it names.
            // Commands fail at once while a connection is down (rather than queue for the timeout), and
            // the loop retries them.
            client.setOptions(ClientOptions.builder().autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
            try (StatefulRedisMasterReplicaConnection<String, String> connection =
                         MasterReplica.connect(client, StringCodec.UTF8, uri.build())) {
                connection.setReadFrom(ReadFrom.UPSTREAM);
                RedisCommands<String, String> commands = connection.sync();
                try (ThreadLoad load = new ThreadLoad("lettuce", n -> {
                    commands.set("k:" + n, Long.toString(n));
                    return commands.incr("counter");
                })) {
                    failOver("Lettuce MasterReplica", t, load);
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void redisPySentinelMasterForFollowsTheFailover() throws Exception {
        Assumptions.assumeTrue(pythonHasRedis(), PYTHON + " cannot import redis (Debian's python3-redis)");
        try (Topology t = Topology.start(); PythonLoad load = new PythonLoad(t.sentinels.ports())) {
            failOver("redis-py Sentinel.master_for", t, load);
        }
    }

    /**
     * The scenario, whatever the client: load, kill -9 the master, resumption on the promoted replica,
     * the old master restarted and turned into a replica, convergence.
     */
    private static void failOver(String client, Topology t, Load load) throws Exception {
        try {
            scenario(client, t, load);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + load.describe() + t.serverLogs(), e);
        }
    }

    private static void scenario(String client, Topology t, Load load) throws Exception {
        RestartableServer old = t.master;
        awaitAcks(load, "acknowledged writes before the kill", WRITES_BEFORE_KILL, a -> true);

        long killedAt = System.nanoTime();
        old.kill();
        load.mark(); // writes sent from now on cannot have been acknowledged by the old master
        Wait.until(RESUME_BOUND, client + " to write again after the kill", () -> !postFailover(load).isEmpty(),
                () -> load.describe() + t.sentinels.describe());
        long resumedAt = postFailover(load).get(0).ackNanos();
        int promoted = t.sentinels.awaitNewMaster(old.port(), RESUME_BOUND);
        RestartableServer newMaster = t.server(promoted);
        awaitAcks(load, "acknowledged writes after the resumption", WRITES_AFTER_RESUME, a -> a.phase() >= 1);

        // The old master comes back on its port, empty (no save points): Sentinel makes it a replica.
        old.restart();
        long restartedAt = System.nanoTime();
        List<Integer> replicaPorts = t.servers.stream().filter(s -> s != newMaster).map(RestartableServer::port).toList();
        // A connection per look: Sentinel's reconfiguration ends with CLIENT KILL TYPE normal.
        Wait.until(REJOIN_BOUND, "the old master to become a replica of :" + promoted + " with its link up", () -> {
            String info = replicationInfo(old.port());
            return "slave".equals(Info.field(info, "role")) && Integer.toString(promoted).equals(Info.field(info, "master_port"))
                    && "up".equals(Info.field(info, "master_link_status"));
        }, () -> replicationInfo(old.port()) + t.sentinels.describe());
        assertEquals(promoted, t.sentinels.awaitReplicasUp(replicaPorts, REJOIN_BOUND), t.sentinels.describe());
        Wait.until(Duration.ofSeconds(5), "a sentinel to log that it converted the old master",
                () -> t.sentinels.logs().contains("+convert-to-slave slave 127.0.0.1:" + old.port() + " "), t.sentinels::logs);
        long rejoinedAt = System.nanoTime();
        awaitAcks(load, "acknowledged writes after the old master rejoined", WRITES_AFTER_REJOIN,
                a -> a.ackNanos() > rejoinedAt);
        load.stop();

        assertEquals(promoted, t.sentinels.agreedMasterPort(), "no second failover: " + t.sentinels.describe());
        assertNotEquals(old.port(), promoted);
        try (Jedis nm = new Jedis("127.0.0.1", promoted, 10_000)) {
            assertEquals("master", repl(nm, "role"));
            List<Ack> after = postFailover(load);
            long lastCounter = Long.MIN_VALUE;
            for (Ack a : after) {
                assertEquals(Long.toString(a.n()), nm.get("k:" + a.n()),
                        "k:" + a.n() + " was acknowledged after the failover but is not on the new master");
                assertTrue(a.counter() > lastCounter, "acknowledged counter values went back after the failover: "
                        + lastCounter + " then " + a.counter());
                lastCounter = a.counter();
            }
            long counter = Long.parseLong(nm.get("counter"));
            assertTrue(counter >= lastCounter, "counter " + counter + " < last acknowledged " + lastCounter);

            String digest = digest(nm);
            for (int port : replicaPorts) {
                try (Jedis r = new Jedis("127.0.0.1", port, 10_000)) {
                    awaitInSync(nm, r);
                    assertEquals(nm.dbSize(), r.dbSize(), "keys on :" + port + " vs the new master :" + promoted);
                    assertEquals(digest, digest(r), "dataset of :" + port + " vs the new master :" + promoted);
                }
            }
            List<Ack> acks = load.acks();
            System.out.printf("%s: %d writes acknowledged (%d sent before the kill, %d after it), %d errors; "
                            + "writes resumed %d ms after kill -9 of :%d, on :%d; the old master rejoined as a replica "
                            + "%d ms after its restart; %d keys, digest %s%n",
                    client, acks.size(), acks.size() - after.size(), after.size(), load.errors(),
                    TimeUnit.NANOSECONDS.toMillis(resumedAt - killedAt), old.port(), promoted,
                    TimeUnit.NANOSECONDS.toMillis(rejoinedAt - restartedAt), nm.dbSize(), digest);
        }
    }

    /** INFO replication of the server on {@code port}, on a new connection; empty when it does not answer. */
    private static String replicationInfo(int port) {
        try (Jedis j = new Jedis("127.0.0.1", port, 2_000)) {
            return j.info("replication");
        } catch (JedisException e) {
            return "";
        }
    }

    private static String digest(Jedis j) {
        return new String((byte[]) j.sendCommand(() -> SafeEncoder.encode("DEBUG"), "DIGEST"), StandardCharsets.US_ASCII);
    }

    private static List<Ack> postFailover(Load load) {
        return load.acks().stream().filter(a -> a.phase() >= 1).toList();
    }

    private static void awaitAcks(Load load, String what, int count, java.util.function.Predicate<Ack> which) {
        Wait.until(LOAD_BOUND, count + " " + what, () -> {
            if (load.finished()) {
                throw new AssertionError("the load stopped: " + load.describe());
            }
            return load.acks().stream().filter(which).count() >= count;
        }, load::describe);
    }

    private static boolean pythonHasRedis() {
        if (!java.nio.file.Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import redis.sentinel")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The servers and the sentinels

    /** Three Lodestone servers (the first the master, the others its replicas) and three sentinels. */
    private static final class Topology implements AutoCloseable {
        final List<RestartableServer> servers = new ArrayList<>();
        final RestartableServer master;
        SentinelGroup sentinels;

        private Topology() throws IOException {
            master = RestartableServer.start(SERVER_ARGS);
            servers.add(master);
        }

        static Topology start() throws IOException {
            Topology t = new Topology();
            try {
                for (int i = 0; i < 2; i++) {
                    List<String> args = new ArrayList<>(List.of(SERVER_ARGS));
                    args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(t.master.port())));
                    t.servers.add(RestartableServer.start(args.toArray(String[]::new)));
                }
                try (Jedis m = new Jedis("127.0.0.1", t.master.port(), 10_000)) {
                    Wait.until(SETUP_BOUND, "2 replicas online", () -> "2".equals(repl(m, "connected_slaves"))
                            && m.info("replication").split("state=online", -1).length == 3, () -> m.info("replication"));
                }
                t.sentinels = SentinelGroup.start(3, SentinelProcess.Config.of(t.master.port()).withParallelSyncs(2));
                t.sentinels.awaitDiscovered(2, SETUP_BOUND);
                Object quorum = t.sentinels.get(0).call("SENTINEL", "CKQUORUM", MASTER);
                assertTrue(new String((byte[]) quorum, StandardCharsets.UTF_8).startsWith("OK 3 usable Sentinels"),
                        t.sentinels.describe());
                return t;
            } catch (IOException | RuntimeException | Error e) {
                t.close();
                throw e;
            }
        }

        /** The end of each server's log (every incarnation), for failure messages. */
        String serverLogs() {
            StringBuilder b = new StringBuilder();
            for (RestartableServer s : servers) {
                String log = s.log();
                b.append("\n--- ").append(s).append(" log").append(log.length() > 20_000 ? " (end)" : "").append(":\n")
                        .append(log.length() > 20_000 ? log.substring(log.length() - 20_000) : log);
            }
            return b.toString();
        }

        RestartableServer server(int port) {
            return servers.stream().filter(s -> s.port() == port).findFirst()
                    .orElseThrow(() -> new AssertionError("no server on :" + port));
        }

        @Override
        public void close() {
            if (sentinels != null) {
                sentinels.close();
            }
            for (RestartableServer s : servers) {
                s.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Write loads

    /**
     * One acknowledged write: SET k:n n and INCR counter both answered, INCR with {@code counter};
     * {@code phase} counts the {@link Load#mark()} calls before the write was sent.
     */
    record Ack(long n, long counter, int phase, long ackNanos) {
    }

    /** A client writing SET k:n n, INCR counter in a loop, retrying on errors, bounded in count and time. */
    interface Load extends AutoCloseable {
        /** Every acknowledged write so far, in order. */
        List<Ack> acks();

        int errors();

        /** Starts a new phase: writes sent from now on carry a higher {@link Ack#phase()}. */
        void mark() throws IOException;

        /** Whether the loop stopped (by itself: a bound, or a failure). */
        boolean finished();

        /** Stops the loop and waits for it. */
        void stop() throws Exception;

        /** Counts, the last error: for failure messages. */
        String describe();

        @Override
        void close() throws Exception;
    }

    /** A Java client's load: a thread calling {@code writer} with n = 0, 1, 2... */
    private static final class ThreadLoad implements Load {
        interface Writer {
            long write(long n) throws Exception;
        }

        private final String name;
        private final Writer writer;
        private final List<Ack> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger errors = new AtomicInteger();
        private final Thread thread;
        private volatile boolean stopping;
        private volatile int phase;
        private volatile String lastError = "none";

        ThreadLoad(String name, Writer writer) {
            this.name = name;
            this.writer = writer;
            this.thread = new Thread(this::run, name + " load");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            long deadline = System.nanoTime() + MAX_LOAD_TIME.toNanos();
            long n = 0;
            while (!stopping && n < MAX_WRITES && System.nanoTime() - deadline < 0) {
                int sentIn = phase;
                try {
                    long counter = writer.write(n);
                    acks.add(new Ack(n, counter, sentIn, System.nanoTime()));
                    n++;
                    pause(2);
                } catch (Exception e) {
                    errors.incrementAndGet();
                    lastError = e.toString();
                    pause(20);
                }
            }
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public List<Ack> acks() {
            synchronized (acks) {
                return List.copyOf(acks);
            }
        }

        @Override
        public int errors() {
            return errors.get();
        }

        @Override
        public void mark() {
            phase++;
        }

        @Override
        public boolean finished() {
            return !thread.isAlive();
        }

        @Override
        public void stop() throws InterruptedException {
            stopping = true;
            thread.join(10_000);
            if (thread.isAlive()) {
                thread.interrupt();
                fail(name + " load did not stop within 10 s: " + describe());
            }
        }

        @Override
        public String describe() {
            return name + " load: " + acks.size() + " acknowledged, " + errors + " errors, last error: " + lastError;
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.interrupt();
            thread.join(10_000);
        }
    }

    /** redis-py's load: {@code sentinel_client.py} run by /usr/bin/python3, its output parsed. */
    private static final class PythonLoad implements Load {
        private final Process process;
        private final OutputStream stdin;
        private final List<Ack> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger errors = new AtomicInteger();
        private final StringBuffer stderr = new StringBuffer();
        private final Thread reader;
        private volatile String lastError = "none";
        private volatile String done;

        PythonLoad(List<Integer> sentinelPorts) throws Exception {
            Path script = Path.of(SentinelClientsTest.class.getResource("sentinel_client.py").toURI());
            process = new ProcessBuilder(PYTHON.toString(), script.toString(),
                    sentinelPorts.stream().map(String::valueOf).collect(Collectors.joining(",")), MASTER,
                    Integer.toString(MAX_WRITES), Long.toString(MAX_LOAD_TIME.toSeconds())).start();
            stdin = process.getOutputStream();
            reader = new Thread(this::read, "redis-py load output");
            reader.setDaemon(true);
            reader.start();
            Thread errReader = new Thread(() -> {
                try {
                    stderr.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // The process is gone.
                }
            }, "redis-py load stderr");
            errReader.setDaemon(true);
            errReader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    switch (f[0]) {
                        case "ack" -> acks.add(new Ack(Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                                System.nanoTime()));
                        case "err" -> {
                            errors.incrementAndGet();
                            lastError = line;
                        }
                        case "done" -> done = line;
                        default -> lastError = "unexpected output: " + line;
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            }
        }

        @Override
        public List<Ack> acks() {
            synchronized (acks) {
                return List.copyOf(acks);
            }
        }

        @Override
        public int errors() {
            return errors.get();
        }

        @Override
        public void mark() throws IOException {
            stdin.write("mark\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        }

        @Override
        public boolean finished() {
            return !process.isAlive() && !reader.isAlive();
        }

        @Override
        public void stop() throws Exception {
            stdin.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                fail("the redis-py load did not stop within 10 s: " + describe());
            }
            reader.join(10_000);
            assertEquals(0, process.exitValue(), describe());
            assertTrue(done != null && done.startsWith("done "), describe());
        }

        @Override
        public String describe() {
            return "redis-py load: " + acks.size() + " acknowledged, " + errors + " errors, last error: " + lastError
                    + (done == null ? "" : ", " + done) + (process.isAlive() ? "" : ", exit " + process.exitValue())
                    + (stderr.length() == 0 ? "" : "\nstderr:\n" + stderr);
        }

        @Override
        public void close() throws InterruptedException {
            try {
                stdin.close(); // end of file: the script stops
            } catch (IOException e) {
                // Already gone.
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
