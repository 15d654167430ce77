package io.lodestone.command.stream;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of stream commands sent to a real redis-server 7.0 and to Lodestone: every reply
 * must be the same bytes, and so must DEBUG DIGEST at the end. IDs are explicit (some as {@code
 * ms-*}, some too small on purpose) so that both servers hold the same entries; nodes are small so
 * that trimming works on node boundaries; idle thresholds are 0 or out of reach, and the times in
 * replies (idle, delivery and seen times) are masked. Skipped when redis-server is not installed.
 */
@Timeout(180)
class StreamRandomDifferentialTest {
    private static final String[] KEYS = {"s", "t", "str"};
    private static final String[] GROUPS = {"g1", "g2"};
    private static final String[] CONSUMERS = {"alice", "bob", "carol"};
    private static ServerProcess redis;
    private static EmbeddedServer ours;

    @BeforeAll
    static void startServers() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis("--enable-debug-command", "yes");
        ours = EmbeddedServer.start("enable-debug-command yes");
    }

    @AfterAll
    static void stopServers() {
        if (redis != null) redis.close();
        if (ours != null) ours.close();
    }

    /** The generator's state: the next ID's milliseconds, so that most XADDs succeed. */
    private static final class Ids {
        long ms = 1;

        String next(Random rnd) {
            int r = rnd.nextInt(20);
            if (r == 0) return ms / 2 + "-" + rnd.nextInt(3);      // usually too small
            if (r < 4) return (ms += rnd.nextInt(2)) + "-*";       // this or a new millisecond
            ms += 1 + rnd.nextInt(3);
            return ms + "-" + rnd.nextInt(3);
        }

        /** An ID near the ones in use (some exist, some do not). */
        String near(Random rnd) {
            return Math.max(0, ms - rnd.nextInt(12)) + "-" + rnd.nextInt(3);
        }
    }

    private static String pick(Random rnd, String... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static String[] command(Random rnd, Ids ids) {
        String key = rnd.nextInt(10) < 8 ? "s" : pick(rnd, KEYS);
        String group = pick(rnd, GROUPS);
        String consumer = pick(rnd, CONSUMERS);
        String limit = pick(rnd, "", "", "LIMIT 2", "LIMIT 0", "LIMIT 10");
        String trim = pick(rnd, "MAXLEN", "MINID") + " " + pick(rnd, "=", "~", "") + " ";
        trim += trim.startsWith("MAXLEN") ? Integer.toString(rnd.nextInt(12)) : ids.near(rnd);
        String idle = pick(rnd, "0", "0", "100000000");
        String line = switch (rnd.nextInt(24)) {
            case 0, 1, 2, 3, 4 -> "XADD " + key + " " + ids.next(rnd) + " f" + rnd.nextInt(3) + " v" + rnd.nextInt(100);
            case 5 -> "XADD " + key + " " + pick(rnd, "NOMKSTREAM ", "") + trim + " " + limit + " " + ids.next(rnd) + " f v";
            case 6 -> "XTRIM " + key + " " + trim + " " + limit;
            case 7 -> "XDEL " + key + " " + ids.near(rnd) + " " + ids.near(rnd);
            case 8 -> "XRANGE " + key + " " + pick(rnd, "-", "(" + ids.near(rnd), ids.near(rnd)) + " "
                    + pick(rnd, "+", "(" + ids.near(rnd), ids.near(rnd)) + pick(rnd, "", " COUNT 3");
            case 9 -> "XREVRANGE " + key + " + - COUNT " + rnd.nextInt(5);
            case 10 -> "XGROUP CREATE " + key + " " + group + " " + pick(rnd, "$", "0", ids.near(rnd))
                    + pick(rnd, "", " MKSTREAM", " ENTRIESREAD " + rnd.nextInt(5));
            case 11 -> "XGROUP SETID " + key + " " + group + " " + pick(rnd, "$", "0", ids.near(rnd))
                    + pick(rnd, "", " ENTRIESREAD " + rnd.nextInt(5));
            case 12 -> rnd.nextInt(4) == 0 ? "XGROUP DESTROY " + key + " " + group
                    : pick(rnd, "XGROUP CREATECONSUMER ", "XGROUP DELCONSUMER ") + key + " " + group + " " + consumer;
            case 13, 14, 15 -> "XREADGROUP GROUP " + group + " " + consumer + pick(rnd, "", " COUNT 2", " COUNT 1")
                    + pick(rnd, "", "", " NOACK") + " STREAMS " + key + " " + pick(rnd, ">", ">", "0", ids.near(rnd));
            case 16 -> "XACK " + key + " " + group + " " + ids.near(rnd) + " " + ids.near(rnd);
            case 17 -> "XCLAIM " + key + " " + group + " " + consumer + " " + idle + " " + ids.near(rnd) + " "
                    + ids.near(rnd) + pick(rnd, "", " JUSTID", " FORCE", " RETRYCOUNT 5", " TIME 1000",
                    " LASTID " + ids.near(rnd), " FORCE JUSTID LASTID " + ids.near(rnd));
            case 18 -> "XAUTOCLAIM " + key + " " + group + " " + consumer + " " + idle + " "
                    + pick(rnd, "0", "-", ids.near(rnd), "(" + ids.near(rnd)) + pick(rnd, "", " COUNT 1", " COUNT 2")
                    + pick(rnd, "", " JUSTID");
            case 19 -> "XPENDING " + key + " " + group + pick(rnd, "", " - + 10", " IDLE " + idle + " - + 5",
                    " - + 10 " + consumer);
            case 20 -> pick(rnd, "XINFO STREAM ", "XINFO GROUPS ", "XLEN ") + key;
            case 21 -> "XINFO STREAM " + key + " FULL" + pick(rnd, "", " COUNT 2");
            case 22 -> "XINFO CONSUMERS " + key + " " + group;
            default -> "XSETID " + key + " " + ids.near(rnd) + pick(rnd, "", " ENTRIESADDED " + rnd.nextInt(40),
                    " MAXDELETEDID " + ids.near(rnd));
        };
        return line.trim().split(" +");
    }

    /** The reply with what time decides masked: idle times, and delivery and seen times (unix ms). */
    private static String masked(byte[] reply) {
        return RespClient.text(reply)
                .replaceAll(":\\d{13}\r\n", ":<ms>\r\n")
                .replaceAll("idle\r\n:\\d+\r\n", "idle\r\n:<idle>\r\n")
                .replaceAll("(\\*4\r\n\\$\\d+\r\n\\d+-\\d+\r\n\\$\\d+\r\n[a-z]+\r\n):\\d+\r\n", "$1:<idle>\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void randomCommandsGetRedisReplies(int seed) throws IOException {
        Random rnd = new Random(seed);
        List<String> mismatches = new ArrayList<>();
        try (RespClient real = redis.client(); RespClient mine = RespClient.connect(ours.port())) {
            for (RespClient c : new RespClient[]{real, mine}) {
                c.call("FLUSHALL");
                c.call("CONFIG", "SET", "stream-node-max-entries", Integer.toString(2 + seed));
                c.call("SET", "str", "string");
                c.call("CONFIG", "RESETSTAT");
            }
            Ids ids = new Ids();
            for (int step = 0; step < 2500 && mismatches.size() < 5; step++) {
                String[] cmd = command(rnd, ids);
                String expected = masked(real.call(cmd)), got = masked(mine.call(cmd));
                if (!expected.equals(got)) {
                    mismatches.add(step + ": " + String.join(" ", cmd) + "\n  redis:     " + expected.replace("\r\n", "\\r\\n")
                            + "\n  lodestone: " + got.replace("\r\n", "\\r\\n"));
                }
            }
            // Each command looks its keys up as often as Redis's does.
            for (String stat : new String[]{"keyspace_hits", "keyspace_misses"}) {
                String want = Info.field(RespClient.text(real.call("INFO", "stats")), stat);
                String got = Info.field(RespClient.text(mine.call("INFO", "stats")), stat);
                if (!want.equals(got)) mismatches.add(stat + ": redis " + want + ", lodestone " + got);
            }
            // And counts the changes Redis counts (save points and INFO depend on them).
            String want = Info.field(RespClient.text(real.call("INFO", "persistence")), "rdb_changes_since_last_save");
            String got = Info.field(RespClient.text(mine.call("INFO", "persistence")), "rdb_changes_since_last_save");
            if (!want.equals(got)) mismatches.add("rdb_changes_since_last_save: redis " + want + ", lodestone " + got);
            String digest = RespClient.text(real.call("DEBUG", "DIGEST"));
            if (!digest.equals(RespClient.text(mine.call("DEBUG", "DIGEST")))) mismatches.add("DEBUG DIGEST differs");
        }
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    }
}
