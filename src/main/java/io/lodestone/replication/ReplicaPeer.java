package io.lodestone.replication;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;

/**
 * One replica attached to this server (Redis's client with the SLAVE flag): its state in the sync,
 * what it said of itself (REPLCONF listening-port, ip-address, capa), its acknowledged offset, and its
 * place in the shared replication buffer ({@link Backlog}).
 *
 * <p>The replica's output is not a queue of its own: it refers to the block holding the next stream
 * byte its socket has not taken (Redis's {@code ref_repl_buf_node}/{@code ref_block_pos}), from the
 * first byte after its snapshot instant (or its PSYNC offset) on. While its snapshot is produced and
 * sent that reference only keeps the blocks; once online, {@link #send} hands the socket what follows
 * it, as much as the socket takes, and moves on. What it still refers to is its output buffer for
 * {@code client-output-buffer-limit replica}. Owned by the command thread, except {@link #channel}
 * writes of a snapshot, which Netty accepts from any thread.
 */
public final class ReplicaPeer {
    /** Redis's replication states of a replica, with the names INFO prints. */
    public enum State {
        /** Waits for a snapshot to start (another one is running). */
        WAIT_BGSAVE_START("wait_bgsave"),
        /** Its snapshot is being produced (disk) or streamed (diskless). */
        WAIT_BGSAVE_END("wait_bgsave"),
        /** A disk snapshot is being sent. */
        SEND_BULK("send_bulk"),
        ONLINE("online");

        public final String infoName;

        State(String infoName) {
            this.infoName = infoName;
        }
    }

    /**
     * What the socket is handed ahead of the kernel (Netty's outbound buffer): little, so that what a
     * slow replica has not taken stays in the shared blocks rather than in a copy per replica.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);
    /** The largest view of a block handed to the socket in one write. */
    private static final int MAX_WRITE = 64 * 1024;

    public final long clientId;
    public final Channel channel;
    /** Peer address as seen on the socket. */
    public final String addressIp;
    public int listeningPort;
    /** REPLCONF ip-address (replica-announce-ip), or null. */
    public String announcedIp;
    public boolean capaEof;
    public boolean capaPsync2;
    /** It asked for a snapshot without keys (REPLCONF rdb-filter-only): it gets one at once. */
    public boolean excludeData;
    /** ... and without function libraries too (redis-cli --rdb with an empty filter). */
    public boolean excludeFunctions;
    public State state = State.WAIT_BGSAVE_START;
    /** Offset the replica acknowledged last (REPLCONF ACK), and when (ms). */
    public long ackOffset;
    public long ackTimeMs = System.currentTimeMillis();
    /** Stream offset its snapshot was taken at (the +FULLRESYNC offset). */
    public long syncOffset;
    /** Whether it asked with SYNC (old protocol: no +FULLRESYNC line, no CONTINUE). */
    public boolean oldSync;
    /** Online after a diskless sync, but the stream waits for its first ACK (it is still loading). */
    public boolean streamOnAck;
    /** Since when its output has been over the soft limit (0: it is not). */
    long softLimitSinceMs;
    /** The block holding the next byte its socket has not taken, and where in it; null until fed. */
    private ReplBufBlock refBlock;
    private int refPos;
    private volatile boolean closed;

    public ReplicaPeer(long clientId, Channel channel, String addressIp) {
        this.clientId = clientId;
        this.channel = channel;
        this.addressIp = addressIp;
        channel.config().setWriteBufferWaterMark(WATER_MARK);
    }

    /** The address INFO and ROLE show: the announced one, else the socket's. */
    public String ip() {
        return announcedIp != null ? announcedIp : addressIp;
    }

    /** Whether the stream is kept for it (Redis's canFeedReplicaReplBuffer): not before its snapshot starts. */
    boolean canFeed() {
        return state != State.WAIT_BGSAVE_START && !closed;
    }

    /** Whether what it refers to goes out now: online, and not waiting for the ACK that ends its load. */
    boolean streaming() {
        return state == State.ONLINE && !streamOnAck && !closed;
    }

    boolean referencing() {
        return refBlock != null;
    }

    /** From now on it needs the stream from {@code offset} on, which {@code block} holds. */
    void reference(ReplBufBlock block, long offset) {
        release();
        if (block == null) return; // nothing held yet: it is attached at the next byte fed
        refBlock = block;
        refPos = (int) (offset - block.replOffset);
        block.refcount++;
    }

    /** Lets go of the buffer (the link is gone, or the history changed). */
    void release() {
        if (refBlock != null) refBlock.refcount--;
        refBlock = null;
        refPos = 0;
    }

    /**
     * Hands the socket what follows its reference, as long as the socket takes more, moving the
     * reference (and its hold on the blocks) along (Redis's writeToReplica). Returns the bytes handed.
     */
    long send() {
        if (refBlock == null || !streaming()) return 0;
        long sent = 0;
        boolean unflushed = false;
        while (true) {
            if (!channel.isWritable()) {
                // Full: what was handed goes to the kernel; if it took it all, go on, else wait for
                // the socket (the channel's writability event calls this again).
                if (!unflushed) break;
                channel.flush();
                unflushed = false;
                continue;
            }
            if (refPos == refBlock.used) {
                ReplBufBlock next = refBlock.next;
                if (next == null) break;
                refBlock.refcount--;
                next.refcount++;
                refBlock = next;
                refPos = 0;
                continue;
            }
            int n = Math.min(refBlock.used - refPos, MAX_WRITE);
            channel.write(Unpooled.wrappedBuffer(refBlock.buf, refPos, n), channel.voidPromise());
            refPos += n;
            sent += n;
            unflushed = true;
        }
        if (unflushed) channel.flush();
        return sent;
    }

    /**
     * Its output buffer as Redis counts it (getClientOutputBufferMemoryUsage for a replica): the blocks
     * from the one it refers to up to the last, each with its overhead.
     */
    long outputBytes(ReplBufBlock last) {
        if (refBlock == null || last == null) return 0;
        return last.replOffset + last.buf.length - refBlock.replOffset
                + (last.id - refBlock.id + 1) * ReplBufBlock.OVERHEAD;
    }

    /** The snapshot is delivered: the stream that followed its snapshot instant goes out. */
    public void goOnline() {
        state = State.ONLINE;
        ackTimeMs = System.currentTimeMillis(); // the timeout counts from here, not from the sync request
        send();
    }

    /** Drops the link (the replica reconnects and resyncs). */
    public void close() {
        if (closed) return;
        closed = true;
        channel.close();
    }

    public boolean isClosed() {
        return closed;
    }
}
