package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;

import java.util.ArrayList;
import java.util.List;

/**
 * The replication stream as Redis keeps it: the replication ids ({@code replid}, {@code replid2}),
 * the offset in bytes ({@code master_repl_offset}), the {@link Backlog} (the replication buffer the
 * backlog and the replicas share), and the replicas it is sent to. On a master the stream is made
 * from the write effects, in execution order, with a SELECT whenever the database changes
 * ({@link #feedCommand}); on a replica it is its master's stream, forwarded byte for byte
 * ({@link #feedRaw}), so offsets and ids agree down a chain.
 *
 * <p>Bytes go into the shared buffer at once (Redis's feedReplicationBuffer): a replica that is fed
 * and has no place in it yet gets one at the first of them. They are handed to the sockets in
 * {@link #flush}, once per event-loop batch, so a pipeline of writes costs one socket write per
 * replica. Owned by the command thread.
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
    /** Where a command is encoded before it goes into the buffer. */
    private ByteSink scratch = new ByteSink(16 * 1024);
    private final List<ReplicaPeer> replicas = new ArrayList<>();
    /** Told when the buffer gained a block: Redis checks the replicas' output limits then. */
    private Runnable onNewBlock = () -> { };

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

    void onNewBlock(Runnable r) {
        onNewBlock = r;
    }

    /** Redis's createReplicationBacklog: from now on the stream is kept, starting at the next byte. */
    public void createBacklog() {
        if (backlog == null) backlog = new Backlog(backlogSize, offset + 1);
    }

    /**
     * Redis's freeReplicationBacklog (no replicas for repl-backlog-ttl seconds, or a new history): the
     * buffer goes with it, so a replica still attached would continue from nothing it can use.
     */
    public void freeBacklog() {
        for (ReplicaPeer r : replicas) r.release();
        backlog = null;
    }

    /** Stream bytes handed to replicas' sockets (on the command thread). */
    long bytesSent;
    /** Full syncs' payload bytes handed to replicas' sockets (from the snapshot writer or the event loop). */
    final java.util.concurrent.atomic.LongAdder transferSent = new java.util.concurrent.atomic.LongAdder();

    /** INFO total_net_repl_output_bytes: everything handed to replicas, full syncs and the stream. */
    public long bytesSent() {
        return bytesSent + transferSent.sum();
    }

    /** mem_total_replication_buffers. */
    public long bufferMemory() {
        return backlog == null ? 0 : backlog.memory();
    }

    /**
     * A replica's output buffer: its share of the replication buffer, counted as Redis does (from the
     * block it refers to up to the last one).
     */
    public long outputBytes(ReplicaPeer r) {
        return backlog == null ? 0 : r.outputBytes(backlog.tail());
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
        freeBacklog();
        createBacklog();
        selectedDb = -1;
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
        freeBacklog();
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

    /**
     * A partial resync from {@code fromOffset} (Redis's addReplyReplicationBacklog): the replica refers
     * to the block holding that byte, so what it misses is sent out of the shared buffer, not copied.
     * Returns how many bytes it will be sent.
     */
    long continueFrom(ReplicaPeer r, long fromOffset) {
        r.reference(backlog.locate(fromOffset), fromOffset);
        return offset + 1 - fromOffset;
    }

    /** The database the stream last selected, or -1 (Redis's slaveseldb). */
    public int selectedDb() {
        return selectedDb;
    }

    /** Forces a SELECT before the next command (new replicas need one after their snapshot). */
    public void forceSelect() {
        selectedDb = -1;
    }

    /** Whether the stream is kept: without a backlog (and so without replicas) Redis keeps no offset. */
    public boolean active() {
        return backlog != null;
    }

    /** A master's write effect, as a RESP array, after a SELECT if the database changed ({@code db} >= 0). */
    public void feedCommand(int db, byte[][] argv, int argc) {
        if (!active()) return;
        scratch.len = 0;
        // db < 0: a command of no database (PING, REPLCONF GETACK), as Redis feeds them with slaveseldb.
        if (db >= 0 && db != selectedDb) {
            appendCommand(scratch, new byte[][]{SELECT, Integer.toString(db).getBytes()}, 2);
            selectedDb = db;
        }
        appendCommand(scratch, argv, argc);
        produced(scratch.buf, 0, scratch.len);
        if (scratch.buf.length > 1024 * 1024) scratch = new ByteSink(16 * 1024); // a huge value: don't keep its room
    }

    /** Bytes of our master's stream, forwarded verbatim (a replica's own stream). */
    public void feedRaw(byte[] b, int off, int len) {
        if (!active()) return;
        produced(b, off, len);
    }

    /** Redis's feedReplicationBuffer: into the shared buffer, with a place in it for each replica fed. */
    private void produced(byte[] b, int off, int len) {
        long start = offset + 1;
        offset += len;
        boolean newBlock = backlog.append(b, off, len);
        ReplBufBlock startBlock = null;
        for (int i = 0; i < replicas.size(); i++) {
            ReplicaPeer r = replicas.get(i);
            if (!r.canFeed() || r.referencing()) continue;
            if (startBlock == null) startBlock = backlog.locate(start);
            r.reference(startBlock, start);
        }
        if (newBlock) {
            onNewBlock.run();
            if (backlog != null) backlog.trim(Backlog.TRIM_BLOCKS_PER_CALL);
        }
    }

    /**
     * End of an event-loop batch (Redis's beforeSleep): each replica's socket is handed what it is due,
     * and the backlog is trimmed at ten times the usual pace, to free what replicas let go of.
     */
    public void flush() {
        for (int i = 0; i < replicas.size(); i++) bytesSent += replicas.get(i).send();
        if (backlog != null) backlog.trim(10 * Backlog.TRIM_BLOCKS_PER_CALL);
    }

    public List<ReplicaPeer> replicas() {
        return replicas;
    }

    public void attach(ReplicaPeer r) {
        replicas.add(r);
    }

    public void detach(ReplicaPeer r) {
        replicas.remove(r);
        r.release();
        if (backlog != null) backlog.trim(Backlog.TRIM_BLOCKS_PER_CALL);
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
