package io.lodestone.store;

import java.util.Arrays;

/**
 * The values a {@link KeyTable} holds as objects (collections, large strings, strings written in
 * place), by index, each with its accounted size: the part of the keyspace's used memory that is not
 * records.
 *
 * <p>A value is sized by {@link ObjectSize} when {@link #settle} runs (once per command), not when it
 * is placed: it is usually filled after it is stored (LPUSH on a new key), and a value written in
 * place is only marked ({@link #changed}) by the write's lookup. A value whose key is removed stops
 * counting at once ({@link #detach}); its slot is given back later ({@link #release}), when no view
 * of the key can read it any more.
 */
final class HeldValues {
    /** Elements of a collection sampled to size it (Redis's MEMORY USAGE default). */
    private static final long SAMPLES = ObjectSize.DEFAULT_SAMPLES;
    /** Flag of a size: the index waits in {@link #changed}. */
    private static final long CHANGED = 1L << 62;
    /** Flag of a size: the key is removed, the value no longer counts (released at the next reclaim). */
    private static final long DETACHED = 1L << 61;
    private static final long SIZE_MASK = DETACHED - 1;

    /**
     * A collection of at least this many elements is sized again only when its element count moved
     * by more than 1/{@value #COUNT_DRIFT} since it was last sized, or after {@value #MAX_SKIPS}
     * changes: sizing on every write cost a large list, set or hash 10-20% of its write rate.
     */
    private static final int LARGE = 256, COUNT_DRIFT = 64, MAX_SKIPS = 64;

    private Object[] objects = new Object[16];
    /** The accounted size of each object, with the two flag bits. */
    private long[] sizes = new long[16];
    /** A collection's element count when it was last sized, and the changes since that were not sized. */
    private long[] counts = new long[16];
    private byte[] skips = new byte[16];
    private int top;
    private int[] free = new int[16];
    private int freeCount;
    /** Indexes placed or written in place since the last {@link #settle}. */
    private int[] changed = new int[16];
    private int changedCount;
    /** The sum of the sizes of the values that count. */
    private long memory;

    Object get(int i) {
        return objects[i];
    }

    /** Holds {@code value} in a free slot; returns its index. */
    int add(Object value) {
        int i;
        if (freeCount > 0) {
            i = free[--freeCount];
        } else {
            if (top == objects.length) {
                objects = Arrays.copyOf(objects, top * 2);
                sizes = Arrays.copyOf(sizes, top * 2);
                counts = Arrays.copyOf(counts, top * 2);
                skips = Arrays.copyOf(skips, top * 2);
            }
            i = top++;
        }
        objects[i] = value;
        sizes[i] &= CHANGED;
        counts[i] = -1;
        changed(i);
        return i;
    }

    /** Replaces the value at {@code i} (it is sized again at {@link #settle}). */
    void set(int i, Object value) {
        objects[i] = value;
        counts[i] = -1;
        changed(i);
    }

    /** Gives slot {@code i} back; its value stops counting if it still did. */
    void release(int i) {
        long s = sizes[i];
        if ((s & DETACHED) == 0) memory -= s & SIZE_MASK;
        sizes[i] = s & CHANGED;
        objects[i] = null;
        if (freeCount == free.length) free = Arrays.copyOf(free, freeCount * 2);
        free[freeCount++] = i;
    }

    /** The key holding {@code i} was removed: its value stops counting now, its slot stays taken. */
    void detach(int i) {
        memory -= sizes[i] & SIZE_MASK;
        sizes[i] = (sizes[i] & CHANGED) | DETACHED;
    }

    /** The value at {@code i} may have changed size. */
    void changed(int i) {
        if ((sizes[i] & CHANGED) != 0) return;
        sizes[i] |= CHANGED;
        if (changedCount == changed.length) changed = Arrays.copyOf(changed, changedCount * 2);
        changed[changedCount++] = i;
    }

    boolean hasChanges() {
        return changedCount > 0;
    }

    /** Sizes the values changed since the last call, so {@link #memory} is exact again. */
    void settle() {
        for (int k = 0; k < changedCount; k++) {
            int i = changed[k];
            long s = sizes[i] & ~CHANGED;
            if ((s & DETACHED) != 0 || objects[i] == null) {
                sizes[i] = s;
                continue;
            }
            long count = ObjectSize.elements(objects[i]);
            long last = counts[i];
            if (count >= LARGE && last >= 0 && Math.abs(count - last) * COUNT_DRIFT < count && skips[i] < MAX_SKIPS) {
                skips[i]++;
                sizes[i] = s;
                continue;
            }
            long size = ObjectSize.value(objects[i], SAMPLES);
            memory += size - s;
            sizes[i] = size;
            counts[i] = count;
            skips[i] = 0;
        }
        changedCount = 0;
        if (changed.length > 1024) changed = new int[16];
    }

    /** The values that count, as last sized. */
    long memory() {
        return memory;
    }

    /** The value at {@code i} as last sized. */
    long size(int i) {
        return sizes[i] & SIZE_MASK;
    }

    /** The index's own arrays. */
    long indexMemory() {
        return ObjectSize.references(objects.length) + ObjectSize.primitives(sizes.length, 8)
                + ObjectSize.primitives(counts.length, 8) + ObjectSize.primitives(skips.length, 1)
                + ObjectSize.primitives(free.length, 4);
    }
}
