package io.lodestone.persistence.rdb;

/** Input that is not a valid RDB value; the message names the byte offset where reading failed. */
public final class RdbFormatException extends Exception {
    private final int offset;

    public RdbFormatException(int offset, String what) {
        super(what + " at offset " + offset);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
