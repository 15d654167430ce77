package io.lodestone.command;

/**
 * One command's latency distribution for INFO latencystats (Redis's per-command hdr_histogram,
 * 1 ns to 1 s, two significant figures). Log-linear buckets: each power of two is cut into 128
 * equal steps, so a value is known within 1/128 (0.8%) of itself; a percentile is reported as the
 * highest value of its bucket, as hdr_value_at_percentile does. Recording is a shift and an add.
 */
public final class LatencyHistogram {
    /** Steps per power of two (2^HALF_BITS); values below 2 * HALF ns are kept exactly. */
    private static final int HALF_BITS = 7;
    private static final int HALF = 1 << HALF_BITS;
    /** Redis's LATENCY_HISTOGRAM_MAX_VALUE: 1 s; longer calls count as 1 s. */
    private static final long MAX_NS = 1_000_000_000L;
    private static final int BUCKETS = index(MAX_NS) + 1;

    private final long[] counts = new long[BUCKETS];
    private long total;

    public void record(long ns) {
        counts[index(Math.max(1, Math.min(ns, MAX_NS)))]++;
        total++;
    }

    public long count() {
        return total;
    }

    /** The value (ns) at or below which {@code percentile}% of the recorded values fall. */
    public long valueAtPercentile(double percentile) {
        if (total == 0) return 0;
        long wanted = Math.max(1, (long) Math.ceil(Math.min(100.0, percentile) / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= wanted) return highestIn(i);
        }
        return highestIn(BUCKETS - 1);
    }

    /** How many recorded values are at most {@code ns} (exact at powers of two minus one). */
    public long countAtOrBelow(long ns) {
        long n = 0;
        for (int i = 0; i < BUCKETS && highestIn(i) <= ns; i++) n += counts[i];
        return n;
    }

    private static int index(long v) {
        if (v < 2 * HALF) return (int) v;
        int shift = 63 - Long.numberOfLeadingZeros(v) - HALF_BITS;
        return 2 * HALF + (shift - 1) * HALF + (int) (v >>> shift) - HALF;
    }

    /** The largest value that lands in bucket {@code i}. */
    private static long highestIn(int i) {
        if (i < 2 * HALF) return i;
        int shift = (i - 2 * HALF) / HALF + 1;
        long lowest = (long) ((i - 2 * HALF) % HALF + HALF) << shift;
        return lowest + (1L << shift) - 1;
    }
}
