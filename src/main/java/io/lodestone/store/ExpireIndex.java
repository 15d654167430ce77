package io.lodestone.store;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The keys of one database that have an expiry, in a dense array so active expiry can sample them at
 * random in O(1); each entry remembers its slot so removal is O(1) too (swap with the last).
 */
final class ExpireIndex {
    private KeyEntry[] slots = new KeyEntry[16];
    private int size;

    int size() {
        return size;
    }

    void add(KeyEntry e) {
        if (e.ttlSlot >= 0) return;
        if (size == slots.length) slots = Arrays.copyOf(slots, size * 2);
        e.ttlSlot = size;
        slots[size++] = e;
    }

    void remove(KeyEntry e) {
        int slot = e.ttlSlot;
        if (slot < 0) return;
        KeyEntry last = slots[--size];
        slots[slot] = last;
        last.ttlSlot = slot;
        slots[size] = null;
        e.ttlSlot = -1;
        if (slots.length > 64 && size < slots.length / 4) slots = Arrays.copyOf(slots, slots.length / 2);
    }

    KeyEntry random() {
        return size == 0 ? null : slots[ThreadLocalRandom.current().nextInt(size)];
    }

    void clear() {
        slots = new KeyEntry[16];
        size = 0;
    }
}
