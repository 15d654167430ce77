package io.lodestone.store;

/**
 * A point-in-time view of the whole keyspace, read cooperatively on the command thread while
 * commands keep running: Lodestone's replacement for the fork() Redis uses for BGSAVE.
 *
 * <p>When a snapshot starts it takes a new <em>epoch</em> and keeps a reference to each
 * database's key table. {@link #advance} then walks those dicts in slices with the SCAN cursor (which
 * survives rehashing) and hands every entry it has not seen to the {@link Visitor}. Before any write
 * changes or removes an entry the snapshot has not visited yet, {@link Database} calls
 * {@link #beforeWrite}, which hands the entry over first, with its old value and expiry
 * (serialize-before-modify). Visited entries carry the snapshot's epoch in {@link KeyEntry#meta}, so
 * each is visited exactly once, whichever comes first. Entries created after the start carry the
 * epoch from birth and are never visited. FLUSHDB/FLUSHALL replace a database's table, and the
 * snapshot goes on reading the detached one, which nobody modifies any more.
 *
 * <p>The memory a snapshot costs is therefore what writes make it serialize early, plus dicts
 * flushed during it: bounded by what is modified, not by the dataset.
 *
 * <p>Only one snapshot runs at a time ({@link Keyspace#snapshot()}). Not thread-safe.
 */
public final class Snapshot {
    /** Receives each entry once, as it was when the snapshot started. Must not modify the keyspace. */
    public interface Visitor {
        void visit(int db, KeyEntry e);
    }

    private final Keyspace keyspace;
    private final Visitor visitor;
    private final int epoch;
    /** False for a synchronous snapshot, during which nothing else runs: no marks needed. */
    private final boolean marking;
    /** The dicts as they were at the start, by database number; null for empty databases. */
    private final KeyTable[] dicts;
    private final long[] sizes;
    private final long[] expires;
    /** The function libraries' codes when the snapshot started. */
    private final java.util.List<byte[]> functions;
    private int db;
    private long cursor;
    private boolean done;
    private long visited;

    Snapshot(Keyspace keyspace, Visitor visitor, int epoch, boolean marking) {
        this.keyspace = keyspace;
        this.visitor = visitor;
        this.epoch = epoch;
        this.marking = marking;
        int n = keyspace.databases();
        dicts = new KeyTable[n];
        sizes = new long[n];
        expires = new long[n];
        functions = java.util.List.copyOf(keyspace.functions().codes());
        for (int i = 0; i < n; i++) {
            Database d = keyspace.db(i);
            sizes[i] = d.size();
            expires[i] = d.expiresSize();
            if (d.size() > 0) dicts[i] = d.table();
        }
    }

    /** The function libraries' codes when the snapshot started (their RDB section). */
    public java.util.List<byte[]> functions() {
        return functions;
    }

    /** Keys in database {@code db} when the snapshot started. */
    public long size(int db) {
        return sizes[db];
    }

    /** Keys with an expiry in database {@code db} when the snapshot started. */
    public long expiresSize(int db) {
        return expires[db];
    }

    /** The database the walk is in; entries of lower numbers have all been visited. */
    public int currentDb() {
        return db;
    }

    /** Entries visited so far, by the walk or by writes. */
    public long visited() {
        return visited;
    }

    public boolean done() {
        return done;
    }

    /**
     * Walks on until every entry has been visited or {@code deadlineNanos} (System.nanoTime) has
     * passed; checks the clock every few buckets. Returns true when the whole keyspace is done.
     */
    public boolean advance(long deadlineNanos) {
        int steps = 0;
        while (!done) {
            KeyTable d = db < dicts.length ? dicts[db] : null;
            if (db >= dicts.length) {
                finish();
                break;
            }
            if (d == null) {
                db++;
                cursor = 0;
                continue;
            }
            KeyTable t = d;
            cursor = d.scan(cursor, a -> walkVisit(new KeyEntry(t, a)));
            if (cursor == 0) {
                dicts[db] = null; // a detached (flushed) dict may now be collected
                db++;
            }
            if ((++steps & 15) == 0 && System.nanoTime() - deadlineNanos > 0) break;
        }
        return done;
    }

    private void walkVisit(KeyEntry e) {
        if (marking) {
            if (e.epoch() == epoch) return;
            e.epoch(epoch);
        }
        visited++;
        visitor.visit(db, e);
    }

    /**
     * Called by {@link Database} before {@code e}, held by {@code dict}, is changed or removed: if
     * the snapshot has not visited it yet, it is visited now, as it still is.
     */
    void beforeWrite(KeyTable dict, KeyEntry e) {
        if (e.epoch() == epoch) return;
        e.epoch(epoch);
        for (int i = db; i < dicts.length; i++) {
            if (dicts[i] == dict) {
                visited++;
                visitor.visit(i, e);
                return;
            }
        }
        // Not in the snapshot: created in a dict that replaced a flushed one, or loaded afterwards.
    }

    /** The epoch entries created now are born with. */
    int epoch() {
        return epoch;
    }

    private void finish() {
        done = true;
        if (marking) keyspace.snapshotEnded(this, true);
    }

    /** Stops the snapshot before it is complete; entries not visited keep their older epochs. */
    public void abort() {
        if (done) return;
        done = true;
        if (marking) keyspace.snapshotEnded(this, false);
    }
}
