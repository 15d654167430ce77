package io.lodestone.store.type;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ZSetValue in both forms against a plain model (a map plus a sorted list): random adds, updates,
 * removals and range removals, checking ranks, ranges, counts, walks and the structures' invariants.
 */
class ZSetValueTest {
    private static final ZSetValue.Limits SMALL = new ZSetValue.Limits(16, 8);
    private static final ZSetValue.Limits LARGE_ONLY = new ZSetValue.Limits(0, 0);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The model: member -> score, ordered on demand. */
    private static final class Model {
        final Map<String, Double> scores = new HashMap<>();

        List<String> ordered() {
            List<String> l = new ArrayList<>(scores.keySet());
            l.sort((x, y) -> {
                double a = scores.get(x), c = scores.get(y);
                if (a < c) return -1;
                if (a > c) return 1;
                return Arrays.compareUnsigned(b(x), b(y));
            });
            return l;
        }
    }

    private static void assertSame(Model m, ZSetValue z) {
        z.check();
        List<String> order = m.ordered();
        assertEquals(order.size(), z.size());
        ZSetValue.Cursor cur = z.cursor(0, false);
        for (String s : order) {
            assertTrue(cur.next());
            assertArrayEquals(b(s), cur.member());
            assertEquals(m.scores.get(s), cur.score());
        }
        assertFalse(cur.next());
        ZSetValue.Cursor back = z.cursor(order.size() - 1, true);
        for (int i = order.size() - 1; i >= 0; i--) {
            assertTrue(back.next());
            assertArrayEquals(b(order.get(i)), back.member());
        }
        assertFalse(back.next());
    }

    @Test
    void randomOperationsMatchTheModelInBothForms() {
        for (ZSetValue.Limits limits : List.of(SMALL, LARGE_ONLY, new ZSetValue.Limits(128, 64))) {
            for (long seed = 1; seed <= 3; seed++) randomRun(limits, new Random(seed * 31 + limits.maxListpackEntries()));
        }
    }

    @Test
    void compactFormStaysCorrectUnderChurn() {
        ZSetValue.Limits limits = new ZSetValue.Limits(1000, 64);
        Random rnd = new Random(11);
        Model m = new Model();
        ZSetValue z = ZSetValue.createCompact();
        for (int step = 0; step < 20_000; step++) {
            String member = "x".repeat(rnd.nextInt(6)) + rnd.nextInt(120);
            int op = rnd.nextInt(8);
            if (op < 4) {
                double score = rnd.nextInt(20) - (rnd.nextBoolean() ? 0.0 : -0.0);
                z.add(b(member), score, 0, limits);
                m.scores.put(member, score + 0.0);
            } else if (op < 6) {
                assertEquals(m.scores.remove(member) != null, z.remove(b(member)));
            } else if (op == 6 && z.size() > 0) {
                int from = rnd.nextInt(z.size()), to = Math.min(z.size() - 1, from + rnd.nextInt(9));
                List<String> order = m.ordered();
                for (int i = from; i <= to; i++) m.scores.remove(order.get(i));
                z.removeRange(from, to);
            } else {
                List<String> order = m.ordered();
                assertEquals(order.indexOf(member), z.rank(b(member), false));
            }
            if (step % 100 == 0) assertSame(m, z);
            assertEquals("listpack", z.encoding());
        }
        assertSame(m, z);
        assertSame(m, z.copy());
    }

    private void randomRun(ZSetValue.Limits limits, Random rnd) {
        Model m = new Model();
        ZSetValue z = ZSetValue.createCompact();
        for (int step = 0; step < 6000; step++) {
            int op = rnd.nextInt(10);
            String member = "m" + rnd.nextInt(rnd.nextBoolean() ? 40 : 3000);
            double score = rnd.nextInt(50) - 25 + (rnd.nextBoolean() ? 0.5 : 0);
            if (op < 6) {
                int r = z.add(b(member), score, ZSetValue.ADD_NONE, limits);
                Double old = m.scores.put(member, score);
                if (old == null) assertEquals(ZSetValue.ADDED, r);
                else assertEquals(old == score ? 0 : ZSetValue.UPDATED, r);
            } else if (op < 8) {
                assertEquals(m.scores.remove(member) != null, z.remove(b(member)));
            } else if (op == 8 && z.size() > 0) {
                int from = rnd.nextInt(z.size()), to = Math.min(z.size() - 1, from + rnd.nextInt(5));
                List<String> order = m.ordered();
                for (int i = from; i <= to; i++) m.scores.remove(order.get(i));
                assertEquals(to - from + 1, z.removeRange(from, to));
            } else {
                List<String> order = m.ordered();
                int rank = order.indexOf(member);
                assertEquals(rank, z.rank(b(member), false));
                if (rank >= 0) assertEquals(order.size() - 1 - rank, z.rank(b(member), true));
                Double s = m.scores.get(member);
                assertEquals(s == null ? Double.NaN : s, z.score(b(member)));
                checkRange(m, z, rnd.nextInt(50) - 25, rnd.nextInt(50) - 25, rnd.nextBoolean(), rnd.nextBoolean());
            }
            if (step % 500 == 0) assertSame(m, z);
        }
        assertSame(m, z);
        // Empty it by ranks: the tree must shrink back through merges.
        while (z.size() > 0) z.removeRange(0, Math.min(z.size() - 1, rnd.nextInt(7)));
        z.check();
    }

    private static void checkRange(Model m, ZSetValue z, double min, double max, boolean minEx, boolean maxEx) {
        ZSetValue.ScoreRange range = new ZSetValue.ScoreRange(min, minEx, max, maxEx);
        List<String> order = m.ordered();
        int first = -1, last = -1;
        for (int i = 0; i < order.size(); i++) {
            double s = m.scores.get(order.get(i));
            if (range.gteMin(s) && range.lteMax(s)) {
                if (first < 0) first = i;
                last = i;
            }
        }
        assertEquals(first, z.firstInRange(range));
        assertEquals(last, z.lastInRange(range));
        assertEquals(first < 0 ? 0 : last - first + 1, z.count(range));
    }

    @Test
    void lexRangesOnEqualScores() {
        for (ZSetValue.Limits limits : List.of(new ZSetValue.Limits(1000, 64), LARGE_ONLY)) {
            ZSetValue z = ZSetValue.createFor(b("a"), limits);
            for (char ch = 'a'; ch <= 'z'; ch++) z.add(new byte[]{(byte) ch}, 0, ZSetValue.ADD_NONE, limits);
            ZSetValue.LexRange r = new ZSetValue.LexRange(b("c"), false, b("f"), true);
            assertEquals(2, z.firstInLexRange(r));
            assertEquals(4, z.lastInLexRange(r));
            assertEquals(3, z.lexCount(r));
            ZSetValue.LexRange all = new ZSetValue.LexRange(ZSetValue.LexRange.MINUS, true, ZSetValue.LexRange.PLUS, true);
            assertEquals(26, z.lexCount(all));
            ZSetValue.LexRange none = new ZSetValue.LexRange(ZSetValue.LexRange.PLUS, true, ZSetValue.LexRange.MINUS, true);
            assertEquals(0, z.lexCount(none));
        }
    }

    @Test
    void convertsOneWayAtTheThresholds() {
        ZSetValue.Limits limits = new ZSetValue.Limits(3, 4);
        ZSetValue z = ZSetValue.createFor(b("a"), limits);
        assertEquals("listpack", z.encoding());
        z.add(b("a"), 1, 0, limits);
        z.add(b("b"), 2, 0, limits);
        z.add(b("c"), 3, 0, limits);
        assertEquals("listpack", z.encoding());
        z.add(b("d"), 4, 0, limits);
        assertEquals("skiplist", z.encoding());
        z.remove(b("d"));
        z.remove(b("c"));
        assertEquals("skiplist", z.encoding());
        ZSetValue y = ZSetValue.createFor(b("a"), limits);
        y.add(b("abcde"), 1, 0, limits);
        assertEquals("skiplist", y.encoding());
        assertEquals("skiplist", ZSetValue.createFor(b("abcde"), limits).encoding());
        ZSetValue built = ZSetValue.build(new byte[][]{b("x"), b("y")}, new double[]{2, 1}, 2, limits);
        assertEquals("listpack", built.encoding());
        assertArrayEquals(b("y"), built.memberAt(0));
    }

    @Test
    void flagsFollowZsetAdd() {
        ZSetValue.Limits l = new ZSetValue.Limits(128, 64);
        ZSetValue z = ZSetValue.createCompact();
        assertEquals(ZSetValue.NOP, z.add(b("a"), 1, ZSetValue.ADD_XX, l));
        assertEquals(ZSetValue.ADDED, z.add(b("a"), 1, ZSetValue.ADD_NX, l));
        assertEquals(ZSetValue.NOP, z.add(b("a"), 5, ZSetValue.ADD_NX, l));
        assertEquals(ZSetValue.NOP, z.add(b("a"), 0, ZSetValue.ADD_GT, l));
        assertEquals(ZSetValue.UPDATED, z.add(b("a"), 3, ZSetValue.ADD_GT, l));
        assertEquals(ZSetValue.NOP, z.add(b("a"), 4, ZSetValue.ADD_LT, l));
        assertEquals(ZSetValue.UPDATED, z.add(b("a"), 2, ZSetValue.ADD_INCR, l));
        assertEquals(5.0, z.score(b("a")));
        assertEquals(0, z.add(b("a"), 0, ZSetValue.ADD_INCR, l));
        z.add(b("a"), Double.POSITIVE_INFINITY, 0, l);
        assertEquals(ZSetValue.NAN, z.add(b("a"), Double.NEGATIVE_INFINITY, ZSetValue.ADD_INCR, l));
    }

    @Test
    void deepTreeSurvivesGrowthAndShrinkage() {
        Random rnd = new Random(7);
        ZSetValue z = ZSetValue.createLarge();
        Map<String, Double> model = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 150_000; i++) {
                String m = "m" + rnd.nextInt(400_000);
                double s = rnd.nextInt(1000);
                z.add(b(m), s, 0, LARGE_ONLY);
                model.put(m, s);
            }
            z.check();
            List<String> keys = new ArrayList<>(model.keySet());
            java.util.Collections.shuffle(keys, rnd);
            for (int i = 0; i < keys.size() * 9 / 10; i++) {
                assertTrue(z.remove(b(keys.get(i))));
                model.remove(keys.get(i));
                if (i % 20_000 == 0) z.check();
            }
            z.check();
            assertEquals(model.size(), z.size());
            for (String k : model.keySet()) {
                int r = z.rank(b(k), false);
                assertArrayEquals(b(k), z.memberAt(r));
            }
        }
    }

    @Test
    void sequentialInsertsFillLeaves() {
        ZSetValue z = ZSetValue.createLarge();
        for (int i = 0; i < 100_000; i++) z.add(b("k" + i), i, 0, LARGE_ONLY);
        z.check();
        assertEquals(99_999, z.rank(b("k99999"), false));
        assertEquals(50_000, z.firstInRange(new ZSetValue.ScoreRange(50_000, false, 1e9, false)));
        ZSetValue d = ZSetValue.createLarge();
        for (int i = 100_000; i > 0; i--) d.add(b("k" + i), i, 0, LARGE_ONLY);
        d.check();
        assertEquals(0, d.rank(b("k1"), false));
        ZSetValue copy = d.copy();
        copy.check();
        assertEquals(d.size(), copy.size());
    }
}
