package io.lodestone.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real redis-server 7.0 and an embedded Lodestone started with the same settings, driven through
 * pairs of raw connections ({@link Conn}): every command goes to both, and the bytes that come back
 * are compared. Mismatches are collected and reported together by {@link #assertSame()}.
 *
 * <p>Messages sent to a connection by other connections' commands are collected with a marker: a
 * {@code PING} whose argument cannot appear in a message, answered after every message the server had
 * already written to that connection. So no test waits for messages with sleeps.
 */
public final class Twin implements AutoCloseable {
    private static final String MARKER = "--twin-sync-marker--";

    public final ServerProcess redis;
    public final EmbeddedServer ours;
    private final List<String> mismatches = new ArrayList<>();
    private int checks;

    /** {@code settings} are redis.conf name/value pairs: "notify-keyspace-events", "KEA", ... */
    public static Twin start(String... settings) throws IOException {
        List<String> args = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i + 1 < settings.length; i += 2) {
            args.add("--" + settings[i]);
            args.add(settings[i + 1]);
            lines.add(settings[i] + " \"" + settings[i + 1] + "\"");
        }
        args.addAll(List.of("--enable-debug-command", "yes"));
        ServerProcess redis = ServerProcess.redis(args.toArray(String[]::new));
        try {
            return new Twin(redis, EmbeddedServer.start(lines.toArray(String[]::new)));
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    private Twin(ServerProcess redis, EmbeddedServer ours) {
        this.redis = redis;
        this.ours = ours;
    }

    public Conn connect(String name) {
        try {
            return new Conn(name, redis.client(), RespClient.connect(ours.port()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void compare(String what, String expected, String actual) {
        checks++;
        if (!expected.equals(actual)) {
            mismatches.add(what + "\n    redis: " + expected + "\n    ours:  " + actual);
        }
    }

    public int checks() {
        return checks;
    }

    /** Fails with every mismatch seen so far, and forgets them. */
    public void assertSame() {
        if (mismatches.isEmpty()) return;
        String all = String.join("\n", mismatches);
        int n = mismatches.size();
        mismatches.clear();
        fail(n + " of " + checks + " comparisons differ:\n" + all);
    }

    @Override
    public void close() {
        redis.close();
        ours.close();
    }

    public static byte[][] argv(Object... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i] instanceof byte[] b ? b : args[i].toString().getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    public static String describe(Object... args) {
        StringBuilder sb = new StringBuilder();
        for (Object a : args) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(a instanceof byte[] b ? RespClient.escape(b) : a.toString());
        }
        return sb.toString();
    }

    /** One connection to each server, used in lock step. */
    public final class Conn implements AutoCloseable {
        public final String name;
        public final RespClient real;
        public final RespClient mine;

        private Conn(String name, RespClient real, RespClient mine) {
            this.name = name;
            this.real = real;
            this.mine = mine;
        }

        /** Sends to both and compares the replies; returns Redis's reply as text. */
        public String call(Object... args) {
            send(args);
            return read(describe(args));
        }

        /**
         * Sends to both, reads {@code replies} replies from each and compares them as sets: for
         * UNSUBSCRIBE and PUNSUBSCRIBE of everything, which Redis walks in hash-table order. The
         * running counts in the confirmations are masked; their order is checked by the caller's next step.
         */
        public void callUnordered(int replies, Object... args) {
            send(args);
            java.util.TreeSet<String> expected = new java.util.TreeSet<>(), actual = new java.util.TreeSet<>();
            for (int i = 0; i < replies; i++) {
                expected.add(maskCount(RespClient.text(readOne(real))));
                actual.add(maskCount(RespClient.text(readOne(mine))));
            }
            compare(name + ": " + describe(args) + " (unordered)", escapeAll(new ArrayList<>(expected)),
                    escapeAll(new ArrayList<>(actual)));
        }

        private static String maskCount(String confirmation) {
            return confirmation.replaceAll(":\\d+\r\n$", ":N\r\n");
        }

        /** Sends to both and returns both replies uncompared: {redis, ours}. */
        public String[] callUnchecked(Object... args) {
            send(args);
            return new String[]{RespClient.text(readOne(real)), RespClient.text(readOne(mine))};
        }

        public void send(Object... args) {
            try {
                real.send(argv(args));
                mine.send(argv(args));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads one more reply on both and compares them. */
        public String read(String what) {
            String expected = RespClient.text(readOne(real));
            String actual = RespClient.text(readOne(mine));
            compare(name + ": " + what, RespClient.escape(expected.getBytes(StandardCharsets.ISO_8859_1)),
                    RespClient.escape(actual.getBytes(StandardCharsets.ISO_8859_1)));
            return expected;
        }

        /**
         * Everything the servers wrote to this connection since its last reply (messages), compared
         * as one sequence. Uses PING with a marker argument, which works in every protocol and mode.
         */
        public List<String> messages(String what) {
            List<String> expected = drain(real);
            List<String> actual = drain(mine);
            compare(name + ": messages after " + what, escapeAll(expected), escapeAll(actual));
            return expected;
        }

        private List<String> drain(RespClient c) {
            try {
                c.send(argv("PING", MARKER));
                List<String> out = new ArrayList<>();
                for (int i = 0; i < 100_000; i++) {
                    String reply = RespClient.text(c.readReply());
                    if (reply.contains(MARKER)) return out;
                    out.add(reply);
                }
                throw new AssertionError("no end to the messages on " + name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Whether both servers close this connection within the bound; both must agree. */
        public void expectClose(String what) {
            try {
                boolean a = real.awaitClose(Duration.ofSeconds(5));
                boolean b = mine.awaitClose(Duration.ofSeconds(5));
                compare(name + ": closed after " + what, Boolean.toString(a), Boolean.toString(b));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private byte[] readOne(RespClient c) {
            try {
                return c.readReply();
            } catch (IOException e) {
                return ("<" + e.getClass().getSimpleName() + ">").getBytes(StandardCharsets.ISO_8859_1);
            }
        }

        @Override
        public void close() {
            try {
                real.close();
                mine.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String escapeAll(List<String> replies) {
        List<String> out = new ArrayList<>();
        for (String r : replies) out.add(RespClient.escape(r.getBytes(StandardCharsets.ISO_8859_1)));
        return out.toString();
    }

    /** The value of {@code field=} in a CLIENT LIST/INFO line. */
    public static String clientField(String line, String field) {
        for (String part : line.trim().split(" ")) {
            if (part.startsWith(field + "=")) return part.substring(field.length() + 1);
        }
        return null;
    }

    /** The lines of a CLIENT LIST reply (bulk or verbatim), without RESP framing. */
    public static List<String> clientLines(String reply) {
        String body = reply.substring(reply.indexOf("\r\n") + 2);
        if (body.startsWith("txt:")) body = body.substring(4);
        List<String> lines = new ArrayList<>(Arrays.asList(body.split("\n")));
        lines.removeIf(l -> !l.startsWith("id="));
        return lines;
    }
}
