package io.lodestone.replication;

import io.lodestone.persistence.SnapshotOutput;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A diskless full sync: the snapshot goes straight to the replicas' sockets as
 * {@code $EOF:<40 bytes>\r\n<rdb><the same 40 bytes>}. Runs on the snapshot's writer thread, which
 * waits while a socket is full, so a slow replica slows the snapshot's writer, never the command thread.
 * A replica whose connection drops is left out; the snapshot fails only when none is left.
 */
final class SocketsOutput implements SnapshotOutput {
    private final List<ReplicaPeer> peers;
    private final byte[] mark;
    private final int timeoutSeconds;
    private boolean started;

    SocketsOutput(List<ReplicaPeer> peers, byte[] mark, int timeoutSeconds) {
        this.peers = new ArrayList<>(peers);
        this.mark = mark;
        this.timeoutSeconds = timeoutSeconds;
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
        if (peers.isEmpty()) throw new IOException("no replica left to receive the snapshot");
        List<Channel> channels = new ArrayList<>(peers.size());
        for (ReplicaPeer p : peers) channels.add(p.channel);
        awaitWritable(channels, timeoutSeconds);
        for (Channel ch : channels) ch.writeAndFlush(Unpooled.copiedBuffer(b, off, len), ch.voidPromise());
    }

    /**
     * Waits until every open channel can take more (Netty's write-buffer high-water mark), at most
     * {@code timeoutSeconds} without progress (repl-timeout).
     */
    static void awaitWritable(List<Channel> channels, int timeoutSeconds) throws IOException {
        long deadline = System.nanoTime() + Math.max(1, timeoutSeconds) * 1_000_000_000L;
        for (Channel ch : channels) {
            while (ch.isActive() && !ch.isWritable()) {
                if (System.nanoTime() > deadline) throw new IOException("timeout sending the snapshot to a replica");
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }
}
