package io.lodestone.store.type;

import io.lodestone.store.DictEntry;

/**
 * One member of a large sorted set: its bytes (the dict key) and its score. The same object is the
 * member's entry in the hash table and an item of the order-statistic tree, as Redis shares one sds
 * between its dict and its skiplist node.
 *
 * <p>The score changes only while the entry is out of the tree (see {@link ZSetIndex#update}).
 */
final class ZEntry extends DictEntry {
    double score;

    ZEntry(byte[] member, double score) {
        super(member);
        this.score = score;
    }
}
