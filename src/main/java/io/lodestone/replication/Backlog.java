package io.lodestone.replication;

/**
 * Redis's replication backlog: a ring holding the newest {@code repl-backlog-size} bytes of the
 * replication stream, so a replica that lost its link can continue from its offset (PSYNC) instead of
 * loading a whole snapshot again.
 *
 * <p>{@link #firstByteOffset()} is the stream offset of the oldest byte held (Redis's
 * {@code repl_backlog_first_byte_offset}); the newest byte is at {@code firstByteOffset + histlen - 1}.
 */
public final class Backlog {
    private byte[] ring;
    /** Where the next byte goes. */
    private int idx;
    private long histlen;
    /** Stream offset of the byte after the newest one held. */
    private long endOffset;

    /** @param size {@code repl-backlog-size}; {@code startOffset} the stream offset the next byte will have */
    public Backlog(int size, long startOffset) {
        this.ring = new byte[Math.max(16 * 1024, size)];
        this.endOffset = startOffset;
    }

    public int size() {
        return ring.length;
    }

    public long histlen() {
        return histlen;
    }

    /** Offset of the oldest byte held; with nothing held, the offset the next byte will have. */
    public long firstByteOffset() {
        return endOffset - histlen;
    }

    public void append(byte[] b, int off, int len) {
        if (len >= ring.length) {
            // Only the tail fits.
            off += len - ring.length;
            endOffset += len - ring.length;
            len = ring.length;
        }
        int first = Math.min(len, ring.length - idx);
        System.arraycopy(b, off, ring, idx, first);
        System.arraycopy(b, off + first, ring, 0, len - first);
        idx = (idx + len) % ring.length;
        endOffset += len;
        histlen = Math.min(ring.length, histlen + len);
    }

    /** Whether the bytes from {@code offset} to the end are all held (PSYNC can continue from it). */
    public boolean holds(long offset) {
        return offset >= firstByteOffset() && offset <= endOffset;
    }

    /** The bytes from {@code offset} to the newest; {@link #holds} must be true. */
    public byte[] copyFrom(long offset) {
        int n = (int) (endOffset - offset);
        byte[] out = new byte[n];
        int start = Math.floorMod(idx - n, ring.length);
        int first = Math.min(n, ring.length - start);
        System.arraycopy(ring, start, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        return out;
    }

    /** The newest {@code max} bytes held, or fewer if fewer are held. */
    public byte[] tail(int max) {
        return copyFrom(endOffset - Math.min(histlen, max));
    }

    /** CONFIG SET repl-backlog-size: keeps the newest bytes that fit. */
    public void resize(int size) {
        size = Math.max(16 * 1024, size);
        if (size == ring.length) return;
        long keep = Math.min(histlen, size);
        byte[] tail = copyFrom(endOffset - keep);
        ring = new byte[size];
        idx = 0;
        histlen = 0;
        endOffset -= keep;
        append(tail, 0, tail.length);
    }
}
