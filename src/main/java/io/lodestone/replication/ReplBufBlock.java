package io.lodestone.replication;

/**
 * One block of the shared replication buffer (Redis's replBufBlock). Blocks are only appended to: the
 * bytes below {@link #used} never change, so a replica's socket can be handed a view of them without a
 * copy. A block lives while something refers to it: the {@link Backlog} refers to the first block, each
 * replica to the block holding the next byte its socket has not taken ({@link #refcount}).
 */
final class ReplBufBlock {
    /**
     * What Redis counts per block beside its bytes (its list node and the block header), so that
     * {@code mem_total_replication_buffers} and a replica's output buffer size relate as in Redis.
     */
    static final int OVERHEAD = 24 + 40;

    final byte[] buf;
    int used;
    /** Stream offset of buf[0] (Redis's repl_offset). */
    final long replOffset;
    /** Consecutive numbers: a replica's share of the buffer is counted in blocks by their difference. */
    final long id;
    int refcount;
    ReplBufBlock next;

    ReplBufBlock(int size, long replOffset, long id) {
        this.buf = new byte[size];
        this.replOffset = replOffset;
        this.id = id;
    }

    /** Stream offset of the byte after the last one written. */
    long endOffset() {
        return replOffset + used;
    }
}
