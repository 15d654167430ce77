package io.lodestone.store.type;

/**
 * A stream entry ID (Redis's streamID): milliseconds and a sequence number, both unsigned 64-bit,
 * held in Java's signed longs and always compared and printed as unsigned.
 */
public record StreamID(long ms, long seq) implements Comparable<StreamID> {
    public static final StreamID MIN = new StreamID(0, 0);
    /** UINT64_MAX-UINT64_MAX. */
    public static final StreamID MAX = new StreamID(-1L, -1L);

    /** streamCompareID: unsigned ms, then unsigned seq. */
    @Override
    public int compareTo(StreamID o) {
        int c = Long.compareUnsigned(ms, o.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
    }

    /** streamIncrID: the successor, carrying into ms; null after MAX. */
    public StreamID next() {
        if (seq != -1L) return new StreamID(ms, seq + 1);
        return ms == -1L ? null : new StreamID(ms + 1, 0);
    }

    /** streamDecrID: the predecessor, borrowing from ms; null before MIN. */
    public StreamID previous() {
        if (seq != 0) return new StreamID(ms, seq - 1);
        return ms == 0 ? null : new StreamID(ms - 1, -1L);
    }

    /** True for 0-0 (streamIDEqZero). */
    public boolean isZero() {
        return ms == 0 && seq == 0;
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }
}
