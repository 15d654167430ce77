package io.lodestone.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reply buffer's size and peak (CLIENT LIST rbs, rbp, obl) and cron's resizing of it, as Redis's. */
class ReplyBufferTest {
    private static Reply reply() {
        return new Reply(UnpooledByteBufAllocator.DEFAULT, null, Reply.REPLY_CHUNK_BYTES);
    }

    private static void flush(Reply r) {
        ByteBuf b = r.take();
        if (b != null) b.release();
    }

    @Test
    void anIdleClientsBufferShrinksToTheLeastOnceItsPeakIsReset() {
        Reply r = reply();
        assertEquals(16384, r.bufferSize());
        assertEquals(16384, r.bufferPeak()); // as Redis's createClient: no shrink before a reset
        r.ok();
        flush(r);
        assertEquals(0, r.resizeBuffer(0, -1)); // peak never reset: nothing changes
        long now = System.currentTimeMillis();
        assertEquals(0, r.resizeBuffer(now + 100, 100)); // the peak restarts from the empty batch
        assertEquals(-1, r.resizeBuffer(now + 200, 100));
        assertEquals(Reply.REPLY_MIN_BYTES, r.bufferSize());
    }

    @Test
    void aBufferFilledByABatchDoublesUpTo16Kb() {
        Reply r = reply();
        long now = System.currentTimeMillis();
        r.resizeBuffer(now + 10, 0);
        r.resizeBuffer(now + 20, -1);
        assertEquals(Reply.REPLY_MIN_BYTES, r.bufferSize());
        int[] sizes = {2048, 4096, 8192, 16384, 16384};
        for (int expected : sizes) {
            r.bulk(new byte[40_000]);
            assertEquals(0, r.bufferUsed(), "a batch past its buffer is all output beyond it");
            flush(r);
            assertEquals(r.bufferSize(), r.bufferPeak());
            r.resizeBuffer(now + 30, -1);
            assertEquals(expected, r.bufferSize());
        }
        r.ok();
        assertEquals(5, r.bufferUsed());
    }
}
