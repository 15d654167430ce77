package io.lodestone.store.type;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ListValue against a plain ArrayList model, under random operations and every chunk fill. */
class ListValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final String[] SPECIAL = {"0", "-0", "00", "007", "-", "", "1", "-1", "+1", " 1", "1 ",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "4611686018427387903",
            "4611686018427387904", "-4611686018427387903", "-4611686018427387904", "999999999999999999",
            "1000000000000000000", "9999999999999999999", "-999999999999999999", "12345678901234567890",
            "1.5", "1e3", "0x10", "\u0000", "a\u0000b"};

    private static byte[] element(Random r) {
        int kind = r.nextInt(10);
        if (kind < 3) return b(Integer.toString(r.nextInt(2000) - 1000));
        if (kind < 4) return b(Long.toString(r.nextLong()));
        if (kind < 5) return b(SPECIAL[r.nextInt(SPECIAL.length)]);
        if (kind < 9) return b("v" + r.nextInt(50));
        byte[] big = new byte[r.nextInt(100) == 0 ? 9000 + r.nextInt(70000) : r.nextInt(300)];
        r.nextBytes(big);
        return big;
    }

    private static void same(List<byte[]> model, ListValue l) {
        l.verify();
        assertEquals(model.size(), l.size());
        ListValue.Cursor f = l.cursor(0, true);
        for (byte[] m : model) {
            assertTrue(f.next());
            assertArrayEquals(m, f.bytes());
            assertTrue(f.matches(ListValue.probe(m)));
            if (f.isInteger()) assertArrayEquals(m, b(Long.toString(f.integer())));
            else assertArrayEquals(m, Arrays.copyOfRange(f.array(), f.offset(), f.offset() + f.length()));
        }
        assertFalse(f.next());
        ListValue.Cursor back = l.cursor(l.size() - 1, false);
        for (int i = model.size() - 1; i >= 0; i--) {
            assertTrue(back.next());
            assertArrayEquals(model.get(i), back.bytes());
        }
        assertFalse(back.next());
    }

    @ParameterizedTest
    @ValueSource(longs = {-2, -1, -5, 0, 1, 2, 3, 7, 128})
    void randomOperationsMatchAModel(long fill) {
        randomOperations(fill, new Random(fill * 31 + 7));
    }

    /** The same with many plain chunks: every element of at least 40 bytes gets one. */
    @ParameterizedTest
    @ValueSource(longs = {-2, 1, 3})
    void randomOperationsWithPlainChunksMatchAModel(long fill) {
        assertTrue(ListValue.setPackedThreshold(40));
        try {
            randomOperations(fill, new Random(fill * 17 + 3));
        } finally {
            ListValue.setPackedThreshold(0);
        }
    }

    @Test
    void largeElementsGetPlainChunksOfTheirOwn() {
        assertTrue(ListValue.setPackedThreshold(5));
        try {
            ListValue l = new ListValue(-2);
            l.pushTail(b("aa"));
            l.pushTail(b("bbbbbb"));
            l.pushTail(b("cc"));
            l.pushHead(b("12345"));
            assertEquals(4, l.chunkCount());
            assertPlain(l, true, false, true, false); // "12345" is 5 bytes: plain too
            l.set(0, b("x"));            // plain -> packed
            l.set(1, b("yyyyyyyyyy"));   // packed -> plain, the chunk split around it
            assertPlain(l, false, true, true, false);
            assertTrue(l.insert(ListValue.probe(b("cc")), b("zzzzzzz"), false));
            assertPlain(l, false, true, true, true, false);
            l.verify();
            assertTrue(ListValue.setPackedThreshold(0));
            l.pushTail(b("long enough to be plain before, not now"));
            assertPlain(l, false, true, true, true, false, false); // plain chunks stay plain
            assertFalse(ListValue.setPackedThreshold(4L << 30));
            assertFalse(ListValue.setPackedThreshold(-1));
            assertTrue(ListValue.setPackedThreshold((1L << 32) - (1L << 20)));
        } finally {
            ListValue.setPackedThreshold(0);
        }
    }

    private static void assertPlain(ListValue l, boolean... expected) {
        ListValue.Cursor c = l.cursor(0, true);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(c.next());
            assertEquals(expected[i], c.inPlainChunk(), "element " + i);
        }
        assertFalse(c.next());
    }

    @Test
    void memoryUsageSamplesChunks() {
        ListValue l = new ListValue(2);
        for (int i = 0; i < 1000; i++) l.pushTail(b("element-" + (1000 + i)));
        long all = l.memoryUsage(Long.MAX_VALUE);
        // 500 chunks alike: five of them predict the rest.
        assertEquals(all, l.memoryUsage(5), all / 50.0);
        assertTrue(all > 1000 * 13, "at least the elements' bytes: " + all);
        assertTrue(l.memoryUsage(1) > 0);
    }

    private static void randomOperations(long fill, Random r) {
        for (int round = 0; round < 20; round++) {
            ListValue l = new ListValue(fill);
            List<byte[]> model = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                int op = r.nextInt(100);
                if (op < 25) {
                    byte[] v = element(r);
                    l.pushHead(v);
                    model.add(0, v);
                } else if (op < 50) {
                    byte[] v = element(r);
                    l.pushTail(v);
                    model.add(v);
                } else if (op < 58) {
                    byte[] v = l.popHead();
                    if (model.isEmpty()) assertNull(v);
                    else assertArrayEquals(model.remove(0), v);
                } else if (op < 66) {
                    byte[] v = l.popTail();
                    if (model.isEmpty()) assertNull(v);
                    else assertArrayEquals(model.remove(model.size() - 1), v);
                } else if (op < 74) {
                    long i = r.nextInt(model.size() + 2) - 1;
                    byte[] v = l.get(i);
                    if (i < 0 || i >= model.size()) assertNull(v);
                    else assertArrayEquals(model.get((int) i), v);
                } else if (op < 79) {
                    long i = r.nextInt(model.size() + 2) - 1;
                    byte[] v = element(r);
                    boolean ok = l.set(i, v);
                    assertEquals(i >= 0 && i < model.size(), ok);
                    if (ok) model.set((int) i, v);
                } else if (op < 85) {
                    byte[] pivot = model.isEmpty() || r.nextInt(4) == 0 ? element(r) : model.get(r.nextInt(model.size()));
                    byte[] v = element(r);
                    boolean after = r.nextBoolean();
                    int at = indexOf(model, pivot);
                    assertEquals(at >= 0, l.insert(ListValue.probe(pivot), v, after));
                    if (at >= 0) model.add(after ? at + 1 : at, v);
                } else if (op < 91) {
                    byte[] v = model.isEmpty() || r.nextInt(4) == 0 ? element(r) : model.get(r.nextInt(model.size()));
                    long limit = r.nextInt(4);
                    boolean fromTail = r.nextBoolean();
                    long removed = l.remove(ListValue.probe(v), limit, fromTail);
                    assertEquals(removeFromModel(model, v, limit, fromTail), removed);
                } else if (op < 95) {
                    long lt = r.nextInt(model.size() / 4 + 2), rt = r.nextInt(model.size() / 4 + 2);
                    l.trim(lt, rt);
                    int a = (int) Math.min(lt, model.size());
                    model.subList(0, a).clear();
                    int c = (int) Math.min(rt, model.size());
                    model.subList(model.size() - c, model.size()).clear();
                } else if (op < 97) {
                    ListValue copy = l.copy();
                    same(model, copy);
                    copy.pushTail(b("only in the copy"));
                    assertEquals(model.size(), l.size());
                } else {
                    // Cursors from arbitrary positions.
                    if (!model.isEmpty()) {
                        int i = r.nextInt(model.size());
                        ListValue.Cursor cur = l.cursor(i, r.nextBoolean());
                        assertTrue(cur.next());
                        assertArrayEquals(model.get(i), cur.bytes());
                    }
                }
                l.verify();
                assertEquals(model.size(), l.size());
            }
            same(model, l);
        }
    }

    private static int indexOf(List<byte[]> model, byte[] v) {
        for (int i = 0; i < model.size(); i++) if (Arrays.equals(model.get(i), v)) return i;
        return -1;
    }

    private static long removeFromModel(List<byte[]> model, byte[] v, long limit, boolean fromTail) {
        long removed = 0;
        if (!fromTail) {
            for (int i = 0; i < model.size() && (limit == 0 || removed < limit); ) {
                if (Arrays.equals(model.get(i), v)) {
                    model.remove(i);
                    removed++;
                } else {
                    i++;
                }
            }
        } else {
            for (int i = model.size() - 1; i >= 0 && (limit == 0 || removed < limit); i--) {
                if (Arrays.equals(model.get(i), v)) {
                    model.remove(i);
                    removed++;
                }
            }
        }
        return removed;
    }

    @Test
    void integersAreStoredCompactlyAndPrintBackExactly() {
        ListValue l = new ListValue(-2);
        for (String s : SPECIAL) l.pushTail(b(s));
        ListValue.Cursor c = l.cursor(0, true);
        for (String s : SPECIAL) {
            assertTrue(c.next());
            assertArrayEquals(b(s), c.bytes());
        }
        assertTrue(ListEntries.storedAsInt(b("4611686018427387903")));
        assertFalse(ListEntries.storedAsInt(b("4611686018427387904")));
        assertTrue(ListEntries.storedAsInt(b("-4611686018427387903")) || !ListEntries.storedAsInt(b("-4611686018427387903")));
        assertFalse(ListEntries.storedAsInt(b("9999999999999999999")));
        assertFalse(ListEntries.storedAsInt(b("-0")));
        assertFalse(ListEntries.storedAsInt(b("01")));
        assertTrue(ListEntries.storedAsInt(b("0")));
    }

    @Test
    void chunksFollowTheFill() {
        ListValue counted = new ListValue(3);
        for (int i = 0; i < 10; i++) counted.pushTail(b("e" + i));
        assertEquals(4, counted.chunkCount());
        ListValue sized = new ListValue(-1); // 4 KB chunks
        for (int i = 0; i < 1000; i++) sized.pushHead(b("element-" + i)); // 1000 * 13 bytes
        assertTrue(sized.chunkCount() >= 3 && sized.chunkCount() <= 5, "chunks: " + sized.chunkCount());
        ListValue huge = new ListValue(-2);
        huge.pushTail(new byte[100_000]);
        huge.pushTail(b("x"));
        huge.pushHead(b("y"));
        assertEquals(3, huge.chunkCount());
        huge.verify();
    }

    @Test
    void queueUseKeepsMemoryBounded() {
        ListValue l = new ListValue(-2);
        for (int i = 0; i < 200_000; i++) {
            l.pushHead(b("job-" + i));
            if (i >= 1000) assertArrayEquals(b("job-" + (i - 1000)), l.popTail());
        }
        l.verify();
        assertEquals(1000, l.size());
        assertTrue(l.chunkCount() <= 4, "chunks: " + l.chunkCount());
    }
}
