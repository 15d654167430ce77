package io.lodestone.store.type;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The intset layout and Redis's width rules. */
class IntSetTest {
    private static byte[] add(byte[] is, long v) {
        int pos = IntSet.search(is, v);
        return pos >= 0 ? is : IntSet.insert(is, -pos - 1, v);
    }

    private static byte[] remove(byte[] is, long v) {
        int pos = IntSet.search(is, v);
        return pos < 0 ? is : IntSet.removeAt(is, pos);
    }

    private static long[] values(byte[] is) {
        long[] out = new long[IntSet.length(is)];
        for (int i = 0; i < out.length; i++) out[i] = IntSet.get(is, i);
        return out;
    }

    @Test
    void startsAtSixteenBitsAndWidensOnlyWhenAValueNeedsIt() {
        byte[] is = IntSet.create(1);
        assertEquals(IntSet.ENC_INT16, IntSet.encoding(is));
        is = add(is, 32767);
        is = add(is, -32768);
        assertEquals(IntSet.ENC_INT16, IntSet.encoding(is));
        is = add(is, 32768);
        assertEquals(IntSet.ENC_INT32, IntSet.encoding(is));
        is = add(is, -2147483648L);
        assertEquals(IntSet.ENC_INT32, IntSet.encoding(is));
        is = add(is, -2147483649L);
        assertEquals(IntSet.ENC_INT64, IntSet.encoding(is));
        assertArrayEquals(new long[]{-2147483649L, -2147483648L, -32768, 32767, 32768}, values(is));
    }

    @Test
    void anUpgradingValueGoesFirstWhenNegativeAndLastWhenPositive() {
        byte[] is = IntSet.create(1);
        for (long v : new long[]{5, -3, 9}) is = add(is, v);
        is = add(is, Long.MIN_VALUE);
        assertArrayEquals(new long[]{Long.MIN_VALUE, -3, 5, 9}, values(is));
        byte[] other = IntSet.create(1);
        for (long v : new long[]{5, -3, 9}) other = add(other, v);
        other = add(other, Long.MAX_VALUE);
        assertArrayEquals(new long[]{-3, 5, 9, Long.MAX_VALUE}, values(other));
    }

    @Test
    void removingNeverNarrowsTheEncoding() {
        byte[] is = IntSet.create(1);
        is = add(is, 1);
        is = add(is, 1L << 40);
        is = remove(is, 1L << 40);
        assertEquals(IntSet.ENC_INT64, IntSet.encoding(is));
        assertArrayEquals(new long[]{1}, values(is));
    }

    @Test
    void blobIsRedisLayoutHeaderThenLittleEndianValues() {
        byte[] is = IntSet.create(1);
        for (long v : new long[]{3, 1, 70000}) is = add(is, v);
        byte[] blob = IntSet.blob(is);
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8 + 3 * 4, blob.length);
        assertEquals(4, b.getInt(0));      // encoding: INTSET_ENC_INT32
        assertEquals(3, b.getInt(4));      // length
        assertEquals(1, b.getInt(8));
        assertEquals(3, b.getInt(12));
        assertEquals(70000, b.getInt(16));
    }

    @Test
    void staysSortedAndDistinctUnderRandomAddsAndRemoves() {
        Random rnd = new Random(7);
        byte[] is = IntSet.create(1);
        TreeSet<Long> model = new TreeSet<>();
        for (int i = 0; i < 20_000; i++) {
            long v = switch (rnd.nextInt(3)) {
                case 0 -> rnd.nextInt(200) - 100;
                case 1 -> rnd.nextInt(200_000) - 100_000;
                default -> rnd.nextLong() >> rnd.nextInt(40);
            };
            if (rnd.nextInt(3) == 0) {
                boolean had = model.remove(v);
                assertEquals(had, IntSet.contains(is, v));
                is = remove(is, v);
            } else {
                boolean added = model.add(v);
                assertEquals(added, !IntSet.contains(is, v));
                is = add(is, v);
            }
            assertEquals(model.size(), IntSet.length(is));
        }
        long[] expected = model.stream().mapToLong(Long::longValue).toArray();
        assertArrayEquals(expected, values(is));
        for (long v : expected) assertTrue(IntSet.contains(is, v));
    }
}
