package io.lodestone.store;

/**
 * One key of a database, as a view of its record in the database's {@link KeyTable}: the key and
 * its value, expiry and access clock live in the table's pages, not in this object, which a lookup
 * creates and the command drops. A view stays readable until the command ends even when its key is
 * removed (the table reclaims memory between commands), so it must not be kept longer.
 *
 * <p>A string value is copied out by {@link #value()}; one that a command writes in place is stored
 * with {@link #own} (Redis's "raw" encoding), and then {@link #value()} returns that very array.
 */
public final class KeyEntry {
    /** No expiry set. */
    public static final long NO_EXPIRE = -1;
    /**
     * Bit of the meta word: the string was modified in place (APPEND, SETRANGE...) - OBJECT ENCODING
     * says "raw" - and its array is owned by the entry, which holds it as an object.
     */
    public static final int FLAG_RAW = 1 << 24;
    /**
     * Bit of the meta word: the value is a private copy where Redis would share one object between keys
     * (COPY of a small integer) - OBJECT REFCOUNT says 1, not the shared count.
     */
    public static final int FLAG_UNSHARED = 1 << 25;
    /**
     * Bit of the meta word: the string was stored as Redis's createStringObject makes it, without
     * tryObjectEncoding (INCRBYFLOAT's result) - OBJECT ENCODING says "embstr" or "raw" even for "2".
     */
    public static final int FLAG_NOT_INT = 1 << 26;
    private static final int FLAGS = FLAG_RAW | FLAG_UNSHARED | FLAG_NOT_INT;
    private static final int CLOCK_MASK = 0xFFFFFF;
    /** Bits 27-31 of the meta word: the epoch of the last snapshot that visited the entry (see {@link Snapshot}). */
    private static final int EPOCH_SHIFT = 27;

    final KeyTable table;
    final long address;

    KeyEntry(KeyTable table, long address) {
        this.table = table;
        this.address = address;
    }

    /** Identifies the key's record while the key exists (DEBUG OBJECT's "at:"). */
    public long id() {
        return address;
    }

    /** The key's bytes (a copy). */
    public byte[] key() {
        return table.key(address);
    }

    int meta() {
        return table.meta(address);
    }

    void meta(int meta) {
        table.meta(address, meta);
    }

    int epoch() {
        return meta() >>> EPOCH_SHIFT;
    }

    void epoch(int epoch) {
        meta((meta() & ~(-1 << EPOCH_SHIFT)) | (epoch << EPOCH_SHIFT));
    }

    static int newMeta(int epoch, int clock) {
        return (epoch << EPOCH_SHIFT) | (clock & CLOCK_MASK);
    }

    /**
     * The value: {@code byte[]} for strings (a copy unless {@link #FLAG_RAW}), a {@code store.type}
     * object otherwise.
     */
    public Object value() {
        return table.value(address);
    }

    /**
     * Replaces the value (the expiry stays): a string is copied, the caller keeps its array. Callers
     * account the change themselves.
     */
    public void value(Object v) {
        table.value(address, v);
        meta(meta() & ~FLAGS);
    }

    /**
     * Stores {@code s} itself as the value, flagged {@link #FLAG_RAW}: the caller may go on writing
     * into it in place (SETRANGE, SETBIT, PFADD), as into Redis's raw sds.
     */
    public void own(byte[] s) {
        table.valueObject(address, s);
        meta((meta() & ~FLAGS) | FLAG_RAW);
    }

    /** True when the value is a string stored in the key's record: see {@link #array}. */
    public boolean isInline() {
        return table.isInline(address);
    }

    /** The page holding an inline string, which starts at {@link #inlineOffset}; read it, never keep it. */
    public byte[] array() {
        return table.slabs.array(address);
    }

    public int inlineOffset() {
        return table.inlineOffset(address);
    }

    public int inlineLength() {
        return table.inlineLength(address);
    }

    /** Bytes of the key's record (header, key, inline string). */
    public int recordSize() {
        return table.recordSize(address);
    }

    /** Absolute expiry in unix ms, or {@link #NO_EXPIRE}. */
    public long expireAt() {
        return table.expireAt(address);
    }

    void expireAt(long when) {
        table.expireAt(address, when);
    }

    int ttlSlot() {
        return table.ttlSlot(address);
    }

    void ttlSlot(int slot) {
        table.ttlSlot(address, slot);
    }

    public boolean hasFlag(int flag) {
        return (meta() & flag) != 0;
    }

    /** Sets a flag; {@link #FLAG_RAW} on an inline string moves it to an array the entry owns ({@link #own}). */
    public void setFlag(int flag) {
        if ((flag & FLAG_RAW) != 0 && table.isInline(address)) table.valueObject(address, table.value(address));
        meta(meta() | flag);
    }

    public int clock() {
        return meta() & CLOCK_MASK;
    }

    public void clock(int clock) {
        meta((meta() & ~CLOCK_MASK) | (clock & CLOCK_MASK));
    }

    /** True for views of the same key record. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KeyEntry k && k.table == table && k.address == address;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address);
    }
}
