package io.lodestone.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RequestDecoderTest {
    /** Collects decoded commands as lists of strings. */
    static class Collector implements RequestDecoder.Sink {
        final List<List<String>> commands = new ArrayList<>();
        boolean auth;
        long maxBulk = 512L * 1024 * 1024;
        long maxQuery = 1L << 30;

        @Override
        public void command(byte[][] argv, int argc) {
            List<String> cmd = new ArrayList<>();
            for (int i = 0; i < argc; i++) cmd.add(new String(argv[i], StandardCharsets.ISO_8859_1));
            commands.add(cmd);
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
            return false;
        }
    }

    private static String feed(RequestDecoder d, byte[] bytes, int chunk) {
        String err = null;
        for (int i = 0; i < bytes.length && err == null; i += chunk) {
            ByteBuf b = Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
            err = d.decode(b);
            b.release();
        }
        return err;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void pipelinedMultibulkAndInlineSurviveAnyFragmentation() {
        byte[] input = b("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nal\r\nPING\r\n*1\r\n$4\r\nPING\r\n"
                + "set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n\r\n*0\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
        List<List<String>> expected = List.of(
                List.of("SET", "k", "v\r\nal"), List.of("PING"), List.of("PING"),
                List.of("set", "a b", "c'd", "A\n"), List.of("GET", ""));
        for (int chunk = 1; chunk <= input.length; chunk++) {
            Collector c = new Collector();
            RequestDecoder d = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
            assertNull(feed(d, input, chunk), "chunk " + chunk);
            assertEquals(expected, c.commands, "chunk " + chunk);
            d.release();
        }
    }

    @Test
    void largeBulkArrivesIntact() {
        byte[] value = new byte[3 * 1024 * 1024 + 7];
        for (int i = 0; i < value.length; i++) value[i] = (byte) (i * 31);
        byte[] head = b("*2\r\n$3\r\nSET\r\n$" + value.length + "\r\n");
        byte[] all = new byte[head.length + value.length + 2];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(value, 0, all, head.length, value.length);
        all[all.length - 2] = '\r';
        all[all.length - 1] = '\n';
        Collector c = new Collector();
        RequestDecoder d = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
        assertNull(feed(d, all, 65536 + 3));
        assertEquals(1, c.commands.size());
        assertEquals(new String(value, StandardCharsets.ISO_8859_1), c.commands.get(0).get(1));
    }

    @Test
    void protocolErrorsUseRedisTexts() {
        assertError("*abc\r\n", "ERR Protocol error: invalid multibulk length");
        assertError("*01\r\n", "ERR Protocol error: invalid multibulk length");
        assertError("*1\r\n+x\r\n", "ERR Protocol error: expected '$', got '+'");
        assertError("*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length");
        assertError("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length");
        assertError("set \"a\r\n", "ERR Protocol error: unbalanced quotes in request");
        assertError("set \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request");
        assertError("x".repeat(70 * 1024), "ERR Protocol error: too big inline request");
        assertError("*1\r\n$" + "1".repeat(70 * 1024), "ERR Protocol error: too big bulk count string");
    }

    @Test
    void limitsFollowConfigurationAndAuthentication() {
        Collector c = new Collector();
        c.maxBulk = 10;
        RequestDecoder d = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
        assertEquals("ERR Protocol error: invalid bulk length", feed(d, b("*1\r\n$11\r\n"), 100));
        Collector unauth = new Collector();
        unauth.auth = true;
        d = new RequestDecoder(unauth, UnpooledByteBufAllocator.DEFAULT);
        assertEquals("ERR Protocol error: unauthenticated multibulk length", feed(d, b("*11\r\n"), 100));
        d = new RequestDecoder(unauth, UnpooledByteBufAllocator.DEFAULT);
        assertEquals("ERR Protocol error: unauthenticated bulk length", feed(d, b("*1\r\n$16385\r\n"), 100));
    }

    @Test
    void requestLargerThanQueryBufferLimitIsRefused() {
        Collector c = new Collector();
        c.maxQuery = 100;
        RequestDecoder d = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
        assertNull(feed(d, b("*2\r\n$3\r\nSET\r\n$60\r\n" + "x".repeat(60) + "\r\n"), 7));
        assertEquals(RequestDecoder.QUERY_BUFFER_LIMIT, feed(d, b("*3\r\n$3\r\nSET\r\n$60\r\n" + "x".repeat(60)
                + "\r\n$60\r\n"), 7));
    }

    private static void assertError(String input, String error) {
        Collector c = new Collector();
        RequestDecoder d = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
        assertEquals(error, feed(d, b(input), input.length()), input.length() > 40 ? input.substring(0, 40) : input);
    }

    /**
     * A command can take what was received after it (the Lua debugger reads its own commands from
     * there): those bytes never reach the sink, whether the command came in the same read or its
     * start was held from an earlier one.
     */
    @Test
    void aCommandCanTakeTheBytesAfterIt() {
        String command = "*2\r\n$4\r\nEVAL\r\n$1\r\nx\r\n";
        String after = "*1\r\n$1\r\ns\r\n*1\r\n$1";
        for (int split : new int[] {0, 5, command.length() - 1}) {
            List<String> taken = new ArrayList<>();
            RequestDecoder[] d = new RequestDecoder[1];
            Collector c = new Collector() {
                @Override
                public void command(byte[][] argv, int argc) {
                    super.command(argv, argc);
                    taken.add(new String(d[0].takeUnread(), StandardCharsets.ISO_8859_1));
                }
            };
            d[0] = new RequestDecoder(c, UnpooledByteBufAllocator.DEFAULT);
            String input = command + after;
            assertNull(feed(d[0], b(input.substring(0, split)), Math.max(1, split)));
            assertNull(feed(d[0], b(input.substring(split)), input.length()));
            assertEquals(List.of(List.of("EVAL", "x")), c.commands, "split " + split);
            assertEquals(List.of(after), taken, "split " + split);
            assertEquals(0, d[0].pendingBytes());
            d[0].release();
        }
    }
}
