package io.lodestone.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One client's output while replies of its writes wait for replicas' acks (min-replicas-ack;
 * command.replication.AckedWrites): every byte of its output in order, and where each held write's
 * reply lies in it.
 *
 * <p>Positions are absolute: the count of output bytes the client produced since it connected. A
 * write's reply is one contiguous range (commands of a client run one after another), so when the
 * write times out that range is replaced by the error and nothing else moves.
 */
final class HeldReplies {
    private static final int FIELDS = 4; // start, end, offset, deadline
    private final ByteBuf buf;
    /** Absolute position of {@code buf}'s reader index. */
    private long base;
    private long[] writes = new long[FIELDS * 8];
    private int first;
    private int count;

    HeldReplies(ByteBufAllocator alloc, long base) {
        this.buf = alloc.ioBuffer(1024);
        this.base = base;
    }

    /** Output produced after the held bytes (the transport's next buffer); takes ownership of it. */
    void append(ByteBuf out) {
        buf.writeBytes(out);
        out.release();
    }

    /** The reply at [start, end) is a write's that needs replication {@code offset} acknowledged. */
    void hold(long start, long end, long offset, long deadline) {
        if (first + count == writes.length / FIELDS) {
            if (first > 0) {
                System.arraycopy(writes, first * FIELDS, writes, 0, count * FIELDS);
                first = 0;
            } else {
                writes = java.util.Arrays.copyOf(writes, writes.length * 2);
            }
        }
        int i = (first + count++) * FIELDS;
        writes[i] = start;
        writes[i + 1] = end;
        writes[i + 2] = offset;
        writes[i + 3] = deadline;
    }

    /**
     * Hands {@code out} the output that may leave now: everything before the first write past
     * {@code confirmed}, with writes past their deadline replaced by {@code error} (counted by
     * {@code onTimeout}). Returns the deadline of the first write still held, or -1 when none is.
     */
    long release(long confirmed, long nowMs, String error, Consumer<ByteBuf> out, Runnable onTimeout) {
        while (count > 0) {
            int i = first * FIELDS;
            long start = writes[i], end = writes[i + 1], offset = writes[i + 2], deadline = writes[i + 3];
            boolean acked = offset <= confirmed;
            if (!acked && deadline > nowMs) {
                emit(start, out);
                return deadline;
            }
            first++;
            count--;
            if (acked) continue;
            emit(start, out);
            if (end > start) { // a silenced client (CLIENT REPLY OFF) gets no error either
                buf.skipBytes((int) (end - start));
                base = end;
                out.accept(buf.alloc().ioBuffer().writeBytes(("-" + error + "\r\n").getBytes(StandardCharsets.UTF_8)));
                onTimeout.run();
            }
        }
        first = 0;
        emit(base + buf.readableBytes(), out);
        return -1;
    }

    /** Hands out the held bytes before absolute position {@code upTo}. */
    private void emit(long upTo, Consumer<ByteBuf> out) {
        int n = (int) (upTo - base);
        if (n <= 0) return;
        out.accept(buf.readBytes(n)); // a copy: the room it leaves is reused by what is held next
        base = upTo;
        buf.discardSomeReadBytes();
    }

    /** Bytes held (client-output-buffer-limit counts them). */
    long bytes() {
        return buf.readableBytes();
    }

    void free() {
        buf.release();
    }
}
