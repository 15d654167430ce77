package io.lodestone.store;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The keys of one database that have an expiry, in a dense array of record addresses so active
 * expiry can sample them at random in O(1); each record remembers its slot so removal is O(1) too
 * (swap with the last).
 */
final class ExpireIndex {
    private final KeyTable table;
    private long[] slots = new long[16];
    private int size;

    ExpireIndex(KeyTable table) {
        this.table = table;
    }

    int size() {
        return size;
    }

    void add(long a) {
        if (table.ttlSlot(a) >= 0) return;
        if (size == slots.length) slots = Arrays.copyOf(slots, size * 2);
        table.ttlSlot(a, size);
        slots[size++] = a;
    }

    void remove(long a) {
        int slot = table.ttlSlot(a);
        if (slot < 0) return;
        long last = slots[--size];
        slots[slot] = last;
        table.ttlSlot(last, slot);
        slots[size] = 0;
        table.ttlSlot(a, -1);
        if (slots.length > 64 && size < slots.length / 4) slots = Arrays.copyOf(slots, slots.length / 2);
    }

    /** Accounted bytes of the index. */
    long memory() {
        return ObjectSize.primitives(slots.length, 8);
    }

    /**
     * {@code count} records with an expiry picked at random (fewer when there are fewer). Slots are
     * in insertion order, so neighbours would be keys of one age: each pick is drawn on its own.
     */
    void sample(int count, java.util.function.LongConsumer visitor) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int k = Math.min(count, size); k > 0; k--) visitor.accept(slots[rnd.nextInt(size)]);
    }

    /** A random record with an expiry, or 0. */
    long random() {
        return size == 0 ? 0 : slots[ThreadLocalRandom.current().nextInt(size)];
    }
}
