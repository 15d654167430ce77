package io.lodestone.command.set;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.RespValue;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of set commands sent to a real redis-server 7.0 and to Lodestone: every reply
 * and every key's OBJECT ENCODING afterwards must be the same. Orders must be the same bytes when
 * every key the command names is an intset or missing (Redis's order is then ascending, for SINTER,
 * SUNION and SDIFF too, since their results stay intsets below the limit); replies that iterate a
 * hashtable are compared as sorted lists. SPOP and SRANDMEMBER ask for 0 or for more than the
 * whole set, which is deterministic. Skipped when redis-server is not installed.
 */
@Timeout(120)
class SetRandomDifferentialTest {
    private static final String[] KEYS = {"a", "b", "c", "d", "s"};
    private static ServerProcess redis;
    private static EmbeddedServer ours;

    @BeforeAll
    static void startServers() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis();
        ours = EmbeddedServer.start();
    }

    @AfterAll
    static void stopServers() {
        if (redis != null) redis.close();
        if (ours != null) ours.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void randomCommandsGetRedisReplies(int seed) throws IOException {
        Random rnd = new Random(seed);
        // 512 keeps every result of intsets an intset (members stay well below it); the small
        // limits make conversions frequent.
        String limit = new String[]{"512", "3", "8", "0", "1", "512"}[seed - 1];
        List<String> mismatches = new ArrayList<>();
        try (RespClient real = redis.client(); RespClient mine = RespClient.connect(ours.port())) {
            for (RespClient c : new RespClient[]{real, mine}) {
                c.call("FLUSHALL");
                c.call("CONFIG", "SET", "set-max-intset-entries", limit);
                c.call("SET", "s", "string");
            }
            for (int step = 0; step < 3000 && mismatches.size() < 5; step++) {
                String[] cmd = command(rnd);
                boolean ordered = true;
                for (int i = 1; i < cmd.length; i++) {
                    if (isKey(cmd[i]) && "$9\r\nhashtable\r\n".equals(RespClient.text(real.call("OBJECT", "ENCODING", cmd[i])))) {
                        ordered = false;
                    }
                }
                byte[] expected = real.call(cmd), got = mine.call(cmd);
                if (!Arrays.equals(expected, got) && (ordered || !sorted(expected).equals(sorted(got)))) {
                    mismatches.add(String.join(" ", cmd) + "\n  redis:     " + RespClient.escape(expected)
                            + "\n  lodestone: " + RespClient.escape(got));
                }
                for (String key : KEYS) {
                    byte[] e = real.call("OBJECT", "ENCODING", key), g = mine.call("OBJECT", "ENCODING", key);
                    if (!Arrays.equals(e, g)) {
                        mismatches.add("after " + String.join(" ", cmd) + ": OBJECT ENCODING " + key + " "
                                + RespClient.escape(e) + " vs " + RespClient.escape(g));
                    }
                }
            }
        }
        assertTrue(mismatches.isEmpty(), "seed " + seed + ", limit " + limit + ":\n" + String.join("\n", mismatches));
    }

    private static boolean isKey(String arg) {
        for (String k : KEYS) if (k.equals(arg)) return true;
        return false;
    }

    private static String member(Random rnd) {
        double r = rnd.nextDouble();
        if (r < 0.6) return Integer.toString(rnd.nextInt(401) - 200);
        if (r < 0.7) return new String[]{"70000", "-70000", "1099511627776", "-1099511627776",
                "9223372036854775807", "-9223372036854775808"}[rnd.nextInt(6)];
        if (r < 0.75) return new String[]{"01", "-0", "+1", "", " 1"}[rnd.nextInt(5)];
        return "xyzw".charAt(rnd.nextInt(4)) + Integer.toString(rnd.nextInt(30));
    }

    private static String key(Random rnd) {
        return KEYS[rnd.nextInt(KEYS.length)];
    }

    private static String[] command(Random rnd) {
        List<String> c = new ArrayList<>();
        switch (rnd.nextInt(17)) {
            case 0 -> { c.add("SADD"); c.add(key(rnd)); members(rnd, c); }
            case 1 -> { c.add("SREM"); c.add(key(rnd)); members(rnd, c); }
            case 2 -> c.addAll(List.of("SMOVE", key(rnd), key(rnd), member(rnd)));
            case 3 -> c.addAll(List.of("SISMEMBER", key(rnd), member(rnd)));
            case 4 -> { c.add("SMISMEMBER"); c.add(key(rnd)); members(rnd, c); }
            case 5 -> c.addAll(List.of("SCARD", key(rnd)));
            case 6 -> c.addAll(List.of("SMEMBERS", key(rnd)));
            case 7 -> { c.add("SINTER"); keys(rnd, c); }
            case 8 -> c.addAll(List.of("SINTERCARD", "2", key(rnd), key(rnd), "LIMIT", Integer.toString(rnd.nextInt(4))));
            case 9 -> { c.add("SINTERSTORE"); c.add(key(rnd)); keys(rnd, c); }
            case 10 -> { c.add("SUNION"); keys(rnd, c); }
            case 11 -> { c.add("SUNIONSTORE"); c.add(key(rnd)); keys(rnd, c); }
            case 12 -> { c.add("SDIFF"); keys(rnd, c); }
            case 13 -> { c.add("SDIFFSTORE"); c.add(key(rnd)); keys(rnd, c); }
            case 14 -> c.addAll(List.of("SPOP", key(rnd), rnd.nextBoolean() ? "0" : "100000"));
            case 15 -> c.addAll(List.of("SRANDMEMBER", key(rnd), rnd.nextBoolean() ? "0" : "100000"));
            default -> c.addAll(List.of("SSCAN", key(rnd), "0", "COUNT", "100000"));
        }
        return c.toArray(new String[0]);
    }

    private static void members(Random rnd, List<String> c) {
        for (int n = 1 + rnd.nextInt(12); n > 0; n--) c.add(member(rnd));
    }

    private static void keys(Random rnd, List<String> c) {
        for (int n = 1 + rnd.nextInt(4); n > 0; n--) c.add(key(rnd));
    }

    /** The reply with the elements of every aggregate sorted (for replies that iterate a hashtable). */
    private static String sorted(byte[] reply) {
        return canonical(RespValue.parse(reply));
    }

    private static String canonical(RespValue v) {
        if (v instanceof RespValue.Aggregate a) {
            List<String> parts = new ArrayList<>();
            for (RespValue e : a.elements()) parts.add(canonical(e));
            if (a.elements().size() != 2 || !(a.elements().get(1) instanceof RespValue.Aggregate)) parts.sort(null);
            return a.type() + parts.toString();
        }
        if (v instanceof RespValue.Scalar s) return s.type() + new String(s.payload(), StandardCharsets.ISO_8859_1);
        return v.toString();
    }
}
