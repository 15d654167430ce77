package io.lodestone.persistence.rdb;

/**
 * Redis's crc64 (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0, no final xor. DUMP payloads and RDB files end with it, little-endian.
 */
public final class Crc64 {
    /** The Jones polynomial, bit-reversed for the reflected (LSB-first) algorithm. */
    private static final long POLY_REFLECTED = 0x95ac9329ac4bc9b5L;
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY_REFLECTED : crc >>> 1;
            TABLE[i] = crc;
        }
    }

    private Crc64() {
    }

    /** Continues {@code crc} over {@code buf[off, off+len)}; start with 0. */
    public static long update(long crc, byte[] buf, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            crc = TABLE[(int) ((crc ^ buf[i]) & 0xFF)] ^ (crc >>> 8);
        }
        return crc;
    }

    public static long of(byte[] buf, int off, int len) {
        return update(0, buf, off, len);
    }
}
