package io.lodestone.store.type;

import io.lodestone.store.ObjectSize;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A stream (Redis's OBJ_STREAM, t_stream.c): entries in nodes, each node a listpack in Redis's own
 * stream layout ({@link StreamNode}), ordered by master ID as Redis's rax orders them; the stream's
 * counters (length, last ID, first ID, the largest deleted ID, entries ever added); and its consumer
 * groups.
 *
 * <p>Nodes are bounded by stream-node-max-bytes and stream-node-max-entries, which the caller passes
 * to {@link #append}, decided as streamAppendItem decides them; a new node's array is preallocated
 * (at most 4096 bytes, Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE) and shrunk when the next node opens,
 * so memory per entry follows Redis's. XDEL and trims flag entries deleted, as Redis does; a node is
 * freed when its last live entry goes. Because the bytes are Redis's, RDB and DUMP write a node as
 * it is, and read one after {@link StreamNode#validate}.
 *
 * <p>Not thread-safe: owned by the thread that executes commands.
 */
public final class StreamValue {
    /** Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE. */
    private static final int MAX_PRE_ALLOCATE = 4096;
    /** Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past it, whatever the configuration says. */
    public static final long LISTPACK_MAX_SIZE = 1L << 30;

    /** One entry; fieldsValues (f1,v1,f2,v2,...; n of them) is valid only during the call. */
    public interface EntryVisitor {
        /** @return false to stop the walk */
        boolean visit(StreamID id, byte[][] fieldsValues, int n);
    }

    private final TreeMap<StreamID, byte[]> nodes = new TreeMap<>();
    private long length;
    private StreamID lastId = StreamID.MIN;
    private StreamID firstId = StreamID.MIN;
    private StreamID maxDeletedId = StreamID.MIN;
    private long entriesAdded;
    /** Groups by name in Redis's rax order; null until the first one, as Redis's cgroups. */
    private TreeMap<byte[], StreamGroup> groups;

    public StreamValue() {
    }

    public long length() {
        return length;
    }

    public StreamID lastId() {
        return lastId;
    }

    public void lastId(StreamID id) {
        lastId = id;
    }

    /** The first live entry's ID; 0-0 when empty (Redis's first_id). */
    public StreamID firstId() {
        return firstId;
    }

    public StreamID maxDeletedId() {
        return maxDeletedId;
    }

    public void maxDeletedId(StreamID id) {
        maxDeletedId = id;
    }

    public long entriesAdded() {
        return entriesAdded;
    }

    public void entriesAdded(long n) {
        entriesAdded = n;
    }

    /** Nodes of the stream (XINFO's radix-tree-keys). */
    public int nodeCount() {
        return nodes.size();
    }

    // ---- Adding ----------------------------------------------------------------------------------

    /**
     * streamAppendItem's size check: false when the fields and values of {@code argv[from..to)} add
     * up to more than a node may hold (Redis replies ERANGE-based "-ERR Elements are too large to be
     * stored" and adds nothing).
     */
    public static boolean fitsInNode(byte[][] argv, int from, int to) {
        long total = 0;
        for (int i = from; i < to; i++) total += argv[i].length;
        return total <= LISTPACK_MAX_SIZE;
    }

    /**
     * Appends an entry; the caller has checked id > lastId() (and {@link #fitsInNode}).
     * argv[from..to) are field,value,field,value... Updates length, lastId, entriesAdded, firstId.
     * nodeMaxBytes/nodeMaxEntries are stream-node-max-bytes / stream-node-max-entries (0 = no
     * limit), used exactly as Redis's streamAppendItem decides to open a new node.
     */
    public void append(StreamID id, byte[][] argv, int from, int to, long nodeMaxBytes, long nodeMaxEntries) {
        int numFields = (to - from) / 2;
        Map.Entry<StreamID, byte[]> tail = nodes.lastEntry();
        byte[] lp = tail == null ? null : tail.getValue();
        if (lp != null) {
            long totelelen = 0;
            for (int i = from; i < to; i++) totelelen += argv[i].length;
            long maxBytes = nodeMaxBytes == 0 || nodeMaxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : nodeMaxBytes;
            boolean newNode = Listpack.bytes(lp) + totelelen >= maxBytes;
            // Deleted entries still take room in the node, so they count.
            if (!newNode && nodeMaxEntries != 0) {
                newNode = StreamNode.count(lp) + StreamNode.deleted(lp) >= nodeMaxEntries;
            }
            if (newNode) {
                nodes.put(tail.getKey(), Listpack.shrinkToFit(lp));
                lp = null;
            }
        }
        StreamID master;
        int flags = StreamNode.FLAG_NONE;
        if (lp == null) {
            master = id;
            int prealloc = MAX_PRE_ALLOCATE;
            if (nodeMaxBytes > 0 && nodeMaxBytes < prealloc) prealloc = (int) nodeMaxBytes;
            lp = Listpack.newListpack(prealloc);
            lp = Listpack.appendInteger(lp, 1);
            lp = Listpack.appendInteger(lp, 0);
            lp = Listpack.appendInteger(lp, numFields);
            for (int i = 0; i < numFields; i++) lp = Listpack.append(lp, argv[from + 2 * i]);
            lp = Listpack.appendInteger(lp, 0);
            flags |= StreamNode.FLAG_SAMEFIELDS;
        } else {
            master = tail.getKey();
            int p = Listpack.HEADER;
            lp = Listpack.replaceInteger(lp, p, Listpack.getInteger(lp, p) + 1);
            p = Listpack.next(lp, Listpack.next(lp, p));
            long masterFields = Listpack.getInteger(lp, p);
            if (masterFields == numFields) {
                int i = 0;
                for (p = Listpack.next(lp, p); i < numFields; i++, p = Listpack.next(lp, p)) {
                    if (!Listpack.equals(lp, p, argv[from + 2 * i])) break;
                }
                if (i == numFields) flags |= StreamNode.FLAG_SAMEFIELDS;
            }
        }
        boolean same = (flags & StreamNode.FLAG_SAMEFIELDS) != 0;
        lp = Listpack.appendInteger(lp, flags);
        lp = Listpack.appendInteger(lp, id.ms() - master.ms());
        lp = Listpack.appendInteger(lp, id.seq() - master.seq());
        if (!same) lp = Listpack.appendInteger(lp, numFields);
        for (int i = 0; i < numFields; i++) {
            if (!same) lp = Listpack.append(lp, argv[from + 2 * i]);
            lp = Listpack.append(lp, argv[from + 2 * i + 1]);
        }
        lp = Listpack.appendInteger(lp, numFields + 3 + (same ? 0 : numFields + 1));
        if (tail == null || lp != tail.getValue()) nodes.put(master, lp);
        length++;
        entriesAdded++;
        lastId = id;
        if (length == 1) firstId = id;
    }

    // ---- Deleting --------------------------------------------------------------------------------

    /**
     * XDEL of one id (streamDeleteItem and what xdelCommand does after it): true if a live entry had
     * that id. It is flagged deleted, or its node freed when it was the node's last live entry;
     * length, maxDeletedId and firstId follow.
     */
    public boolean delete(StreamID id) {
        // The node whose master is at or below the ID, else the first, as streamIteratorStart seeks.
        Map.Entry<StreamID, byte[]> node = nodes.floorEntry(id);
        if (node == null) node = nodes.firstEntry();
        if (node == null) return false;
        StreamNode.Cursor c = new StreamNode.Cursor();
        c.reset(node.getValue(), node.getKey());
        boolean found = false;
        for (boolean ok = c.first(); ok; ok = c.next()) {
            // Tombstones do not end the search, as in Redis's iterator: one may lie above later live
            // entries (XSETID below it, then XADD).
            if (c.deleted()) continue;
            int cmp = c.compareId(id);
            if (cmp > 0) break;
            if (cmp == 0) {
                found = true;
                break;
            }
        }
        if (!found) return false;
        byte[] lp = node.getValue();
        long count = StreamNode.count(lp);
        if (count == 1) {
            nodes.remove(node.getKey());
        } else {
            lp = Listpack.replaceInteger(lp, c.pos, c.flags | StreamNode.FLAG_DELETED);
            lp = StreamNode.setCounts(lp, count - 1, StreamNode.deleted(lp) + 1);
            nodes.put(node.getKey(), lp);
        }
        length--;
        if (id.compareTo(maxDeletedId) > 0) maxDeletedId = id;
        if (length == 0) firstId = StreamID.MIN;
        else if (id.equals(firstId)) firstId = edgeId(true, true);
        return true;
    }

    /**
     * streamGetEdgeID: the first (or last) entry's ID, deleted entries included unless
     * {@code skipTombstones}; when there is none, MAX-MAX for the first and 0-0 for the last, as
     * Redis answers.
     */
    public StreamID edgeId(boolean first, boolean skipTombstones) {
        StreamNode.Cursor c = new StreamNode.Cursor();
        for (Map.Entry<StreamID, byte[]> node : (first ? nodes : nodes.descendingMap()).entrySet()) {
            c.reset(node.getValue(), node.getKey());
            for (boolean ok = first ? c.first() : c.last(); ok; ok = first ? c.next() : c.previous()) {
                if (!skipTombstones || !c.deleted()) return c.id();
            }
        }
        return first ? StreamID.MAX : StreamID.MIN;
    }

    /** streamLastValidID: the last live entry's ID, or null when the stream is empty. */
    public StreamID lastEntryId() {
        return length == 0 ? null : edgeId(false, true);
    }

    /** MAXLEN trimming: see {@link #trim}. */
    public long trimByLength(long maxLen, boolean approx, long limit) {
        return trim(maxLen, null, approx, limit);
    }

    /** MINID trimming: see {@link #trim}. */
    public long trimByMinId(StreamID minId, boolean approx, long limit) {
        return trim(0, minId, approx, limit);
    }

    /**
     * Redis's streamTrim: removes entries from the head while the stream is longer than maxLen (or
     * while they are below minId, when it is given). Whole nodes go first; with approx nothing else
     * does, otherwise the entries of the first node left are flagged deleted one by one. limit (0 =
     * none) stops before a node whose entries would take the count past it. firstId follows;
     * maxDeletedId does not (trimmed entries are not tombstones past the first entry).
     *
     * @return entries removed
     */
    private long trim(long maxLen, StreamID minId, boolean approx, long limit) {
        boolean byLength = minId == null;
        long deleted = 0;
        StreamNode.Cursor c = new StreamNode.Cursor();
        while (!nodes.isEmpty()) {
            if (byLength && Long.compareUnsigned(length, maxLen) <= 0) break;
            Map.Entry<StreamID, byte[]> node = nodes.firstEntry();
            byte[] lp = node.getValue();
            long entries = StreamNode.count(lp);
            if (limit != 0 && deleted + entries > limit) break;
            c.reset(lp, node.getKey());
            boolean removeNode;
            if (byLength) {
                removeNode = Long.compareUnsigned(length - entries, maxLen) >= 0;
            } else {
                // The node's last entry, tombstone or not, decides (lpGetEdgeStreamID); a node without
                // entries (only a loaded one can be) counts as ending at 0-0.
                removeNode = c.last() ? c.compareId(minId) < 0 : !minId.isZero();
            }
            if (removeNode) {
                nodes.remove(node.getKey());
                length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) break;
            long fromNode = 0;
            for (boolean ok = c.first(); ok; ok = c.next()) {
                boolean stop = byLength ? Long.compareUnsigned(length, maxLen) <= 0 : c.compareId(minId) >= 0;
                if (stop) break;
                if (!c.deleted()) {
                    // Flags 0..3 always take one byte, so the cursor's positions stay right.
                    lp = Listpack.replaceInteger(lp, c.pos, c.flags | StreamNode.FLAG_DELETED);
                    c.lp = lp;
                    fromNode++;
                    length--;
                }
            }
            deleted += fromNode;
            lp = StreamNode.setCounts(lp, entries - fromNode, StreamNode.deleted(lp) + fromNode);
            nodes.put(node.getKey(), lp);
            break;
        }
        if (length == 0) firstId = StreamID.MIN;
        else if (deleted != 0) firstId = edgeId(true, true);
        return deleted;
    }

    // ---- Reading ---------------------------------------------------------------------------------

    /**
     * Entries with start <= id <= end, ascending (descending when reverse), at most count (count
     * <= 0: all), deleted entries skipped (Redis's streamIterator).
     *
     * @return how many were visited
     */
    public long range(StreamID start, StreamID end, boolean reverse, long count, EntryVisitor v) {
        if (nodes.isEmpty() || start.compareTo(end) > 0) return 0;
        StreamNode.Cursor c = new StreamNode.Cursor();
        byte[][] fv = new byte[16][];
        long visited = 0;
        // The walk starts in the node that holds the first ID wanted: the last master at or below it,
        // else the first node (or the last, backwards), as streamIteratorStart seeks.
        StreamID from = nodes.floorKey(reverse ? end : start);
        NavigableMap<StreamID, byte[]> walk = reverse
                ? (from == null ? nodes.descendingMap() : nodes.headMap(from, true).descendingMap())
                : (from == null ? nodes : nodes.tailMap(from, true));
        for (Map.Entry<StreamID, byte[]> node : walk.entrySet()) {
            c.reset(node.getValue(), node.getKey());
            for (boolean ok = reverse ? c.last() : c.first(); ok; ok = reverse ? c.previous() : c.next()) {
                if (c.deleted()) continue;
                if (!reverse) {
                    if (c.compareId(start) < 0) continue;
                    if (c.compareId(end) > 0) return visited;
                } else {
                    if (c.compareId(end) > 0) continue;
                    if (c.compareId(start) < 0) return visited;
                }
                int n = 2 * c.numFields;
                if (fv.length < n) fv = new byte[n][];
                c.fieldsValues(fv);
                visited++;
                if (!v.visit(c.id(), fv, n)) return visited;
                if (count > 0 && visited >= count) return visited;
            }
        }
        return visited;
    }

    /** True if a live entry has exactly this id (streamEntryExists). */
    public boolean contains(StreamID id) {
        return range(id, id, false, 1, (i, fv, n) -> false) == 1;
    }

    // ---- Logical read counters (Redis 7.0) -------------------------------------------------------

    /**
     * streamRangeHasTombstones: whether an entry deleted by XDEL may lie between start and end (end
     * null: open-ended). Only the largest deleted ID is known, so this says whether it is in range
     * and not before the first entry.
     */
    public boolean rangeHasTombstones(StreamID start, StreamID end) {
        if (length == 0 || maxDeletedId.isZero()) return false;
        if (firstId.compareTo(maxDeletedId) > 0) return false;
        StreamID s = start == null ? StreamID.MIN : start;
        StreamID e = end == null ? StreamID.MAX : end;
        return s.compareTo(maxDeletedId) <= 0 && maxDeletedId.compareTo(e) <= 0;
    }

    /**
     * streamEstimateDistanceFromFirstEverEntry: the ID's logical read counter (how many entries were
     * added up to it), or {@link StreamGroup#INVALID_ENTRIES_READ} when it cannot be known: an ID
     * between the first and last entries, a future one, or fragmentation by XDEL ahead of it.
     */
    public long estimateDistanceFromFirstEverEntry(StreamID id) {
        if (entriesAdded == 0) return 0;
        if (length == 0 && id.compareTo(lastId) < 1) return entriesAdded;
        int cmpLast = id.compareTo(lastId);
        if (cmpLast == 0) return entriesAdded;
        if (cmpLast > 0) return StreamGroup.INVALID_ENTRIES_READ;
        int cmpFirst = id.compareTo(firstId);
        if (maxDeletedId.isZero() || maxDeletedId.compareTo(firstId) < 0) {
            if (cmpFirst < 0) return entriesAdded - length;
            if (cmpFirst == 0) return entriesAdded - length + 1;
        }
        return StreamGroup.INVALID_ENTRIES_READ;
    }

    // ---- Consumer groups -------------------------------------------------------------------------

    /** streamLookupCG: null if absent. */
    public StreamGroup group(byte[] name) {
        return groups == null ? null : groups.get(name);
    }

    /** streamCreateCG: null if a group of that name exists. The name is kept, not copied. */
    public StreamGroup createGroup(byte[] name, StreamID lastId, long entriesRead) {
        if (groups == null) groups = new TreeMap<>(Arrays::compareUnsigned);
        if (groups.containsKey(name)) return null;
        StreamGroup g = new StreamGroup(name, lastId, entriesRead);
        groups.put(name, g);
        return g;
    }

    public boolean destroyGroup(byte[] name) {
        return groups != null && groups.remove(name) != null;
    }

    /** The groups, unsigned byte-lexicographically by name (Redis's rax order). */
    public Collection<StreamGroup> groups() {
        return groups == null ? Collections.emptyList() : groups.values();
    }

    public int groupCount() {
        return groups == null ? 0 : groups.size();
    }

    // ---- Nodes as they are (persistence) ---------------------------------------------------------

    /** Receives one node: its master ID and its listpack (the first {@code Listpack.bytes} bytes). */
    public interface NodeVisitor {
        void visit(StreamID master, byte[] lp);
    }

    /** Every node in order, for writers that store them as they are. */
    public void forEachNode(NodeVisitor v) {
        for (Map.Entry<StreamID, byte[]> e : nodes.entrySet()) v.visit(e.getKey(), e.getValue());
    }

    /**
     * Adds a node read from a file or a payload, validated by the caller ({@link StreamNode#validate}).
     * Nodes may come in any order, as a rax takes them. The stream's counters are the caller's to set
     * ({@link #restoreCounters}), then {@link #integrityProblem} checks the whole.
     *
     * @return false if a node with that master ID is there already (Redis's "Listpack re-added with
     *         existing key")
     */
    public boolean loadNode(StreamID master, byte[] lp) {
        return nodes.putIfAbsent(master, lp) == null;
    }

    /** Sets the counters an RDB stream carries after its nodes. */
    public void restoreCounters(long length, StreamID lastId, StreamID firstId, StreamID maxDeletedId, long entriesAdded) {
        this.length = length;
        this.lastId = lastId;
        this.firstId = firstId;
        this.maxDeletedId = maxDeletedId;
        this.entriesAdded = entriesAdded;
    }

    /**
     * What a stream read from outside must satisfy for the walks here to be right, beyond each node's
     * layout: live entries in strictly ascending order across the stream, the last ID at or above the
     * last of them (or appends would break that order), each node's live and deleted counters
     * matching its entries' flags, and the stream's length the number of live entries. Redis
     * maintains all of it and checks none of it on load. Deleted entries may be out of order, and an
     * entry may even sit below its node's master ID: XSETID can move the last ID below tombstones
     * (MAXDELETEDID lowers the bound it checks), and the next XADD appends there.
     *
     * @return what is wrong, or null
     */
    public String integrityProblem() {
        StreamNode.Cursor c = new StreamNode.Cursor();
        StreamID previous = null;
        long live = 0;
        for (Map.Entry<StreamID, byte[]> node : nodes.entrySet()) {
            c.reset(node.getValue(), node.getKey());
            long count = 0, deleted = 0;
            for (boolean ok = c.first(); ok; ok = c.next()) {
                if (c.deleted()) {
                    deleted++;
                    continue;
                }
                if (previous != null && c.compareId(previous) <= 0) return "Stream entries out of order";
                previous = c.id();
                count++;
            }
            if (count != StreamNode.count(node.getValue()) || deleted != StreamNode.deleted(node.getValue())) {
                return "Stream node entry counters inconsistent with its entries";
            }
            live += count;
        }
        if (live != length) return "Stream length inconsistent with its entries";
        if (previous != null && previous.compareTo(lastId) > 0) return "Stream last ID below its last entry";
        return null;
    }

    // ---- Memory and copies -----------------------------------------------------------------------

    /** A node: a TreeMap entry (key, value, three links, color) and its StreamID key. */
    private static final long NODE_OVERHEAD = ObjectSize.object(5, 1) + ObjectSize.object(0, 16);
    private static final long NACK = ObjectSize.object(1, 16);
    private static final long PEL_ENTRY = ObjectSize.object(5, 1) + ObjectSize.object(0, 16);

    /**
     * MEMORY USAGE as Redis's objectComputeSize estimates a stream: the node index, the allocated
     * size of the first {@code samples} nodes averaged over all but the last, plus the last node's
     * (the one still growing); then every group, its PEL and its consumers.
     */
    public long memoryUsage(long samples) {
        long size = ObjectSize.object(5, 32) + ObjectSize.object(3, 8) + nodes.size() * NODE_OVERHEAD;
        long sampled = 0, lpSize = 0;
        for (byte[] lp : nodes.values()) {
            if (sampled >= samples) break;
            lpSize += ObjectSize.bytes(lp.length);
            sampled++;
        }
        if (nodes.size() <= sampled) {
            size += lpSize;
        } else {
            if (sampled != 0) lpSize /= sampled;
            size += lpSize * (nodes.size() - 1) + ObjectSize.bytes(nodes.lastEntry().getValue().length);
        }
        if (groups != null) {
            for (StreamGroup g : groups.values()) {
                size += ObjectSize.object(4, 8) + ObjectSize.bytes(g.name().length) + PEL_ENTRY;
                size += g.pel.size() * (PEL_ENTRY + NACK);
                for (StreamConsumer c : g.consumers()) {
                    size += ObjectSize.object(2, 8) + ObjectSize.bytes(c.name().length) + PEL_ENTRY;
                    size += c.pel.size() * PEL_ENTRY;
                }
            }
        }
        return size;
    }

    /** A deep copy (COPY): nodes shrunk to their size, groups with their consumers and PELs. */
    public StreamValue copy() {
        StreamValue s = new StreamValue();
        for (Map.Entry<StreamID, byte[]> e : nodes.entrySet()) {
            s.nodes.put(e.getKey(), Arrays.copyOf(e.getValue(), Listpack.bytes(e.getValue())));
        }
        s.length = length;
        s.lastId = lastId;
        s.firstId = firstId;
        s.maxDeletedId = maxDeletedId;
        s.entriesAdded = entriesAdded;
        if (groups != null) {
            s.groups = new TreeMap<>(Arrays::compareUnsigned);
            for (StreamGroup g : groups.values()) s.groups.put(g.name(), g.copy());
        }
        return s;
    }
}
