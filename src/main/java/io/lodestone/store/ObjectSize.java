package io.lodestone.store;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;

/**
 * What a key and its value cost in memory, computed from the data structures (Redis's
 * objectComputeSize): the bytes of each array and object they consist of, in the JVM's layout.
 * Nothing is measured on the heap; each value class adds up its own parts with the sizes defined
 * here, and a large collection is sampled as Redis samples it - the average cost of its first
 * {@code samples} elements (or chunks) times their number, plus the fixed parts (tables, headers).
 *
 * <p>This is the one owner of the cost model: MEMORY USAGE reads it, and accounting of the whole
 * data set can add up the same numbers.
 *
 * <p>The layout is HotSpot's on 64 bits: 12-byte object headers (compressed class pointers), 16-byte
 * array headers, 8-byte alignment, and 4-byte references while the heap is small enough for
 * compressed oops (under 32 GB), 8 otherwise.
 */
public final class ObjectSize {
    /** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES: MEMORY USAGE samples 5 elements unless told otherwise. */
    public static final long DEFAULT_SAMPLES = 5;
    /** The heap size up to which HotSpot compresses references (by default). */
    private static final long COMPRESSED_OOPS_LIMIT = 32L << 30;
    public static final int REFERENCE = Runtime.getRuntime().maxMemory() < COMPRESSED_OOPS_LIMIT ? 4 : 8;
    public static final int OBJECT_HEADER = 12;
    public static final int ARRAY_HEADER = 16;

    private ObjectSize() {
    }

    /** n rounded up to the JVM's 8-byte alignment. */
    public static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** A {@code byte[]} of {@code length}. */
    public static long bytes(long length) {
        return align(ARRAY_HEADER + length);
    }

    /** An array of {@code length} references. */
    public static long references(long length) {
        return align(ARRAY_HEADER + length * REFERENCE);
    }

    /** An array of {@code length} primitives of {@code width} bytes each. */
    public static long primitives(long length, int width) {
        return align(ARRAY_HEADER + length * width);
    }

    /** An object with {@code refs} reference fields and {@code primitiveBytes} bytes of other fields. */
    public static long object(int refs, int primitiveBytes) {
        return align(OBJECT_HEADER + (long) refs * REFERENCE + primitiveBytes);
    }

    /**
     * MEMORY USAGE of a key: its record (header, key and an inline string), its slot in the
     * database's table and a value held as an object (as Redis adds the dictEntry and the key's sds
     * to objectComputeSize).
     *
     * @param samples elements of a collection to look at; {@code Long.MAX_VALUE} for all
     */
    public static long of(KeyEntry e, long samples) {
        long record = e.recordSize() + 8;
        return e.isInline() ? record : record + REFERENCE + value(e.value(), samples);
    }

    /** The value alone: a string's array, or what the collection's class computes for itself. */
    public static long value(Object v, long samples) {
        if (v instanceof byte[] s) return bytes(s.length);
        if (v instanceof ListValue l) return l.memoryUsage(samples);
        if (v instanceof HashValue h) return h.memoryUsage(samples);
        if (v instanceof SetValue s) return s.memoryUsage(samples);
        if (v instanceof ZSetValue z) return z.memoryUsage(samples);
        if (v instanceof StreamValue s) return s.memoryUsage(samples);
        return 0;
    }

    /** Elements of a collection (its length for a stream), -1 for a string. */
    static long elements(Object v) {
        if (v instanceof ListValue l) return l.size();
        if (v instanceof HashValue h) return h.size();
        if (v instanceof SetValue s) return s.size();
        if (v instanceof ZSetValue z) return z.size();
        if (v instanceof StreamValue s) return s.length();
        return -1;
    }

    /**
     * Redis's extrapolation: {@code total} elements costing on average {@code sampledBytes / sampled}
     * (0 when nothing was sampled).
     */
    public static long extrapolate(long sampledBytes, long sampled, long total) {
        return sampled == 0 ? 0 : (long) ((double) sampledBytes / sampled * total);
    }
}
