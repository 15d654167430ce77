package io.lodestone.store.type;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] fv(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) out[i] = b(s[i]);
        return out;
    }

    private static void add(StreamValue s, long ms, long seq, String... fieldsValues) {
        byte[][] a = fv(fieldsValues);
        s.append(new StreamID(ms, seq), a, 0, a.length, 4096, 100);
    }

    /** Ids of the live entries in [start, end], in the walk's order. */
    private static List<String> ids(StreamValue s, StreamID start, StreamID end, boolean reverse, long count) {
        List<String> out = new ArrayList<>();
        s.range(start, end, reverse, count, (id, f, n) -> out.add(id.toString()));
        return out;
    }

    private static List<String> all(StreamValue s) {
        return ids(s, StreamID.MIN, StreamID.MAX, false, 0);
    }

    private static List<byte[]> nodes(StreamValue s) {
        List<byte[]> out = new ArrayList<>();
        s.forEachNode((m, lp) -> out.add(lp));
        return out;
    }

    @Test
    void streamIdsCompareUnsignedAndStepWithCarry() {
        assertTrue(new StreamID(-1L, 0).compareTo(new StreamID(1, 0)) > 0);
        assertEquals("18446744073709551615-18446744073709551615", StreamID.MAX.toString());
        assertEquals(new StreamID(2, 0), new StreamID(1, -1L).next());
        assertEquals(new StreamID(0, -1L), new StreamID(1, 0).previous());
        assertNull(StreamID.MAX.next());
        assertNull(StreamID.MIN.previous());
    }

    @Test
    void nodeBytesAreRedisListpackBytes() {
        // redis-server 7.0.15: XADD s 5-1 field value; XADD s 5-3 field 123; XADD s 6-0 other -7 x 99999999999
        byte[] redis = HexFormat.of().parseHex("510000001800030100010101856669656c640600010201000100018576616c7565"
                + "0604010201000102017b01040100010101dfff020201856f7468657206dff902817802f4ffe7764817000000090801ff");
        StreamValue s = new StreamValue();
        add(s, 5, 1, "field", "value");
        add(s, 5, 3, "field", "123");
        add(s, 6, 0, "other", "-7", "x", "99999999999");
        List<byte[]> n = nodes(s);
        assertEquals(1, n.size());
        assertArrayEquals(redis, java.util.Arrays.copyOf(n.get(0), Listpack.bytes(n.get(0))));
        assertTrue(StreamNode.validate(redis, redis.length, true));
        assertEquals(3, s.length());
        assertEquals(new StreamID(5, 1), s.firstId());
        assertEquals(new StreamID(6, 0), s.lastId());
        assertEquals(3, s.entriesAdded());
    }

    @Test
    void rangeReturnsFieldsAndValuesOfSameAndOtherFields() {
        StreamValue s = new StreamValue();
        add(s, 1, 0, "a", "1", "b", "2");
        add(s, 2, 0, "a", "3", "b", "4");
        add(s, 3, 0, "c", "5");
        List<String> seen = new ArrayList<>();
        s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, f, n) -> {
            StringBuilder sb = new StringBuilder(id.toString());
            for (int i = 0; i < n; i++) sb.append(' ').append(new String(f[i], StandardCharsets.UTF_8));
            seen.add(sb.toString());
            return true;
        });
        assertEquals(List.of("1-0 a 1 b 2", "2-0 a 3 b 4", "3-0 c 5"), seen);
    }

    @Test
    void appendOpensNodesAtTheEntriesAndBytesLimitsAndShrinksClosedOnes() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 10; i++) {
            byte[][] a = fv("f", "v" + i);
            s.append(new StreamID(i, 0), a, 0, 2, 4096, 3);
        }
        List<byte[]> n = nodes(s);
        assertEquals(4, n.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(3, StreamNode.count(n.get(i)));
            assertEquals(Listpack.bytes(n.get(i)), n.get(i).length, "a closed node is shrunk to fit");
        }
        assertEquals(4096, n.get(3).length, "the open node keeps Redis's preallocation");

        StreamValue t = new StreamValue();
        String v = "x".repeat(20);
        for (int i = 1; i <= 10; i++) {
            byte[][] a = fv("f", v);
            t.append(new StreamID(i, 0), a, 0, 2, 100, 0);
        }
        // A node takes an entry while its bytes plus the new entry's strings stay under 100.
        for (byte[] lp : nodes(t)) assertTrue(Listpack.bytes(lp) < 100 + 21 + 30);
        assertTrue(nodes(t).size() > 1);
        assertEquals(10, all(t).size());
    }

    @Test
    void deleteFlagsEntriesFreesEmptiedNodesAndMovesFirstId() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 6; i++) s.append(new StreamID(i, 0), fv("f", "v"), 0, 2, 4096, 3);
        assertTrue(s.delete(new StreamID(2, 0)));
        assertFalse(s.delete(new StreamID(2, 0)), "already deleted");
        assertFalse(s.delete(new StreamID(9, 0)));
        assertEquals(new StreamID(2, 0), s.maxDeletedId());
        assertEquals(new StreamID(1, 0), s.firstId());
        assertTrue(s.delete(new StreamID(1, 0)));
        assertEquals(new StreamID(3, 0), s.firstId());
        assertEquals(new StreamID(2, 0), s.maxDeletedId(), "only a larger ID moves it");
        assertEquals(2, s.nodeCount());
        assertEquals(1, StreamNode.count(nodes(s).get(0)));
        assertEquals(2, StreamNode.deleted(nodes(s).get(0)));
        assertTrue(s.delete(new StreamID(3, 0)));
        assertEquals(1, s.nodeCount(), "a node without live entries is freed");
        assertEquals(List.of("4-0", "5-0", "6-0"), all(s));
        assertFalse(s.contains(new StreamID(3, 0)));
        assertTrue(s.contains(new StreamID(5, 0)));
        for (int i = 4; i <= 6; i++) assertTrue(s.delete(new StreamID(i, 0)));
        assertEquals(0, s.length());
        assertEquals(StreamID.MIN, s.firstId());
        assertEquals(new StreamID(6, 0), s.lastId());
        assertEquals(6, s.entriesAdded());
    }

    /** XSETID below a tombstone then XADD puts a live entry after a larger deleted one: walks skip it. */
    @Test
    void tombstonesAboveLaterEntriesDoNotHideThem() {
        StreamValue s = new StreamValue();
        add(s, 1, 0, "f", "a");
        add(s, 2, 0, "f", "b");
        add(s, 5, 0, "f", "c");
        assertTrue(s.delete(new StreamID(5, 0)));
        s.lastId(new StreamID(2, 0));
        add(s, 3, 0, "f", "d");
        assertEquals(List.of("1-0", "2-0", "3-0"), all(s));
        assertEquals(List.of("3-0", "2-0", "1-0"), ids(s, StreamID.MIN, StreamID.MAX, true, 0));
        assertEquals(null, s.integrityProblem());
        assertTrue(s.contains(new StreamID(3, 0)));
        assertEquals(new StreamID(3, 0), s.edgeId(false, true));
        assertEquals(new StreamID(3, 0), s.edgeId(false, false), "the last entry in node order");
        assertTrue(s.delete(new StreamID(3, 0)));
        assertEquals(List.of("1-0", "2-0"), all(s));
        assertEquals(new StreamID(2, 0), s.lastEntryId());
        assertEquals(new StreamID(3, 0), s.edgeId(false, false), "a tombstone, when they count");
        s.trimByLength(0, false, 0);
        assertEquals(StreamID.MAX, s.edgeId(true, true));
        assertEquals(StreamID.MIN, s.edgeId(false, true));
        assertNull(s.lastEntryId());
    }

    private static StreamValue numbered(int n, long nodeMaxEntries) {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= n; i++) s.append(new StreamID(i, 0), fv("f", "v" + i), 0, 2, 4096, nodeMaxEntries);
        return s;
    }

    @Test
    void trimByLengthExactApproxAndLimit() {
        StreamValue s = numbered(25, 10);
        assertEquals(7, s.trimByLength(18, false, 0));
        assertEquals(18, s.length());
        assertEquals(new StreamID(8, 0), s.firstId());
        assertEquals(StreamID.MIN, s.maxDeletedId(), "trimming leaves max-deleted-entry-id alone");

        StreamValue a = numbered(25, 10);
        assertEquals(10, a.trimByLength(12, true, 0), "approx removes whole nodes only");
        assertEquals(15, a.length());
        assertEquals(new StreamID(11, 0), a.firstId());
        assertEquals(0, a.trimByLength(12, true, 0));

        StreamValue l = numbered(35, 10);
        assertEquals(10, l.trimByLength(0, true, 15), "limit stops before a node that would pass it");
        assertEquals(0, l.trimByLength(0, true, 5));
        assertEquals(25, l.trimByLength(0, false, 0));
        assertEquals(0, l.length());
        assertEquals(StreamID.MIN, l.firstId());
    }

    @Test
    void trimByMinIdDecidesNodesByTheirLastEntryTombstoneOrNot() {
        StreamValue s = numbered(25, 10);
        assertEquals(14, s.trimByMinId(new StreamID(15, 0), false, 0));
        assertEquals(List.of("15-0", "16-0"), ids(s, StreamID.MIN, new StreamID(16, 0), false, 0));
        assertEquals(new StreamID(15, 0), s.firstId());

        StreamValue a = numbered(25, 10);
        assertEquals(10, a.trimByMinId(new StreamID(15, 0), true, 0));
        assertEquals(new StreamID(11, 0), a.firstId());

        // Redis 7.0.15: XADD 1..4; XDEL 2; XTRIM MINID 3 -> 1 removed, first entry 3.
        StreamValue t = numbered(4, 100);
        t.delete(new StreamID(2, 0));
        assertEquals(1, t.trimByMinId(new StreamID(3, 0), false, 0));
        assertEquals(new StreamID(3, 0), t.firstId());
        assertEquals(List.of("3-0", "4-0"), all(t));
    }

    /** A node holding only its master entry (Redis loads one) goes with MINID, as its last ID reads 0-0. */
    @Test
    void aNodeWithoutEntriesIsTrimmedByMinId() {
        byte[] lp = Listpack.newListpack(16);
        for (long v : new long[] {0, 0, 1}) lp = Listpack.appendInteger(lp, v);
        lp = Listpack.append(lp, b("f"));
        lp = Listpack.shrinkToFit(Listpack.appendInteger(lp, 0));
        StreamValue s = new StreamValue();
        assertTrue(s.loadNode(new StreamID(3, 0), lp));
        assertFalse(s.loadNode(new StreamID(3, 0), lp));
        s.restoreCounters(0, new StreamID(3, 0), StreamID.MIN, StreamID.MIN, 1);
        assertEquals(null, s.integrityProblem());
        assertEquals(List.of(), all(s));
        assertEquals(0, s.trimByMinId(StreamID.MIN, false, 0));
        assertEquals(1, s.nodeCount());
        assertEquals(0, s.trimByMinId(new StreamID(1, 0), true, 0));
        assertEquals(0, s.nodeCount());
    }

    @Test
    void rangesBothWaysWithBoundsAndCount() {
        StreamValue s = numbered(30, 7);
        s.delete(new StreamID(10, 0));
        assertEquals(List.of("8-0", "9-0", "11-0"), ids(s, new StreamID(8, 0), new StreamID(11, 0), false, 0));
        assertEquals(List.of("11-0", "9-0", "8-0"), ids(s, new StreamID(8, 0), new StreamID(11, 0), true, 0));
        assertEquals(List.of("30-0", "29-0"), ids(s, StreamID.MIN, StreamID.MAX, true, 2));
        assertEquals(List.of("1-0", "2-0"), ids(s, StreamID.MIN, StreamID.MAX, false, 2));
        assertEquals(List.of(), ids(s, new StreamID(31, 0), StreamID.MAX, false, 0));
        assertEquals(List.of(), ids(s, new StreamID(5, 0), new StreamID(4, 0), false, 0));
        assertEquals(List.of("1-0"), ids(s, StreamID.MIN, new StreamID(1, 0), true, 0));
        long[] stopped = {0};
        assertEquals(1, s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, f, n) -> ++stopped[0] > 5));
    }

    @Test
    void tombstonesAndTheDistanceEstimateFollowRedis() {
        StreamValue s = new StreamValue();
        assertEquals(0, s.estimateDistanceFromFirstEverEntry(new StreamID(5, 0)));
        s = numbered(5, 100);
        assertFalse(s.rangeHasTombstones(null, null));
        assertEquals(5, s.estimateDistanceFromFirstEverEntry(new StreamID(5, 0)));
        assertEquals(-1, s.estimateDistanceFromFirstEverEntry(new StreamID(6, 0)));
        assertEquals(0, s.estimateDistanceFromFirstEverEntry(StreamID.MIN));
        assertEquals(1, s.estimateDistanceFromFirstEverEntry(new StreamID(1, 0)));
        assertEquals(-1, s.estimateDistanceFromFirstEverEntry(new StreamID(3, 0)));
        s.delete(new StreamID(3, 0));
        assertTrue(s.rangeHasTombstones(new StreamID(2, 0), null));
        assertFalse(s.rangeHasTombstones(new StreamID(4, 0), null));
        assertFalse(s.rangeHasTombstones(StreamID.MIN, new StreamID(2, 0)));
        assertEquals(-1, s.estimateDistanceFromFirstEverEntry(StreamID.MIN), "fragmented ahead");
        s.delete(new StreamID(1, 0));
        s.delete(new StreamID(2, 0));
        assertEquals(new StreamID(4, 0), s.firstId());
        assertFalse(s.rangeHasTombstones(StreamID.MIN, null), "the latest tombstone is before the first entry");
        assertEquals(3, s.estimateDistanceFromFirstEverEntry(StreamID.MIN));
        assertEquals(4, s.estimateDistanceFromFirstEverEntry(new StreamID(4, 0)));
        s.delete(new StreamID(4, 0));
        s.delete(new StreamID(5, 0));
        assertEquals(5, s.estimateDistanceFromFirstEverEntry(new StreamID(2, 0)), "empty stream: entries added");
    }

    @Test
    void groupsAndConsumersAreInUnsignedByteOrderAndShareNacks() {
        StreamValue s = numbered(3, 100);
        assertTrue(s.createGroup(new byte[] {(byte) 0xE0}, StreamID.MIN, 0) != null);
        StreamGroup g = s.createGroup(b("b"), new StreamID(1, 0), 1);
        assertNull(s.createGroup(b("b"), StreamID.MIN, 0));
        s.createGroup(b("a"), StreamID.MIN, 0);
        List<String> names = new ArrayList<>();
        for (StreamGroup x : s.groups()) names.add(HexFormat.of().formatHex(x.name()));
        assertEquals(List.of("61", "62", "e0"), names);
        StreamConsumer c1 = g.createConsumer(b("c1"), 100);
        StreamConsumer c2 = g.createConsumer(b("c2"), 200);
        assertNull(g.createConsumer(b("c1"), 1));
        for (int i = 1; i <= 3; i++) {
            StreamConsumer owner = i == 2 ? c2 : c1;
            StreamNack n = new StreamNack(owner, 1000 + i, 1);
            g.pel.put(new StreamID(i, 0), n);
            owner.pel.put(new StreamID(i, 0), n);
        }
        StreamValue copy = s.copy();
        assertEquals(2, g.deleteConsumer(b("c1")));
        assertEquals(-1, g.deleteConsumer(b("c1")));
        assertEquals(1, g.pel.size());
        StreamGroup cg = copy.group(b("b"));
        assertEquals(3, cg.pel.size(), "the copy is independent");
        assertTrue(cg.pel.get(new StreamID(2, 0)) == cg.consumer(b("c2")).pel.get(new StreamID(2, 0)));
        assertTrue(s.destroyGroup(b("a")));
        assertFalse(s.destroyGroup(b("a")));
        assertEquals(2, s.groupCount());
        assertEquals(all(s), all(copy));
    }

    @Test
    void validationRefusesBrokenNodes() {
        StreamValue s = numbered(3, 100);
        byte[] lp = Listpack.shrinkToFit(nodes(s).get(0));
        assertTrue(StreamNode.validate(lp, lp.length, true));
        byte[] bad = lp.clone();
        bad[bad.length - 3] = 9; // the last lp-count
        assertFalse(StreamNode.validate(bad, bad.length, true));
        assertTrue(StreamNode.validate(bad, bad.length, false), "shallow checks the header only");
        byte[] cut = java.util.Arrays.copyOf(lp, lp.length - 1);
        assertFalse(StreamNode.validate(cut, cut.length, false));
    }

    /** MEMORY USAGE: allocated node arrays, extrapolated from the first nodes as Redis samples them. */
    @Test
    void memoryUsageCountsNodeArraysAndExtrapolatesSamples() {
        StreamValue s = numbered(1000, 100);
        long all = s.memoryUsage(Long.MAX_VALUE);
        long[] arrays = {0};
        s.forEachNode((m, lp) -> arrays[0] += lp.length);
        assertTrue(all > arrays[0] && all < arrays[0] * 2, all + " for " + arrays[0] + " bytes of nodes");
        long sampled = s.memoryUsage(1);
        assertTrue(Math.abs(sampled - all) < all / 10, sampled + " vs " + all);
        StreamValue grouped = s.copy();
        StreamGroup g = grouped.createGroup(b("g"), StreamID.MIN, 0);
        StreamConsumer c = g.createConsumer(b("c"), 0);
        for (int i = 1; i <= 50; i++) {
            StreamNack n = new StreamNack(c, 0, 1);
            g.pel.put(new StreamID(i, 0), n);
            c.pel.put(new StreamID(i, 0), n);
        }
        assertTrue(grouped.memoryUsage(Long.MAX_VALUE) > all + 50 * 40, "pending entries cost memory");
    }

    /** Random appends, deletes and trims against a sorted map of the live entries. */
    @Test
    void randomOperationsAgreeWithAModel() {
        Random r = new Random(7);
        for (int round = 0; round < 20; round++) {
            StreamValue s = new StreamValue();
            TreeMap<StreamID, String> model = new TreeMap<>();
            long ms = 0, seq = 0;
            long maxEntries = 1 + r.nextInt(8);
            for (int op = 0; op < 400; op++) {
                int k = r.nextInt(10);
                if (k < 6) {
                    if (r.nextBoolean()) ms += 1 + r.nextInt(3); else seq++;
                    String v = Integer.toString(r.nextInt(1000) - 500);
                    byte[][] a = r.nextBoolean() ? fv("f", v) : fv("g" + r.nextInt(2), v, "h", "x");
                    s.append(new StreamID(ms, seq), a, 0, a.length, 200, maxEntries);
                    model.put(new StreamID(ms, seq), new String(a[1], StandardCharsets.UTF_8));
                } else if (k < 8 && !model.isEmpty()) {
                    StreamID victim = new StreamID(ms == 0 ? 0 : r.nextLong(ms + 1), r.nextLong(seq + 1));
                    assertEquals(model.remove(victim) != null, s.delete(victim));
                } else if (k == 8) {
                    long max = r.nextInt(model.size() + 1);
                    long removed = s.trimByLength(max, false, 0);
                    long expect = Math.max(0, model.size() - max);
                    assertEquals(expect, removed);
                    while (model.size() > max) model.pollFirstEntry();
                } else if (!model.isEmpty()) {
                    StreamID min = new StreamID(r.nextLong(ms + 1), 0);
                    long removed = s.trimByMinId(min, false, 0);
                    int before = model.size();
                    model.headMap(min).clear();
                    assertEquals(before - model.size(), removed);
                }
                assertEquals(model.size(), s.length());
                assertEquals(model.isEmpty() ? StreamID.MIN : model.firstKey(), s.firstId());
            }
            List<String> expect = new ArrayList<>();
            for (Map.Entry<StreamID, String> e : model.entrySet()) expect.add(e.getKey() + "=" + e.getValue());
            List<String> got = new ArrayList<>();
            s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, f, n) -> got.add(id + "=" + new String(f[1], StandardCharsets.UTF_8)));
            assertEquals(expect, got);
            List<String> rev = new ArrayList<>();
            s.range(StreamID.MIN, StreamID.MAX, true, 0, (id, f, n) -> rev.add(id + "=" + new String(f[1], StandardCharsets.UTF_8)));
            java.util.Collections.reverse(rev);
            assertEquals(expect, rev);
            s.forEachNode((m, lp) -> assertTrue(StreamNode.validate(Listpack.shrinkToFit(lp), Listpack.bytes(lp), true)));
        }
    }
}
