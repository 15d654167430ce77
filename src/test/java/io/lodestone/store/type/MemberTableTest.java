package io.lodestone.store.type;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hashtable encoding: a set's semantics, incremental resizing, SCAN's guarantee, fair random.
 * Probing loops cannot be interrupted, so the timeout runs each test in its own thread.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MemberTableTest {
    private static byte[] m(int i) {
        return ("member:" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void behavesAsASetUnderRandomOperations() {
        // Many removals exercise backward shifting, growth and shrinking exercise both arrays.
        Random rnd = new Random(42);
        MemberTable t = new MemberTable(0);
        Set<String> model = new HashSet<>();
        for (int i = 0; i < 300_000; i++) {
            int range = (i / 50_000) % 2 == 0 ? 20_000 : 500; // alternate big and small populations
            int k = rnd.nextInt(range);
            switch (rnd.nextInt(4)) {
                case 0, 1 -> assertEquals(model.add("member:" + k), t.add(m(k)));
                case 2 -> assertEquals(model.remove("member:" + k), t.remove(m(k)));
                default -> assertEquals(model.contains("member:" + k), t.contains(m(k)));
            }
            assertEquals(model.size(), t.size());
        }
        Set<String> iterated = new HashSet<>();
        t.forEach(b -> assertTrue(iterated.add(s(b)), "iterated twice: " + s(b)));
        assertEquals(model, iterated);
    }

    @Test
    void emptyStringIsAMemberLikeAnyOther() {
        MemberTable t = new MemberTable(0);
        assertFalse(t.contains(new byte[0]));
        assertTrue(t.add(new byte[0]));
        assertFalse(t.add(new byte[0]));
        assertTrue(t.contains(new byte[0]));
        for (int i = 0; i < 100; i++) t.add(m(i));
        for (int i = 0; i < 100; i++) t.remove(m(i)); // tombstones and shrinking around ""
        assertTrue(t.contains(new byte[0]));
        assertTrue(t.remove(new byte[0]));
        assertEquals(0, t.size());
    }

    @Test
    void growingMovesMembersAFewAtATime() {
        MemberTable t = new MemberTable(0);
        int n = 0;
        while (!t.isRehashing()) assertTrue(t.add(m(n++)));
        int slots = t.slots();
        assertTrue(n > 1000 || slots < 4096, "rehash started late");
        // The add that crossed the threshold did not move everything: most members are still old.
        for (int i = 0; i < 8 && t.isRehashing(); i++) t.add(m(n++));
        for (int i = 0; i < n; i++) assertTrue(t.contains(m(i)));
        for (int big = 0; big < 1 << 17; big++) t.add(m(n++));
        int bigAdds = 0;
        while (!t.isRehashing()) {
            t.add(m(n++));
            bigAdds++;
            assertTrue(bigAdds < 1 << 20);
        }
        t.add(m(n++));
        assertTrue(t.isRehashing(), "a single add finished a rehash of " + t.size() + " members");
    }

    @Test
    void addsRightAfterAMassDeletionKeepEveryMember() {
        // The survivors of a mass deletion sit in a huge sparse array while a shrink moves them;
        // a burst of adds must neither lose them nor overfill the small new array.
        for (int survivors : new int[]{0, 1, 10, 1000}) {
            MemberTable t = new MemberTable(0);
            int n = 200_000;
            for (int i = 0; i < n; i++) t.add(m(i));
            for (int i = survivors; i < n; i++) assertTrue(t.remove(m(i)));
            for (int i = n; i < n + 50_000; i++) assertTrue(t.add(m(i)));
            assertEquals(survivors + 50_000, t.size());
            for (int i = 0; i < survivors; i++) assertTrue(t.contains(m(i)));
            for (int i = n; i < n + 50_000; i++) assertTrue(t.contains(m(i)));
            Set<String> all = new HashSet<>();
            t.forEach(b -> all.add(s(b)));
            assertEquals(survivors + 50_000, all.size());
        }
    }

    @Test
    void survivesRandomPhasesOfGrowthMassDeletionAndBursts() {
        // Random prefixes change every member's hash, as another seed would.
        Random rnd = new Random(2024);
        long ops = 0;
        for (int round = 0; round < 300 && ops < 3_000_000; round++) {
            String prefix = Long.toHexString(rnd.nextLong()) + ":";
            MemberTable t = new MemberTable(rnd.nextInt(3) == 0 ? rnd.nextInt(1000) : 0);
            Set<String> model = new HashSet<>();
            for (int phase = 1 + rnd.nextInt(6); phase > 0; phase--) {
                int kind = rnd.nextInt(4);
                int range = 1 << (2 + rnd.nextInt(13));
                int n = rnd.nextInt(range * 3 + 10);
                if (kind == 3) { // remove all but a few, then a burst of adds
                    List<String> drop = new ArrayList<>(model);
                    drop = drop.subList(Math.min(drop.size(), rnd.nextInt(5)), drop.size());
                    for (String x : drop) assertTrue(t.remove(x.getBytes(StandardCharsets.US_ASCII)));
                    model.removeAll(drop);
                }
                for (int i = 0; i < n; i++, ops++) {
                    String x = prefix + rnd.nextInt(range);
                    byte[] b = x.getBytes(StandardCharsets.US_ASCII);
                    int op = kind == 0 || kind == 3 ? (rnd.nextInt(10) < 8 ? 0 : 1)
                            : kind == 1 ? (rnd.nextInt(10) < 8 ? 1 : 0) : rnd.nextInt(3);
                    switch (op) {
                        case 0 -> assertEquals(model.add(x), t.add(b));
                        case 1 -> assertEquals(model.remove(x), t.remove(b));
                        default -> assertEquals(model.contains(x), t.contains(b));
                    }
                }
                assertEquals(model.size(), t.size());
                Set<String> seen = new HashSet<>();
                long cursor = 0;
                int steps = 0;
                do {
                    cursor = t.scan(cursor, b -> seen.add(s(b)));
                    assertTrue(++steps < 10_000_000);
                } while (cursor != 0);
                assertEquals(model, seen);
            }
        }
    }

    @Test
    void removalsShrinkTheTable() {
        MemberTable t = new MemberTable(0);
        for (int i = 0; i < 10_000; i++) t.add(m(i));
        int big = t.slots();
        for (int i = 0; i < 9_990; i++) t.remove(m(i));
        // Each lookup moves a bucket or skips up to ten empty slots, as Redis's _dictRehashStep.
        for (int i = 0; i < 100_000 && t.isRehashing(); i++) t.contains(m(0));
        assertFalse(t.isRehashing());
        assertTrue(t.slots() < big, t.slots() + " slots for " + t.size() + " members");
        // As in Redis, the next removal looks at the fill again and shrinks further.
        for (int round = 0; round < 10 && t.slots() > 32; round++) {
            t.remove(m(9_990 + round));
            for (int i = 0; i < 100_000 && t.isRehashing(); i++) t.contains(m(0));
        }
        assertTrue(t.slots() <= 32, t.slots() + " slots for " + t.size() + " members");
        for (int i = 9_990; i < 10_000; i++) assertEquals(i >= 9_990 + 10 - t.size(), t.contains(m(i)));
    }

    @Test
    void scanReturnsEveryStableMemberWhileTheTableGrowsAndShrinks() {
        MemberTable t = new MemberTable(0);
        for (int i = 0; i < 1000; i++) t.add(m(i));
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int next = 1000, steps = 0;
        do {
            cursor = t.scan(cursor, b -> seen.add(s(b)));
            if (steps < 100) for (int j = 0; j < 50; j++) t.add(m(next++));
            assertTrue(++steps < 1_000_000);
        } while (cursor != 0);
        for (int i = 0; i < 1000; i++) assertTrue(seen.contains("member:" + i), "missing member:" + i);

        seen.clear();
        cursor = t.scan(0, b -> seen.add(s(b)));
        for (int i = 1000; i < next; i++) t.remove(m(i));
        steps = 0;
        while (cursor != 0) {
            cursor = t.scan(cursor, b -> seen.add(s(b)));
            t.contains(m(0)); // lets the shrinking rehash advance between steps
            assertTrue(++steps < 1_000_000);
        }
        for (int i = 0; i < 1000; i++) assertTrue(seen.contains("member:" + i), "missing member:" + i);
    }

    @Test
    void aFullScanOfAStableTableVisitsEachMemberOnce() {
        MemberTable t = new MemberTable(0);
        for (int i = 0; i < 5000; i++) t.add(m(i));
        Map<String, Integer> seen = new HashMap<>();
        long cursor = 0;
        int steps = 0;
        do {
            cursor = t.scan(cursor, b -> seen.merge(s(b), 1, Integer::sum));
            assertTrue(++steps < 1_000_000);
        } while (cursor != 0);
        assertEquals(5000, seen.size());
        for (int count : seen.values()) assertEquals(1, count);
    }

    @Test
    void randomIsUniformAlsoWhileRehashing() {
        MemberTable t = new MemberTable(0);
        int n = 0;
        while (!t.isRehashing()) t.add(m(n++)); // stop right after growth started
        List<String> members = new ArrayList<>();
        t.forEach(b -> members.add(s(b)));
        Map<String, Integer> hits = new HashMap<>();
        int draws = members.size() * 2000;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < draws; i++) hits.merge(s(t.random(rnd)), 1, Integer::sum);
        assertEquals(members.size(), hits.size());
        // Each count is Binomial(draws, 1/n): mean 2000, sd about 45. Six sd either side.
        for (Map.Entry<String, Integer> e : hits.entrySet()) {
            assertTrue(e.getValue() > 2000 - 270 && e.getValue() < 2000 + 270, e.toString());
        }
    }
}
