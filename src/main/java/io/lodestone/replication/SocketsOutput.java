package io.lodestone.replication;

import io.lodestone.persistence.SnapshotOutput;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * A diskless full sync: the snapshot goes straight to the replicas' sockets as
 * {@code $EOF:<40 bytes>\r\n<rdb><the same 40 bytes>}. Runs on the snapshot's writer thread, which
 * waits while a socket is full, so a slow replica slows the snapshot's writer, never the command thread.
 * A replica whose connection drops is left out, and so is one whose socket stays full for repl-timeout
 * (Redis's "Disconnecting timedout replica (full sync)"); the snapshot fails only when none is left.
 */
final class SocketsOutput implements SnapshotOutput {
    private final List<ReplicaPeer> peers;
    private final byte[] mark;
    /** repl-timeout, read at each wait: it may change during the transfer. */
    private final IntSupplier timeoutSeconds;
    /** Told (on this thread) of a replica left out for its timeout; the caller drops it. */
    private final Consumer<ReplicaPeer> timedOut;
    private boolean started;

    /** Bytes handed to the sockets, summed over the replicas (INFO total_net_repl_output_bytes). */
    private final java.util.concurrent.atomic.LongAdder sent;

    SocketsOutput(List<ReplicaPeer> peers, byte[] mark, IntSupplier timeoutSeconds, Consumer<ReplicaPeer> timedOut,
                  java.util.concurrent.atomic.LongAdder sent) {
        this.sent = sent;
        this.peers = new ArrayList<>(peers);
        this.mark = mark;
        this.timeoutSeconds = timeoutSeconds;
        this.timedOut = timedOut;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!started) {
            started = true;
            send(("$EOF:" + new String(mark, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII), 0,
                    mark.length + 7);
        }
        send(b, off, len);
    }

    @Override
    public void finish() throws IOException {
        if (!started) write(new byte[0], 0, 0);
        send(mark, 0, mark.length);
    }

    @Override
    public void abort() {
        // The replicas' links are closed by the replication layer, which knows why.
    }

    private void send(byte[] b, int off, int len) throws IOException {
        peers.removeIf(p -> p.isClosed() || !p.channel.isActive());
        for (Iterator<ReplicaPeer> it = peers.iterator(); it.hasNext(); ) {
            ReplicaPeer p = it.next();
            if (!awaitWritable(p.channel, timeoutSeconds.getAsInt())) {
                it.remove();
                timedOut.accept(p);
            }
        }
        if (peers.isEmpty()) throw new IOException("no replica left to receive the snapshot");
        for (ReplicaPeer p : peers) p.channel.writeAndFlush(Unpooled.copiedBuffer(b, off, len), p.channel.voidPromise());
        sent.add((long) len * peers.size());
    }

    /**
     * Waits until every open channel can take more (Netty's write-buffer high-water mark), at most
     * {@code timeoutSeconds} each without progress (repl-timeout); throws when one does not.
     */
    static void awaitWritable(List<Channel> channels, int timeoutSeconds) throws IOException {
        for (Channel ch : channels) {
            if (!awaitWritable(ch, timeoutSeconds)) throw new IOException("timeout sending the snapshot to a replica");
        }
    }

    /** Waits until {@code ch} can take more or is closed; false after {@code timeoutSeconds}. */
    private static boolean awaitWritable(Channel ch, int timeoutSeconds) throws IOException {
        long deadline = System.nanoTime() + Math.max(1, timeoutSeconds) * 1_000_000_000L;
        while (ch.isActive() && !ch.isWritable()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        return true;
    }
}
