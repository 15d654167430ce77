package io.lodestone.command.string;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Same bytes in, same bytes out: every string command case goes to Lodestone and to a real
 * redis-server 7.0, and the raw replies must be identical. The fixed cases are in
 * {@code string-cases.txt} (every error path, binary values, RESP3, edge offsets, huge numbers,
 * float formatting); seeded random sequences add breadth. Both servers run with
 * proto-max-bulk-len 1mb so the size limits are cheap to reach. Skipped without redis-server.
 */
class StringDifferentialTest {
    private static final Pattern ENCODING = Pattern.compile("encoding:(\\w+)");
    private static ServerProcess redis;
    private static EmbeddedServer lodestone;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis("--proto-max-bulk-len", "1mb", "--enable-debug-command", "yes");
        lodestone = EmbeddedServer.start(ctx -> {
            ctx.limits.protoMaxBulkLen = 1 << 20;
            StandIns.register(ctx);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
    }

    @Test
    void everyListedCaseRepliesAsRedisDoes() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int sent = 0;
        try (RespClient ours = RespClient.connect(lodestone.port()); RespClient theirs = redis.client();
             InputStream in = getClass().getResourceAsStream("string-cases.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int n = 0; n < lines.length; n++) {
                String line = lines[n].strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                boolean compare = !line.startsWith("!");
                if (!compare) line = line.substring(1);
                boolean encoding = line.startsWith("?ENC ");
                byte[][] args = encoding
                        ? new byte[][]{bytes("DEBUG"), bytes("OBJECT"), token(line.substring(5))}
                        : tokens(line);
                String a = text(ours.call(args)), b = text(theirs.call(args));
                sent++;
                if (encoding) {
                    a = encodingOf(a);
                    b = encodingOf(b);
                }
                if (compare && !a.equals(b)) {
                    mismatches.add("line " + (n + 1) + ": " + line + "\n  lodestone: " + clip(a) + "\n  redis:     " + clip(b));
                }
            }
        }
        assertTrue(sent > 800, "cases sent: " + sent);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }

    @Test
    void randomIncrByFloatSequencesFormatAsRedisDoes() throws IOException {
        Random r = new Random(20240501);
        List<String> mismatches = new ArrayList<>();
        try (RespClient ours = RespClient.connect(lodestone.port()); RespClient theirs = redis.client()) {
            select(ours, theirs, 7);
            for (int i = 0; i < 3000; i++) {
                String key = "float:" + r.nextInt(20);
                byte[][] cmd = r.nextInt(10) == 0
                        ? new byte[][]{bytes("SET"), bytes(key), bytes(randomNumber(r))}
                        : new byte[][]{bytes("INCRBYFLOAT"), bytes(key), bytes(randomNumber(r))};
                compare(ours, theirs, cmd, mismatches);
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }

    @Test
    void randomBitAndRangeCommandsAgreeWithRedis() throws IOException {
        Random r = new Random(7);
        List<String> mismatches = new ArrayList<>();
        try (RespClient ours = RespClient.connect(lodestone.port()); RespClient theirs = redis.client()) {
            select(ours, theirs, 8);
            for (int i = 0; i < 5000; i++) compare(ours, theirs, randomBitCommand(r), mismatches);
            for (int k = 0; k < 7; k++) compare(ours, theirs, new byte[][]{bytes("GET"), bytes("k" + k)}, mismatches);
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }

    // ---- Random commands -------------------------------------------------------------------------

    /** Decimal, exponent, hex, integer and near-limit numbers, valid and (rarely) not. */
    private static String randomNumber(Random r) {
        String sign = r.nextBoolean() ? "" : "-";
        return switch (r.nextInt(7)) {
            case 0 -> sign + digits(r, 1 + r.nextInt(12)) + "." + digits(r, 1 + r.nextInt(20));
            case 1 -> sign + digits(r, 1 + r.nextInt(20)) + "e" + (r.nextInt(9900) - 4960);
            case 2 -> sign + "0x" + Long.toHexString(r.nextLong() >>> r.nextInt(60)) + "."
                    + Integer.toHexString(r.nextInt()) + "p" + (r.nextInt(32900) - 16500);
            case 3 -> Double.toString((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(12)));
            case 4 -> sign + (r.nextInt(2000) / (double) (1 + r.nextInt(16)));
            case 5 -> Long.toString(r.nextLong());
            default -> new String[]{"0.1", "-0.1", "1e-17", "0.000003814697265625", "inf", "-inf", "nan", "1e",
                    "", " 1", "0x", "1.18973149535723176502e+4932", "5e-4951", "1e-4951"}[r.nextInt(14)];
        };
    }

    private static String digits(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) ('0' + r.nextInt(10)));
        return sb.toString();
    }

    private static byte[][] randomBitCommand(Random r) {
        String key = "k" + r.nextInt(6);
        int n = r.nextInt(13);
        List<byte[]> c = new ArrayList<>();
        int kind = r.nextInt(20);
        if (kind < 2) {
            add(c, "SET", key);
            c.add(randomBytes(r, n));
        } else if (kind < 4) {
            add(c, "BITCOUNT", key);
            int form = r.nextInt(3);
            if (form >= 1) add(c, index(r, n), index(r, n));
            if (form == 2) add(c, r.nextBoolean() ? "BIT" : "byte");
        } else if (kind < 7) {
            add(c, "BITPOS", key, r.nextBoolean() ? "1" : "0");
            int form = r.nextInt(4);
            if (form >= 1) add(c, index(r, n));
            if (form >= 2) add(c, index(r, n));
            if (form == 3) add(c, r.nextBoolean() ? "bit" : "BYTE");
        } else if (kind < 10) {
            add(c, "BITFIELD", key);
            for (int i = 1 + r.nextInt(4); i > 0; i--) {
                String type = (r.nextBoolean() ? "i" : "u") + (1 + r.nextInt(r.nextBoolean() ? 64 : 16));
                String offset = r.nextBoolean() ? Integer.toString(r.nextInt(100)) : "#" + r.nextInt(10);
                switch (r.nextInt(4)) {
                    case 0 -> add(c, "GET", type, offset);
                    case 1 -> add(c, "OVERFLOW", new String[]{"WRAP", "SAT", "FAIL"}[r.nextInt(3)]);
                    default -> add(c, r.nextBoolean() ? "SET" : "INCRBY", type, offset,
                            Long.toString(r.nextBoolean() ? r.nextInt(601) - 300 : r.nextLong()));
                }
            }
        } else if (kind < 12) {
            add(c, "GETRANGE", key, index(r, n), index(r, n));
        } else if (kind < 14) {
            add(c, "SETRANGE", key, Integer.toString(r.nextInt(20)));
            c.add(randomBytes(r, r.nextInt(5)));
        } else if (kind < 15) {
            add(c, "SETBIT", key, Integer.toString(r.nextInt(100)), r.nextBoolean() ? "1" : "0");
        } else if (kind < 16) {
            add(c, "GETBIT", key, Integer.toString(r.nextInt(100)));
        } else if (kind < 18) {
            add(c, "BITOP", new String[]{"AND", "OR", "XOR", "NOT"}[r.nextInt(4)], "k" + r.nextInt(6));
            for (int i = 1 + r.nextInt(3); i > 0; i--) add(c, "k" + r.nextInt(7));
        } else if (kind < 19) {
            add(c, "LCS", "k" + r.nextInt(7), "k" + r.nextInt(7));
            switch (r.nextInt(5)) {
                case 1 -> add(c, "LEN");
                case 2 -> add(c, "IDX");
                case 3 -> add(c, "IDX", "WITHMATCHLEN");
                case 4 -> add(c, "IDX", "MINMATCHLEN", Integer.toString(r.nextInt(4)));
                default -> { }
            }
        } else {
            add(c, "APPEND", key);
            c.add(randomBytes(r, r.nextInt(4)));
        }
        return c.toArray(new byte[0][]);
    }

    /** Mostly byte or bit positions around the string, sometimes far outside it. */
    private static String index(Random r, int n) {
        int span = r.nextBoolean() ? n + 3 : 8 * n + 10;
        return Integer.toString(r.nextInt(2 * span + 1) - span);
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> 0xFF;
            default -> r.nextInt(256);
        });
        return b;
    }

    private static void add(List<byte[]> c, String... args) {
        for (String a : args) c.add(bytes(a));
    }

    // ---- Plumbing --------------------------------------------------------------------------------

    private static void select(RespClient ours, RespClient theirs, int db) throws IOException {
        ours.call("SELECT", Integer.toString(db));
        theirs.call("SELECT", Integer.toString(db));
    }

    private static void compare(RespClient ours, RespClient theirs, byte[][] cmd, List<String> mismatches)
            throws IOException {
        String a = text(ours.call(cmd)), b = text(theirs.call(cmd));
        if (!a.equals(b) && mismatches.size() < 30) {
            StringBuilder sb = new StringBuilder();
            for (byte[] arg : cmd) sb.append(text(arg)).append(' ');
            mismatches.add(sb + "\n  lodestone: " + clip(a) + "\n  redis:     " + clip(b));
        }
    }

    /** A case line's arguments: space separated; "" is empty; \xHH, \s (space), \t, \r, \n, \\ escapes. */
    static byte[][] tokens(String line) {
        String[] parts = line.split(" ");
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) out[i] = token(parts[i]);
        return out;
    }

    static byte[] token(String t) {
        if (t.equals("\"\"")) return new byte[0];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch != '\\') {
                out.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            char e = t.charAt(++i);
            switch (e) {
                case 'x' -> {
                    out.write(Integer.parseInt(t.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                case 's' -> out.write(' ');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case '\\' -> out.write('\\');
                default -> throw new IllegalArgumentException("bad escape in " + t);
            }
        }
        return out.toByteArray();
    }

    private static String encodingOf(String debugObject) {
        Matcher m = ENCODING.matcher(debugObject);
        return m.find() ? m.group(1) : debugObject;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String clip(String s) {
        String shown = s.replace("\r\n", "\\r\\n");
        return shown.length() > 300 ? shown.substring(0, 300) + "..." : shown;
    }
}
