package io.lodestone.protocol;

import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import io.lodestone.testsupport.Slow;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input for the request decoder: random bytes and mutated valid requests (multibulk and inline),
 * each fed in one piece, split at every byte boundary, a byte at a time and at random points, with the
 * client paused at random after commands. Properties: nothing is thrown; the commands and the error are
 * the same whatever the fragmentation (the one-piece decoding is the reference); an error is a Redis
 * protocol error or the query buffer limit, and sticks; a valid request decodes to its arguments; every
 * buffer the decoder allocates is released (checked by reference count on every buffer its allocator
 * handed out, deterministically, rather than by the leak detector's sampling at garbage collection).
 * See {@link Fuzz} for the budget and seed properties.
 */
class RequestDecoderFuzzTest {
    /** The query buffer limit of most cases: Redis's default client-query-buffer-limit, 1 GB. */
    private static final long GB = 1L << 30;

    /** An allocator that remembers what it handed out, so that leaks are found by reference count. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        long live() {
            return allocated.stream().filter(b -> b.refCnt() > 0).count();
        }
    }

    /** What a decoding produced: commands (argument lists) and keep-alives in order, and the error. */
    record Outcome(List<Object> events, String error) {
        @Override
        public String toString() {
            String e = events.toString();
            return (e.length() > 400 ? e.substring(0, 400) + "...(" + events.size() + " events)" : e) + ", error " + error;
        }
    }

    private static final String KEEPALIVE = "keepalive";

    /** A sink that records events and stops (a pause, a blocked client) at random after a command. */
    static final class Recorder implements RequestDecoder.Sink {
        final List<Object> events = new ArrayList<>();
        final boolean auth;
        final long maxBulk;
        final long maxQuery;
        final SplittableRandom pauses;
        final int pausePercent;
        boolean stopped;

        Recorder(boolean auth, long maxBulk, long maxQuery, SplittableRandom pauses, int pausePercent) {
            this.auth = auth;
            this.maxBulk = maxBulk;
            this.maxQuery = maxQuery;
            this.pauses = pauses;
            this.pausePercent = pausePercent;
        }

        @Override
        public void command(byte[][] argv, int argc) {
            if (stopped) throw new AssertionError("a command was handed out while the sink was stopped");
            if (argc < 1) throw new AssertionError("a command without arguments");
            List<String> cmd = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                if (argv[i] == null) throw new AssertionError("argument " + i + " of " + argc + " is null");
                cmd.add(new String(argv[i], StandardCharsets.ISO_8859_1));
            }
            events.add(cmd);
            if (pausePercent > 0 && pauses.nextInt(100) < pausePercent) stopped = true;
        }

        @Override
        public void keepAlive() {
            events.add(KEEPALIVE);
        }

        @Override
        public boolean authRequired() {
            return auth;
        }

        @Override
        public long maxBulkLength() {
            return maxBulk;
        }

        @Override
        public long maxQueryBuffer() {
            return maxQuery;
        }

        @Override
        public boolean stopped() {
            return stopped;
        }
    }

    /** The limits of one case, the same for every fragmentation of its input. */
    record Limits(boolean auth, long maxBulk, long maxQuery) {
        static Limits draw(SplittableRandom rnd) {
            int r = rnd.nextInt(100);
            if (r < 80) return new Limits(false, 512L * 1024 * 1024, GB);
            if (r < 88) return new Limits(true, 512L * 1024 * 1024, GB);
            if (r < 92) return new Limits(false, 1 + rnd.nextInt(64), GB);
            if (r < 96) return new Limits(false, Long.MAX_VALUE, Long.MAX_VALUE); // a master's stream: no limits
            return new Limits(false, 512L * 1024 * 1024, 1 + rnd.nextInt(200));
        }
    }

    /**
     * Decodes {@code input} cut at {@code cuts} (ascending offsets), each piece in a buffer of a random
     * kind; with {@code pausePercent}, the sink stops after commands and is resumed as a client's handler
     * resumes it (a decode of no bytes). Checks the buffer and error invariants on the way.
     */
    static Outcome decode(byte[] input, int[] cuts, Limits l, SplittableRandom rnd, int pausePercent) {
        TrackingAllocator alloc = new TrackingAllocator();
        Recorder sink = new Recorder(l.auth(), l.maxBulk(), l.maxQuery(), rnd.split(), pausePercent);
        RequestDecoder d = new RequestDecoder(sink, alloc);
        String error = null;
        int from = 0;
        for (int k = 0; k <= cuts.length && error == null; k++) {
            int to = k < cuts.length ? cuts[k] : input.length;
            ByteBuf piece = piece(input, from, to, rnd);
            from = to;
            try {
                error = d.decode(piece);
                assertEquals(1, piece.refCnt(), "decode released the caller's buffer");
            } finally {
                piece.release();
            }
            // A paused client is resumed now or after a later read (decode of no bytes, as ClientHandler does).
            while (error == null && sink.stopped && (k == cuts.length || rnd.nextBoolean())) {
                sink.stopped = false;
                error = d.decode(Unpooled.EMPTY_BUFFER);
            }
            if (alloc.live() > 1) throw new AssertionError("more than one live buffer: " + alloc.live());
        }
        if (error != null) {
            assertTrue(error.startsWith("ERR Protocol error") || error.equals(RequestDecoder.QUERY_BUFFER_LIMIT),
                    "not a protocol error: " + error);
            int before = sink.events.size();
            ByteBuf more = Unpooled.wrappedBuffer(new byte[] {'*', '1', '\r', '\n', '$', '1', '\r', '\n', 'x', '\r', '\n'});
            assertEquals(error, d.decode(more), "the error does not stick");
            more.release();
            assertEquals(before, sink.events.size(), "a command after the error");
        }
        d.release();
        assertEquals(0, alloc.live(), "a buffer of the decoder was not released");
        return new Outcome(sink.events, error);
    }

    /** Bytes [from, to) in a heap, direct or offset buffer (reader index not 0, to catch absolute indexing). */
    private static ByteBuf piece(byte[] input, int from, int to, SplittableRandom rnd) {
        int n = to - from;
        switch (rnd.nextInt(3)) {
            case 0:
                return Unpooled.wrappedBuffer(Arrays.copyOfRange(input, from, to));
            case 1: {
                ByteBuf b = Unpooled.directBuffer(Math.max(1, n));
                b.writeBytes(input, from, n);
                return b;
            }
            default: {
                int pad = 1 + rnd.nextInt(7);
                ByteBuf b = Unpooled.buffer(pad + n + 3);
                for (int i = 0; i < pad; i++) b.writeByte('\r');
                b.writeBytes(input, from, n);
                b.readerIndex(pad);
                return b;
            }
        }
    }

    @Test
    @Slow
    void hostileInputDecodesTheSameWhateverTheFragmentation() {
        Fuzz fuzz = Fuzz.target("request-decoder", 200_000, 10);
        fuzz.run((index, rnd) -> {
            Generated g = Generated.draw(rnd);
            fuzz.input(g.bytes);
            fuzz.count(g.kind);
            byte[] in = g.bytes;
            Limits l = g.expected != null ? new Limits(false, 512L * 1024 * 1024, GB) : Limits.draw(rnd);
            Outcome ref = decode(in, new int[0], l, rnd, 0);
            if (g.expected != null) {
                assertNull(ref.error(), "a valid request was refused");
                assertEquals(g.expected, ref.events(), "a valid request decoded wrongly");
            }
            fuzz.count(ref.error() == null ? "decoded " + Math.min(ref.events().size(), 3) + "+ events"
                    : ref.error().replaceAll("(?s)got '.*'", "got '?'"));
            int n = in.length;
            boolean longLine = longestLine(in) > RequestDecoder.INLINE_MAX_SIZE;
            // every two-piece split (sampled for long inputs), a byte at a time, random splits, with pauses
            int step = n <= 512 ? 1 : n / 256;
            for (int cut = 1; cut < n; cut += step) {
                same(ref, decode(in, new int[] {cut}, l, rnd, rnd.nextInt(4) == 0 ? 50 : 0), longLine, "split at " + cut);
            }
            if (n <= 4096) same(ref, decode(in, range(n), l, rnd, 30), longLine, "a byte at a time");
            for (int r = 0; r < 4; r++) {
                int[] cuts = randomCuts(n, rnd);
                same(ref, decode(in, cuts, l, rnd, r * 25), longLine, "cuts " + Arrays.toString(cuts));
            }
        });
        assertTrue(fuzz.cases() > 0);
    }

    /**
     * The fragmented result must be the one-piece one. Where a line is longer than Redis's 64 KB limit,
     * Redis's answer depends on how the bytes arrive (the limit applies to what has arrived without its
     * line end), so a "too big" error after the same commands is accepted there.
     */
    private static void same(Outcome ref, Outcome got, boolean longLine, String how) {
        if (longLine && got.error() != null && got.error().startsWith("ERR Protocol error: too big")
                && got.events().equals(ref.events().subList(0, Math.min(ref.events().size(), got.events().size())))) {
            return;
        }
        if (!ref.equals(got)) {
            throw new AssertionError("fragmentation changed the result (" + how + "):\n  one piece: " + ref
                    + "\n  fragmented: " + got);
        }
    }

    /** The longest run of bytes without a CR, or without an LF. */
    private static int longestLine(byte[] in) {
        int longest = 0, cr = 0, lf = 0;
        for (byte b : in) {
            cr = b == '\r' ? 0 : cr + 1;
            lf = b == '\n' ? 0 : lf + 1;
            longest = Math.max(longest, Math.max(cr, lf));
        }
        return longest;
    }

    private static int[] range(int n) {
        int[] cuts = new int[Math.max(0, n - 1)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = i + 1;
        return cuts;
    }

    private static int[] randomCuts(int n, SplittableRandom rnd) {
        if (n < 2) return new int[0];
        int k = 1 + rnd.nextInt(Math.min(n - 1, 12));
        return rnd.ints(k, 1, n).distinct().sorted().toArray();
    }

    /** A fuzz input: what kind, its bytes, and for an unmutated valid request its events. */
    static final class Generated {
        final String kind;
        final byte[] bytes;
        final List<Object> expected;

        Generated(String kind, byte[] bytes, List<Object> expected) {
            this.kind = kind;
            this.bytes = bytes;
            this.expected = expected;
        }

        static Generated draw(SplittableRandom rnd) {
            int r = rnd.nextInt(100);
            if (r < 12) return new Generated("random bytes", Mutations.randomBytes(rnd, rnd.nextInt(300)), null);
            if (r < 27) return new Generated("protocol tokens", Mutations.respTokens(rnd), null);
            List<Object> expected = new ArrayList<>();
            byte[] valid = validRequests(rnd, expected);
            if (r < 37) return new Generated("valid", valid, expected);
            if (r < 38) return new Generated("long line", longLine(rnd), null);
            String[] kind = new String[1];
            byte[] m = Mutations.mutate(valid, rnd, kind);
            return new Generated("mutated: " + kind[0], m, null);
        }
    }

    /** An inline or multibulk header line longer than Redis's 64 KB limit, with or without its end. */
    static byte[] longLine(SplittableRandom rnd) {
        int n = RequestDecoder.INLINE_MAX_SIZE - 8 + rnd.nextInt(64);
        String head = new String[] {"*", "*1\r\n$", "", "SET k "}[rnd.nextInt(4)];
        byte[] b = new byte[head.length() + n + 2];
        System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, b, 0, head.length());
        Arrays.fill(b, head.length(), head.length() + n, (byte) (rnd.nextBoolean() ? '1' : 'x'));
        b[b.length - 2] = '\r';
        b[b.length - 1] = '\n';
        return rnd.nextBoolean() ? b : Arrays.copyOf(b, b.length - 1 - rnd.nextInt(2));
    }

    /** One to six requests, multibulk or inline, with their expected events. */
    static byte[] validRequests(SplittableRandom rnd, List<Object> expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int k = 1 + rnd.nextInt(6);
        for (int i = 0; i < k; i++) {
            int r = rnd.nextInt(10);
            if (r < 6) {
                int argc = 1 + rnd.nextInt(6);
                List<String> ev = new ArrayList<>();
                out.writeBytes(("*" + argc + "\r\n").getBytes(StandardCharsets.US_ASCII));
                for (int a = 0; a < argc; a++) {
                    byte[] arg = rnd.nextInt(20) == 0 ? Mutations.randomBytes(rnd, 100 + rnd.nextInt(3000)) : Mutations.randomBytes(rnd, rnd.nextInt(12));
                    out.writeBytes(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.writeBytes(arg);
                    out.writeBytes(new byte[] {'\r', '\n'});
                    ev.add(new String(arg, StandardCharsets.ISO_8859_1));
                }
                expected.add(ev);
            } else if (r < 9) {
                inline(rnd, out, expected);
            } else {
                String s = new String[] {"\r\n", "\n", "*0\r\n", "*-1\r\n", "  \r\n"}[rnd.nextInt(5)];
                out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
                if (!s.startsWith("*")) expected.add(KEEPALIVE);
            }
        }
        return out.toByteArray();
    }

    /** An inline command: plain words, double-quoted strings with escapes, single-quoted strings. */
    private static void inline(SplittableRandom rnd, ByteArrayOutputStream out, List<Object> expected) {
        int argc = 1 + rnd.nextInt(5);
        StringBuilder line = new StringBuilder();
        List<String> ev = new ArrayList<>();
        for (int a = 0; a < argc; a++) {
            if (a > 0 || rnd.nextInt(4) == 0) line.append(" \t".charAt(rnd.nextInt(2))).append(rnd.nextBoolean() ? " " : "");
            StringBuilder value = new StringBuilder();
            int len = rnd.nextInt(8);
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    for (int i = 0; i < len + 1; i++) {
                        char c = "abcXYZ019_:.-$*+!".charAt(rnd.nextInt(17));
                        if (a == 0 && i == 0 && (c == '*')) c = 'P';
                        line.append(c);
                        value.append(c);
                    }
                }
                case 1 -> {
                    line.append('"');
                    for (int i = 0; i < len; i++) {
                        switch (rnd.nextInt(6)) {
                            case 0 -> {
                                int b = rnd.nextInt(256);
                                line.append(String.format("\\x%02x", b));
                                value.append((char) b);
                            }
                            case 1 -> {
                                line.append("\\n");
                                value.append('\n');
                            }
                            case 2 -> {
                                line.append("\\\"");
                                value.append('"');
                            }
                            case 3 -> {
                                line.append("\\\\");
                                value.append('\\');
                            }
                            default -> {
                                char c = "ab c'*$".charAt(rnd.nextInt(7));
                                line.append(c);
                                value.append(c);
                            }
                        }
                    }
                    line.append('"');
                }
                default -> {
                    line.append('\'');
                    for (int i = 0; i < len; i++) {
                        if (rnd.nextInt(4) == 0) {
                            line.append("\\'");
                            value.append('\'');
                        } else {
                            char c = "ab \"x\t".charAt(rnd.nextInt(6));
                            line.append(c);
                            value.append(c);
                        }
                    }
                    line.append('\'');
                }
            }
            ev.add(value.toString());
        }
        if (rnd.nextBoolean()) line.append(' ');
        line.append(rnd.nextInt(3) == 0 ? "\n" : "\r\n");
        out.writeBytes(line.toString().getBytes(StandardCharsets.ISO_8859_1));
        expected.add(ev);
    }

    private static Outcome decode(String input, int[] cuts, Limits l) {
        return decode(input.getBytes(StandardCharsets.ISO_8859_1), cuts, l, new SplittableRandom(1), 0);
    }

    private static final Limits DEFAULT = new Limits(false, 512L * 1024 * 1024, GB);

    /**
     * Found comparing with redis-server: a request ran before its last CRLF arrived (and ran although
     * the client went away before sending it). Redis reads a bulk with the two bytes after it, whatever
     * they are, and runs the request only then.
     */
    @Test
    void aRequestRunsOnceItsLastCrlfIsIn() {
        assertEquals(List.of(), decode("*1\r\n$4\r\nPING", new int[0], DEFAULT).events());
        assertEquals(List.of(), decode("*1\r\n$4\r\nPINGx", new int[0], DEFAULT).events());
        assertEquals(List.of(List.of("PING")), decode("*1\r\n$4\r\nPINGxy", new int[] {13}, DEFAULT).events());
        assertEquals(List.of(List.of("PING"), List.of("ECHO", "a")),
                decode("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n", new int[] {12, 13, 14}, DEFAULT).events());
    }

    /**
     * Found by fuzzing with a master's limits (none): a bulk longer than 2 GB was accepted, and the
     * decoder, unable to hold it, made no progress and kept everything that followed.
     */
    @Test
    void aBulkNoArrayCanHoldIsRefusedEvenWithoutLimits() {
        Limits master = new Limits(false, Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals("ERR Protocol error: invalid bulk length", decode("*1\r\n$4294967296\r\nabc", new int[0], master).error());
        assertEquals("ERR Protocol error: invalid bulk length", decode("*1\r\n$2147483640\r\n", new int[0], master).error());
    }

    /**
     * Found comparing with redis-server: string2ll accepts -9223372036854775808, so Redis skips a request
     * of that many arguments (as any count of 0 or less); Lodestone called it an invalid multibulk length.
     */
    @Test
    void theLeastLongIsANumberToo() {
        Outcome o = decode("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n", new int[0], DEFAULT);
        assertEquals(new Outcome(List.of(List.of("PING")), null), o);
        assertEquals("ERR Protocol error: invalid bulk length", decode("*1\r\n$-9223372036854775808\r\n", new int[0], DEFAULT).error());
        assertEquals("ERR Protocol error: invalid multibulk length", decode("*-9223372036854775809\r\n", new int[0], DEFAULT).error());
        assertEquals("ERR Protocol error: invalid multibulk length", decode("*9223372036854775808\r\n", new int[0], DEFAULT).error());
    }

    /** Found comparing with redis-server: the unexpected byte was replied as its UTF-8 encoding ("\xc2\xa9" for 0xA9). */
    @Test
    void theUnexpectedByteIsRepliedAsItCame() {
        for (int b : new int[] {'+', 0xA9, 0xFF, 0x80}) {
            Outcome o = decode(new byte[] {'*', '1', '\r', '\n', (byte) b, '\r', '\n'}, new int[0], DEFAULT, new SplittableRandom(1), 0);
            Reply reply = new Reply(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, null);
            reply.error(o.error());
            ByteBuf out = reply.take();
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            out.release();
            byte[] expected = ("-ERR Protocol error: expected '$', got '" + (char) b + "'\r\n").getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(Arrays.toString(expected), Arrays.toString(bytes));
        }
    }

    /** Redis waits for the LF of a header whose CR ends a read: a long header is not "too big" for that. */
    @Test
    void aLongHeaderWhoseCrEndsAReadIsNotTooBig() {
        for (String head : new String[] {"*", "*1\r\n$"}) {
            byte[] line = (head + "1".repeat(RequestDecoder.INLINE_MAX_SIZE + 10) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            Limits l = new Limits(false, 512L * 1024 * 1024, GB);
            Outcome whole = decode(line, new int[0], l, new SplittableRandom(1), 0);
            assertEquals("ERR Protocol error: invalid " + (head.length() == 1 ? "multibulk" : "bulk") + " length", whole.error());
            assertEquals(whole, decode(line, new int[] {line.length - 1}, l, new SplittableRandom(1), 0));
        }
    }
}
