package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;
import io.lodestone.protocol.RequestDecoder;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * The master client while the link is up (Redis's {@code server.master}): the master's stream is
 * decoded and each command executed through the {@link MasterLink.Host}; once fully processed (after
 * EXEC for a transaction, as Redis's reploff) its bytes are counted and forwarded verbatim into our own
 * {@link ReplicationStream} ({@link ReplicationStream#feedRaw}), so sub-replicas and the backlog see
 * the master's stream with the master's offsets and replid. REPLCONF ACK reports the offset.
 *
 * <p>Owned by the command thread.
 */
final class MasterStream {
    private final ReplicationStream stream;
    private final MasterLink.Host host;

    private boolean up;
    private Channel channel;
    private long reploff;
    private long readReploff;
    private long lastInteractionMs;
    private RequestDecoder decoder;
    /** Bytes of the commands applied but not yet counted (a transaction until its EXEC). */
    private final ByteSink applied = new ByteSink(4096);
    private final StreamSink sink = new StreamSink();
    /** A command of the stream held by a client pause (decoding stops behind it), or null. */
    private byte[][] held;

    MasterStream(ReplicationStream stream, MasterLink.Host host) {
        this.stream = stream;
        this.host = host;
    }

    boolean up() {
        return up;
    }

    /** The offset processed (Redis's master->reploff). */
    long reploff() {
        return reploff;
    }

    /** The offset received (Redis's master->read_reploff). */
    long readReploff() {
        return readReploff;
    }

    long lastInteractionMs() {
        return lastInteractionMs;
    }

    /** Redis's replicationCreateMasterClient, our half: {@code ch} carries the stream from {@code offset}. */
    void start(Channel ch, long offset) {
        up = true;
        channel = ch;
        reploff = offset;
        readReploff = offset;
        lastInteractionMs = System.currentTimeMillis();
        applied.len = 0;
        held = null;
        decoder = new RequestDecoder(sink, ch.alloc());
    }

    /** The master client is freed (its channel is the link's to close). */
    void stop() {
        up = false;
        channel = null;
        held = null;
        if (decoder != null) {
            decoder.release();
            decoder = null;
        }
        applied.len = 0;
    }

    /** Bytes of the master's stream: every complete command in them is applied. */
    void apply(ByteBuf in) {
        int n = in.readableBytes();
        readReploff += n;
        lastInteractionMs = System.currentTimeMillis();
        String error = decoder.decode(in);
        if (error != null && up) {
            Log.warning("Protocol error from MASTER: " + error + ". Closing the link.");
            Channel ch = channel;
            if (ch != null) ch.close();
        }
    }

    /** REPLCONF ACK with the offset processed (Redis's replicationSendAck). */
    void sendAck() {
        if (!up || channel == null) return;
        Handshake.send(channel, "REPLCONF", "ACK", Long.toString(reploff));
    }

    /**
     * A client pause ended: the held command runs again, then the stream received meanwhile (it
     * waited in the decoder, counted in read_reploff but not in reploff).
     */
    void resume() {
        if (!up || held == null) return;
        byte[][] argv = held;
        sink.command(argv, argv.length);
        if (held == null && up && decoder != null) {
            String error = decoder.decode(io.netty.buffer.Unpooled.EMPTY_BUFFER);
            if (error != null) {
                Log.warning("Protocol error from MASTER: " + error + ". Closing the link.");
                Channel ch = channel;
                if (ch != null) ch.close();
            }
        }
        host.afterBatch();
    }

    private final class StreamSink implements RequestDecoder.Sink {
        @Override
        public void command(byte[][] argv, int argc) {
            // A held command is already in the applied buffer; the decoder reuses argv, so keep a copy.
            if (held == null) ReplicationStream.appendCommand(applied, argv, argc);
            if (!host.execute(argv, argc)) {
                held = java.util.Arrays.copyOf(argv, argc);
                return;
            }
            held = null;
            if (!up) return;
            if (host.inTransaction()) return;
            // Fully processed: counted, and forwarded to our replicas and backlog byte for byte.
            stream.feedRaw(applied.buf, 0, applied.len);
            reploff += applied.len;
            applied.len = 0;
        }

        @Override
        public boolean authRequired() {
            return false;
        }

        @Override
        public long maxBulkLength() {
            return Long.MAX_VALUE;
        }

        @Override
        public long maxQueryBuffer() {
            return Long.MAX_VALUE;
        }

        @Override
        public boolean stopped() {
            return !up || held != null;
        }
    }
}
