package io.lodestone.store.type;

import io.lodestone.store.Dict;

/**
 * The large form of a sorted set (Redis's "skiplist" encoding): a hash table from member to entry
 * for O(1) score lookups, and an order-statistic tree of the same entries for O(log n) ranks and
 * ordered ranges. The hash table is a {@link Dict}: it grows and shrinks incrementally, never
 * rehashing every member in one call, and gives ZSCAN Redis's cursor guarantees.
 */
final class ZSetIndex {
    final Dict<ZEntry> dict = new Dict<>();
    final RankTree tree = new RankTree();

    int size() {
        return tree.size();
    }

    ZEntry find(byte[] member) {
        return dict.find(member);
    }

    /** Adds a member known to be absent; the array is kept (callers pass arrays nobody modifies). */
    void insert(byte[] member, double score) {
        ZEntry e = new ZEntry(member, score);
        dict.add(e);
        tree.insert(e);
    }

    /** Changes the score of a present entry, moving it in the order. */
    void update(ZEntry e, double score) {
        tree.remove(e.score, e.key());
        e.score = score;
        tree.insert(e);
    }

    boolean remove(byte[] member) {
        ZEntry e = dict.remove(member);
        if (e == null) return false;
        tree.remove(e.score, e.key());
        dict.shrinkIfNeeded();
        return true;
    }

    /** Removes an entry obtained from this index (no dict shrink: callers removing many do it once). */
    void removeEntry(ZEntry e) {
        dict.remove(e.key());
        tree.remove(e.score, e.key());
    }
}
