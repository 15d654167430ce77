package io.lodestone.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's query buffer as Redis sizes and reports it (CLIENT LIST qbuf, qbuf-free, argv-mem):
 * 16 KB at the first read, the read's requests still in it while they run, big arguments received whole,
 * and cron's resizing (clientsCronResizeQueryBuffer).
 */
class QueryBufferTest {
    /** A sink that records what each command saw of the decoder while it ran. */
    private static final class Recorder implements RequestDecoder.Sink {
        RequestDecoder decoder;
        final List<byte[][]> commands = new ArrayList<>();
        final List<long[]> seen = new ArrayList<>(); // qbuf, argv-mem, argc during the command

        @Override
        public void command(byte[][] argv, int argc) {
            byte[][] copy = new byte[argc][];
            System.arraycopy(argv, 0, copy, 0, argc);
            commands.add(copy);
            seen.add(new long[] {decoder.queryBufferLength(), decoder.argvBytes(), decoder.argc()});
        }

        @Override
        public boolean authRequired() {
            return false;
        }

        @Override
        public long maxBulkLength() {
            return 512L << 20;
        }

        @Override
        public long maxQueryBuffer() {
            return 1L << 30;
        }

        @Override
        public boolean stopped() {
            return false;
        }
    }

    private static Recorder decoder() {
        Recorder r = new Recorder();
        r.decoder = new RequestDecoder(r, UnpooledByteBufAllocator.DEFAULT);
        return r;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void theFirstReadGetsA16KbBufferAndTheRequestStaysInItWhileItRuns() {
        Recorder r = decoder();
        r.decoder.decode(bytes("*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n"));
        assertEquals(1, r.commands.size());
        assertArrayEquals(new long[] {26, 10, 2}, r.seen.get(0)); // Redis: qbuf=26 argv-mem=10
        assertEquals(0, r.decoder.queryBufferLength()); // trimmed after the read
        assertEquals(RequestDecoder.IOBUF_LEN, r.decoder.queryBufferFree());
        assertEquals(0, r.decoder.argvBytes());
    }

    @Test
    void aPipelinedReadIsInTheBufferForEachOfItsCommands() {
        Recorder r = decoder();
        r.decoder.decode(bytes("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET"));
        assertEquals(2, r.commands.size());
        assertEquals(39, r.seen.get(0)[0]);
        assertEquals(39, r.seen.get(1)[0]);
        // What is left of the incomplete request: its headers were taken, "GET" is its first argument.
        assertEquals(0, r.decoder.queryBufferLength());
        assertEquals(3, r.decoder.argvBytes());
        r.decoder.decode(bytes("\r\n$1\r\nk\r\n"));
        assertEquals(3, r.commands.size());
        assertEquals("k", new String(r.commands.get(2)[1], StandardCharsets.ISO_8859_1));
    }

    @Test
    void aBigArgumentIsReceivedWholeInTheQueryBuffer() {
        Recorder r = decoder();
        int n = 100_000;
        r.decoder.decode(bytes("*2\r\n$3\r\nSET\r\n$" + n + "\r\n"));
        assertTrue(r.decoder.queryBufferLength() + r.decoder.queryBufferFree() >= n + 2,
                "room for the whole argument is reserved when its header arrives");
        byte[] value = new byte[n];
        java.util.Arrays.fill(value, (byte) 'v');
        r.decoder.decode(Unpooled.wrappedBuffer(value, 0, 60_000));
        assertEquals(60_000, r.decoder.queryBufferLength());
        assertEquals(3, r.decoder.argvBytes()); // SET so far
        r.decoder.decode(Unpooled.wrappedBuffer(value, 60_000, n - 60_000));
        assertEquals(n, r.decoder.queryBufferLength(), "the argument waits for its CRLF, as in Redis");
        assertEquals(0, r.commands.size());
        r.decoder.decode(bytes("\r\n"));
        assertEquals(1, r.commands.size());
        assertArrayEquals(value, r.commands.get(0)[1]);
        assertEquals(3 + n, r.seen.get(0)[1]);
        assertTrue(r.decoder.queryBufferFree() > 32 * 1024, "the room stays until cron shrinks it");
    }

    @Test
    void cronShrinksABufferLargerThanItsPeakAndFreesAnIdleOne() {
        Recorder r = decoder();
        byte[] value = new byte[200_000];
        r.decoder.decode(bytes("*2\r\n$3\r\nSET\r\n$200000\r\n"));
        r.decoder.decode(Unpooled.wrappedBuffer(value));
        r.decoder.decode(bytes("\r\n"));
        long big = r.decoder.queryBufferFree();
        r.decoder.resize(false); // the peak of the big request: nothing to give back yet
        assertEquals(big, r.decoder.queryBufferFree());
        r.decoder.decode(bytes("*1\r\n$4\r\nPING\r\n"));
        r.decoder.resize(false); // busy, but above 32 KB and twice its peak: shrunk to the peak
        long shrunk = r.decoder.queryBufferFree();
        assertTrue(shrunk > 0 && shrunk < big, "shrunk to " + shrunk);
        r.decoder.resize(true); // idle, but wasting less than 4 KB: kept
        assertEquals(shrunk, r.decoder.queryBufferFree());
    }

    @Test
    void anIdleClientsBufferIsGivenBackAndABusyOnesKept() {
        Recorder r = decoder();
        r.decoder.decode(bytes("*1\r\n$4\r\nPING\r\n"));
        r.decoder.resize(false);
        r.decoder.resize(false); // 16 KB is not above the resize threshold
        assertEquals(RequestDecoder.IOBUF_LEN, r.decoder.queryBufferFree());
        r.decoder.resize(true); // idle and empty: given back
        assertEquals(0, r.decoder.queryBufferFree());
        assertEquals(0, r.decoder.queryBufferLength());
        r.decoder.decode(bytes("*1\r\n$4\r\nPING\r\n"));
        assertEquals(2, r.commands.size());
        assertEquals(RequestDecoder.IOBUF_LEN, r.decoder.queryBufferFree());
    }
}
