package io.lodestone.replication;

import io.lodestone.testsupport.RestartableServer;
import io.lodestone.testsupport.SentinelGroup;
import io.lodestone.testsupport.SentinelProcess;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault test of synchronous replication: a Sentinel-managed master with two replicas, all with
 * min-replicas-ack 1; a client writes unique keys and records each one acknowledged; the master is
 * killed with SIGKILL several times in a row. After each failover every acknowledged key is on the
 * new master.
 */
@Slow
class AckedWritesFailoverTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int ROUNDS = 3;

    @BeforeAll
    static void needLodestoneAndSentinel() {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable() && !ServerProcess.targetIsRedis());
        Assumptions.assumeTrue(SentinelGroup.available(), "redis-sentinel is not installed");
    }

    /** Writes ack:N = N on whichever master Sentinel names, recording the acknowledged and refused Ns. */
    private static final class Writer extends Thread {
        final Set<Long> acked = ConcurrentHashMap.newKeySet();
        final AtomicLong unacked = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        private final SentinelGroup sentinels;
        private volatile boolean stop;

        Writer(SentinelGroup sentinels) {
            super("acked-writes-writer");
            setDaemon(true);
            this.sentinels = sentinels;
        }

        @Override
        public void run() {
            long n = 0;
            Jedis j = null;
            while (!stop) {
                try {
                    if (j == null) {
                        int port = sentinels.get(0).masterPort();
                        j = new Jedis("127.0.0.1", port, 1000, 3000);
                    }
                    n++;
                    j.set("ack:" + n, Long.toString(n));
                    acked.add(n);
                } catch (RuntimeException e) {
                    // UNACKED (applied, not confirmed), READONLY from a demoted master, a dead socket:
                    // none of these writes counts as acknowledged; ask Sentinel again.
                    if (String.valueOf(e.getMessage()).startsWith("UNACKED")) unacked.incrementAndGet();
                    else failures.incrementAndGet();
                    if (j != null) j.close();
                    j = null;
                    pause();
                }
            }
            if (j != null) j.close();
        }

        private static void pause() {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void finish() throws InterruptedException {
            stop = true;
            join(BOUND.toMillis());
        }
    }

    private static Set<Long> keysOn(int port) {
        Set<Long> found = new HashSet<>();
        try (Jedis j = new Jedis("127.0.0.1", port, 5000)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            ScanParams match = new ScanParams().match("ack:*").count(1000);
            int calls = 0;
            do {
                ScanResult<String> r = j.scan(cursor, match);
                for (String k : r.getResult()) found.add(Long.parseLong(k.substring(4)));
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START) && ++calls < 100_000);
        }
        return found;
    }

    @Test
    void everyAcknowledgedWriteSurvivesRepeatedMasterKills() throws Exception {
        String[] args = {"--repl-diskless-sync-delay", "0", "--min-replicas-ack", "1", "--min-replicas-ack-timeout", "2000"};
        List<RestartableServer> servers = new ArrayList<>();
        try {
            RestartableServer first = RestartableServer.start(args);
            servers.add(first);
            for (int i = 0; i < 2; i++) {
                List<String> a = new ArrayList<>(List.of(args));
                a.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(first.port())));
                servers.add(RestartableServer.start(a.toArray(String[]::new)));
            }
            try (SentinelGroup sentinels = SentinelGroup.start(3, SentinelProcess.Config.of(first.port()))) {
                sentinels.awaitDiscovered(2, BOUND);
                Writer writer = new Writer(sentinels);
                writer.start();
                try {
                    for (int round = 1; round <= ROUNDS; round++) {
                        int oldPort = sentinels.awaitAgreedMaster(BOUND);
                        RestartableServer victim = servers.stream().filter(s -> s.port() == oldPort).findFirst()
                                .orElseThrow();
                        int target = writer.acked.size() + 300;
                        Wait.until(BOUND, "300 more acknowledged writes", () -> writer.acked.size() >= target,
                                sentinels::describe);
                        victim.kill();
                        int newPort = sentinels.awaitNewMaster(oldPort, BOUND);
                        int resumed = writer.acked.size() + 100;
                        Wait.until(BOUND, "writes acknowledged by the new master", () -> writer.acked.size() >= resumed,
                                sentinels::describe);
                        Set<Long> acknowledged = new HashSet<>(writer.acked);
                        Set<Long> present = keysOn(newPort);
                        Set<Long> lost = new HashSet<>(acknowledged);
                        lost.removeAll(present);
                        assertEquals(Set.of(), lost, "round " + round + ": acknowledged writes missing on the new"
                                + " master :" + newPort + " (" + acknowledged.size() + " acknowledged)");
                        // The killed master comes back empty (no persistence here) and Sentinel makes it a
                        // replica of the new master, ready to be promoted in a later round.
                        victim.restart();
                        List<Integer> replicas = new ArrayList<>();
                        for (RestartableServer s : servers) if (s.port() != newPort) replicas.add(s.port());
                        sentinels.awaitReplicasUp(replicas, BOUND);
                    }
                } finally {
                    writer.finish();
                }
                assertTrue(writer.acked.size() >= ROUNDS * 400, "acknowledged: " + writer.acked.size());
            }
        } finally {
            for (RestartableServer s : servers) s.close();
        }
    }
}
