package io.lodestone.command.hll;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The representation on its own: hashing, registers, sparse opcodes, the estimator. */
class HyperLogLogTest {
    private static final long SEED = 0xadc83b19L;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void murmurHash64AMatchesRedisForEveryTailLength() {
        // Reference values from Redis's C function (seed 0xadc83b19).
        assertEquals(0xd8dfea6585bc9732L, HyperLogLog.murmurHash64A(b(""), SEED));
        assertEquals(0x53d2470a9b43b1a7L, HyperLogLog.murmurHash64A(b("a"), SEED));
        assertEquals(0x0eaed676437142cfL, HyperLogLog.murmurHash64A(b("ab"), SEED));
        assertEquals(0x77ec90aeb374e502L, HyperLogLog.murmurHash64A(b("abc"), SEED));
        assertEquals(0x0f656f01eecfe400L, HyperLogLog.murmurHash64A(b("hello"), SEED));
        assertEquals(0x85563db163632857L, HyperLogLog.murmurHash64A(b("1234567"), SEED));
        assertEquals(0x95ebb86389132953L, HyperLogLog.murmurHash64A(b("12345678"), SEED));
        assertEquals(0x217532cb09f2a44dL, HyperLogLog.murmurHash64A(b("123456789"), SEED));
        assertEquals(0x874ee31dcd1f81fbL, HyperLogLog.murmurHash64A(b("hello world, hyperloglog!"), SEED));
        assertEquals(0x864a6f1241989efbL, HyperLogLog.murmurHash64A(b("\u00ff\u00fe\u0080"), SEED));
    }

    @Test
    void theLongFormHashesItsLittleEndianBytes() {
        Random r = new Random(1);
        for (int i = 0; i < 1000; i++) {
            long v = r.nextLong();
            byte[] le = new byte[8];
            for (int k = 0; k < 8; k++) le[k] = (byte) (v >>> (8 * k));
            assertEquals(HyperLogLog.murmurHash64A(le, SEED), HyperLogLog.murmurHash64A(v, SEED));
        }
    }

    @Test
    void patternLengthCountsFromBit14AndStopsAt51() {
        int pl = HyperLogLog.patLen(0x0000_0000_0000_4000L | 5);
        assertEquals(5, pl & HyperLogLog.P_MASK);
        assertEquals(1, pl >>> HyperLogLog.P);
        pl = HyperLogLog.patLen(0x0000_0000_0001_0000L | 16383);
        assertEquals(16383, pl & HyperLogLog.P_MASK);
        assertEquals(3, pl >>> HyperLogLog.P);
        assertEquals(51, HyperLogLog.patLen(0L) >>> HyperLogLog.P);
        assertEquals(50, HyperLogLog.patLen(1L << 63) >>> HyperLogLog.P);
    }

    @Test
    void denseRegistersKeepValuesWithoutDisturbingNeighbours() {
        byte[] d = new byte[HyperLogLog.DENSE_SIZE];
        int[] expect = new int[HyperLogLog.REGISTERS];
        Random r = new Random(2);
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                expect[i] = r.nextInt(64);
                HyperLogLog.setRegister(d, i, expect[i]);
            }
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) assertEquals(expect[i], HyperLogLog.getRegister(d, i), "register " + i);
        }
        // The layout: register 0 in the low 6 bits of the first byte, register 1 across two bytes.
        Arrays.fill(d, (byte) 0);
        HyperLogLog.setRegister(d, 1, 63);
        assertEquals((byte) 0xc0, d[HyperLogLog.HDR_SIZE]);
        assertEquals(0x0f, d[HyperLogLog.HDR_SIZE + 1]);
        HyperLogLog.setRegister(d, 16383, 63);
        assertEquals((byte) 0xfc, d[HyperLogLog.DENSE_SIZE - 1]);
    }

    @Test
    void aNewValueIsRedisEmptySparseHll() {
        byte[] v = HyperLogLog.create().bytes();
        assertArrayEquals(b("HYLL\u0001\0\0\0\0\0\0\0\0\0\0\0\u007f\u00ff"), v);
        assertTrue(HyperLogLog.isValid(v));
        assertEquals(0, HyperLogLog.of(v).count());
    }

    @Test
    void validityChecksMagicEncodingAndDenseLength() {
        byte[] sparse = HyperLogLog.create().bytes();
        assertFalse(HyperLogLog.isValid(Arrays.copyOf(sparse, 15)));
        assertTrue(HyperLogLog.isValid(Arrays.copyOf(sparse, 16)));
        byte[] bad = sparse.clone();
        bad[3] = 'X';
        assertFalse(HyperLogLog.isValid(bad));
        bad = sparse.clone();
        bad[4] = 2;
        assertFalse(HyperLogLog.isValid(bad));
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        System.arraycopy(sparse, 0, dense, 0, 4);
        assertTrue(HyperLogLog.isValid(dense));
        assertFalse(HyperLogLog.isValid(Arrays.copyOf(dense, HyperLogLog.DENSE_SIZE + 1)));
    }

    @Test
    void sparseAndDenseAgreeUntilAndAfterPromotion() {
        HyperLogLog sparse = HyperLogLog.create();
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        HyperLogLog denseHll = HyperLogLog.of(dense);
        Random r = new Random(3);
        boolean promoted = false;
        for (int i = 1; i <= 30_000; i++) {
            int pl = HyperLogLog.patLenOf(r.nextLong());
            HyperLogLog.denseSet(dense, pl & HyperLogLog.P_MASK, pl >>> HyperLogLog.P);
            assertTrue(sparse.set(pl & HyperLogLog.P_MASK, pl >>> HyperLogLog.P, 3000) >= 0);
            if (i % 500 == 0) {
                assertEquals(denseHll.count(), sparse.count(), "after " + i);
                if (sparse.encoding() == HyperLogLog.DENSE) promoted = true;
                else assertTrue(sparse.len <= 3000);
            }
        }
        assertTrue(promoted);
        assertArrayEquals(Arrays.copyOfRange(dense, 16, dense.length), Arrays.copyOfRange(sparse.bytes(), 16, dense.length));
    }

    @Test
    void adjacentEqualValuesMergeIntoOneOpcode() {
        HyperLogLog h = HyperLogLog.create();
        for (int reg = 100; reg < 104; reg++) assertEquals(1, h.set(reg, 2, 3000));
        // XZERO:100, VAL:2x4, XZERO:16280.
        assertEquals("Z:100 v:2,4 Z:16280", HyperLogLogCommands.decode(h.b, h.len));
        assertEquals(0, h.set(101, 2, 3000));
        assertEquals(1, h.set(101, 3, 3000));
        assertEquals("Z:100 v:2,1 v:3,1 v:2,2 Z:16280", HyperLogLogCommands.decode(h.b, h.len));
        assertEquals(1, h.set(164, 1, 3000));
        assertEquals("Z:100 v:2,1 v:3,1 v:2,2 z:60 v:1,1 Z:16219", HyperLogLogCommands.decode(h.b, h.len));
    }

    @Test
    void theCacheBitIsTheTopBitOfTheLastHeaderByte() {
        HyperLogLog h = HyperLogLog.create();
        assertTrue(h.cacheValid());
        h.cacheCardinality(0x0102030405060708L);
        assertEquals(0x0102030405060708L, h.cachedCardinality());
        assertEquals(8, h.b[8]);
        h.invalidateCache();
        assertFalse(h.cacheValid());
        assertEquals((byte) 0x81, h.b[15]);
        assertEquals(8, h.b[8]);
    }

    @Test
    void estimatesStayWithinTheStandardErrorAndMatchRedisAtTheExtremes() {
        assertEquals(0, HyperLogLog.countRaw(new byte[HyperLogLog.REGISTERS]));
        byte[] all63 = new byte[HyperLogLog.REGISTERS];
        Arrays.fill(all63, (byte) 63);
        // Infinite estimate: Redis replies LLONG_MIN.
        assertEquals(Long.MIN_VALUE, HyperLogLog.countRaw(all63));
        Random r = new Random(4);
        byte[] regs = new byte[HyperLogLog.REGISTERS];
        for (int n = 1; n <= 1_000_000; n++) {
            int pl = HyperLogLog.patLenOf(r.nextLong());
            int i = pl & HyperLogLog.P_MASK;
            regs[i] = (byte) Math.max(regs[i], pl >>> HyperLogLog.P);
            if (n == 10 || n == 1000 || n == 100_000 || n == 1_000_000) {
                long est = HyperLogLog.countRaw(regs);
                assertTrue(Math.abs(est - n) <= Math.max(1, Math.ceil(0.0081 * 5 * n)), n + " estimated as " + est);
            }
        }
    }

    @Test
    void corruptedSparseValuesAreRejectedWhereRedisRejectsThem() {
        byte[] header = Arrays.copyOf(HyperLogLog.create().bytes(), 16);
        byte[] max = new byte[HyperLogLog.REGISTERS];
        // XZERO:16384 then a VAL past the end: invalid even though 16384 registers were covered.
        byte[] v = concat(header, new byte[]{0x7f, (byte) 0xff, (byte) 0x8b});
        assertFalse(HyperLogLog.merge(max, v));
        assertFalse(HyperLogLog.of(v.clone()).sparseToDense());
        assertEquals(-1, HyperLogLog.of(v.clone()).count());
        // Too few registers.
        v = concat(header, new byte[]{0x40, 0x63});
        assertFalse(HyperLogLog.merge(max, v));
        assertEquals(-1, HyperLogLog.of(v.clone()).set(10_000, 1, 3000));
        // No opcodes at all.
        assertEquals(-1, HyperLogLog.of(header.clone()).set(0, 1, 3000));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
