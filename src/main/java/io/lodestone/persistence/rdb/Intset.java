package io.lodestone.persistence.rdb;

/**
 * Redis's intset layout (intset.c, RDB type 11): encoding (uint32 LE: 2, 4 or 8 bytes an element),
 * length (uint32 LE), then the elements in ascending order, little-endian.
 */
final class Intset {
    private static final int HEADER = 8;

    private Intset() {
    }

    /**
     * intsetValidateIntegrity's shallow part, the checks Redis makes without deep sanitization: a
     * readable header, a known encoding, a size that holds exactly the elements, and at least one.
     */
    static boolean headerValid(byte[] is) {
        if (is.length < HEADER) return false;
        long width = Listpack.le(is, 0, 4);
        if (width != 2 && width != 4 && width != 8) return false;
        long n = Listpack.le(is, 4, 4);
        return HEADER + n * width == is.length && n != 0;
    }

    /** Number of elements of a valid intset. */
    static int length(byte[] is) {
        return (int) Listpack.le(is, 4, 4);
    }

    /** Element {@code i} of a valid intset. */
    static long get(byte[] is, int i) {
        int width = (int) Listpack.le(is, 0, 4);
        long v = Listpack.le(is, HEADER + i * width, width);
        return width == 8 ? v : (v << (64 - 8 * width)) >> (64 - 8 * width);
    }

    /** intsetValidateIntegrity's deep part: elements strictly ascending (sorted, no duplicates). */
    static boolean sorted(byte[] is) {
        int n = length(is);
        for (int i = 1; i < n; i++) {
            if (get(is, i - 1) >= get(is, i)) return false;
        }
        return true;
    }
}
