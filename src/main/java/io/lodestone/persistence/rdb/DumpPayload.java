package io.lodestone.persistence.rdb;

import io.lodestone.util.Log;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * DUMP's payload (Redis's cluster.c): one RDB value (type byte and data), the RDB version that wrote
 * it (2 bytes, little-endian), and the CRC64 of everything before the checksum (8 bytes,
 * little-endian). RESTORE and MIGRATE's target read it here; {@link RdbValueWriter#dump} writes it.
 */
public final class DumpPayload {
    private static final int FOOTER = 10;

    private DumpPayload() {
    }

    /**
     * verifyDumpPayload: long enough for the footer, an RDB version this server reads, and (unless
     * DEBUG SET-SKIP-CHECKSUM-VALIDATION is on) a matching checksum.
     */
    public static boolean verify(byte[] p, boolean skipChecksum) {
        if (p.length < FOOTER) return false;
        int footer = p.length - FOOTER;
        int version = (p[footer] & 0xFF) | (p[footer + 1] & 0xFF) << 8;
        if (version > Rdb.VERSION) return false;
        if (skipChecksum) return true;
        long crc = Crc64.of(p, 0, p.length - 8);
        for (int i = 0; i < 8; i++) {
            if ((byte) (crc >>> (8 * i)) != p[p.length - 8 + i]) return false;
        }
        return true;
    }

    /**
     * Decodes a payload that passed {@link #verify}: rdbLoadObjectType (a type byte Redis knows as a
     * value type) and rdbLoadObject. As Redis's rio over the payload, the reader may run into the footer
     * (a string whose length covers it loads); bytes left over are ignored. {@code sanitized} is told
     * how many blobs were deeply validated, whether the payload loads or not (INFO
     * dump_payload_sanitizations).
     */
    public static Object decode(byte[] p, RdbValueReader.Limits limits, boolean deep, IntConsumer sanitized)
            throws RdbFormatException {
        int type = p[0] & 0xFF;
        if (!(type <= 7 || (type >= 9 && type <= 19))) throw new RdbFormatException(0, "Unknown RDB encoding type " + type);
        RdbValueReader r = new RdbValueReader(p, 0, p.length, limits).deep(deep);
        try {
            return r.read();
        } finally {
            sanitized.accept(r.sanitizations());
        }
    }

    /**
     * Logs a refused payload as Redis's rdbReportError does in a RESTORE (verbose, not fatal). What
     * Redis would have let through unsanitized and then failed an assertion on is logged as that
     * failure, with a warning: the value was refused instead, the server keeps running.
     */
    public static void logRefused(RdbFormatException e, SanitizeDumpPayload mode) {
        switch (e.kind()) {
            case CORRUPT -> Log.verbose("Internal error in RDB reading offset " + e.offset() + " -> " + e.reason());
            case UNSANITIZED -> {
                Log.warning("Corrupt DUMP payload passed the shallow checks of sanitize-dump-payload "
                        + mode.name().toLowerCase(Locale.ROOT) + ": " + e.reason() + " at offset " + e.offset());
                Log.warning("=== ASSERTION FAILED === Redis would keep this value and fail an assertion when it is"
                        + " used; Lodestone refused it (RESTORE replied Bad data format)");
            }
            case EMPTY_KEY -> { }
        }
    }
}
