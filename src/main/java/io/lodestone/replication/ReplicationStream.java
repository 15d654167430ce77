package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;

import java.util.ArrayList;
import java.util.List;

/**
 * The replication stream as Redis keeps it: the replication ids ({@code replid}, {@code replid2}),
 * the offset in bytes ({@code master_repl_offset}), the {@link Backlog}, and the replicas it is sent
 * to. On a master the stream is made from the write effects, in execution order, with a SELECT
 * whenever the database changes ({@link #feedCommand}); on a replica it is its master's stream,
 * forwarded byte for byte ({@link #feedRaw}), so offsets and ids agree down a chain.
 *
 * <p>Bytes are appended to the backlog at once and handed to the replicas in {@link #flush}, once per
 * event-loop batch, so a pipeline of writes costs one socket write per replica. Owned by the command
 * thread.
 */
public final class ReplicationStream {
    public static final String NO_REPLID = "0000000000000000000000000000000000000000";

    private String replid = newReplid();
    private String replid2 = NO_REPLID;
    private long offset;
    private long secondOffset = -1;
    private Backlog backlog;
    private int backlogSize = 1024 * 1024;
    /** The database the stream last selected; -1 forces a SELECT before the next command (Redis's slaveseldb). */
    private int selectedDb = -1;
    /** Bytes produced since the last {@link #flush}. */
    private final ByteSink pending = new ByteSink(16 * 1024);
    private final List<ReplicaPeer> replicas = new ArrayList<>();

    public static String newReplid() {
        return io.lodestone.util.Ids.randomHex(40);
    }

    public String replid() {
        return replid;
    }

    public String replid2() {
        return replid2;
    }

    /** master_repl_offset: bytes of stream produced (or, on a replica, received and applied). */
    public long offset() {
        return offset;
    }

    /** second_repl_offset: up to where {@link #replid2}'s history is valid, or -1. */
    public long secondOffset() {
        return secondOffset;
    }

    public Backlog backlog() {
        return backlog;
    }

    public int backlogSize() {
        return backlogSize;
    }

    public void backlogSize(int size) {
        backlogSize = size;
        if (backlog != null) backlog.resize(size);
    }

    /** Redis's createReplicationBacklog: from now on the stream is kept, starting at the next byte. */
    public void createBacklog() {
        if (backlog == null) backlog = new Backlog(backlogSize, offset + 1);
    }

    /** Redis's freeReplicationBacklog (no replicas for repl-backlog-ttl seconds). */
    public void freeBacklog() {
        backlog = null;
    }

    /** Redis's changeReplicationId: a new history starts here. */
    public void changeReplicationId() {
        replid = newReplid();
    }

    /** Redis's clearReplicationId2. */
    public void clearReplicationId2() {
        replid2 = NO_REPLID;
        secondOffset = -1;
    }

    /**
     * Redis's shiftReplicationId (REPLICAOF NO ONE, or a master that changed its id): the current
     * history stays valid under {@code replid2} up to this offset, and a new id starts.
     */
    public void shiftReplicationId(String newId) {
        replid2 = replid;
        secondOffset = offset + 1;
        replid = newId;
    }

    /**
     * A replica adopting its master's history after a full sync: ids and offset as the master said,
     * and a backlog that starts at the next byte (the history before it is in the loaded data).
     */
    public void adoptMasterHistory(String masterReplid, long masterOffset) {
        replid = masterReplid;
        clearReplicationId2();
        offset = masterOffset;
        backlog = null;
        createBacklog();
        selectedDb = -1;
        pending.len = 0;
    }

    /**
     * A master restarted from an RDB that recorded its history (Redis 7.0's loadDataFromDisk): the new
     * id continues the old one, which stays valid as replid2 up to that offset; the offset goes on from
     * it, and a backlog starts at the next byte, so the replicas continue with a partial resync.
     */
    public void restoreMasterHistory(String oldReplid, long oldOffset) {
        replid2 = oldReplid;
        secondOffset = oldOffset + 1;
        offset += oldOffset;
        backlog = null;
        createBacklog();
    }

    /**
     * Whether a replica asking {@code PSYNC replid offset} can continue from the backlog (Redis's
     * masterTryPartialResynchronization test).
     */
    public boolean canContinue(String askedReplid, long askedOffset) {
        if (backlog == null) return false;
        boolean ours = askedReplid.equals(replid);
        boolean inherited = askedReplid.equals(replid2) && askedOffset <= secondOffset;
        if (!ours && !inherited) return false;
        return askedOffset >= backlog.firstByteOffset() && askedOffset <= offset + 1;
    }

    /** The stream bytes from {@code fromOffset} (inclusive) to now, out of the backlog. */
    public byte[] backlogFrom(long fromOffset) {
        return backlog.copyFrom(fromOffset);
    }

    /** The database the stream last selected, or -1 (Redis's slaveseldb). */
    public int selectedDb() {
        return selectedDb;
    }

    /** Forces a SELECT before the next command (new replicas need one after their snapshot). */
    public void forceSelect() {
        selectedDb = -1;
    }

    /** Whether anything consumes the stream: with neither backlog nor replicas, Redis keeps no offset. */
    public boolean active() {
        return backlog != null || !replicas.isEmpty();
    }

    /** A master's write effect, as a RESP array, after a SELECT if the database changed ({@code db} >= 0). */
    public void feedCommand(int db, byte[][] argv, int argc) {
        if (!active()) return;
        int start = pending.len;
        // db < 0: a command of no database (PING, REPLCONF GETACK), as Redis feeds them with slaveseldb.
        if (db >= 0 && db != selectedDb) {
            appendCommand(pending, new byte[][]{SELECT, Integer.toString(db).getBytes()}, 2);
            selectedDb = db;
        }
        appendCommand(pending, argv, argc);
        produced(start);
    }

    /** Bytes of our master's stream, forwarded verbatim (a replica's own stream). */
    public void feedRaw(byte[] b, int off, int len) {
        if (!active()) return;
        int start = pending.len;
        pending.put(b, off, len);
        produced(start);
    }

    private void produced(int start) {
        int n = pending.len - start;
        offset += n;
        if (backlog != null) backlog.append(pending.buf, start, n);
    }

    /** Hands the bytes produced since the last flush to every replica (once per event-loop batch). */
    public void flush() {
        if (pending.len == 0) return;
        byte[] bytes = pending.toArray();
        pending.len = 0;
        for (int i = 0; i < replicas.size(); i++) replicas.get(i).stream(bytes);
    }

    /** Bytes produced but not yet flushed (a new replica's snapshot starts after them). */
    public int pendingBytes() {
        return pending.len;
    }

    public List<ReplicaPeer> replicas() {
        return replicas;
    }

    public void attach(ReplicaPeer r) {
        replicas.add(r);
    }

    public void detach(ReplicaPeer r) {
        replicas.remove(r);
    }

    private static final byte[] SELECT = {'S', 'E', 'L', 'E', 'C', 'T'};

    /** Appends {@code argv} as a RESP array of bulk strings. */
    public static void appendCommand(ByteSink out, byte[][] argv, int argc) {
        out.put('*');
        out.putDecimal(argc);
        out.put('\r');
        out.put('\n');
        for (int i = 0; i < argc; i++) {
            byte[] a = argv[i];
            out.put('$');
            out.putDecimal(a.length);
            out.put('\r');
            out.put('\n');
            out.put(a, 0, a.length);
            out.put('\r');
            out.put('\n');
        }
    }
}
