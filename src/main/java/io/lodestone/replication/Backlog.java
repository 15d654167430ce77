package io.lodestone.replication;

/**
 * The shared replication buffer and the backlog that indexes into it (Redis 7.0's
 * {@code repl_buffer_blocks} and {@code replBacklog}). The stream is appended once, to a list of
 * {@link ReplBufBlock blocks}; the backlog refers to the first block and counts {@link #histlen}, the
 * bytes a PSYNC can continue from; each replica refers to the block holding the next byte its socket
 * has not taken ({@link ReplicaPeer}). Nothing is copied per replica, so two slow replicas cost what
 * one does, and a block goes when the last reference to it does.
 *
 * <p>The backlog keeps about {@code repl-backlog-size} bytes ({@link #trim}) but never drops a block a
 * replica still refers to: a slow replica makes the backlog outgrow its setting, and a PSYNC can then
 * continue from that longer history (Redis's incrementalTrimReplicationBacklog). Owned by the command
 * thread.
 */
public final class Backlog {
    /** Redis's CONFIG_REPL_BACKLOG_MIN_SIZE. */
    public static final long MIN_SIZE = 16 * 1024;
    /** Redis's PROTO_REPLY_CHUNK_BYTES: the smallest block, so that small writes share one. */
    static final int MIN_BLOCK = 16 * 1024;
    /** Redis's REPL_BACKLOG_TRIM_BLOCKS_PER_CALL: freeing many blocks at once would stall the thread. */
    public static final int TRIM_BLOCKS_PER_CALL = 64;

    private long size;
    private ReplBufBlock head;
    private ReplBufBlock tail;
    private long nextBlockId;
    /** Redis's repl_buffer_mem. */
    private long memory;
    private long histlen;
    /** Stream offset of the byte after the newest one (master_repl_offset + 1). */
    private long endOffset;

    /** @param size {@code repl-backlog-size}; {@code startOffset} the stream offset the next byte will have */
    public Backlog(long size, long startOffset) {
        this.size = Math.max(MIN_SIZE, size);
        this.endOffset = startOffset;
    }

    /** repl-backlog-size as in force (Redis raises it to 16 KB at least). */
    public long size() {
        return size;
    }

    /** Bytes of history the backlog holds (repl_backlog_histlen). */
    public long histlen() {
        return histlen;
    }

    /** Offset of the oldest byte held; with nothing held, the offset the next byte will have. */
    public long firstByteOffset() {
        return endOffset - histlen;
    }

    /** mem_total_replication_buffers: every block, with Redis's per-block overhead. */
    public long memory() {
        return memory;
    }

    ReplBufBlock tail() {
        return tail;
    }

    /**
     * Appends stream bytes (the buffer half of Redis's feedReplicationBuffer): into the room left in the
     * last block, then into new blocks of at least 16 KB and at most a sixteenth of the backlog size,
     * so that one huge write never makes a block that cannot be trimmed while a small part of it is
     * still needed. Returns whether a block was added (the moment Redis checks output limits and trims).
     */
    public boolean append(byte[] b, int off, int len) {
        boolean added = false;
        while (len > 0) {
            if (tail == null || tail.used == tail.buf.length) {
                long limit = Math.max(size / 16, MIN_BLOCK);
                int blockSize = (int) Math.min(Math.max(len, MIN_BLOCK), limit);
                ReplBufBlock block = new ReplBufBlock(blockSize, endOffset, nextBlockId++);
                if (tail == null) {
                    head = block;
                    block.refcount++; // the backlog's reference
                } else {
                    tail.next = block;
                }
                tail = block;
                memory += blockSize + ReplBufBlock.OVERHEAD;
                added = true;
            }
            int n = Math.min(len, tail.buf.length - tail.used);
            System.arraycopy(b, off, tail.buf, tail.used, n);
            tail.used += n;
            off += n;
            len -= n;
            endOffset += n;
            histlen += n;
        }
        return added;
    }

    /** Whether a PSYNC asking for {@code offset} (the next byte it needs) can continue from here. */
    public boolean holds(long offset) {
        return offset >= firstByteOffset() && offset <= endOffset;
    }

    /**
     * The block holding the byte at {@code offset}, or the last block when {@code offset} is the next
     * byte to come; null while no block exists. A walk from the first block: with blocks of at least a
     * sixteenth of the backlog there are few of them, and this runs once per replica sync.
     */
    ReplBufBlock locate(long offset) {
        ReplBufBlock b = head;
        while (b != null && b.endOffset() <= offset && b.next != null) b = b.next;
        return b;
    }

    /**
     * Drops blocks from the front while the history is longer than the backlog size, at most
     * {@code maxBlocks} of them (Redis's incrementalTrimReplicationBacklog): never the last block, never
     * one a replica refers to, and never so many that less than the backlog size would remain.
     */
    public void trim(int maxBlocks) {
        for (int trimmed = 0; trimmed < maxBlocks && histlen > size; trimmed++) {
            ReplBufBlock first = head;
            if (first == null || first == tail || first.refcount != 1) break;
            if (histlen - first.buf.length <= size) break;
            histlen -= first.buf.length;
            memory -= first.buf.length + ReplBufBlock.OVERHEAD;
            first.refcount--;
            head = first.next;
            head.refcount++;
            first.next = null;
        }
    }

    /** CONFIG SET repl-backlog-size: the history shrinks (incrementally) or is allowed to grow. */
    public void resize(long newSize) {
        size = Math.max(MIN_SIZE, newSize);
        trim(TRIM_BLOCKS_PER_CALL);
    }

    /** The newest {@code max} bytes held, or fewer if fewer are held (what the log shows of the stream). */
    public byte[] tail(int max) {
        long from = endOffset - Math.min(histlen, max);
        byte[] out = new byte[(int) (endOffset - from)];
        int n = 0;
        for (ReplBufBlock b = locate(from); b != null && n < out.length; b = b.next) {
            int start = (int) Math.max(0, from - b.replOffset);
            System.arraycopy(b.buf, start, out, n, b.used - start);
            n += b.used - start;
        }
        return out;
    }
}
