package io.lodestone.store;

/**
 * One key of a database. Key, value, expiry and access clock share one object so a string key costs
 * this entry (40 bytes) plus its key and value arrays.
 */
public final class KeyEntry extends DictEntry {
    /** No expiry set. */
    public static final long NO_EXPIRE = -1;
    /** Bit of {@link #meta}: the string was modified in place (APPEND, SETRANGE...) - OBJECT ENCODING says "raw". */
    public static final int FLAG_RAW = 1 << 24;
    /**
     * Bit of {@link #meta}: the value is a private copy where Redis would share one object between keys
     * (COPY of a small integer) - OBJECT REFCOUNT says 1, not the shared count.
     */
    public static final int FLAG_UNSHARED = 1 << 25;
    /**
     * Bit of {@link #meta}: the string was stored as Redis's createStringObject makes it, without
     * tryObjectEncoding (INCRBYFLOAT's result) - OBJECT ENCODING says "embstr" or "raw" even for "2".
     */
    public static final int FLAG_NOT_INT = 1 << 26;
    private static final int CLOCK_MASK = 0xFFFFFF;
    /** Bits 27-31 of {@link #meta}: the epoch of the last snapshot that visited the entry (see {@link Snapshot}). */
    private static final int EPOCH_SHIFT = 27;

    Object value;
    long expireAt = NO_EXPIRE;
    /** Position in the database's expiry index, or -1. */
    int ttlSlot = -1;
    /** Low 24 bits: LRU clock (seconds) or LFU data, as Redis's robj.lru; bits 24-26: flags; 27-31: snapshot epoch. */
    int meta;

    KeyEntry(byte[] key, Object value, int epoch) {
        super(key);
        this.value = value;
        this.meta = epoch << EPOCH_SHIFT;
    }

    int epoch() {
        return meta >>> EPOCH_SHIFT;
    }

    void epoch(int epoch) {
        meta = (meta & ~(-1 << EPOCH_SHIFT)) | (epoch << EPOCH_SHIFT);
    }

    /** The value: {@code byte[]} for strings, a {@code store.type} object otherwise. */
    public Object value() {
        return value;
    }

    /** Replaces the value in place (the expiry stays); callers account the change themselves. */
    public void value(Object v) {
        this.value = v;
        this.meta &= ~(FLAG_RAW | FLAG_UNSHARED | FLAG_NOT_INT);
    }

    /** Absolute expiry in unix ms, or {@link #NO_EXPIRE}. */
    public long expireAt() {
        return expireAt;
    }

    public boolean hasFlag(int flag) {
        return (meta & flag) != 0;
    }

    public void setFlag(int flag) {
        meta |= flag;
    }

    public int clock() {
        return meta & CLOCK_MASK;
    }

    public void clock(int clock) {
        meta = (meta & ~CLOCK_MASK) | (clock & CLOCK_MASK);
    }
}
