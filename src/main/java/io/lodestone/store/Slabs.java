package io.lodestone.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Memory for a {@link KeyTable}'s records: large {@code byte[]} pages carved into records, addressed
 * by a {@code long} (page and offset). The collector sees one primitive array per page - nothing to
 * trace and, allocated old, nothing to copy - where one object per key would be copied by every
 * young collection it survives and scanned through every old bucket array pointing at it
 * (docs/ARCHITECTURE.md, "Memory and the collector").
 *
 * <p>Allocation works like a size-class allocator (jemalloc's small bins): sizes are rounded to 8
 * bytes; each size has a free list threaded through the freed records themselves; otherwise records
 * are cut from the current page. A record larger than {@link #MAX_CLASS} gets a page of its own,
 * given back when the record is freed. Pages are never compacted: like Redis without active defrag,
 * memory freed by deletes is reused by later records of the same size.
 *
 * <p>Address 0 is "no record". Not thread-safe.
 */
final class Slabs {
    /**
     * The largest page: under G1, one heap region less a little for the array header, so each page is
     * a humongous object filling its region, allocated straight into the old generation, never copied
     * and wasting nothing. Otherwise 256 KB.
     */
    static final int PAGE = pageSize();
    /** The first page's size; each next page is as large as all pages so far, up to {@link #PAGE}. */
    private static final int FIRST_PAGE = 64 * 1024;
    /** The largest record cut from shared pages; larger ones get a page of their own. */
    static final int MAX_CLASS = 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    byte[][] pages = new byte[4][];
    private int pageCount;
    /** The page records are cut from, and the next free offset in it. */
    private int current = -1;
    private int top;
    /** Free-list head for each size / 8. */
    private final long[] free = new long[MAX_CLASS / 8 + 1];
    /** Indexes of pages given back (by records with a page of their own), reused first. */
    private int[] freePages = new int[4];
    private int freePageCount;
    private long pageBytes;

    private static int pageSize() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if ("true".equals(vm.getVMOption("UseG1GC").getValue())) {
                long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
                if (region >= 1 << 20 && region <= 1 << 30) return (int) region - 64;
            }
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or no management module: ordinary pages.
        }
        return 256 * 1024;
    }

    static long address(int page, int offset) {
        return ((long) (page + 1) << 32) | offset;
    }

    static int page(long address) {
        return (int) (address >>> 32) - 1;
    }

    static int offset(long address) {
        return (int) address;
    }

    /** {@code size} rounded as records are allocated. */
    static int rounded(int size) {
        return (size + 7) & ~7;
    }

    /** A record of at least {@code size} bytes (exactly {@link #rounded}); its content is undefined. */
    long allocate(int size) {
        int n = rounded(size);
        if (n > MAX_CLASS) return address(newPage(n), 0);
        long head = free[n >>> 3];
        if (head != 0) {
            free[n >>> 3] = getLong(head, 0);
            return head;
        }
        if (current < 0 || top + n > pages[current].length) {
            // Pages grow from 64 KB as the table does, so a database of a few keys costs a few KB.
            current = newPage((int) Math.min(PAGE, Math.max(FIRST_PAGE, pageBytes)));
            top = 0;
        }
        long a = address(current, top);
        top += n;
        return a;
    }

    /** Gives back a record of {@code size} bytes (as {@link #rounded}) allocated here. */
    void free(long address, int size) {
        if (size > MAX_CLASS) {
            int p = page(address);
            pages[p] = null;
            pageBytes -= size;
            if (freePageCount == freePages.length) freePages = Arrays.copyOf(freePages, freePageCount * 2);
            freePages[freePageCount++] = p;
            return;
        }
        putLong(address, 0, free[size >>> 3]);
        free[size >>> 3] = address;
    }

    private int newPage(int bytes) {
        int p;
        if (freePageCount > 0) {
            p = freePages[--freePageCount];
        } else {
            if (pageCount == pages.length) pages = Arrays.copyOf(pages, pageCount * 2);
            p = pageCount++;
        }
        pages[p] = new byte[bytes];
        pageBytes += bytes;
        return p;
    }

    byte[] array(long address) {
        return pages[page(address)];
    }

    long getLong(long address, int field) {
        return (long) LONGS.get(pages[page(address)], offset(address) + field);
    }

    void putLong(long address, int field, long v) {
        LONGS.set(pages[page(address)], offset(address) + field, v);
    }

    int getInt(long address, int field) {
        return (int) INTS.get(pages[page(address)], offset(address) + field);
    }

    void putInt(long address, int field, int v) {
        INTS.set(pages[page(address)], offset(address) + field, v);
    }
}
