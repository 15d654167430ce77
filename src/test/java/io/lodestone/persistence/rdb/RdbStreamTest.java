package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import io.lodestone.store.type.Listpack;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdbStreamTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Object read(byte[] data, boolean deep) throws RdbFormatException {
        RdbValueReader r = new RdbValueReader(data, 0, data.length, RdbCorpus.LIMITS).deep(deep);
        Object v = r.read();
        assertEquals(data.length, r.position());
        return v;
    }

    private static RdbFormatException refused(byte[] data, boolean deep) {
        return assertThrows(RdbFormatException.class, () -> read(data, deep));
    }

    @Test
    void streamsRoundTripWithGroupsPendingEntriesAndCounters() throws RdbFormatException {
        for (StreamValue s : new StreamValue[] {RdbCorpus.stream(), new StreamValue()}) {
            for (boolean compress : new boolean[] {true, false}) {
                byte[] data = new RdbValueWriter(compress).serialize(s);
                assertEquals(Rdb.TYPE_STREAM_LISTPACKS_2, data[0]);
                StreamValue back = (StreamValue) read(data, true);
                assertEquals(ValueForm.of(s), ValueForm.of(back));
                assertArrayEquals(data, new RdbValueWriter(compress).serialize(back), "nodes are written as they are");
            }
        }
        StreamValue s = RdbCorpus.stream();
        String form = ValueForm.of(s);
        assertTrue(form.contains("group \u00c3g 0-0 read=-1"), form);
        assertTrue(form.contains("maxdel=1700000000003-10"), form);
    }

    /** A type-19 body whose nodes and metadata are given as they are. */
    private static byte[] stream(int type, List<byte[][]> nodes, long length, long[] ids, byte[] groups) {
        ByteSink out = new ByteSink(64);
        out.put(type);
        Rdb.writeLen(out, nodes.size());
        for (byte[][] n : nodes) {
            Rdb.writeString(out, n[0], false);
            Rdb.writeString(out, n[1], false);
        }
        Rdb.writeLen(out, length);
        for (long id : ids) Rdb.writeLen(out, id);
        out.put(groups, 0, groups.length);
        return out.toArray();
    }

    private static byte[] key(long ms, long seq) {
        ByteSink k = new ByteSink(16);
        k.putBE(ms, 8);
        k.putBE(seq, 8);
        return k.toArray();
    }

    /** The single node of a stream of the given entries (ms-seq), all with field f. */
    private static byte[] node(long... ms) {
        StreamValue s = new StreamValue();
        for (long m : ms) s.append(new StreamID(m, 0), new byte[][] {b("f"), b("v")}, 0, 2, 0, 0);
        List<byte[]> out = new ArrayList<>();
        s.forEachNode((m, lp) -> out.add(Listpack.shrinkToFit(lp)));
        return out.get(0);
    }

    @Test
    void aStreamOfRedisFiveIsReadWithTheCountersRedisDerives() throws RdbFormatException {
        // type 15: no first ID, max deleted ID, entries added or entries read
        ByteSink g = new ByteSink(64);
        Rdb.writeLen(g, 1);
        Rdb.writeString(g, b("g"), false);
        Rdb.writeLen(g, 1);
        Rdb.writeLen(g, 0);
        Rdb.writeLen(g, 0);
        Rdb.writeLen(g, 0);
        byte[] data = stream(15, List.<byte[][]>of(new byte[][] {key(1, 0), node(1, 2, 3)}), 3, new long[] {3, 0}, g.toArray());
        StreamValue s = (StreamValue) read(data, true);
        assertEquals(new StreamID(1, 0), s.firstId());
        assertEquals(3, s.entriesAdded());
        assertEquals(StreamID.MIN, s.maxDeletedId());
        assertEquals(1, s.group(b("g")).entriesRead, "estimated from the group's last ID");
        byte[] empty = stream(15, List.of(), 0, new long[] {5, 0}, new byte[] {0});
        assertEquals(StreamID.MAX, ((StreamValue) read(empty, true)).firstId(), "streamGetEdgeID finds nothing");
    }

    @Test
    void corruptStreamsAreRefusedWithRedisReasons() throws RdbFormatException {
        long[] ids19 = {3, 0, 1, 0, 0, 0, 3};
        byte[] noGroups = {0};
        byte[] shortKey = stream(19, List.<byte[][]>of(new byte[][] {b("short"), node(1, 2, 3)}), 3, ids19, noGroups);
        assertEquals("Stream node key entry is not the size of a stream ID", refused(shortKey, false).reason());

        byte[] lp = node(1, 2, 3);
        byte[] badCount = lp.clone();
        badCount[badCount.length - 3] = 9; // the last entry's lp-count
        RdbFormatException e = refused(stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), badCount}), 3, ids19, noGroups), true);
        assertEquals("Stream listpack integrity check failed.", e.reason());
        assertEquals(RdbFormatException.Kind.CORRUPT, e.kind());
        assertEquals(RdbFormatException.Kind.UNSANITIZED,
                refused(stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), badCount}), 3, ids19, noGroups), false).kind());

        byte[] emptyLp = Listpack.shrinkToFit(Listpack.newListpack(7));
        assertEquals("Empty listpack inside stream",
                refused(stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), emptyLp}), 0, ids19, noGroups), false).reason());

        byte[] twice = stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), lp}, new byte[][] {key(1, 0), lp}), 6, ids19, noGroups);
        assertEquals("Listpack re-added with existing key", refused(twice, false).reason());

        // node keys below their entries' IDs, or a second node overlapping the first
        byte[] overlap = stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), lp}, new byte[][] {key(2, 0), node(2, 5)}), 5, ids19, noGroups);
        assertEquals("Stream entries out of order", refused(overlap, true).reason());
        // master entry (1 live, 0 deleted, field f), then a SAMEFIELDS entry one millisecond below the master
        byte[] neg = Listpack.newListpack(64);
        for (long v : new long[] {1, 0, 1}) neg = Listpack.appendInteger(neg, v);
        neg = Listpack.append(neg, b("f"));
        for (long v : new long[] {0, 2, -1, 0}) neg = Listpack.appendInteger(neg, v);
        neg = Listpack.append(neg, b("v"));
        neg = Listpack.shrinkToFit(Listpack.appendInteger(neg, 4));
        // Redis keeps such a node (XSETID below tombstones, then XADD, makes one), and so does Lodestone
        byte[] below = stream(19, List.<byte[][]>of(new byte[][] {key(5, 0), neg}), 1, new long[] {4, 0, 4, 0, 0, 0, 1}, noGroups);
        StreamValue s = (StreamValue) read(below, true);
        assertTrue(s.contains(new StreamID(4, 0)));
        // Below every master, the walks start at the first node (the last, backwards), as Redis seeks.
        assertEquals(1, s.range(StreamID.MIN, new StreamID(4, 0), true, 0, (id, fv, n) -> true));
        assertTrue(s.delete(new StreamID(4, 0)));
        assertEquals(0, s.length());
        assertEquals("Stream last ID below its last entry",
                refused(stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), lp}), 3, new long[] {2, 5, 1, 0, 0, 0, 3}, noGroups), true).reason());
        assertEquals("Stream length inconsistent with its entries",
                refused(stream(19, List.<byte[][]>of(new byte[][] {key(1, 0), lp}), 4, ids19, noGroups), true).reason());
        assertEquals("Stream length inconsistent with rax entries",
                refused(stream(19, List.of(), 4, ids19, noGroups), false).reason());
    }

    /** A group section: one group "g" at 3-0, entries read 3, the PEL and consumers given. */
    private static byte[] group(long[] pel, String consumer, long[] owned) {
        ByteSink g = new ByteSink(64);
        Rdb.writeLen(g, 1);
        Rdb.writeString(g, b("g"), false);
        Rdb.writeLen(g, 3);
        Rdb.writeLen(g, 0);
        Rdb.writeLen(g, 3);
        Rdb.writeLen(g, pel.length);
        for (long ms : pel) {
            g.put(key(ms, 0), 0, 16);
            g.putLE(1000, 8);
            Rdb.writeLen(g, 1);
        }
        Rdb.writeLen(g, consumer == null ? 0 : 1);
        if (consumer != null) {
            Rdb.writeString(g, b(consumer), false);
            g.putLE(2000, 8);
            Rdb.writeLen(g, owned.length);
            for (long ms : owned) g.put(key(ms, 0), 0, 16);
        }
        return g.toArray();
    }

    @Test
    void groupsMustBeConsistentWithTheirConsumers() throws RdbFormatException {
        List<byte[][]> nodes = List.<byte[][]>of(new byte[][] {key(1, 0), node(1, 2, 3)});
        long[] ids = {3, 0, 1, 0, 0, 0, 3};
        StreamValue ok = (StreamValue) read(stream(19, nodes, 3, ids, group(new long[] {1, 2}, "c", new long[] {1, 2})), true);
        StreamGroup g = ok.group(b("g"));
        assertTrue(g.pel.get(new StreamID(2, 0)) == g.consumer(b("c")).pel.get(new StreamID(2, 0)));
        assertEquals(1000, g.pel.get(new StreamID(1, 0)).deliveryTime);
        assertEquals(2000, g.consumer(b("c")).seenTime);

        assertEquals("Duplicated global PEL entry loading stream consumer group",
                refused(stream(19, nodes, 3, ids, group(new long[] {1, 1}, "c", new long[] {1})), false).reason());
        assertEquals("Consumer entry not found in group global PEL",
                refused(stream(19, nodes, 3, ids, group(new long[] {1}, "c", new long[] {2})), false).reason());
        RdbFormatException e = refused(stream(19, nodes, 3, ids, group(new long[] {1, 2}, "c", new long[] {1})), true);
        assertEquals("Stream CG PEL entry without consumer", e.reason());
        assertEquals(RdbFormatException.Kind.UNSANITIZED,
                refused(stream(19, nodes, 3, ids, group(new long[] {1, 2}, "c", new long[] {1})), false).kind());
        byte[] twoGroups = group(new long[0], null, null);
        byte[] dup = new byte[twoGroups.length * 2 - 1];
        System.arraycopy(twoGroups, 0, dup, 0, twoGroups.length);
        System.arraycopy(twoGroups, 1, dup, twoGroups.length, twoGroups.length - 1);
        dup[0] = 2;
        assertEquals("Duplicated consumer group name g", refused(stream(19, nodes, 3, ids, dup), false).reason());
    }
}
