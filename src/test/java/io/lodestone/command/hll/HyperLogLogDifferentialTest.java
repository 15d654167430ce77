package io.lodestone.command.hll;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.lodestone.testsupport.RespClient.escape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Same commands, same bytes: random PFADD/PFCOUNT/PFMERGE sequences go to Lodestone and to a real
 * redis-server 7.0, and every reply - GET of the HLL values included - must be identical. Covers
 * sparse values, their promotion to dense at several hll-sparse-max-bytes settings, merges of every
 * mix, large cardinalities, values carried from one server to the other with GET/SET, and randomly
 * corrupted values. Skipped without redis-server.
 */
@Timeout(300)
class HyperLogLogDifferentialTest {
    private static ServerProcess redis;
    private static EmbeddedServer lodestone;
    private static RespClient ours;
    private static RespClient theirs;
    private final List<String> mismatches = new ArrayList<>();
    private int compared;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis();
        lodestone = EmbeddedServer.start();
        ours = RespClient.connect(lodestone.port());
        theirs = redis.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (ours != null) ours.close();
        if (theirs != null) theirs.close();
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
    }

    @BeforeEach
    void reset() throws IOException {
        both("FLUSHALL");
        both("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
    }

    // ---- Helpers ---------------------------------------------------------------------------------

    /** Sends to both servers, records a mismatch, returns Redis's reply. */
    private byte[] compare(byte[]... cmd) throws IOException {
        byte[] a = ours.call(cmd), b = theirs.call(cmd);
        compared++;
        if (!Arrays.equals(a, b) && mismatches.size() < 20) {
            mismatches.add(describe(cmd) + "\n  lodestone: " + clip(escape(a)) + "\n  redis:     " + clip(escape(b)));
        }
        return b;
    }

    private byte[] compare(String... cmd) throws IOException {
        return compare(bytes(cmd));
    }

    private void both(String... cmd) throws IOException {
        ours.call(cmd);
        theirs.call(cmd);
    }

    private void assertNoMismatch(int minCompared) {
        assertTrue(compared >= minCompared, "compared only " + compared);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
        assertTrue(redis.isAlive(), "redis-server died");
    }

    private static byte[][] bytes(String... args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) out[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The value of a bulk-string reply ({@code $n\r\n...\r\n}). */
    private static byte[] bulkValue(byte[] reply) {
        assertEquals('$', reply[0], () -> escape(reply));
        int crlf = 1;
        while (reply[crlf] != '\r') crlf++;
        int n = Integer.parseInt(new String(reply, 1, crlf - 1, StandardCharsets.US_ASCII));
        return Arrays.copyOfRange(reply, crlf + 2, crlf + 2 + n);
    }

    private static String describe(byte[][] cmd) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(cmd.length, 6); i++) sb.append(clip(escape(cmd[i]))).append(' ');
        if (cmd.length > 6) sb.append("... (").append(cmd.length).append(" args)");
        return sb.toString();
    }

    private static String clip(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static byte[][] pfadd(String key, List<byte[]> elements) {
        byte[][] cmd = new byte[elements.size() + 2][];
        cmd[0] = b("PFADD");
        cmd[1] = b(key);
        for (int i = 0; i < elements.size(); i++) cmd[i + 2] = elements.get(i);
        return cmd;
    }

    /** Mostly short text elements from a pool (so repeats happen), sometimes binary ones. */
    private static byte[] element(Random r, int pool) {
        if (r.nextInt(10) == 0) {
            byte[] e = new byte[r.nextInt(20)];
            r.nextBytes(e);
            return e;
        }
        return b("el:" + r.nextInt(pool));
    }

    // ---- Random sequences ------------------------------------------------------------------------

    @Test
    void randomSequencesGiveRedisBytesAtEverySparseLimit() throws IOException {
        Random r = new Random(20240611);
        for (String limit : new String[]{"3000", "300", "50", "0", "12000"}) {
            both("FLUSHALL");
            compare("CONFIG", "SET", "hll-sparse-max-bytes", limit);
            for (int step = 0; step < 1500; step++) {
                String key = "k" + r.nextInt(6);
                int kind = r.nextInt(100);
                if (kind < 60) {
                    int n = new int[]{0, 1, 1, 2, 5, 20, 100}[r.nextInt(7)];
                    List<byte[]> els = new ArrayList<>();
                    for (int i = 0; i < n; i++) els.add(element(r, 50_000));
                    compare(pfadd(key, els));
                } else if (kind < 72) {
                    compare("PFCOUNT", key);
                } else if (kind < 80) {
                    compare("PFCOUNT", key, "k" + r.nextInt(7), "k" + r.nextInt(7));
                } else if (kind < 88) {
                    List<String> cmd = new ArrayList<>(List.of("PFMERGE", key));
                    for (int i = r.nextInt(4); i > 0; i--) cmd.add("k" + r.nextInt(7));
                    compare(cmd.toArray(new String[0]));
                } else if (kind < 96) {
                    compare("GET", key);
                } else {
                    compare("PFDEBUG", new String[]{"ENCODING", "DECODE", "TODENSE"}[r.nextInt(3)], key);
                }
            }
            for (int k = 0; k < 7; k++) {
                compare("GET", "k" + k);
                compare("PFCOUNT", "k" + k);
                compare("GET", "k" + k);
                compare("OBJECT", "ENCODING", "k" + k);
            }
        }
        assertNoMismatch(7000);
    }

    @Test
    void oneElementAtATimeThroughThePromotion() throws IOException {
        // Each single add is where opcodes split and merge; GET after every one.
        Random r = new Random(3);
        for (int i = 0; i < 2500; i++) {
            compare("PFADD", "one", "x" + r.nextInt(1_000_000));
            compare("GET", "one");
            if (i % 50 == 0) compare("PFCOUNT", "one");
        }
        compare("PFDEBUG", "ENCODING", "one");
        assertNoMismatch(5000);
    }

    @Test
    void largeCardinalitiesCountAsRedisDoes() throws IOException {
        Random r = new Random(11);
        long n = 0;
        for (int batch = 0; batch < 120; batch++) {
            int size = batch < 40 ? 1 + batch * 10 : 5000;
            List<byte[]> els = new ArrayList<>(size);
            for (int i = 0; i < size; i++) els.add(b("big:" + n++));
            compare(pfadd("big", els));
            compare("PFCOUNT", "big");
            if (batch % 10 == 0) compare("PFCOUNT", "big", "other");
            if (batch % 3 == 0) {
                List<byte[]> some = new ArrayList<>();
                for (int i = 0; i < 300; i++) some.add(b("other:" + r.nextInt(1_000_000)));
                compare(pfadd("other", some));
            }
        }
        compare("GET", "big");
        compare("PFMERGE", "union", "big", "other");
        compare("GET", "union");
        compare("PFCOUNT", "union");
        assertNoMismatch(250);
    }

    @Test
    void valuesCarriedBetweenServersKeepWorking() throws IOException {
        Random r = new Random(99);
        for (int round = 0; round < 40; round++) {
            // Built in one server, then written with SET into both (so both entries start alike).
            String key = "carried" + round;
            RespClient from = round % 2 == 0 ? theirs : ours;
            int n = new int[]{1, 10, 200, 2000, 20000}[round % 5];
            List<byte[]> els = new ArrayList<>();
            for (int i = 0; i < n; i++) els.add(element(r, 1_000_000));
            from.call(pfadd(key, els));
            if (r.nextBoolean()) from.call(bytes("PFCOUNT", key));
            byte[] value = bulkValue(from.call(bytes("GET", key)));
            compare(new byte[][]{b("SET"), b(key), value});
            compare("GET", key);
            compare("OBJECT", "ENCODING", key);
            compare("PFCOUNT", key);
            compare("OBJECT", "ENCODING", key);
            for (int i = 0; i < 5; i++) compare("PFADD", key, "more" + r.nextInt(100_000), "more" + r.nextInt(100_000));
            compare("GET", key);
            compare("PFMERGE", "merged", key);
            compare("GET", "merged");
            compare("PFCOUNT", key, "merged");
        }
        assertNoMismatch(500);
    }

    // ---- Corrupted values ------------------------------------------------------------------------

    @Test
    void corruptedValuesFailAsRedisDoes() throws IOException {
        Random r = new Random(1234);
        List<byte[]> seeds = new ArrayList<>();
        for (int n : new int[]{0, 1, 3, 30, 200}) {
            List<byte[]> els = new ArrayList<>();
            for (int i = 0; i < n; i++) els.add(b("s" + i));
            theirs.call(pfadd("seed", els));
            seeds.add(bulkValue(theirs.call(bytes("GET", "seed"))));
            theirs.call(bytes("DEL", "seed"));
        }
        for (int i = 0; i < 1500; i++) {
            byte[] v = seeds.get(r.nextInt(seeds.size())).clone();
            v = corrupt(r, v);
            compare(new byte[][]{b("SET"), b("bad"), v});
            int before = mismatches.size();
            int op = r.nextInt(8);
            switch (op) {
                case 0 -> compare("PFCOUNT", "bad");
                case 1 -> compare("PFADD", "bad", "a" + r.nextInt(100), "b" + r.nextInt(100), "c" + r.nextInt(100));
                case 2 -> compare("PFCOUNT", "bad", "other");
                case 3 -> compare("PFMERGE", "dest", "bad");
                case 4 -> compare("PFMERGE", "bad", "other");
                case 5 -> compare("PFDEBUG", "DECODE", "bad");
                case 6 -> compare("PFDEBUG", "TODENSE", "bad");
                default -> {
                    List<byte[]> els = new ArrayList<>();
                    for (int k = 0; k < 40; k++) els.add(b("x" + r.nextInt(10_000)));
                    compare(pfadd("bad", els));
                }
            }
            compare("GET", "bad");
            compare("GET", "dest");
            compare("PFCOUNT", "bad");
            if (mismatches.size() > before) mismatches.add("  (the corrupted value: " + escape(v) + ")");
        }
        assertNoMismatch(5000);
    }

    /** Flips, inserts, deletes or truncates a few bytes of the opcodes, or damages the header. */
    private static byte[] corrupt(Random r, byte[] v) {
        int body = v.length - HyperLogLog.HDR_SIZE;
        switch (r.nextInt(6)) {
            case 0, 1 -> {
                for (int k = 1 + r.nextInt(3); k > 0 && body > 0; k--) {
                    v[HyperLogLog.HDR_SIZE + r.nextInt(body)] = (byte) r.nextInt(256);
                }
                return v;
            }
            case 2 -> {
                byte[] out = Arrays.copyOf(v, v.length + 1 + r.nextInt(3));
                for (int i = v.length; i < out.length; i++) out[i] = (byte) r.nextInt(256);
                return out;
            }
            case 3 -> {
                return Arrays.copyOf(v, Math.max(HyperLogLog.HDR_SIZE - 1, v.length - 1 - r.nextInt(3)));
            }
            case 4 -> {
                v[4 + r.nextInt(12)] = (byte) r.nextInt(256);
                return v;
            }
            default -> {
                // Cache marked valid with some number in it.
                v[15] &= 0x7f;
                v[8 + r.nextInt(7)] = (byte) r.nextInt(256);
                return v;
            }
        }
    }

    @Test
    void theSameOperationsOnCopiesGiveTheSameBytes() throws IOException {
        // Built in Redis, copied to both, grown further in both: the results are byte-identical.
        Random r = new Random(5);
        List<byte[]> els = new ArrayList<>();
        for (int i = 0; i < 1200; i++) els.add(b("c" + r.nextInt(100_000)));
        theirs.call(pfadd("src", els));
        byte[] value = bulkValue(theirs.call(bytes("GET", "src")));
        ours.call(new byte[][]{b("SET"), b("src"), value});
        for (int i = 0; i < 400; i++) compare("PFADD", "src", "d" + r.nextInt(100_000));
        byte[] a = bulkValue(ours.call(bytes("GET", "src"))), bb = bulkValue(theirs.call(bytes("GET", "src")));
        assertArrayEquals(bb, a);
        assertNoMismatch(400);
    }
}
