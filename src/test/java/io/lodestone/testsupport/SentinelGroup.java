package io.lodestone.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Several real {@code redis-sentinel} processes ({@link SentinelProcess}) monitoring one master, and
 * bounded waits on what they agree about: for tests of failover with Sentinel and of Sentinel-aware
 * clients.
 *
 * <pre>{@code
 * try (RestartableServer a = RestartableServer.start("--repl-diskless-sync-delay", "0");
 *      RestartableServer b = RestartableServer.start("--replicaof", "127.0.0.1", a.port() + "", ...);
 *      RestartableServer c = ...;
 *      SentinelGroup sentinels = SentinelGroup.start(3, SentinelProcess.Config.of(a.port()))) {
 *     sentinels.awaitDiscovered(2, Duration.ofSeconds(15));   // both replicas, the 2 other sentinels
 *     ... write through a client made with sentinels.addresses() or sentinels.ports() ...
 *     a.kill();                                               // kill -9
 *     int promoted = sentinels.awaitNewMaster(a.port(), Duration.ofSeconds(30));
 *     a.restart();                                            // same port, same dir
 *     sentinels.awaitReplicasUp(List.of(a.port(), ...), Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>API:
 * <ul>
 *   <li>{@link #start(int, SentinelProcess.Config)}, {@link #close()} (every sentinel: SIGTERM, then
 *       SIGKILL after a bound; directories deleted), {@link #available()} for Assumptions.</li>
 *   <li>{@link #sentinels()}, {@link #get(int)}, {@link #ports()}, {@link #addresses()},
 *       {@link #masterName()}, {@link #logs()} (every sentinel's log, for failure messages).</li>
 *   <li>{@link #masterPorts()}: each sentinel's {@code SENTINEL GET-MASTER-ADDR-BY-NAME} port;
 *       {@link #agreedMasterPort()}: the port they all name, or -1.</li>
 *   <li>{@link #awaitAgreedMaster(Duration)}: until every sentinel names the same master;
 *       {@link #awaitNewMaster(int, Duration)}: until every sentinel names the same master, other
 *       than the given port (a failover completed everywhere).</li>
 *   <li>{@link #awaitDiscovered(int, Duration)}: until every sentinel knows at least that many
 *       healthy replicas and all the other sentinels, and sees the master up;
 *       {@link #awaitReplicasUp(Collection, Duration)}: until every sentinel lists these ports as
 *       healthy replicas of the master they agree on (after a restarted old master was turned into
 *       a replica, say).</li>
 * </ul>
 * Every wait polls (no fixed sleep) and fails with an {@link AssertionError} saying what each
 * sentinel reported and ending with the sentinels' logs.
 *
 * <p>Sentinel only ever sees 127.0.0.1 here: ports identify servers.
 */
public final class SentinelGroup implements AutoCloseable {

    private final List<SentinelProcess> sentinels;

    private SentinelGroup(List<SentinelProcess> sentinels) {
        this.sentinels = List.copyOf(sentinels);
    }

    /** True when redis-sentinel can be run. */
    public static boolean available() {
        return SentinelProcess.available();
    }

    /**
     * Starts {@code count} sentinels with the same configuration (each on its own port, in its own
     * directory); returns once each answers PING. They find the master's replicas and each other in
     * the background: see {@link #awaitDiscovered}.
     */
    public static SentinelGroup start(int count, SentinelProcess.Config config) throws IOException {
        List<SentinelProcess> started = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                started.add(SentinelProcess.start(config));
            }
            return new SentinelGroup(started);
        } catch (IOException | RuntimeException | Error e) {
            started.forEach(SentinelProcess::close);
            throw e;
        }
    }

    public List<SentinelProcess> sentinels() {
        return sentinels;
    }

    public SentinelProcess get(int i) {
        return sentinels.get(i);
    }

    public int size() {
        return sentinels.size();
    }

    public String masterName() {
        return sentinels.get(0).config().masterName();
    }

    public List<Integer> ports() {
        return sentinels.stream().map(SentinelProcess::port).toList();
    }

    /** {@code 127.0.0.1:<port>} of each sentinel, as {@code JedisSentinelPool} takes them. */
    public Set<String> addresses() {
        return sentinels.stream().map(SentinelProcess::address).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** Each running sentinel's answer to GET-MASTER-ADDR-BY-NAME, as a port (-1: none, no answer). */
    public List<Integer> masterPorts() {
        return sentinels.stream().filter(SentinelProcess::isAlive).map(SentinelProcess::masterPort).toList();
    }

    /** The master port every running sentinel names, or -1 while they disagree (or one does not answer). */
    public int agreedMasterPort() {
        List<Integer> ports = masterPorts();
        if (ports.isEmpty() || ports.get(0) < 0) {
            return -1;
        }
        return ports.stream().allMatch(p -> p.equals(ports.get(0))) ? ports.get(0) : -1;
    }

    /** Waits until every running sentinel names the same master; returns its port. */
    public int awaitAgreedMaster(Duration bound) {
        int[] agreed = {-1};
        Wait.until(bound, "the sentinels to agree on a master", () -> (agreed[0] = agreedMasterPort()) > 0,
                this::describe);
        return agreed[0];
    }

    /**
     * Waits until every running sentinel names the same master and it is not on {@code oldPort}: a
     * failover away from that master completed (as far as GET-MASTER-ADDR-BY-NAME tells clients).
     * Returns the new master's port.
     */
    public int awaitNewMaster(int oldPort, Duration bound) {
        int[] agreed = {-1};
        Wait.until(bound, "the sentinels to agree on a master other than :" + oldPort, () -> {
            agreed[0] = agreedMasterPort();
            return agreed[0] > 0 && agreed[0] != oldPort;
        }, this::describe);
        return agreed[0];
    }

    /**
     * Waits until every running sentinel sees the master up (no {@code s_down}/{@code o_down} flag),
     * lists at least {@code replicas} replicas that are up (flags exactly {@code slave}), and knows every
     * other running sentinel as up: the state in which a failover can be decided and carried out.
     */
    public void awaitDiscovered(int replicas, Duration bound) {
        int others = (int) sentinels.stream().filter(SentinelProcess::isAlive).count() - 1;
        Wait.until(bound, "every sentinel to see the master up, " + replicas + " replicas up and "
                + others + " other sentinels", () -> {
            for (SentinelProcess s : sentinels) {
                if (!s.isAlive()) {
                    continue;
                }
                Map<String, String> master = s.master();
                List<Map<String, String>> rs = s.replicas();
                List<Map<String, String>> ss = s.sentinels();
                if (master == null || rs == null || ss == null || !"master".equals(master.get("flags"))
                        || rs.stream().filter(SentinelGroup::healthy).count() < replicas
                        || ss.stream().filter(SentinelGroup::healthySentinel).count() < others) {
                    return false;
                }
            }
            return true;
        }, this::describe);
    }

    /**
     * Waits until every running sentinel agrees on a master and lists each of {@code ports} among its
     * replicas, up (flags exactly {@code slave}) and reporting that master as theirs with the link up.
     * Returns the master's port.
     */
    public int awaitReplicasUp(Collection<Integer> ports, Duration bound) {
        int[] agreed = {-1};
        Wait.until(bound, "every sentinel to list " + ports + " as healthy replicas", () -> {
            agreed[0] = agreedMasterPort();
            if (agreed[0] < 0) {
                return false;
            }
            for (SentinelProcess s : sentinels) {
                if (!s.isAlive()) {
                    continue;
                }
                List<Map<String, String>> rs = s.replicas();
                if (rs == null) {
                    return false;
                }
                for (int port : ports) {
                    boolean up = rs.stream().anyMatch(r -> Integer.toString(port).equals(r.get("port")) && healthy(r)
                            && Integer.toString(agreed[0]).equals(r.get("master-port"))
                            && "ok".equals(r.get("master-link-status")));
                    if (!up) {
                        return false;
                    }
                }
            }
            return true;
        }, this::describe);
        return agreed[0];
    }

    /** Every sentinel's log, headed by its address: for assertion messages. */
    public String logs() {
        StringBuilder b = new StringBuilder();
        for (SentinelProcess s : sentinels) {
            b.append("\n--- ").append(s).append(" log:\n").append(s.log());
        }
        return b.toString();
    }

    /** What each sentinel reports (master address, flags, replicas, sentinels), then the logs. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (SentinelProcess s : sentinels) {
            b.append("\n").append(s).append(s.isAlive() ? "" : " (dead)");
            if (!s.isAlive()) {
                continue;
            }
            Map<String, String> m = s.master();
            b.append(": master :").append(s.masterPort())
                    .append(" flags=").append(m == null ? "?" : m.get("flags"))
                    .append(" epoch=").append(m == null ? "?" : m.get("config-epoch"));
            List<Map<String, String>> rs = s.replicas();
            if (rs != null) {
                for (Map<String, String> r : rs) {
                    b.append("; replica :").append(r.get("port")).append(" flags=").append(r.get("flags"))
                            .append(" master-port=").append(r.get("master-port"))
                            .append(" link=").append(r.get("master-link-status"));
                }
            }
            List<Map<String, String>> ss = s.sentinels();
            if (ss != null) {
                for (Map<String, String> o : ss) {
                    b.append("; sentinel :").append(o.get("port")).append(" flags=").append(o.get("flags"));
                }
            }
        }
        return b.append(logs()).toString();
    }

    private static boolean healthy(Map<String, String> replica) {
        return "slave".equals(replica.get("flags"));
    }

    private static boolean healthySentinel(Map<String, String> sentinel) {
        return "sentinel".equals(sentinel.get("flags"));
    }

    /** Closes every sentinel (SIGTERM, then SIGKILL after a bound), deleting their directories. */
    @Override
    public void close() {
        for (SentinelProcess s : sentinels) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return "sentinels " + ports();
    }
}
