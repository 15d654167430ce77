package io.lodestone.store;

/** A node of a {@link Dict} chain. Subclasses add the payload so a key costs one object. */
public class DictEntry {
    final byte[] key;
    DictEntry next;

    public DictEntry(byte[] key) {
        this.key = key;
    }

    public final byte[] key() {
        return key;
    }
}
