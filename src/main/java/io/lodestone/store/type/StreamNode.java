package io.lodestone.store.type;

/**
 * One node of a stream: a listpack in t_stream.c's layout, keyed in the stream by its master ID.
 * <pre>
 * master entry: count | deleted | num-fields | field_1 ... field_N | 0
 * each entry:   flags | ms-diff | seq-diff | [num-fields | field_1 value_1 ...] or [value_1 ...] | lp-count
 * </pre>
 * count and deleted are the node's live and flagged-deleted entries; an entry's ID is the master ID
 * plus its two differences (unsigned, wrapping); SAMEFIELDS entries have the master's fields and
 * store values only; lp-count (the entry's element count less one) lets a walk go backwards, and the
 * master's 0 stops it. XDEL and trims flag entries DELETED instead of removing them.
 *
 * <p>A {@link Cursor} walks one node's entries in either direction; {@link #validate} is
 * streamValidateListpackIntegrity, for bytes read from a file or a DUMP payload.
 */
public final class StreamNode {
    public static final int FLAG_NONE = 0;
    public static final int FLAG_DELETED = 1;
    public static final int FLAG_SAMEFIELDS = 2;

    private StreamNode() {
    }

    /** Live entries of the node (the master entry's count). */
    public static long count(byte[] lp) {
        return Listpack.getInteger(lp, Listpack.HEADER);
    }

    /** Entries flagged deleted (the master entry's deleted). */
    public static long deleted(byte[] lp) {
        return Listpack.getInteger(lp, Listpack.next(lp, Listpack.HEADER));
    }

    /**
     * Sets the master entry's counters; returns the listpack to keep (its integers may change size).
     */
    static byte[] setCounts(byte[] lp, long count, long deleted) {
        int p = Listpack.HEADER;
        lp = Listpack.replaceInteger(lp, p, count);
        return Listpack.replaceInteger(lp, Listpack.next(lp, p), deleted);
    }

    /**
     * A position in one node: the entry whose flags are at {@link #pos}, decoded. Reused across nodes
     * with {@link #reset}; it holds no copies, so it is valid until the node changes.
     */
    static final class Cursor {
        byte[] lp;
        long masterMs;
        long masterSeq;
        int masterFields;
        /** The first master field (the master terminator when there are none). */
        int masterFieldsStart;
        /** The master entry's terminating 0. */
        int masterEnd;

        /** The current entry: flags position, or -1 before the first / after the last. */
        int pos = -1;
        int flags;
        long ms;
        long seq;
        int numFields;
        /** The current entry's first field (or value, with SAMEFIELDS). */
        int data;
        /** The current entry's lp-count. */
        int lpCount;

        void reset(byte[] lp, StreamID master) {
            this.lp = lp;
            masterMs = master.ms();
            masterSeq = master.seq();
            int p = Listpack.next(lp, Listpack.next(lp, Listpack.HEADER));
            masterFields = (int) Listpack.getInteger(lp, p);
            masterFieldsStart = Listpack.next(lp, p);
            p = masterFieldsStart;
            for (int i = 0; i < masterFields; i++) p = Listpack.next(lp, p);
            masterEnd = p;
            pos = -1;
        }

        /** Moves to the node's first entry (deleted or not); false if it has none. */
        boolean first() {
            return at(Listpack.next(lp, masterEnd));
        }

        /** Moves to the node's last entry; false if it has none. */
        boolean last() {
            return atCount(Listpack.last(lp));
        }

        boolean next() {
            return at(Listpack.next(lp, lpCount));
        }

        boolean previous() {
            return atCount(Listpack.prev(lp, pos));
        }

        /** Moves to the entry ending with the lp-count at q (the master's 0 means none is left). */
        private boolean atCount(int q) {
            if (q < 0) return at(-1);
            long n = Listpack.getInteger(lp, q);
            if (n == 0) return at(-1);
            int p = q;
            for (long i = 0; i < n; i++) p = Listpack.prev(lp, p);
            return at(p);
        }

        private boolean at(int p) {
            pos = p;
            if (p < 0) return false;
            flags = (int) Listpack.getInteger(lp, p);
            int q = Listpack.next(lp, p);
            ms = masterMs + Listpack.getInteger(lp, q);
            q = Listpack.next(lp, q);
            seq = masterSeq + Listpack.getInteger(lp, q);
            q = Listpack.next(lp, q);
            int skip;
            if ((flags & FLAG_SAMEFIELDS) != 0) {
                numFields = masterFields;
                skip = numFields;
            } else {
                numFields = (int) Listpack.getInteger(lp, q);
                q = Listpack.next(lp, q);
                skip = 2 * numFields;
            }
            data = q;
            for (int i = 0; i < skip; i++) q = Listpack.next(lp, q);
            lpCount = q;
            return true;
        }

        boolean deleted() {
            return (flags & FLAG_DELETED) != 0;
        }

        StreamID id() {
            return new StreamID(ms, seq);
        }

        /** Compares the current entry's ID with {@code o}, unsigned. */
        int compareId(StreamID o) {
            int c = Long.compareUnsigned(ms, o.ms());
            return c != 0 ? c : Long.compareUnsigned(seq, o.seq());
        }

        /** Copies the entry's fields and values into out[0..2*numFields): f1, v1, f2, v2 ... */
        void fieldsValues(byte[][] out) {
            int q = data;
            if ((flags & FLAG_SAMEFIELDS) != 0) {
                int f = masterFieldsStart;
                for (int i = 0; i < numFields; i++) {
                    out[2 * i] = Listpack.get(lp, f);
                    out[2 * i + 1] = Listpack.get(lp, q);
                    f = Listpack.next(lp, f);
                    q = Listpack.next(lp, q);
                }
            } else {
                for (int i = 0; i < 2 * numFields; i++) {
                    out[i] = Listpack.get(lp, q);
                    q = Listpack.next(lp, q);
                }
            }
        }
    }

    /**
     * streamValidateListpackIntegrity: the listpack's header, and with {@code deep} every entry, the
     * master entry and each stream entry in the layout above (integers where integers belong,
     * lp-count matching the entry), and nothing after the last one. IDs and their order are the
     * caller's to check ({@link StreamValue#loadNode}).
     */
    public static boolean validate(byte[] lp, int size, boolean deep) {
        if (!Listpack.headerValid(lp, size)) return false;
        if (!deep) return true;
        Walk w = new Walk(lp, size);
        if (!w.start()) return false;
        Long count = w.integer();
        Long deleted = w.integer();
        Long masterFields = w.integer();
        // Negative counts pass Redis's check and then break its walks; they are refused here.
        if (count == null || deleted == null || masterFields == null) return false;
        if (count < 0 || deleted < 0 || masterFields < 0) return false;
        for (long j = 0; j < masterFields; j++) if (!w.skip()) return false;
        Long zero = w.integer();
        if (zero == null || zero != 0) return false;
        long entries = count + deleted;
        while (entries-- > 0) {
            Long flags = w.integer();
            if (flags == null || w.integer() == null || w.integer() == null) return false;
            long fields = masterFields, extra = 3;
            if ((flags & FLAG_SAMEFIELDS) == 0) {
                Long nf = w.integer();
                if (nf == null || nf < 0) return false;
                fields = nf;
                for (long j = 0; j < fields; j++) if (!w.skip()) return false;
                extra += fields + 1;
            }
            for (long j = 0; j < fields; j++) if (!w.skip()) return false;
            Long lpCount = w.integer();
            if (lpCount == null || lpCount != fields + extra) return false;
        }
        return w.atEnd();
    }

    /** lpValidateFirst/lpValidateNext as streamValidateListpackIntegrity steps through them. */
    private static final class Walk {
        private final byte[] lp;
        private final int size;
        private int p;
        private boolean broken;

        Walk(byte[] lp, int size) {
            this.lp = lp;
            this.size = size;
        }

        boolean start() {
            p = Listpack.HEADER;
            return (lp[p] & 0xFF) != Listpack.EOF;
        }

        /** Validates the entry at p and moves past it; false if it is invalid or the end was reached. */
        boolean skip() {
            if (broken || p < 0) return false;
            int next = Listpack.validateNext(lp, p, size);
            if (next == -2) {
                broken = true;
                return false;
            }
            p = next < 0 ? -1 : (lp[next] & 0xFF) == Listpack.EOF ? -1 : next;
            return true;
        }

        /** The integer at p, validated, moving past it; null if it is not one. */
        Long integer() {
            if (broken || p < 0) return null;
            int at = p;
            if (Listpack.validateNext(lp, at, size) == -2) {
                broken = true;
                return null;
            }
            Long v = Listpack.integerIfValid(lp, at);
            skip();
            return v;
        }

        boolean atEnd() {
            return !broken && p < 0;
        }
    }
}
