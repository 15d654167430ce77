package io.lodestone.replication;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.util.ArrayDeque;

/**
 * One replica attached to this server (Redis's client with the SLAVE flag): its state in the sync,
 * what it said of itself (REPLCONF listening-port, ip-address, capa) and its acknowledged offset.
 *
 * <p>While its snapshot is produced and sent, the stream that follows the snapshot is held here and
 * delivered when the snapshot is complete; the held bytes count towards
 * {@code client-output-buffer-limit replica}. Owned by the command thread, except {@link #channel}
 * writes, which Netty accepts from any thread.
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

    public final long clientId;
    public final Channel channel;
    /** Peer address as seen on the socket. */
    public final String addressIp;
    public int listeningPort;
    /** REPLCONF ip-address (replica-announce-ip), or null. */
    public String announcedIp;
    public boolean capaEof;
    public boolean capaPsync2;
    /** It asked for a snapshot without data (REPLCONF rdb-filter-only): it gets an empty RDB at once. */
    public boolean excludeData;
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
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private long heldBytes;
    private volatile boolean closed;

    public ReplicaPeer(long clientId, Channel channel, String addressIp) {
        this.clientId = clientId;
        this.channel = channel;
        this.addressIp = addressIp;
    }

    /** The address INFO and ROLE show: the announced one, else the socket's. */
    public String ip() {
        return announcedIp != null ? announcedIp : addressIp;
    }

    /** Stream bytes produced after its snapshot instant: sent if online, held while syncing. */
    void stream(byte[] bytes) {
        if (closed) return;
        switch (state) {
            case ONLINE -> {
                if (streamOnAck) {
                    held.add(bytes);
                    heldBytes += bytes.length;
                } else {
                    channel.writeAndFlush(Unpooled.wrappedBuffer(bytes), channel.voidPromise());
                }
            }
            case WAIT_BGSAVE_END, SEND_BULK -> {
                held.add(bytes);
                heldBytes += bytes.length;
            }
            case WAIT_BGSAVE_START -> {
                // Its snapshot has not started: these writes will be in it.
            }
        }
    }

    /** The snapshot is delivered: what was held goes out, then the live stream. */
    public void goOnline() {
        state = State.ONLINE;
        ackTimeMs = System.currentTimeMillis(); // the timeout counts from here, not from the sync request

        while (!held.isEmpty()) channel.write(Unpooled.wrappedBuffer(held.poll()), channel.voidPromise());
        heldBytes = 0;
        channel.flush();
    }

    /** Bytes waiting for this replica: held stream plus what the socket has not taken yet. */
    public long outputBytes() {
        var out = channel.unsafe().outboundBuffer();
        return heldBytes + (out == null ? 0 : out.totalPendingWriteBytes());
    }

    /** Drops the link (the replica reconnects and resyncs). */
    public void close() {
        if (closed) return;
        closed = true;
        held.clear();
        heldBytes = 0;
        channel.close();
    }

    public boolean isClosed() {
        return closed;
    }
}
