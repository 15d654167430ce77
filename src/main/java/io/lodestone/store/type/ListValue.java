package io.lodestone.store.type;

import io.lodestone.store.ObjectSize;

import java.util.Arrays;

import static io.lodestone.store.type.ListEntries.decode;
import static io.lodestone.store.type.ListEntries.encode;
import static io.lodestone.store.type.ListEntries.encodedSize;
import static io.lodestone.store.type.ListEntries.entryEquals;
import static io.lodestone.store.type.ListEntries.entrySize;
import static io.lodestone.store.type.ListEntries.entryStartBefore;
import static io.lodestone.store.type.ListEntries.intOf;
import static io.lodestone.store.type.ListEntries.parseCanonical;
import static io.lodestone.store.type.ListEntries.readVar;
import static io.lodestone.store.type.ListEntries.storedAsInt;
import static io.lodestone.store.type.ListEntries.varSize;
import static io.lodestone.store.type.ListEntries.writeEntry;

/**
 * A list value (Redis's quicklist): a deque of chunks, each chunk one byte array of packed elements.
 *
 * <p><b>Why chunks of packed bytes.</b> Measured (docs/BENCHMARKS.md) with 1,000,000 elements
 * "value-&lt;i&gt;" in one list: redis-server 7.0 uses 14.0 bytes per element; a ring buffer of
 * {@code byte[]} would cost 40.6 here (a 16-byte array header, alignment to 8 and a 4-byte reference
 * per element); these chunks cost 14.0, and 4.5 for the integers 0..999999 (Redis: 5.0), because
 * small integers are stored as integers as in a listpack. Access stays fast: see Costs.
 *
 * <p><b>Chunk layout</b>: elements encoded back to back as {@link ListEntries} describes (a little
 * like a listpack), so a chunk can be walked from either end.
 * Elements of a chunk live in {@code buf[start, end)}; the free space on either side lets a chunk
 * grow at the end where elements are pushed. Chunk size follows Redis's list-max-listpack-size:
 * negative fills limit the bytes of a chunk (4 KB to 64 KB), positive ones the element count (with
 * an 8 KB safety limit); an element larger than the limit gets a chunk of its own.
 *
 * <p><b>Plain chunks.</b> As Redis 7.0's quicklist stores an element of at least
 * {@code packed_threshold} bytes (1 GB; DEBUG QUICKLIST-PACKED-THRESHOLD lowers it) in a PLAIN node
 * of its own instead of a listpack, such an element gets a chunk of its own marked plain: nothing is
 * ever added to it or merged with it, and the RDB writer saves it as a PLAIN node. Its bytes use
 * the same element layout, so reading needs no special case.
 *
 * <p><b>Costs.</b> Push and pop at either end are O(1). Access by index finds the chunk by binary
 * search over chunk sequence numbers (each chunk knows the sequence number of its first element;
 * pushes and pops at the ends only ever touch the end chunk's number) and then walks at most half a
 * chunk from its nearer end: O(log(n / chunk) + chunk). Insertion and removal in the middle are
 * O(n), as in Redis.
 *
 * <p>This class knows nothing of commands or RESP. Not thread-safe: values are touched only by the
 * command thread.
 */
public final class ListValue {
    /** Redis's SIZE_SAFETY_LIMIT: the byte bound of a chunk when the fill is a count. */
    private static final int SIZE_SAFETY_LIMIT = 8192;
    /** Redis's FILL_MAX. */
    private static final int FILL_MAX = (1 << 15) - 1;
    /** quicklist.c's default packed_threshold: 1 GB. */
    public static final long DEFAULT_PACKED_THRESHOLD = 1L << 30;
    /** quicklist.c's limit: a threshold must stay below 4 GB by at least 1 MB. */
    private static final long MAX_PACKED_THRESHOLD = (1L << 32) - (1L << 20);

    /**
     * quicklist.c's packed_threshold: elements of at least this many bytes get a plain chunk. Global to
     * the process, as in Redis, where only DEBUG QUICKLIST-PACKED-THRESHOLD changes it.
     */
    private static volatile long packedThreshold = DEFAULT_PACKED_THRESHOLD;

    private Chunk[] chunks;
    /** Ring index of the head chunk; {@code chunks.length} is a power of two. */
    private int first;
    private int nChunks;
    private long size;
    /** Chunk limits (from list-max-listpack-size when the list was created, as in Redis). */
    private final int maxBytes;
    private final int maxCount;

    private static final class Chunk {
        byte[] buf;
        int start, end;
        int count;
        /** Sequence number of the first element; consecutive chunks are consecutive ranges. */
        long firstSeq;
        /** Redis's PLAIN quicklist node: exactly one (large) element, never joined by another. */
        boolean plain;

        Chunk(byte[] buf, int start, int end, int count, long firstSeq) {
            this.buf = buf;
            this.start = start;
            this.end = end;
            this.count = count;
            this.firstSeq = firstSeq;
        }

        /** A plain chunk holding the one encoded element {@code e}. */
        static Chunk plain(byte[] e, long firstSeq) {
            Chunk c = new Chunk(e, 0, e.length, 1, firstSeq);
            c.plain = true;
            return c;
        }

        int used() {
            return end - start;
        }
    }

    /**
     * An element to look for (LREM, LPOS, LINSERT's pivot), encoded once: comparisons against the list
     * then need no decoding of integers.
     */
    public static final class Probe {
        final byte[] bytes;
        final boolean isInt;
        final long value;

        private Probe(byte[] bytes) {
            this.bytes = bytes;
            this.isInt = storedAsInt(bytes);
            this.value = isInt ? parseCanonical(bytes) : 0;
        }
    }

    /**
     * A new empty list whose chunks follow {@code fill}, Redis's list-max-listpack-size: -1..-5 for
     * 4..64 KB chunks, a positive number for that many elements per chunk.
     */
    public ListValue(long fill) {
        if (fill > FILL_MAX) fill = FILL_MAX;
        if (fill < -5) fill = -5;
        if (fill < 0) {
            this.maxBytes = 4096 << (int) (-fill - 1);
            this.maxCount = Integer.MAX_VALUE;
        } else {
            this.maxBytes = SIZE_SAFETY_LIMIT;
            this.maxCount = (int) Math.max(1, fill);
        }
        this.chunks = new Chunk[1];
    }

    private ListValue(int maxBytes, int maxCount, int capacity) {
        this.maxBytes = maxBytes;
        this.maxCount = maxCount;
        this.chunks = new Chunk[capacity];
    }

    public static Probe probe(byte[] element) {
        return new Probe(element);
    }

    /**
     * quicklistisSetPackedThreshold: sets the size from which elements get a plain chunk; 0 restores
     * the default. False (and no change) for sizes from 4 GB - 1 MB up, or "negative" ones: the
     * argument is read as unsigned, as memtoull's result is.
     */
    public static boolean setPackedThreshold(long sz) {
        if (Long.compareUnsigned(sz, MAX_PACKED_THRESHOLD) > 0) return false;
        packedThreshold = sz == 0 ? DEFAULT_PACKED_THRESHOLD : sz;
        return true;
    }

    public static long packedThreshold() {
        return packedThreshold;
    }

    /** quicklist.c's isLargeElement. */
    static boolean isLarge(byte[] v) {
        return v.length >= packedThreshold;
    }

    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    // ---- The chunk ring --------------------------------------------------------------------------

    private Chunk chunk(int k) {
        return chunks[(first + k) & (chunks.length - 1)];
    }

    private Chunk head() {
        return nChunks == 0 ? null : chunks[first];
    }

    private Chunk tail() {
        return nChunks == 0 ? null : chunk(nChunks - 1);
    }

    private void growRing() {
        Chunk[] n = new Chunk[chunks.length * 2];
        for (int k = 0; k < nChunks; k++) n[k] = chunk(k);
        chunks = n;
        first = 0;
    }

    private void addHeadChunk(Chunk c) {
        if (nChunks == chunks.length) growRing();
        first = (first - 1) & (chunks.length - 1);
        chunks[first] = c;
        nChunks++;
    }

    private void addTailChunk(Chunk c) {
        if (nChunks == chunks.length) growRing();
        chunks[(first + nChunks) & (chunks.length - 1)] = c;
        nChunks++;
    }

    private void removeHeadChunk() {
        chunks[first] = null;
        first = (first + 1) & (chunks.length - 1);
        if (--nChunks == 0) first = 0;
    }

    private void removeTailChunk() {
        chunks[(first + nChunks - 1) & (chunks.length - 1)] = null;
        if (--nChunks == 0) first = 0;
    }

    /** Replaces chunk k with {@code replacement} (zero or more chunks), renumbering sequence numbers. */
    private void replaceChunk(int k, Chunk... replacement) {
        int n = nChunks - 1 + replacement.length;
        int cap = Integer.highestOneBit(Math.max(1, n));
        if (cap < n) cap <<= 1;
        Chunk[] out = new Chunk[Math.max(cap, 1)];
        int j = 0;
        for (int i = 0; i < k; i++) out[j++] = chunk(i);
        for (Chunk c : replacement) out[j++] = c;
        for (int i = k + 1; i < nChunks; i++) out[j++] = chunk(i);
        long seq = nChunks > 0 ? chunk(0).firstSeq : 0;
        chunks = out;
        first = 0;
        nChunks = n;
        renumber(seq);
    }

    /** Recomputes every chunk's first sequence number after a change in the middle. */
    private void renumber(long seq) {
        for (int k = 0; k < nChunks; k++) {
            Chunk c = chunk(k);
            c.firstSeq = seq;
            seq += c.count;
        }
    }

    private boolean fits(Chunk c, int entry) {
        return !c.plain && c.count < maxCount && c.used() + entry <= maxBytes;
    }

    /**
     * Capacity for a chunk that must hold {@code need} bytes: the next of four size classes per
     * doubling, as jemalloc rounds Redis's listpack reallocations, so a growing chunk wastes about a
     * tenth of its bytes while still being reallocated only a few times per doubling.
     */
    static int grownCapacity(int need) {
        if (need <= 16) return 16;
        int step = Math.max(8, Integer.highestOneBit(need - 1) >> 2);
        return (int) Math.min(Integer.MAX_VALUE - 16, ((long) need + step - 1) / step * step);
    }

    private static byte[] trimmed(Chunk c) {
        return Arrays.copyOfRange(c.buf, c.start, c.end);
    }

    /** Drops the free space of a chunk that no longer grows (it has become an inner chunk). */
    private static void trimToSize(Chunk c) {
        if (c.buf.length - c.used() < 8) return;
        c.buf = trimmed(c);
        c.end = c.used();
        c.start = 0;
    }

    // ---- Pushes and pops -------------------------------------------------------------------------

    public void pushHead(byte[] v) {
        if (isLarge(v)) {
            pushPlain(v, true);
            return;
        }
        int n = encodedSize(v);
        Chunk c = head();
        if (c == null || !fits(c, n) || !roomAtHead(c, n)) {
            if (c != null) trimToSize(c);
            byte[] buf = new byte[grownCapacity(n)];
            Chunk nc = new Chunk(buf, buf.length, buf.length, 0, c == null ? 0 : c.firstSeq);
            addHeadChunk(nc);
            c = nc;
        }
        c.start -= n;
        writeEntry(c.buf, c.start, v);
        c.count++;
        c.firstSeq--;
        size++;
    }

    public void pushTail(byte[] v) {
        if (isLarge(v)) {
            pushPlain(v, false);
            return;
        }
        appendPacked(v);
    }

    /**
     * Appends v at the tail inside a packed chunk whatever its size (an element of a packed node read
     * from an RDB file stays packed, as quicklistAppendListpack keeps the node).
     */
    public void appendPacked(byte[] v) {
        int n = encodedSize(v);
        Chunk c = tail();
        if (c == null || !fits(c, n) || !roomAtTail(c, n)) {
            if (c != null) trimToSize(c);
            Chunk nc = new Chunk(new byte[grownCapacity(n)], 0, 0, 0, c == null ? 0 : c.firstSeq + c.count);
            addTailChunk(nc);
            c = nc;
        }
        writeEntry(c.buf, c.end, v);
        c.end += n;
        c.count++;
        size++;
    }

    /** Appends v at the tail in a plain chunk of its own (quicklistAppendPlainNode: an RDB's PLAIN node). */
    public void appendPlain(byte[] v) {
        pushPlain(v, false);
    }

    /** __quicklistInsertPlainNode at the head or the tail. */
    private void pushPlain(byte[] v, boolean head) {
        Chunk c = head ? head() : tail();
        if (c != null) trimToSize(c);
        if (head) {
            addHeadChunk(Chunk.plain(encode(v), c == null ? 0 : c.firstSeq - 1));
        } else {
            addTailChunk(Chunk.plain(encode(v), c == null ? 0 : c.firstSeq + c.count));
        }
        size++;
    }

    /**
     * Makes n bytes of room before c.start if that is cheap: there already is room, the free space can
     * be moved to the front (when there is plenty of it), or the chunk can grow. False means "start a
     * new chunk": moving a nearly full chunk for every push would cost O(chunk) each time.
     */
    private boolean roomAtHead(Chunk c, int n) {
        if (c.start >= n) return true;
        int used = c.used(), cap = c.buf.length;
        if (cap - used >= n + (cap >> 2)) {
            int to = cap - used;
            System.arraycopy(c.buf, c.start, c.buf, to, used);
            c.start = to;
            c.end = cap;
            return true;
        }
        if (cap >= maxBytes) return false;
        int ncap = grownCapacity(used + n);
        byte[] nb = new byte[ncap];
        System.arraycopy(c.buf, c.start, nb, ncap - used, used);
        c.buf = nb;
        c.start = ncap - used;
        c.end = ncap;
        return true;
    }

    private boolean roomAtTail(Chunk c, int n) {
        if (c.buf.length - c.end >= n) return true;
        int used = c.used(), cap = c.buf.length;
        if (cap - used >= n + (cap >> 2)) {
            System.arraycopy(c.buf, c.start, c.buf, 0, used);
            c.start = 0;
            c.end = used;
            return true;
        }
        if (cap >= maxBytes) return false;
        byte[] nb = new byte[grownCapacity(used + n)];
        System.arraycopy(c.buf, c.start, nb, 0, used);
        c.buf = nb;
        c.start = 0;
        c.end = used;
        return true;
    }

    /** Removes and returns the first element, or null when the list is empty. */
    public byte[] popHead() {
        Chunk c = head();
        if (c == null) return null;
        byte[] v = decode(c.buf, c.start);
        c.start += entrySize(c.buf, c.start);
        c.count--;
        c.firstSeq++;
        size--;
        if (c.count == 0) removeHeadChunk();
        return v;
    }

    /** Removes and returns the last element, or null when the list is empty. */
    public byte[] popTail() {
        Chunk c = tail();
        if (c == null) return null;
        int p = entryStartBefore(c.buf, c.end);
        byte[] v = decode(c.buf, p);
        c.end = p;
        c.count--;
        size--;
        if (c.count == 0) removeTailChunk();
        return v;
    }

    public byte[] pop(boolean head) {
        return head ? popHead() : popTail();
    }

    public void push(byte[] v, boolean head) {
        if (head) pushHead(v);
        else pushTail(v);
    }

    // ---- Access by index -------------------------------------------------------------------------

    /** Chunk position k holding index (0 <= index < size). */
    private int chunkOf(long index) {
        if (nChunks == 1) return 0;
        long seq = chunk(0).firstSeq + index;
        int lo = 0, hi = nChunks - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (chunk(mid).firstSeq <= seq) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** Offset in chunk c of its element j, walking from the nearer end. */
    private static int offsetOf(Chunk c, int j) {
        byte[] b = c.buf;
        if (j <= c.count / 2) {
            int p = c.start;
            for (int i = 0; i < j; i++) p += entrySize(b, p);
            return p;
        }
        int e = c.end;
        for (int i = c.count; i > j; i--) e = entryStartBefore(b, e);
        return e;
    }

    /** The element at index (0-based from the head), or null when out of range. */
    public byte[] get(long index) {
        if (index < 0 || index >= size) return null;
        int k = chunkOf(index);
        Chunk c = chunk(k);
        return decode(c.buf, offsetOf(c, (int) (index - (c.firstSeq - chunk(0).firstSeq))));
    }

    /** Replaces the element at index; false when out of range. */
    public boolean set(long index, byte[] v) {
        if (index < 0 || index >= size) return false;
        int k = chunkOf(index);
        Chunk c = chunk(k);
        int p = offsetOf(c, (int) (index - (c.firstSeq - chunk(0).firstSeq)));
        if (c.plain) {
            // quicklistReplaceEntry on a plain node: a large element takes its place, a small one
            // leaves a packed node of one element where it was.
            byte[] e = encode(v);
            c.buf = e;
            c.start = 0;
            c.end = e.length;
            c.plain = isLarge(v);
            return true;
        }
        int old = entrySize(c.buf, p);
        int n = encodedSize(v);
        if (n == old && !isLarge(v)) {
            writeEntry(c.buf, p, v);
            return true;
        }
        removeEntryAt(c, p, old);
        c.count--;
        size--;
        insertAt(k, c, p, v);
        return true;
    }

    private static void removeEntryAt(Chunk c, int p, int n) {
        System.arraycopy(c.buf, p + n, c.buf, p, c.end - p - n);
        c.end -= n;
    }

    /**
     * Inserts v at offset p of chunk k (which is c): in place when the chunk has room, otherwise by
     * splitting the chunk at p. Sizes and sequence numbers are kept.
     */
    private void insertAt(int k, Chunk c, int p, byte[] v) {
        int n = encodedSize(v);
        size++;
        boolean large = isLarge(v);
        if (!large && fits(c, n)) {
            if (c.buf.length - c.end < n) {
                int used = c.used();
                boolean edge = k == 0 || k == nChunks - 1;
                byte[] nb = new byte[edge ? grownCapacity(used + n) : used + n];
                System.arraycopy(c.buf, c.start, nb, 0, used);
                p -= c.start;
                c.buf = nb;
                c.start = 0;
                c.end = used;
            }
            System.arraycopy(c.buf, p, c.buf, p + n, c.end - p);
            writeEntry(c.buf, p, v);
            c.end += n;
            c.count++;
            renumber(chunk(0).firstSeq);
            return;
        }
        if (c.plain) {
            // Nothing joins a plain chunk: v gets a chunk of its own on the side of p.
            Chunk mid = large ? Chunk.plain(encode(v), 0) : new Chunk(encode(v), 0, n, 1, 0);
            if (p == c.start) replaceChunk(k, mid, c);
            else replaceChunk(k, c, mid);
            return;
        }
        // Split at p: [start, p) | v | [p, end), v joining a side that has room (a large v never
        // joins: it gets a plain chunk).
        int leftCount = 0;
        for (int q = c.start; q < p; q += entrySize(c.buf, q)) leftCount++;
        Chunk left = new Chunk(Arrays.copyOfRange(c.buf, c.start, p), 0, p - c.start, leftCount, 0);
        Chunk right = new Chunk(Arrays.copyOfRange(c.buf, p, c.end), 0, c.end - p, c.count - leftCount, 0);
        byte[] e = encode(v);
        Chunk mid = null;
        if (large) {
            mid = Chunk.plain(e, 0);
        } else if (left.count > 0 && fits(left, n)) {
            left.buf = Arrays.copyOf(left.buf, left.end + n);
            System.arraycopy(e, 0, left.buf, left.end, n);
            left.end += n;
            left.count++;
        } else if (right.count > 0 && fits(right, n)) {
            byte[] nb = new byte[right.end + n];
            System.arraycopy(e, 0, nb, 0, n);
            System.arraycopy(right.buf, 0, nb, n, right.end);
            right.buf = nb;
            right.end += n;
            right.count++;
        } else {
            mid = new Chunk(e, 0, n, 1, 0);
        }
        int parts = (left.count > 0 ? 1 : 0) + (mid != null ? 1 : 0) + (right.count > 0 ? 1 : 0);
        Chunk[] r = new Chunk[parts];
        int i = 0;
        if (left.count > 0) r[i++] = left;
        if (mid != null) r[i++] = mid;
        if (right.count > 0) r[i] = right;
        replaceChunk(k, r);
    }

    // ---- Iteration -------------------------------------------------------------------------------

    /**
     * Reads elements one by one from a position, towards the tail or the head. The current element is
     * either an integer ({@link #isInteger}, {@link #integer}) or bytes ({@link #array},
     * {@link #offset}, {@link #length}) - read in place, nothing is copied. The list must not change
     * while a cursor is in use.
     */
    public final class Cursor {
        private final boolean forward;
        private long remaining;
        private int k;
        private Chunk c;
        /** Forward: start of the next element. Backward: end of the next element. */
        private int p;
        private int cur;
        private long header;

        private Cursor(long index, boolean forward) {
            this.forward = forward;
            if (index < 0 || index >= size) {
                remaining = 0;
                return;
            }
            remaining = forward ? size - index : index + 1;
            k = chunkOf(index);
            c = chunk(k);
            int at = offsetOf(c, (int) (index - (c.firstSeq - chunk(0).firstSeq)));
            p = forward ? at : at + entrySize(c.buf, at);
        }

        /** Moves to the next element; false at the end of the list. */
        public boolean next() {
            if (remaining == 0) return false;
            remaining--;
            if (forward) {
                if (p >= c.end) {
                    c = chunk(++k);
                    p = c.start;
                }
                cur = p;
                p += entrySize(c.buf, p);
            } else {
                if (p <= c.start) {
                    c = chunk(--k);
                    p = c.end;
                }
                p = entryStartBefore(c.buf, p);
                cur = p;
            }
            header = readVar(c.buf, cur);
            return true;
        }

        public boolean isInteger() {
            return (header & 1) == 1;
        }

        public long integer() {
            return intOf(header);
        }

        public byte[] array() {
            return c.buf;
        }

        public int offset() {
            return cur + varSize(header);
        }

        public int length() {
            return (header & 1) == 1 ? 0 : (int) (header >>> 1);
        }

        public boolean matches(Probe probe) {
            return entryEquals(c.buf, cur, probe);
        }

        /** The current element as a new array. */
        public byte[] bytes() {
            return decode(c.buf, cur);
        }

        /** Whether the current element is in a plain chunk (Redis's PLAIN quicklist node). */
        public boolean inPlainChunk() {
            return c.plain;
        }
    }

    /** A cursor from index (0-based) towards the tail ({@code forward}) or the head. */
    public Cursor cursor(long index, boolean forward) {
        return new Cursor(index, forward);
    }

    // ---- Changes in the middle -------------------------------------------------------------------

    /**
     * Removes {@code ltrim} elements from the head and {@code rtrim} from the tail (LTRIM, and
     * popping a range after replying it).
     */
    public void trim(long ltrim, long rtrim) {
        ltrim = Math.min(ltrim, size);
        rtrim = Math.min(rtrim, size - ltrim);
        size -= ltrim + rtrim;
        while (ltrim > 0) {
            Chunk c = head();
            if (c.count <= ltrim) {
                ltrim -= c.count;
                removeHeadChunk();
                continue;
            }
            int p = c.start;
            for (long i = 0; i < ltrim; i++) p += entrySize(c.buf, p);
            c.start = p;
            c.count -= (int) ltrim;
            c.firstSeq += ltrim;
            ltrim = 0;
            shrinkIfSparse(c);
        }
        while (rtrim > 0) {
            Chunk c = tail();
            if (c.count <= rtrim) {
                rtrim -= c.count;
                removeTailChunk();
                continue;
            }
            int e = c.end;
            for (long i = 0; i < rtrim; i++) e = entryStartBefore(c.buf, e);
            c.end = e;
            c.count -= (int) rtrim;
            rtrim = 0;
            shrinkIfSparse(c);
        }
    }

    private static void shrinkIfSparse(Chunk c) {
        if (c.buf.length > 64 && c.used() < c.buf.length / 2) trimToSize(c);
    }

    /**
     * LREM: removes up to {@code limit} elements equal to the probe (0 = all), from the head or (with
     * {@code fromTail}) from the tail. Returns how many were removed.
     */
    public long remove(Probe probe, long limit, boolean fromTail) {
        long removed = 0;
        int[] marks = new int[16];
        for (int i = 0; i < nChunks && (limit == 0 || removed < limit); i++) {
            int k = fromTail ? nChunks - 1 - i : i;
            Chunk c = chunk(k);
            int found = 0;
            byte[] b = c.buf;
            if (fromTail) {
                for (int e = c.end; e > c.start && (limit == 0 || removed + found < limit); ) {
                    int p = entryStartBefore(b, e);
                    if (entryEquals(b, p, probe)) {
                        if (found == marks.length) marks = Arrays.copyOf(marks, found * 2);
                        marks[found++] = p;
                    }
                    e = p;
                }
                for (int x = 0, y = found - 1; x < y; x++, y--) {
                    int t = marks[x];
                    marks[x] = marks[y];
                    marks[y] = t;
                }
            } else {
                for (int p = c.start; p < c.end && (limit == 0 || removed + found < limit); p += entrySize(b, p)) {
                    if (entryEquals(b, p, probe)) {
                        if (found == marks.length) marks = Arrays.copyOf(marks, found * 2);
                        marks[found++] = p;
                    }
                }
            }
            if (found == 0) continue;
            // Compact the chunk towards its start, skipping the marked elements.
            int w = marks[0], m = 0;
            for (int p = marks[0]; p < c.end; ) {
                int n = entrySize(b, p);
                if (m < found && marks[m] == p) {
                    m++;
                } else {
                    if (w != p) System.arraycopy(b, p, b, w, n);
                    w += n;
                }
                p += n;
            }
            c.end = w;
            c.count -= found;
            removed += found;
        }
        if (removed > 0) {
            size -= removed;
            compact();
        }
        return removed;
    }

    /**
     * After removals in the middle: drops empty chunks, merges neighbours that together fit in half a
     * chunk, trims free space of inner chunks, and renumbers.
     */
    private void compact() {
        long seq = nChunks > 0 ? chunk(0).firstSeq : 0;
        Chunk[] out = new Chunk[chunks.length];
        int n = 0;
        for (int k = 0; k < nChunks; k++) {
            Chunk c = chunk(k);
            if (c.count == 0) continue;
            Chunk prev = n > 0 ? out[n - 1] : null;
            if (prev != null && !prev.plain && !c.plain && prev.used() + c.used() <= maxBytes / 2
                    && (long) prev.count + c.count <= maxCount) {
                byte[] nb = Arrays.copyOf(trimmed(prev), prev.used() + c.used());
                System.arraycopy(c.buf, c.start, nb, prev.used(), c.used());
                prev.buf = nb;
                prev.start = 0;
                prev.end = nb.length;
                prev.count += c.count;
                continue;
            }
            shrinkIfSparse(c);
            out[n++] = c;
        }
        chunks = out;
        first = 0;
        nChunks = n;
        renumber(seq);
    }

    /**
     * LINSERT: inserts v before or after the first element (from the head) equal to the pivot.
     * Returns false when there is no such element.
     */
    public boolean insert(Probe pivot, byte[] v, boolean after) {
        for (int k = 0; k < nChunks; k++) {
            Chunk c = chunk(k);
            byte[] b = c.buf;
            for (int p = c.start; p < c.end; p += entrySize(b, p)) {
                if (entryEquals(b, p, pivot)) {
                    insertAt(k, c, after ? p + entrySize(b, p) : p, v);
                    return true;
                }
            }
        }
        return false;
    }

    /** An independent copy (COPY). */
    public ListValue copy() {
        int cap = Integer.highestOneBit(Math.max(1, nChunks));
        if (cap < nChunks) cap <<= 1;
        ListValue l = new ListValue(maxBytes, maxCount, cap);
        for (int k = 0; k < nChunks; k++) {
            Chunk c = chunk(k);
            l.chunks[k] = new Chunk(trimmed(c), 0, c.used(), c.count, c.firstSeq);
            l.chunks[k].plain = c.plain;
        }
        l.nChunks = nChunks;
        l.size = size;
        return l;
    }

    /** The list-max-listpack-size the list was created with (its quicklist fill): RDB node cuts follow it. */
    public long fill() {
        return maxCount == Integer.MAX_VALUE ? -(Integer.numberOfTrailingZeros(maxBytes / 4096) + 1) : maxCount;
    }

    /** A {@link Chunk}: its array, three ints, a long and the plain flag. */
    private static final long CHUNK_OBJECT = ObjectSize.object(1, 3 * 4 + 8 + 1);

    /**
     * MEMORY USAGE of the value (Redis's objectComputeSize for a quicklist): this object and its ring
     * of chunks, plus the first {@code samples} chunks' cost (object and array) times the number of
     * chunks.
     */
    public long memoryUsage(long samples) {
        long fixed = ObjectSize.object(1, 4 + 4 + 8 + 4 + 4) + ObjectSize.references(chunks.length);
        long sampled = 0, n = 0;
        for (int k = 0; k < nChunks && n < samples; k++, n++) sampled += CHUNK_OBJECT + ObjectSize.bytes(chunk(k).buf.length);
        return fixed + ObjectSize.extrapolate(sampled, n, nChunks);
    }

    /** Number of chunks (Redis's quicklist nodes), for tests and DEBUG. */
    public int chunkCount() {
        return nChunks;
    }

    /**
     * DEBUG QUICKLIST's description (what quicklistRepr prints for Redis's nodes): the list, then with
     * {@code full} each chunk's count, bytes and container.
     */
    public String describe(boolean full) {
        StringBuilder sb = new StringBuilder();
        sb.append("{quicklist {count : ").append(size).append("} {len : ").append(nChunks)
                .append("} {fill : ").append(fill()).append("} {packed_threshold : ").append(packedThreshold)
                .append("}}\n");
        for (int k = 0; full && k < nChunks; k++) {
            Chunk c = chunk(k);
            sb.append("{quicklist node(").append(k).append(") {count : ").append(c.count).append("} {sz : ")
                    .append(c.used()).append("} {capacity : ").append(c.buf.length).append("} {container : ")
                    .append(c.plain ? "PLAIN" : "PACKED").append("}}\n");
        }
        return sb.toString();
    }

    /** Checks the internal invariants (tests): counts, sizes, sequence numbers, encodings. */
    public void verify() {
        long total = 0;
        long seq = nChunks > 0 ? chunk(0).firstSeq : 0;
        for (int k = 0; k < nChunks; k++) {
            Chunk c = chunk(k);
            if (c.count <= 0) throw new IllegalStateException("empty chunk " + k);
            if (c.plain && c.count != 1) throw new IllegalStateException("plain chunk " + k + " of " + c.count);
            if (c.firstSeq != seq) throw new IllegalStateException("chunk " + k + " seq " + c.firstSeq + " != " + seq);
            int n = 0;
            int p = c.start;
            while (p < c.end) {
                int s = entrySize(c.buf, p);
                if (entryStartBefore(c.buf, p + s) != p) throw new IllegalStateException("backlen at " + p);
                p += s;
                n++;
            }
            if (p != c.end || n != c.count) throw new IllegalStateException("chunk " + k + " count " + c.count + " != " + n);
            seq += n;
            total += n;
        }
        if (total != size) throw new IllegalStateException("size " + size + " != " + total);
    }
}
