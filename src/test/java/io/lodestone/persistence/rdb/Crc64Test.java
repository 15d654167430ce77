package io.lodestone.persistence.rdb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Crc64Test {
    /** The check value of Redis's crc64.c self-test. */
    @Test
    void matchesRedisTestVector() {
        byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe9c6d914c4b8d9caL, Crc64.of(digits, 0, digits.length));
    }

    /** Eight bytes at a time gives the byte-at-a-time result at every alignment, length and split. */
    @Test
    void slicedEqualsBytewiseAtEveryOffsetAndSplit() {
        Random r = new Random(42);
        byte[] buf = new byte[300];
        r.nextBytes(buf);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len + off <= buf.length; len += 7) {
                long expected = bytewise(0, buf, off, len);
                assertEquals(expected, Crc64.of(buf, off, len), "off " + off + " len " + len);
                int split = len / 3;
                assertEquals(expected, Crc64.update(Crc64.of(buf, off, split), buf, off + split, len - split));
            }
        }
    }

    private static long bytewise(long crc, byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc ^= buf[i] & 0xFF;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x95ac9329ac4bc9b5L : crc >>> 1;
        }
        return crc;
    }
}
