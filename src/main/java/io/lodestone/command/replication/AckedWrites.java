package io.lodestone.command.replication;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.replication.ReplicaPeer;

import java.util.ArrayList;
import java.util.List;

/**
 * Synchronous replication, Lodestone's own ({@code min-replicas-ack N}, {@code min-replicas-ack-timeout
 * ms}; docs/REPLICATION.md): on a master, the reply of a command that wrote to the replication stream
 * is held until N replicas acknowledged the stream's offset after it, so a client that saw a write
 * acknowledged knows it is on N replicas and survives a failover to any of them.
 *
 * <p>The transport holds the bytes (a client's later replies wait behind its held write, so a
 * client's replies keep their order; a client that only reads holds nothing); this class keeps the
 * clients holding replies, asks the replicas for their offset once per event-loop batch (the same
 * {@code REPLCONF GETACK} WAIT uses), releases replies as acks arrive, and times them out. A write
 * not acknowledged in time gets {@link #timeoutError} in place of its reply: it is applied on this
 * master, but a failover may lose it.
 */
public final class AckedWrites {
    /** min-replicas-ack: replicas that must acknowledge a write before its reply; 0 is off. */
    public volatile int minReplicasAck;
    /** min-replicas-ack-timeout in ms; 0 waits without limit. */
    public volatile long timeoutMs;

    private final ServerContext server;
    /** Clients with held replies, in the order they first held one. */
    private final List<Client> holding = new ArrayList<>();
    /** The deadline the armed timer fires at, or 0 when none is armed. */
    private long timerAt;

    public AckedWrites(ServerContext server) {
        this.server = server;
    }

    /** Whether a write's reply is held now: the mode is on and this server is a master. */
    public boolean holdsWrites() {
        if (minReplicasAck <= 0 || server.replication.isReplica) return false;
        // Every write needs an offset to wait for, so a master in this mode keeps its stream (a
        // backlog) even before its first replica, which Redis starts only then.
        server.replication.stream.createBacklog();
        return true;
    }

    /** The deadline of a write held now, for the transport's record of it. */
    public long deadline(long nowMs) {
        long t = timeoutMs;
        return t == 0 ? Long.MAX_VALUE : nowMs + t;
    }

    /**
     * A client's command wrote to the stream and its reply is held: the replicas are asked for their
     * offset at the end of this batch, and the timer is armed for the deadline.
     */
    public void held(Client c, long deadline) {
        if (!c.holdsReplies) {
            c.holdsReplies = true;
            holding.add(c);
        }
        server.replication.requestAcks();
        arm(deadline);
    }

    /** A client went away: whatever it held went with its socket. */
    public void forget(Client c) {
        if (!c.holdsReplies) return;
        c.holdsReplies = false;
        holding.remove(c);
    }

    /** REPLCONF ACK arrived: releases the replies of every write as many replicas as required now have. */
    public void acked() {
        if (!holding.isEmpty()) release(System.currentTimeMillis(), false);
    }

    /**
     * This master became a replica (REPLICAOF, FAILOVER, Sentinel): its own replicas will never
     * acknowledge its writes, so every held write gets the timeout error now.
     */
    public void roleChanged() {
        if (!holding.isEmpty()) release(Long.MAX_VALUE, true);
    }

    /** The clients holding replies (INFO, tests). */
    public int holdingClients() {
        return holding.size();
    }

    /** The error a held write gets when the replicas did not acknowledge it in time. */
    public String timeoutError() {
        return "UNACKED Write applied on this master but not acknowledged by " + minReplicasAck
                + " replica(s) within " + timeoutMs + " ms (min-replicas-ack); a failover may lose it";
    }

    /**
     * The highest offset at least {@code min-replicas-ack} online replicas acknowledged, or -1 when fewer
     * replicas are online (Redis's replicationCountAcksByOffset, turned around).
     */
    long confirmedOffset() {
        int need = minReplicasAck;
        if (need <= 0) return -1;
        List<ReplicaPeer> replicas = server.replication.stream.replicas();
        if (replicas.size() < need) return -1;
        long[] acks = new long[replicas.size()];
        int n = 0;
        for (ReplicaPeer r : replicas) if (r.state == ReplicaPeer.State.ONLINE) acks[n++] = r.ackOffset;
        if (n < need) return -1;
        java.util.Arrays.sort(acks, 0, n);
        return acks[n - need];
    }

    private void release(long nowMs, boolean expireAll) {
        long confirmed = expireAll ? -1 : confirmedOffset();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < holding.size(); i++) {
            Client c = holding.get(i);
            long d = c.conn == null ? -1 : c.conn.releaseHeld(confirmed, nowMs);
            if (d < 0) {
                c.holdsReplies = false;
                holding.remove(i--);
            } else {
                next = Math.min(next, d);
            }
        }
        if (next != Long.MAX_VALUE) arm(next);
    }

    /** One timer at the earliest deadline; a later one is armed when it fires. */
    private void arm(long deadline) {
        if (deadline == Long.MAX_VALUE || (timerAt != 0 && timerAt <= deadline)) return;
        timerAt = deadline;
        long delay = Math.max(0, deadline - System.currentTimeMillis());
        server.blocking.timers.schedule(delay, () -> {
            if (timerAt != deadline) return; // an earlier timer was armed since and took over
            timerAt = 0;
            if (!holding.isEmpty()) release(System.currentTimeMillis(), false);
            server.flushPendingWrites();
        });
    }
}
