package io.lodestone.server;

import io.lodestone.persistence.rdb.Crc64;
import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A running server under hostile clients. Several connections send random bytes, protocol fragments
 * and mutated requests (in random pieces, some never finished, some huge) while a good client keeps
 * writing and reading its own keys: the server must keep answering, quickly, never die, never log an
 * unexpected exception, and the good client's data must be intact. Then RESTORE with mutated DUMP
 * payloads of every type (Lodestone's and Redis's own): each must be restored or refused with Redis's
 * errors, the same reply a real redis-server gives with sanitize-dump-payload yes, and a restored key
 * must be readable. See {@link Fuzz} for the budget and seed properties.
 */
@Slow
class HostileClientsTest {
    /** The longest a good client's command may take while the hostile ones run. */
    private static final long MAX_LATENCY_MS = 3000;
    private static ServerProcess lodestone;
    private static ServerProcess redis;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(ServerProcess.lodestoneAvailable());
        lodestone = ServerProcess.lodestone("--sanitize-dump-payload", "yes", "--enable-debug-command", "yes");
        if (ServerProcess.redisAvailable()) redis = ServerProcess.redis("--sanitize-dump-payload", "yes", "--enable-debug-command", "yes");
    }

    @AfterAll
    static void stop() {
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // ---- Hostile connections and a good client ------------------------------------------------

    @Test
    void garbageFromManyClientsNeitherStopsTheServerNorTouchesOtherData() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> goodFailure = new AtomicReference<>();
        AtomicLong goodOps = new AtomicLong();
        Map<String, byte[]> written = new HashMap<>();
        Thread good = new Thread(() -> {
            SplittableRandom rnd = new SplittableRandom(Fuzz.DEFAULT_SEED);
            try (RespClient c = lodestone.client()) {
                for (int i = 0; !stop.get(); i++) {
                    String key = "good:" + (i % 500);
                    byte[] value = Mutations.randomBytes(rnd, rnd.nextInt(rnd.nextInt(20) == 0 ? 20_000 : 40));
                    long t0 = System.nanoTime();
                    assertEquals("+OK\r\n", text(c.call(b("SET"), b(key), value)));
                    assertEquals(text(bulk(value)), text(c.call("GET", key)), key);
                    if (i % 20 == 0) assertEquals("+PONG\r\n", text(c.call("PING")));
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms < MAX_LATENCY_MS, "the good client waited " + ms + " ms");
                    synchronized (written) {
                        written.put(key, value);
                    }
                    goodOps.incrementAndGet();
                }
            } catch (Throwable t) {
                goodFailure.set(t);
            }
        }, "good-client");
        good.start();
        List<Thread> hostile = new ArrayList<>();
        List<Fuzz> fuzzes = new ArrayList<>();
        AtomicReference<Throwable> hostileFailure = new AtomicReference<>();
        for (int h = 0; h < 3; h++) {
            Fuzz fuzz = Fuzz.target("hostile-client-" + h, 1_000_000, 4);
            fuzzes.add(fuzz);
            Thread t = new Thread(() -> {
                try {
                    fuzz.run((index, rnd) -> hostileSession(fuzz, rnd));
                } catch (Throwable e) {
                    hostileFailure.compareAndSet(null, e);
                }
            }, "hostile-" + h);
            t.start();
            hostile.add(t);
        }
        for (Thread t : hostile) t.join();
        stop.set(true);
        good.join(30_000);
        if (hostileFailure.get() != null) throw new AssertionError(hostileFailure.get());
        if (goodFailure.get() != null) throw new AssertionError("the good client failed", goodFailure.get());
        assertTrue(lodestone.isAlive(), "the server died:\n" + lodestone.log());
        try (RespClient c = lodestone.client()) {
            assertEquals("+PONG\r\n", text(c.call("PING")));
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                assertEquals(text(bulk(e.getValue())), text(c.call("GET", e.getKey())), "the good client's " + e.getKey());
            }
        }
        assertTrue(goodOps.get() > 100, "the good client was starved: " + goodOps.get() + " operations");
        assertFalse(lodestone.log().contains("unexpected error") || lodestone.log().contains("Exception"),
                "the server logged an unexpected exception:\n" + lodestone.log());
        long cases = fuzzes.stream().mapToLong(Fuzz::cases).sum();
        System.out.println("hostile clients: " + cases + " connections, good client " + goodOps.get() + " SET+GET");
    }

    private static byte[] bulk(byte[] v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b("$" + v.length + "\r\n"));
        out.writeBytes(v);
        out.writeBytes(b("\r\n"));
        return out.toByteArray();
    }

    /** Requests a hostile client starts from: its own keys only, never the good client's. */
    private static byte[] validRequests(SplittableRandom rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1 + rnd.nextInt(5); i > 0; i--) {
            String key = "hostile:" + rnd.nextInt(50);
            String[][] templates = {{"PING"}, {"ECHO", "x"}, {"SET", key, "v"}, {"GET", key}, {"DEL", key}, {"INCR", key},
                {"RPUSH", key + "l", "a", "b"}, {"HSET", key + "h", "f", "v"}, {"SADD", key + "s", "1", "x"},
                {"ZADD", key + "z", "1", "m"}, {"MULTI"}, {"EXEC"}, {"BLPOP", key + "b", "0.05"}, {"SUBSCRIBE", "ch"},
                {"HELLO", "3"}, {"CLIENT", "SETNAME", "hostile"}};
            String[] cmd = templates[rnd.nextInt(templates.length)];
            if (rnd.nextInt(4) == 0) {
                out.writeBytes(b(String.join(" ", cmd) + "\r\n"));
            } else {
                byte[][] args = new byte[cmd.length][];
                for (int a = 0; a < cmd.length; a++) args[a] = b(cmd[a]);
                if (cmd.length > 2 && rnd.nextInt(5) == 0) args[cmd.length - 1] = Mutations.randomBytes(rnd, rnd.nextInt(5000));
                out.writeBytes(RespClient.encode(args));
            }
        }
        return out.toByteArray();
    }

    /** One hostile connection: garbage sent in random pieces, replies drained, then closed (or abandoned). */
    private static void hostileSession(Fuzz fuzz, SplittableRandom rnd) throws Exception {
        int r = rnd.nextInt(100);
        byte[] input;
        String kind;
        if (r < 15) {
            kind = "random bytes";
            input = Mutations.randomBytes(rnd, rnd.nextInt(2000));
        } else if (r < 30) {
            kind = "protocol tokens";
            input = Mutations.respTokens(rnd);
        } else if (r < 35) {
            kind = "a huge bulk never sent";
            input = b("*2\r\n$3\r\nSET\r\n$" + (1 << 20) * (1 + rnd.nextInt(500)) + "\r\nabc");
        } else if (r < 38) {
            kind = "a pipeline not read";
            input = b("PING\r\n".repeat(2000 + rnd.nextInt(5000)));
        } else if (r < 50) {
            kind = "valid";
            input = validRequests(rnd);
        } else {
            String[] k = new String[1];
            input = Mutations.mutate(validRequests(rnd), rnd, k);
            kind = "mutated: " + k[0];
        }
        fuzz.input(input);
        fuzz.count(kind);
        try (Socket s = new Socket("127.0.0.1", lodestone.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(40);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            int from = 0;
            boolean slow = rnd.nextInt(5) == 0;
            try {
                while (from < input.length) {
                    int n = slow ? 1 + rnd.nextInt(16) : 1 + rnd.nextInt(input.length - from);
                    n = Math.min(n, input.length - from);
                    out.write(input, from, n);
                    out.flush();
                    from += n;
                    if (slow && rnd.nextInt(8) == 0) Thread.sleep(1);
                }
            } catch (java.net.SocketException e) {
                fuzz.count("closed by the server while sending"); // after a protocol error
                return;
            }
            if (r >= 35 && r < 38) {
                fuzz.count("abandoned");
                return; // closed without reading a reply
            }
            byte[] buf = new byte[65536];
            long deadline = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read(buf) < 0) {
                        fuzz.count("closed by the server");
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    fuzz.count("left open");
                    return;
                } catch (java.net.SocketException e) {
                    fuzz.count("reset by the server");
                    return;
                }
            }
        }
    }

    // ---- Protocol errors as redis-server's -------------------------------------------------------------

    /**
     * The same garbage to redis-server and to Lodestone: the same replies and errors, byte for byte, and
     * the connection closed or not alike, bytes of 0x80 and more included (an unknown command's name and
     * arguments come back as the client's raw bytes). Inputs have no NUL: Redis looks for line ends
     * with strchr, so a NUL hides the rest of its buffer (it waits, where Lodestone answers).
     */
    @Test
    void protocolErrorsAreRedisOwn() throws Exception {
        Assumptions.assumeTrue(redis != null, "redis-server is not installed");
        Fuzz fuzz = Fuzz.target("protocol-differential", 100_000, 2);
        fuzz.run((index, rnd) -> {
            byte[] in = rnd.nextBoolean() ? Mutations.respTokens(rnd) : Mutations.mutate(readOnlyRequests(rnd), rnd, new String[1]);
            for (int i = 0; i < in.length; i++) {
                if (in[i] == 0) in[i] = ' ';
            }
            fuzz.input(in);
            String expected = exchange(redis.port(), in, 100, 0);
            String got = exchange(lodestone.port(), in, 100, replyBytes(expected));
            if (!expected.equals(got)) { // a slow reply? once more, patiently
                expected = exchange(redis.port(), in, 1000, 0);
                got = exchange(lodestone.port(), in, 1000, replyBytes(expected));
            }
            assertEquals(expected, got, "redis-server's replies, then Lodestone's");
            fuzz.count(expected.endsWith("<closed>") ? "closed" : "open");
        });
        assertTrue(fuzz.cases() > 0);
    }

    /** The bytes an {@link #exchange} received, without its end mark. */
    private static int replyBytes(String exchanged) {
        return exchanged.length() - (exchanged.endsWith("<open>") ? "<open>" : "<closed>").length();
    }

    /** Requests whose replies do not depend on the server's data or time. */
    private static byte[] readOnlyRequests(SplittableRandom rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // no argument is a command name: a mutation can make one a command (HELLO would reply the client id)
        String[][] templates = {{"PING"}, {"ECHO", "xyzzy"}, {"GET", "nokey"}, {"EXISTS", "nokey", "x"}, {"ECHO", "a b"}};
        for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
            String[] cmd = templates[rnd.nextInt(templates.length)];
            if (rnd.nextInt(3) == 0) {
                out.writeBytes(b(String.join(" ", cmd) + "\r\n"));
            } else {
                byte[][] args = new byte[cmd.length][];
                for (int a = 0; a < cmd.length; a++) args[a] = b(cmd[a]);
                out.writeBytes(RespClient.encode(args));
            }
        }
        return out.toByteArray();
    }

    /**
     * Sends {@code in} on a new connection and returns what comes back until the server closes it, or
     * until it is silent for {@code idleMs} having sent at least {@code atLeast} bytes (3 s at most).
     */
    private static String exchange(int port, byte[] in, int idleMs, int atLeast) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(idleMs);
            s.getOutputStream().write(in);
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    int n = s.getInputStream().read(buf);
                    if (n < 0) return text(out.toByteArray()) + "<closed>";
                    out.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    if (out.size() >= atLeast) break;
                } catch (java.net.SocketException e) {
                    return text(out.toByteArray()) + "<closed>";
                }
            }
            return text(out.toByteArray()) + "<open>";
        }
    }

    // ---- RESTORE of mutated DUMP payloads -----------------------------------------------------------

    /** The DUMP payload of every key of {@code port}'s data set (filled with every type first). */
    private static List<byte[]> dumps(ServerProcess server) throws Exception {
        List<byte[]> out = new ArrayList<>();
        try (Jedis j = new Jedis("127.0.0.1", server.port()); RespClient c = server.client()) {
            j.flushAll();
            Datasets.populate(j);
            j.sadd("set:mixed", "1", "x");
            for (String key : j.keys("*")) {
                byte[] reply = c.call("DUMP", key);
                int header = text(reply).indexOf("\r\n") + 2;
                out.add(Arrays.copyOfRange(reply, header, reply.length - 2));
            }
            j.flushAll();
            j.configSet("list-max-listpack-size", "-2");
        }
        return out;
    }

    @Test
    void restoreOfMutatedDumpPayloadsAnswersAsRedisDoes() throws Exception {
        List<byte[]> payloads = new ArrayList<>(dumps(lodestone));
        if (redis != null) payloads.addAll(dumps(redis));
        Fuzz fuzz = Fuzz.target("restore-payloads", 200_000, 4);
        try (RespClient l = lodestone.client(); RespClient r = redis == null ? null : redis.client()) {
            fuzz.run((index, rnd) -> {
                byte[] p = payloads.get(rnd.nextInt(payloads.size()));
                String[] kind = new String[1];
                byte[] body = Mutations.bytes(Arrays.copyOf(p, p.length - 10), rnd, kind);
                byte[] m = Arrays.copyOf(body, body.length + 10);
                System.arraycopy(p, p.length - 10, m, body.length, 2); // the RDB version
                if (rnd.nextInt(10) > 0) {
                    long crc = Crc64.of(m, 0, m.length - 8);
                    for (int i = 0; i < 8; i++) m[m.length - 8 + i] = (byte) (crc >>> (8 * i));
                }
                fuzz.input(m);
                fuzz.count(kind[0]);
                byte[][] restore = {b("RESTORE"), b("restored"), b("0"), m, b("REPLACE")};
                String got = text(l.call(restore));
                fuzz.count(got.trim());
                assertTrue(got.equals("+OK\r\n") || got.equals("-ERR DUMP payload version or checksum are wrong\r\n")
                        || got.equals("-ERR Bad data format\r\n"), "RESTORE answered " + got);
                String content = got.equals("+OK\r\n") ? content(l, "restored") : null;
                if (r != null) {
                    String expected = text(r.call(restore));
                    if (expected.equals("+OK\r\n") && text(r.call("TYPE", "restored")).equals("+stream\r\n")) {
                        // Lodestone has no streams: a payload that became one is refused
                        assertEquals("-ERR Bad data format\r\n", got, "a stream");
                        fuzz.count("stream refused");
                        return;
                    }
                    assertEquals(expected, got, "RESTORE's reply: redis-server's, then Lodestone's");
                    if (content != null) assertEquals(content(r, "restored"), content, "the restored value");
                }
            });
            assertEquals("+PONG\r\n", text(l.call("PING")));
        }
        assertTrue(lodestone.isAlive(), "the server died:\n" + lodestone.log());
        assertTrue(fuzz.cases() > 0);
    }

    /**
     * A restored key read back whole: its type and DEBUG DIGEST-VALUE (Redis's digest of the content,
     * whatever the encoding or order), after reading it with a command of its type.
     */
    private static String content(RespClient c, String key) throws Exception {
        String type = text(c.call("TYPE", key)).trim();
        String read = switch (type) {
            case "+string" -> text(c.call("STRLEN", key));
            case "+list" -> text(c.call("LLEN", key)) + text(c.call("LINDEX", key, "-1"));
            case "+zset" -> text(c.call("ZCARD", key)) + text(c.call("ZRANGE", key, "0", "-1", "WITHSCORES")).length();
            case "+set" -> text(c.call("SCARD", key)) + text(c.call("SRANDMEMBER", key, "-5")).charAt(0);
            case "+hash" -> text(c.call("HLEN", key)) + text(c.call("HRANDFIELD", key, "-5", "WITHVALUES")).charAt(0);
            default -> throw new AssertionError("a restored key of type " + type);
        };
        assertFalse(read.contains("-ERR"), "reading the restored key: " + read);
        String digest = text(c.call("DEBUG", "DIGEST-VALUE", key)).trim();
        assertTrue(digest.matches("\\*1\r\n\\+[0-9a-f]{40}"), "DEBUG DIGEST-VALUE answered " + digest);
        return type + " " + digest;
    }
}
