package io.lodestone.persistence.rdb;

/**
 * Input that is not a valid RDB value; the message names the byte offset where reading failed. The
 * {@link #reason()} is Redis's own text for the failure where it has one ("Ziplist integrity check
 * failed.", "Duplicate set members detected"), so logs read as Redis's do.
 */
public final class RdbFormatException extends Exception {
    /** How Redis 7.0's rdbLoadObject meets the problem. */
    public enum Kind {
        /** Refused while loading (rdbReportCorruptRDB or a short read): RESTORE answers "Bad data format". */
        CORRUPT,
        /**
         * An empty collection (rdbLoadObject's {@code emptykey}): a file load skips the key, RESTORE refuses
         * it. The reader is positioned after the value.
         */
        EMPTY_KEY,
        /**
         * Corruption only deep sanitization finds: with {@code sanitize-dump-payload no} Redis accepts the
         * value and fails an assertion (or panics) when it is used. Lodestone decodes every value whole, so
         * it refuses it all the same; the kind says what Redis would have done.
         */
        UNSANITIZED
    }

    private final long offset;
    private final String what;
    private final Kind kind;

    public RdbFormatException(long offset, String what) {
        this(offset, what, Kind.CORRUPT);
    }

    public RdbFormatException(long offset, String what, Kind kind) {
        super(what + " at offset " + offset);
        this.offset = offset;
        this.what = what;
        this.kind = kind;
    }

    public long offset() {
        return offset;
    }

    /** What is wrong, without the offset. */
    public String reason() {
        return what;
    }

    public Kind kind() {
        return kind;
    }

    /** The same error, {@code delta} bytes further into a larger input (a window over a file). */
    public RdbFormatException shifted(long delta) {
        return delta == 0 ? this : new RdbFormatException(offset + delta, what, kind);
    }
}
