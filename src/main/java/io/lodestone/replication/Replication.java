package io.lodestone.replication;

import io.lodestone.persistence.ChecksummedOutput;
import io.lodestone.persistence.SnapshotOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.persistence.rdb.RdbEncoder;
import io.lodestone.persistence.rdb.ReplInfo;
import io.lodestone.util.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The master side of replication (Redis's replication.c, master half): replicas attach with PSYNC
 * or SYNC, continue from the backlog when their history is still there, or get a full sync - a
 * point-in-time {@link Snapshotter snapshot} streamed to their sockets (diskless) or written to the
 * RDB file and then sent ({@code $<len>}), followed by the stream held for them meanwhile. One
 * snapshot serves every replica waiting when it starts. Cron pings replicas, drops silent or
 * too-slow ones, and counts the good ones for {@code min-replicas-to-write}.
 *
 * <p>Owned by the command thread; snapshot output runs on the snapshot's writer thread.
 */
public final class Replication {
    /** {@link Snapshotter.Job#purpose()} of a full-sync snapshot. */
    public static final String PURPOSE = "replication";
    private static final byte[][] PING = {{'P', 'I', 'N', 'G'}};
    private static final byte[][] GETACK = {"REPLCONF".getBytes(StandardCharsets.US_ASCII),
            "GETACK".getBytes(StandardCharsets.US_ASCII), {'*'}};

    public final ReplicationStream stream = new ReplicationStream();
    private final Snapshotter snapshotter;
    /** Makes the RDB encoder of a snapshot (rdbcompression, used-mem...): the caller adds the replication aux fields. */
    private final Supplier<RdbEncoder> encoders;
    /** dir/dbfilename, for disk-backed syncs. */
    private final Supplier<Path> rdbPath;
    /** Whether save points are configured: then a disk sync's file is finished even without replicas. */
    private final java.util.function.BooleanSupplier hasSavePoints;
    /** Whether the full sync in progress goes to the replicas' sockets. */
    private boolean syncDiskless;

    // Settings: written by the server's config bindings at start and on every change (no defaults here).
    public volatile boolean disklessSync;
    public volatile int disklessSyncDelaySeconds;
    public volatile int disklessSyncMaxReplicas;
    public volatile int pingPeriodSeconds;
    /** repl-timeout, for both halves: the replica side ({@link MasterLink}) reads it here too. */
    public volatile int timeoutSeconds;
    public volatile int minReplicasToWrite;
    public volatile int minReplicasMaxLag;
    public volatile long backlogTtlSeconds;
    /** client-output-buffer-limit replica: hard bytes, soft bytes, soft seconds (0: none). */
    public volatile long outputHardLimit;
    public volatile long outputSoftLimit;
    public volatile long outputSoftSeconds;

    /** INFO stats: sync_full, sync_partial_ok, sync_partial_err. */
    public long syncFull;
    public long syncPartialOk;
    public long syncPartialErr;

    /** CONFIG RESETSTAT (Redis's resetServerStats): the sync counters start again from zero. */
    public void resetStats() {
        syncFull = syncPartialOk = syncPartialErr = 0;
    }
    /** Replicas with a lag within min-replicas-max-lag (Redis's repl_good_slaves_count). */
    private int goodReplicas;
    /** Set when WAIT needs fresh acks: REPLCONF GETACK goes into the stream before the next flush. */
    private boolean getAckRequested;
    private long noReplicasSinceMs = System.currentTimeMillis();
    private long cronTicks;
    /** Replicas being served by the snapshot in progress. */
    private final List<ReplicaPeer> syncing = new ArrayList<>();
    /** When each waiting replica started waiting (diskless delay), parallel to nothing: first waiter only. */
    private long firstWaitMs;
    /** CLIENT PAUSE in effect: WAIT's GETACK waits for its end, so the offset stays put (Redis 7.0). */
    public boolean clientsPaused;
    /** The server's replica side: true while we replicate from a master (set by the replica half). */
    public volatile boolean isReplica;
    /** Whether the link with our master is up (replicas refuse SYNC while it is not). */
    public volatile boolean masterLinkUp;

    public Replication(Snapshotter snapshotter, Supplier<RdbEncoder> encoders, Supplier<Path> rdbPath,
                       java.util.function.BooleanSupplier hasSavePoints) {
        this.snapshotter = snapshotter;
        this.encoders = encoders;
        this.rdbPath = rdbPath;
        stream.onNewBlock(this::checkOutputLimits);
        this.hasSavePoints = hasSavePoints;
    }

    // ---- The stream ------------------------------------------------------------------------------

    /** A write effect of this master (the propagation receiver). */
    /** Whether {@link #feed} would use an effect: a master with a backlog. */
    public boolean takesEffects() {
        return !isReplica && stream.active();
    }

    public void feed(int db, byte[][] argv, int argc) {
        // A replica's stream is its master's, forwarded byte for byte (MasterLink): its own effects,
        // the master's commands applied or local writes on a writable replica, go to the AOF only.
        if (isReplica) return;
        stream.feedCommand(db, argv, argc);
    }

    /** End of an event-loop batch: GETACK if WAIT asked for it, then the batch's bytes to the replicas. */
    public void flush() {
        if (getAckRequested && !clientsPaused) {
            getAckRequested = false;
            if (!stream.replicas().isEmpty()) stream.feedCommand(-1, GETACK, 3);
        }
        stream.flush();
    }

    /** SHUTDOWN: every replica is asked for its offset now, before writes pause (Redis's sendGetackToReplicas). */
    public void sendGetack() {
        if (!stream.replicas().isEmpty()) stream.feedCommand(-1, GETACK, 3);
    }

    /** WAIT: ask every replica for its offset at the end of this batch. */
    public void requestAcks() {
        getAckRequested = true;
    }

    /**
     * REPLCONF ACK from a replica. After a diskless sync the stream starts with the first ACK: the
     * replica has loaded the snapshot and reads the socket again (Redis 7.0's repl_start_cmd_stream_on_ack).
     */
    public void acked(ReplicaPeer r, long offset) {
        if (offset > r.ackOffset) r.ackOffset = offset;
        r.ackTimeMs = System.currentTimeMillis();
        if (r.streamOnAck) {
            r.streamOnAck = false;
            r.goOnline();
            refreshGoodReplicas();
        }
    }

    /** How many replicas acknowledged at least {@code offset} (Redis's replicationCountAcksByOffset). */
    public int countAcks(long offset) {
        int n = 0;
        for (ReplicaPeer r : stream.replicas()) if (r.state == ReplicaPeer.State.ONLINE && r.ackOffset >= offset) n++;
        return n;
    }

    public int goodReplicas() {
        return goodReplicas;
    }

    /**
     * Redis's refreshGoodSlavesCount: the online replicas whose last ACK is within min-replicas-max-lag.
     * Called by cron, when a replica comes online or goes, and when either setting changes, so a write
     * right after one of those sees the new count.
     */
    public void refreshGoodReplicas() {
        if (minReplicasToWrite == 0 || minReplicasMaxLag == 0) return;
        long now = System.currentTimeMillis();
        int good = 0;
        for (ReplicaPeer r : stream.replicas()) {
            if (r.state == ReplicaPeer.State.ONLINE && (now - r.ackTimeMs) / 1000 <= minReplicasMaxLag) good++;
        }
        goodReplicas = good;
    }

    /** Whether min-replicas-to-write refuses writes now (-NOREPLICAS). */
    public boolean tooFewGoodReplicas() {
        return minReplicasToWrite > 0 && minReplicasMaxLag > 0 && !isReplica && goodReplicas < minReplicasToWrite;
    }

    // ---- PSYNC / SYNC ----------------------------------------------------------------------------

    /**
     * PSYNC {@code replid offset} (or SYNC when {@code replid} is null) from the connection of
     * {@code peer}: a partial resync from the backlog when possible, else a full sync. Writes the
     * reply itself, on the peer's channel (the caller has flushed the client's earlier replies).
     */
    public void sync(ReplicaPeer peer, String replid, long offset) {
        if (replid != null && !"?".equals(replid) && tryPartial(peer, replid, offset)) return;
        if (replid != null && !"?".equals(replid)) syncPartialErr++;
        peer.oldSync = replid == null;
        if (stream.backlog() == null) {
            // A backlog from scratch starts a new history: writes made while there was none are not in
            // the stream, so nobody may continue the old one from here (Redis's syncCommand).
            stream.changeReplicationId();
            stream.clearReplicationId2();
            stream.createBacklog();
            Log.notice("Replication backlog created, my new replication IDs are '" + stream.replid() + "' and '"
                    + stream.replid2() + "'");
        }
        stream.attach(peer);
        peer.state = ReplicaPeer.State.WAIT_BGSAVE_START;
        if (syncing.isEmpty() && firstWaitMs == 0) firstWaitMs = System.currentTimeMillis();
        syncFull++;
        Log.notice("Replica " + peer.ip() + ":" + peer.listeningPort + " asks for synchronization");
        if (replid != null && !"?".equals(replid)) {
            Log.notice("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '"
                    + replid + "', my replication IDs are '" + stream.replid() + "' and '" + stream.replid2() + "')");
        } else if (replid != null) {
            Log.notice("Full resync requested by replica " + peer.ip() + ":" + peer.listeningPort);
        }
        if (peer.excludeData) {
            sendEmptySnapshot(peer);
            return;
        }
        maybeStartSync();
    }

    /**
     * A replica that filtered every key out (redis-cli --replica) needs no snapshot of the data: an empty
     * RDB with the replication aux fields goes out at once, then the stream from this offset.
     */
    private void sendEmptySnapshot(ReplicaPeer peer) {
        long offset = stream.offset();
        stream.forceSelect();
        java.io.ByteArrayOutputStream rdb = new java.io.ByteArrayOutputStream();
        try {
            io.lodestone.store.Keyspace empty = new io.lodestone.store.Keyspace(1);
            // "functions" in the filter: the libraries, which are data, but no key (redis-cli --functions-rdb)
            if (!peer.excludeFunctions) empty.functions(snapshotter.keyspace().functions());
            io.lodestone.persistence.Snapshotter.writeNow(empty, encoders.get()
                    .replication(new ReplInfo(0, stream.replid(), offset)),
                    new ChecksummedOutput(new StreamOutput(rdb), true));
        } catch (IOException e) {
            dropReplica(peer, "empty snapshot failed: " + e.getMessage());
            return;
        }
        byte[] body = rdb.toByteArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] mark = ReplicationStream.newReplid().getBytes(StandardCharsets.US_ASCII);
        if (!peer.oldSync) out.writeBytes(("+FULLRESYNC " + stream.replid() + " " + offset + "\r\n").getBytes(StandardCharsets.US_ASCII));
        if (peer.capaEof) {
            out.writeBytes(("$EOF:" + new String(mark, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(body);
            out.writeBytes(mark);
        } else {
            out.writeBytes(("$" + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(body);
        }
        peer.syncOffset = offset;
        peer.channel.writeAndFlush(Unpooled.wrappedBuffer(out.toByteArray()), peer.channel.voidPromise());
        peer.state = ReplicaPeer.State.ONLINE;
        peer.streamOnAck = peer.capaEof;
        peer.ackTimeMs = System.currentTimeMillis();
        if (!peer.streamOnAck) peer.goOnline();
        Log.notice("Synchronization with replica " + peer.ip() + ":" + peer.listeningPort + " succeeded (no data requested)");
    }

    /** Bytes into a stream (an in-memory snapshot). */
    private record StreamOutput(java.io.OutputStream os) implements SnapshotOutput {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            os.write(b, off, len);
        }

        @Override
        public void finish() {
        }

        @Override
        public void abort() {
        }
    }

    /** Redis's masterTryPartialResynchronization: +CONTINUE, then the stream from the replica's offset. */
    private boolean tryPartial(ReplicaPeer peer, String replid, long offset) {
        if (!stream.canContinue(replid, offset)) return false;
        String reply = peer.capaPsync2 ? "+CONTINUE " + stream.replid() + "\r\n" : "+CONTINUE\r\n";
        Channel ch = peer.channel;
        ch.writeAndFlush(Unpooled.wrappedBuffer(reply.getBytes(StandardCharsets.US_ASCII)), ch.voidPromise());
        peer.ackOffset = offset - 1;
        peer.ackTimeMs = System.currentTimeMillis();
        stream.attach(peer);
        peer.state = ReplicaPeer.State.ONLINE;
        long missing = stream.continueFrom(peer, offset);
        stream.bytesSent += peer.send();
        syncPartialOk++;
        refreshGoodReplicas();
        Log.notice("Partial resynchronization request from " + peer.ip() + ":" + peer.listeningPort
                + " accepted. Sending " + missing + " bytes of backlog starting from offset " + offset + ".");
        return true;
    }

    /** The replica's socket takes more again: it gets what it is due from the shared buffer. */
    public void replicaWritable(ReplicaPeer r) {
        stream.bytesSent += r.send();
    }

    /** Starts the snapshot for the waiting replicas when the snapshotter is free and the diskless delay has passed. */
    public void maybeStartSync() {
        if (snapshotter.inProgress()) return;
        List<ReplicaPeer> waiting = new ArrayList<>();
        for (ReplicaPeer r : stream.replicas()) if (r.state == ReplicaPeer.State.WAIT_BGSAVE_START) waiting.add(r);
        if (waiting.isEmpty()) {
            firstWaitMs = 0;
            return;
        }
        boolean diskless = disklessSync && waiting.stream().allMatch(r -> r.capaEof);
        if (diskless && disklessSyncDelaySeconds > 0) {
            boolean full = disklessSyncMaxReplicas > 0 && waiting.size() >= disklessSyncMaxReplicas;
            if (!full && System.currentTimeMillis() - firstWaitMs < disklessSyncDelaySeconds * 1000L) return;
        }
        firstWaitMs = 0;
        startSync(waiting, diskless);
    }

    /** Redis's startBgsaveForReplication: +FULLRESYNC to each, then one snapshot for all of them. */
    private void startSync(List<ReplicaPeer> peers, boolean diskless) {
        // From here on the buffer keeps the stream for them: their snapshot holds what came before.
        long offset = stream.offset();
        stream.forceSelect();
        for (ReplicaPeer r : peers) {
            r.syncOffset = offset;
            r.ackOffset = 0;
            r.state = ReplicaPeer.State.WAIT_BGSAVE_END;
            if (!r.oldSync) {
                String line = "+FULLRESYNC " + stream.replid() + " " + offset + "\r\n";
                r.channel.writeAndFlush(Unpooled.wrappedBuffer(line.getBytes(StandardCharsets.US_ASCII)), r.channel.voidPromise());
            }
        }
        syncing.addAll(peers);
        syncDiskless = diskless;
        RdbEncoder encoder = encoders.get()
                .replication(new ReplInfo(0, stream.replid(), offset));
        List<ReplicaPeer> group = List.copyOf(peers);
        Log.notice("Starting BGSAVE for SYNC with target: " + (diskless ? "replicas sockets" : "disk"));
        if (diskless) {
            byte[] mark = ReplicationStream.newReplid().getBytes(StandardCharsets.US_ASCII);
            SnapshotOutput out = new SocketsOutput(group, mark, () -> timeoutSeconds,
                    r -> r.channel.eventLoop().execute(() -> {
                        Log.warning("Disconnecting timedout replica (full sync): " + r.ip() + ":" + r.listeningPort);
                        dropReplica(r, "timeout");
                    }), stream.transferSent);
            snapshotter.start(PURPOSE, encoder, new ChecksummedOutput(out, true), job -> syncDone(group, job, null));
        } else {
            Path target = rdbPath.get();
            SnapshotOutput out;
            try {
                out = new io.lodestone.persistence.AtomicFileOutput(target,
                        io.lodestone.persistence.AtomicFileOutput.tempFor(target, "temp-repl-"));
            } catch (IOException e) {
                Log.warning("Can't open the RDB file for the full sync: " + e.getMessage());
                for (ReplicaPeer r : group) dropReplica(r, "BGSAVE failed");
                return;
            }
            snapshotter.start(PURPOSE, encoder, new ChecksummedOutput(out, true), job -> syncDone(group, job, target));
        }
    }

    /** The snapshot ended: online (diskless), or send the file (disk), or drop the replicas (failure). */
    private void syncDone(List<ReplicaPeer> group, Snapshotter.Job job, Path file) {
        syncing.removeAll(group);
        if (job.aborted()) {
            Log.notice("Full sync snapshot stopped: no replica is left to receive it");
            for (ReplicaPeer r : group) if (!r.isClosed()) dropReplica(r, "snapshot stopped");
        } else if (job.error() != null) {
            Log.warning("Background RDB transfer error: " + job.error());
            for (ReplicaPeer r : group) dropReplica(r, "snapshot failed");
        } else if (file == null) {
            int up = 0;
            for (ReplicaPeer r : group) if (!r.isClosed()) up++;
            Log.notice("Diskless rdb transfer, done reading from pipe, " + up + " replicas still up.");
            Log.notice("Background RDB transfer terminated with success");
            for (ReplicaPeer r : group) {
                if (r.isClosed()) continue;
                Log.notice("Streamed RDB transfer with replica " + r.ip() + ":" + r.listeningPort
                        + " succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming");
                r.state = ReplicaPeer.State.ONLINE;
                r.streamOnAck = true;
                r.ackTimeMs = System.currentTimeMillis();
                Log.notice("Synchronization with replica " + r.ip() + ":" + r.listeningPort + " succeeded");
            }
            refreshGoodReplicas();
        } else {
            Log.notice("Background saving terminated with success");
            for (ReplicaPeer r : group) if (!r.isClosed()) sendFile(r, file);
        }
        maybeStartSync(); // replicas that arrived meanwhile
    }

    /**
     * Sends a disk snapshot as {@code $<len>\r\n<bytes>}, then the held stream. The file goes by
     * sendfile(2) (Netty's FileRegion): the kernel copies it to the socket as fast as the replica
     * reads, where 64 KB chunks copied through the heap, each waiting for the channel to drain,
     * managed 50 MB/s.
     */
    private void sendFile(ReplicaPeer r, Path file) {
        r.state = ReplicaPeer.State.SEND_BULK;
        Channel ch = r.channel;
        FileChannel fc;
        long len;
        try {
            fc = FileChannel.open(file, StandardOpenOption.READ);
            len = fc.size();
        } catch (IOException e) {
            dropReplica(r, "sending the RDB failed: " + e.getMessage());
            return;
        }
        ch.write(Unpooled.wrappedBuffer(("$" + len + "\r\n").getBytes(StandardCharsets.US_ASCII)), ch.voidPromise());
        // The open channel keeps the file's bytes even if a later save renames another file over it.
        ChannelFuture sent;
        try {
            sent = FileTransfer.send(ch, fc, len); // sendfile(2), or through TLS in chunks
        } catch (IOException e) {
            dropReplica(r, "sending the RDB failed: " + e.getMessage());
            return;
        }
        sent.addListener(f -> {
            if (r.isClosed()) return;
            if (!f.isSuccess()) {
                dropReplica(r, "sending the RDB failed: " + f.cause());
                return;
            }
            stream.transferSent.add(len);
            r.goOnline();
            refreshGoodReplicas();
            Log.notice("Synchronization with replica " + r.ip() + ":" + r.listeningPort + " succeeded");
        });
    }

    /**
     * Forgets a replica whose connection closed (or that we close). A full sync's snapshot nobody
     * waits for any more is stopped: a diskless one always, a disk one unless save points make the
     * file worth finishing (Redis's freeClient and killRDBChild).
     */
    public void replicaGone(ReplicaPeer r) {
        boolean wasWaiting = r.state == ReplicaPeer.State.WAIT_BGSAVE_END;
        stream.detach(r);
        syncing.remove(r);
        if (stream.replicas().isEmpty()) noReplicasSinceMs = System.currentTimeMillis();
        refreshGoodReplicas();
        Snapshotter.Job job = snapshotter.current();
        if (!wasWaiting || job == null || !PURPOSE.equals(job.purpose())) return;
        for (ReplicaPeer p : stream.replicas()) if (p.state == ReplicaPeer.State.WAIT_BGSAVE_END) return;
        if (syncDiskless) {
            Log.warning("Diskless rdb transfer, last replica dropped, killing fork child.");
            snapshotter.abort();
        } else if (!hasSavePoints.getAsBoolean()) {
            snapshotter.abort();
        }
    }

    /** Redis's disconnectSlaves: our replicas reconnect (after a change of history they must resync). */
    public void disconnectReplicas() {
        for (ReplicaPeer r : new ArrayList<>(stream.replicas())) {
            r.close();
            replicaGone(r);
        }
    }

    private void dropReplica(ReplicaPeer r, String why) {
        Log.warning("Connection with replica " + r.ip() + ":" + r.listeningPort + " lost (" + why + ").");
        r.close();
        replicaGone(r);
    }

    // ---- Cron ------------------------------------------------------------------------------------

    /** Every second (Redis's replicationCron, master part). */
    public void cron() {
        cronTicks++;
        long now = System.currentTimeMillis();
        List<ReplicaPeer> all = new ArrayList<>(stream.replicas());
        if (!isReplica && !all.isEmpty() && pingPeriodSeconds > 0 && cronTicks % pingPeriodSeconds == 0) {
            stream.feedCommand(-1, PING, 1);
        }
        for (ReplicaPeer r : all) {
            if (r.isClosed() || !r.channel.isActive()) {
                replicaGone(r);
                continue;
            }
            if (r.state == ReplicaPeer.State.WAIT_BGSAVE_START
                    || (r.state == ReplicaPeer.State.WAIT_BGSAVE_END && !disklessSync)) {
                // Newlines keep the replica's read timeout at bay while its snapshot is prepared.
                r.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{'\n'}), r.channel.voidPromise());
            }
            if (r.state == ReplicaPeer.State.ONLINE) {
                long lag = (now - r.ackTimeMs) / 1000;
                // A replica that came with SYNC (redis-cli --replica) never acknowledges: Redis exempts it.
                if (!r.oldSync && lag > timeoutSeconds) {
                    Log.warning("Disconnecting timedout replica (streaming sync): " + r.ip() + ":" + r.listeningPort);
                    dropReplica(r, "timeout: no ACK for " + lag + " seconds");
                }
            }
        }
        refreshGoodReplicas();
        if (stream.replicas().isEmpty() && stream.backlog() != null && !isReplica && backlogTtlSeconds > 0
                && now - noReplicasSinceMs > backlogTtlSeconds * 1000) {
            // Writes from now on are in no stream: a new history starts (Redis's replicationCron).
            stream.changeReplicationId();
            stream.clearReplicationId2();
            stream.freeBacklog();
            Log.notice("Replication backlog freed after " + backlogTtlSeconds
                    + " seconds without connected replicas.");
        }
        maybeStartSync();
    }

    /**
     * Output buffer limits (client-output-buffer-limit replica) on each replica's share of the
     * replication buffer: when the buffer gains a block (as Redis checks) and on every cron tick. A hard
     * limit below repl-backlog-size counts as repl-backlog-size, as in Redis: a replica continuing from
     * the backlog refers to that much at once, and costs nothing more for it, since the memory is shared.
     */
    public void checkOutputLimits() {
        if (stream.replicas().isEmpty()) return;
        long now = System.currentTimeMillis();
        long hardLimit = outputHardLimit;
        long backlogSize = Math.max(Backlog.MIN_SIZE, stream.backlogSize());
        if (hardLimit > 0 && hardLimit < backlogSize) hardLimit = backlogSize;
        for (ReplicaPeer r : new ArrayList<>(stream.replicas())) {
            long out = stream.outputBytes(r);
            boolean hard = hardLimit > 0 && out >= hardLimit;
            boolean soft = false;
            if (outputSoftLimit > 0 && out >= outputSoftLimit) {
                if (r.softLimitSinceMs == 0) r.softLimitSinceMs = now;
                soft = now - r.softLimitSinceMs > outputSoftSeconds * 1000;
            } else {
                r.softLimitSinceMs = 0;
            }
            if (hard || soft) {
                Log.warning("Client id=" + r.clientId + " addr=" + r.addressIp + " flags=S scheduled to be closed ASAP"
                        + " for overcoming of output buffer limits.");
                dropReplica(r, "output buffer limit");
            }
        }
    }
}
