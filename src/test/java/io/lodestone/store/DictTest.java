package io.lodestone.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DictTest {
    private static byte[] k(int i) {
        return ("key:" + i).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void addFindRemoveAcrossIncrementalRehash() {
        Dict<DictEntry> d = new Dict<>();
        for (int i = 0; i < 100_000; i++) {
            assertNull(d.find(k(i)));
            d.add(new DictEntry(k(i)));
        }
        assertEquals(100_000, d.size());
        for (int i = 0; i < 100_000; i++) assertNotNull(d.find(k(i)), "key " + i);
        for (int i = 0; i < 100_000; i += 2) assertNotNull(d.remove(k(i)));
        assertEquals(50_000, d.size());
        for (int i = 0; i < 100_000; i++) assertEquals(i % 2 == 1, d.find(k(i)) != null);
    }

    @Test
    void expandSizesAnEmptyTableOnceSoALoadNeverRehashes() {
        Dict<DictEntry> d = new Dict<>();
        d.expand(100_000);
        assertEquals(1 << 17, d.buckets());
        for (int i = 0; i < 100_000; i++) {
            d.add(new DictEntry(k(i)));
            assertTrue(!d.isRehashing(), "rehashing at " + i);
        }
        for (int i = 0; i < 100_000; i++) assertNotNull(d.find(k(i)));
        d.expand(1 << 20); // not empty any more: the hint is ignored
        assertEquals(1 << 17, d.buckets());
    }

    @Test
    void addIfAbsentAddsOnceAcrossRehashing() {
        Dict<DictEntry> d = new Dict<>();
        for (int i = 0; i < 50_000; i++) assertNull(d.addIfAbsent(new DictEntry(k(i))));
        for (int i = 0; i < 50_000; i += 7) {
            DictEntry present = d.find(k(i));
            org.junit.jupiter.api.Assertions.assertSame(present, d.addIfAbsent(new DictEntry(k(i))));
        }
        assertEquals(50_000, d.size());
        for (int i = 0; i < 50_000; i++) assertNotNull(d.find(k(i)));
    }

    @Test
    void noSingleInsertRehashesEverything() {
        // Growth moves buckets a few at a time: inserting into a big table never costs O(n).
        Dict<DictEntry> d = new Dict<>();
        for (int i = 0; i < (1 << 20); i++) d.add(new DictEntry(k(i)));
        d.add(new DictEntry(k(-1))); // crosses a power of two: rehashing starts, not completes
        assertTrue(d.isRehashing());
        assertNotNull(d.find(k(12345)));
    }

    @Test
    void scanReturnsEveryStableKeyWhileTableGrowsAndShrinks() {
        Dict<DictEntry> d = new Dict<>();
        for (int i = 0; i < 1000; i++) d.add(new DictEntry(k(i)));
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int next = 1000, steps = 0;
        do {
            cursor = d.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.US_ASCII)));
            if (steps < 100) for (int j = 0; j < 50; j++) d.add(new DictEntry(k(next++))); // forces rehashing mid-scan
            assertTrue(++steps < 1_000_000);
        } while (cursor != 0);
        for (int i = 0; i < 1000; i++) assertTrue(seen.contains("key:" + i), "missing key:" + i);

        // Shrink during a scan: remove most keys, then keep scanning.
        seen.clear();
        cursor = d.scan(0, e -> seen.add(new String(e.key(), StandardCharsets.US_ASCII)));
        for (int i = 1000; i < next; i++) d.remove(k(i));
        d.shrinkIfNeeded();
        while (cursor != 0) cursor = d.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.US_ASCII)));
        for (int i = 0; i < 1000; i++) assertTrue(seen.contains("key:" + i), "missing after shrink key:" + i);
    }

    @Test
    void randomReachesEveryEntry() {
        Dict<DictEntry> d = new Dict<>();
        for (int i = 0; i < 20; i++) d.add(new DictEntry(k(i)));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000 && seen.size() < 20; i++) seen.add(new String(d.random().key(), StandardCharsets.US_ASCII));
        assertEquals(20, seen.size());
    }

    @Test
    void fairRandomReturnsMembersAndReachesEveryOneEvenWhileRehashing() {
        Dict<DictEntry> d = new Dict<>();
        assertNull(d.fairRandom());
        for (int i = 0; i < 1025; i++) d.add(new DictEntry(k(i)));
        assertTrue(d.isRehashing());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200_000 && seen.size() < 1025; i++) {
            DictEntry e = d.fairRandom();
            assertNotNull(d.find(e.key()));
            seen.add(new String(e.key(), StandardCharsets.US_ASCII));
        }
        assertEquals(1025, seen.size());
    }

    @Test
    void statsInRedisFormat() {
        Dict<DictEntry> d = new Dict<>();
        assertEquals("Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n", d.stats());
        d.add(new DictEntry(k(1)));
        assertEquals("Hash table 0 stats (main hash table):\n"
                + " table size: 4\n"
                + " number of elements: 1\n"
                + " different slots: 1\n"
                + " max chain length: 1\n"
                + " avg chain length (counted): 1.00\n"
                + " avg chain length (computed): 1.00\n"
                + " Chain length distribution:\n"
                + "   0: 3 (75.00%)\n"
                + "   1: 1 (25.00%)\n", d.stats());
        for (int i = 2; i <= 5; i++) d.add(new DictEntry(k(i)));
        assertTrue(d.isRehashing());
        String stats = d.stats();
        assertTrue(stats.contains("Hash table 1 stats (rehashing target):\n table size: 8\n"), stats);
    }
}
