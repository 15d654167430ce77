package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import io.lodestone.store.type.Listpack;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamNode;
import io.lodestone.store.type.StreamValue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A stream's RDB form (rdb.c's OBJ_STREAM parts), RDB_TYPE_STREAM_LISTPACKS_2 as Redis 7.0 writes it:
 * <pre>
 * nodes: count, then per node its master ID (16 bytes, big-endian ms and seq) and its listpack, both
 *        as strings
 * length, last ID (ms, seq), first ID, max deleted entry ID, entries added      (all rdbSaveLen)
 * groups: count, then per group its name, last ID, entries read (2^64-1 for -1),
 *         its PEL (count; per entry the raw 16-byte ID, delivery time as 8 bytes LE, delivery count),
 *         its consumers (count; per consumer its name, seen time as 8 bytes LE, its PEL as raw IDs)
 * </pre>
 * RDB_TYPE_STREAM_LISTPACKS (15) lacks first ID, max deleted ID, entries added and entries read, which
 * are then derived as Redis derives them.
 *
 * <p>Nodes are written as they are and read after {@link StreamNode#validate}; since Lodestone walks
 * node bytes when a stream is used, every node is validated deeply whatever sanitize-dump-payload
 * says, and what only the deep check finds is reported as such ({@link RdbValueReader#deepCheck}).
 */
final class RdbStream {
    private RdbStream() {
    }

    static void write(ByteSink out, StreamValue s, boolean compress) {
        Rdb.writeLen(out, s.nodeCount());
        s.forEachNode((master, lp) -> {
            Rdb.writeString(out, encodeId(master), compress);
            Rdb.writeString(out, lp, 0, Listpack.bytes(lp), compress);
        });
        Rdb.writeLen(out, s.length());
        writeId(out, s.lastId());
        writeId(out, s.firstId());
        writeId(out, s.maxDeletedId());
        Rdb.writeLen(out, s.entriesAdded());
        Rdb.writeLen(out, s.groupCount());
        for (StreamGroup g : s.groups()) {
            Rdb.writeString(out, g.name(), compress);
            writeId(out, g.lastId);
            Rdb.writeLen(out, g.entriesRead);
            Rdb.writeLen(out, g.pel.size());
            for (Map.Entry<StreamID, StreamNack> e : g.pel.entrySet()) {
                writeRawId(out, e.getKey());
                out.putLE(e.getValue().deliveryTime, 8);
                Rdb.writeLen(out, e.getValue().deliveryCount);
            }
            Rdb.writeLen(out, g.consumerCount());
            for (StreamConsumer c : g.consumers()) {
                Rdb.writeString(out, c.name(), compress);
                out.putLE(c.seenTime, 8);
                Rdb.writeLen(out, c.pel.size());
                for (StreamID id : c.pel.keySet()) writeRawId(out, id);
            }
        }
    }

    private static void writeId(ByteSink out, StreamID id) {
        Rdb.writeLen(out, id.ms());
        Rdb.writeLen(out, id.seq());
    }

    private static void writeRawId(ByteSink out, StreamID id) {
        out.putBE(id.ms(), 8);
        out.putBE(id.seq(), 8);
    }

    /** streamEncodeID: the ID as a 128-bit big-endian number, so byte order is ID order. */
    private static byte[] encodeId(StreamID id) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (id.ms() >>> (56 - 8 * i));
            b[8 + i] = (byte) (id.seq() >>> (56 - 8 * i));
        }
        return b;
    }

    private static StreamID decodeId(byte[] b) {
        long ms = 0, seq = 0;
        for (int i = 0; i < 8; i++) {
            ms = (ms << 8) | (b[i] & 0xFF);
            seq = (seq << 8) | (b[8 + i] & 0xFF);
        }
        return new StreamID(ms, seq);
    }

    private static StreamID readId(RdbValueReader r) throws RdbFormatException {
        long ms = r.lenU64();
        return new StreamID(ms, r.lenU64());
    }

    /** rdbLoadObject's stream part, with the checks listed on {@link StreamValue#integrityProblem}. */
    static StreamValue read(RdbValueReader r, boolean v2) throws RdbFormatException {
        int at = r.position();
        StreamValue s = new StreamValue();
        int nodes = r.count();
        for (int i = 0; i < nodes; i++) {
            int kat = r.position();
            byte[] key = r.readString();
            if (key.length != 16) throw new RdbFormatException(kat, "Stream node key entry is not the size of a stream ID");
            int lat = r.position();
            byte[] lp = r.readString();
            r.sanitizing();
            String reason = "Stream listpack integrity check failed.";
            if (!StreamNode.validate(lp, lp.length, false)) throw new RdbFormatException(lat, reason);
            if (Listpack.first(lp) < 0) throw new RdbFormatException(lat, "Empty listpack inside stream");
            if (!StreamNode.validate(lp, lp.length, true)) throw r.deepCheck(lat, reason);
            if (!s.loadNode(decodeId(key), lp)) throw new RdbFormatException(kat, "Listpack re-added with existing key");
        }
        long length = r.lenU64();
        StreamID lastId = readId(r);
        if (v2) {
            StreamID firstId = readId(r);
            StreamID maxDeleted = readId(r);
            s.restoreCounters(length, lastId, firstId, maxDeleted, r.lenU64());
        } else {
            // What Redis derives for a stream written before 7.0: every entry counts as added, no
            // tombstones are known.
            s.restoreCounters(length, lastId, s.edgeId(true, true), StreamID.MIN, length);
        }
        if (length != 0 && s.nodeCount() == 0) throw new RdbFormatException(at, "Stream length inconsistent with rax entries");
        String problem = s.integrityProblem();
        if (problem != null) throw r.deepCheck(at, problem);
        int groups = r.count();
        for (int i = 0; i < groups; i++) readGroup(r, s, v2);
        return s;
    }

    private static void readGroup(RdbValueReader r, StreamValue s, boolean v2) throws RdbFormatException {
        int gat = r.position();
        byte[] name = r.readString();
        StreamID lastId = readId(r);
        long entriesRead = v2 ? r.lenU64() : s.estimateDistanceFromFirstEverEntry(lastId);
        StreamGroup g = s.createGroup(name, lastId, entriesRead);
        if (g == null) {
            throw new RdbFormatException(gat, "Duplicated consumer group name " + new String(name, StandardCharsets.ISO_8859_1));
        }
        int pel = r.count();
        for (int i = 0; i < pel; i++) {
            int pat = r.position();
            StreamID id = decodeId(r.raw(16));
            long deliveryTime = r.le(8);
            long deliveryCount = r.lenU64();
            // The owner is set when the consumers' PELs are read.
            if (g.pel.putIfAbsent(id, new StreamNack(null, deliveryTime, deliveryCount)) != null) {
                throw new RdbFormatException(pat, "Duplicated global PEL entry loading stream consumer group");
            }
        }
        int consumers = r.count();
        for (int i = 0; i < consumers; i++) {
            int cat = r.position();
            StreamConsumer c = g.createConsumer(r.readString(), 0);
            if (c == null) throw new RdbFormatException(cat, "Duplicate stream consumer detected.");
            c.seenTime = r.le(8);
            int owned = r.count();
            for (int j = 0; j < owned; j++) {
                int pat = r.position();
                StreamID id = decodeId(r.raw(16));
                StreamNack nack = g.pel.get(id);
                if (nack == null) throw new RdbFormatException(pat, "Consumer entry not found in group global PEL");
                // Redis lets a second consumer take over a NACK another one still lists, and frees it
                // twice later; refused here.
                if (nack.consumer != null && nack.consumer != c) {
                    throw r.deepCheck(pat, "Stream PEL entry owned by two consumers");
                }
                nack.consumer = c;
                if (c.pel.putIfAbsent(id, nack) != null) {
                    throw new RdbFormatException(pat, "Duplicated consumer PEL entry  loading a stream consumer group");
                }
            }
        }
        for (StreamNack nack : g.pel.values()) {
            if (nack.consumer == null) throw r.deepCheck(gat, "Stream CG PEL entry without consumer");
        }
    }
}
