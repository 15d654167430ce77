package io.lodestone.persistence.rdb;

/** Input that is not a valid RDB value; the message names the byte offset where reading failed. */
public final class RdbFormatException extends Exception {
    private final long offset;
    private final String what;

    public RdbFormatException(long offset, String what) {
        super(what + " at offset " + offset);
        this.offset = offset;
        this.what = what;
    }

    public long offset() {
        return offset;
    }

    /** The same error, {@code delta} bytes further into a larger input (a window over a file). */
    public RdbFormatException shifted(long delta) {
        return delta == 0 ? this : new RdbFormatException(offset + delta, what);
    }
}
