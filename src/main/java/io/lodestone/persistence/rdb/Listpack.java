package io.lodestone.persistence.rdb;

import java.util.function.Consumer;

/**
 * What RDB reading and writing need of Redis's listpack layout, on top of the layout itself
 * ({@link io.lodestone.store.type.Listpack}, which stream values keep their nodes in): building a
 * listpack from strings, and decoding one read from a file with Redis's integrity checks.
 */
final class Listpack {
    static final int HEADER = io.lodestone.store.type.Listpack.HEADER;

    private Listpack() {
    }

    /** A listpack under construction. */
    static final class Builder {
        private byte[] lp = io.lodestone.store.type.Listpack.newListpack(64);
        int count;

        Builder() {
        }

        /** Bytes the entry for s would take (encoding, data and backlen): lpInsert's size. */
        static int entrySize(byte[] s) {
            return io.lodestone.store.type.Listpack.entrySize(s);
        }

        void add(byte[] s) {
            lp = io.lodestone.store.type.Listpack.append(lp, s);
            count++;
        }

        /** Bytes of the finished listpack (lpBytes). */
        int bytes() {
            return io.lodestone.store.type.Listpack.bytes(lp);
        }

        byte[] finish() {
            return io.lodestone.store.type.Listpack.shrinkToFit(lp);
        }
    }

    /** string2ll's strict form: what Redis stores as an integer (no sign on 0, no leading zeros). */
    static boolean isCanonicalLong(byte[] s) {
        return io.lodestone.store.type.Listpack.isCanonicalLong(s);
    }

    static long parse(byte[] s) {
        return io.lodestone.store.type.Listpack.parseCanonical(s);
    }

    /**
     * lpValidateIntegrity's shallow part, all Redis checks without deep sanitization: the header can
     * be read, its total size is the blob's, and the last byte is the terminator.
     */
    static boolean headerValid(byte[] lp, int off, int len) {
        return len >= HEADER + 1 && le(lp, off, 4) == len && (lp[off + len - 1] & 0xFF) == 0xFF;
    }

    /**
     * Decodes every entry of a whole-array listpack whose header is {@link #headerValid valid},
     * validating each as lpValidateNext does (a known encoding, inside the blob, a backlen that
     * matches), then that the walk ends on the terminator and that a known element count is right.
     * Integers are handed over as their decimal strings.
     *
     * @return the number of entries
     */
    static int decode(byte[] lp, int off, int len, int base, Consumer<byte[]> sink) throws RdbFormatException {
        if (off != 0 || len != lp.length) lp = java.util.Arrays.copyOfRange(lp, off, off + len);
        int declared = (int) le(lp, 4, 2);
        int p = HEADER;
        int n = 0;
        while (true) {
            int next = io.lodestone.store.type.Listpack.validateNext(lp, p, len);
            if (next == -1) break;
            if (next == -2) throw new RdbFormatException(base + p, "invalid listpack entry");
            sink.accept(io.lodestone.store.type.Listpack.get(lp, p));
            p = next;
            n++;
        }
        if (p != len - 1) throw new RdbFormatException(base + p, "listpack terminator before the end");
        if (declared != io.lodestone.store.type.Listpack.NUMELE_UNKNOWN && declared != n) {
            throw new RdbFormatException(base + 4, "listpack element count mismatch");
        }
        return n;
    }

    static long le(byte[] b, int off, int n) {
        return io.lodestone.store.type.Listpack.le(b, off, n);
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
