package io.lodestone.store.type;

import io.lodestone.store.ObjectSize;

import java.util.Arrays;

/**
 * An order-statistic B+tree of {@link ZEntry} ordered by (score, member): the large sorted set's
 * replacement for Redis's skiplist, with the same costs - O(log n) insert, delete, rank and
 * access by rank, O(1) per step of a range walk - and no randomness.
 *
 * <p>Leaves hold up to {@value #LEAF_CAP} entries and are linked both ways for range walks. Inner
 * nodes hold up to {@value #INNER_CAP} children with the element count of each (ranks are sums of
 * counts) and a separator per child: a copy of a (score, member) no greater than anything in that
 * child and greater than everything in the children before it. Separators are copies, not entries,
 * so they stay valid when their element is deleted or its score changes. A node that falls under a
 * quarter full borrows from or merges with a sibling, so memory stays proportional to the size.
 *
 * <p>Appending past the last element (or before the first) splits unevenly, so sets filled in order
 * (timestamps, counters) get full leaves.
 */
final class RankTree {
    static final int LEAF_CAP = 64;
    static final int LEAF_MIN = LEAF_CAP / 4;
    static final int INNER_CAP = 64;
    static final int INNER_MIN = INNER_CAP / 4;
    private static final int INITIAL_ROOT_CAP = 8;

    /** A condition over (score, member) that is false for a prefix of the order and true after it. */
    interface Bound {
        boolean test(double score, byte[] member);
    }

    abstract static sealed class Node permits Leaf, Inner {
    }

    static final class Leaf extends Node {
        ZEntry[] items;
        int n;
        Leaf prev, next;

        Leaf(int capacity) {
            items = new ZEntry[capacity];
        }
    }

    static final class Inner extends Node {
        final Node[] kids = new Node[INNER_CAP];
        final int[] counts = new int[INNER_CAP];
        /** sepScore[i], sepKey[i]: lower bound of kids[i]; [0] is this node's own lower bound. */
        final double[] sepScore = new double[INNER_CAP];
        final byte[][] sepKey = new byte[INNER_CAP][];
        int n;
        int total;
    }

    private Node root;
    private Leaf head, tail;
    private int size;
    /** Set by a split: the lower bound of the new right sibling. */
    private double splitScore;
    private byte[] splitKey;

    RankTree() {
        Leaf l = new Leaf(INITIAL_ROOT_CAP);
        root = l;
        head = tail = l;
    }

    int size() {
        return size;
    }

    /** A {@link Leaf}: items, prev and next references, and a count. */
    private static final long LEAF_OBJECT = ObjectSize.object(3, 4);
    /** An {@link Inner} with its four arrays, without the separators' bytes. */
    private static final long INNER_NODE = ObjectSize.object(4, 8) + 2 * ObjectSize.references(INNER_CAP)
            + ObjectSize.primitives(INNER_CAP, 4) + ObjectSize.primitives(INNER_CAP, 8);

    /**
     * MEMORY USAGE of the tree: the leaves sampled from the head, as Redis samples a collection's
     * first elements, and the inner nodes counted exactly when every element is asked for
     * ({@code samples == Long.MAX_VALUE}), else estimated from the leftmost path: each level holds
     * about the previous level's count times the fan-out seen there. Walking every inner node on each
     * sizing made a write to a million-element set cost a few thousand node visits.
     */
    long memoryUsage(long samples) {
        long inner = 0, leaves = 0;
        if (samples == Long.MAX_VALUE) {
            java.util.ArrayDeque<Inner> todo = new java.util.ArrayDeque<>();
            if (root instanceof Inner r) todo.add(r);
            else leaves = 1;
            while (!todo.isEmpty()) {
                Inner node = todo.poll();
                inner += INNER_NODE;
                for (int i = 0; i < node.n; i++) {
                    if (node.sepKey[i] != null) inner += ObjectSize.bytes(node.sepKey[i].length);
                    if (node.kids[i] instanceof Inner kid) todo.add(kid);
                    else leaves++;
                }
            }
        } else {
            long nodes = 1, separators = 0, sepBytes = 0, sepSampled = 0;
            Node node = root;
            while (node instanceof Inner in) {
                inner += nodes * INNER_NODE;
                for (int i = 0; i < in.n; i++) {
                    if (in.sepKey[i] == null) continue;
                    sepBytes += ObjectSize.bytes(in.sepKey[i].length);
                    sepSampled++;
                }
                nodes *= Math.max(1, in.n);
                separators += nodes;
                node = in.kids[0];
            }
            leaves = nodes;
            inner += ObjectSize.extrapolate(sepBytes, sepSampled, separators);
        }
        long sampled = 0, n = 0;
        for (Leaf l = head; l != null && n < samples; l = l.next, n++) {
            sampled += LEAF_OBJECT + ObjectSize.references(l.items.length);
        }
        return ObjectSize.object(5, 12) + inner + ObjectSize.extrapolate(sampled, n, leaves);
    }

    static int compare(double s1, byte[] k1, double s2, byte[] k2) {
        if (s1 < s2) return -1;
        if (s1 > s2) return 1;
        return Arrays.compareUnsigned(k1, k2);
    }

    private static int count(Node node) {
        return node instanceof Leaf l ? l.n : ((Inner) node).total;
    }

    /** Index of the child of {@code in} whose range holds (score, key). */
    private static int childFor(Inner in, double score, byte[] key) {
        int lo = 1, hi = in.n - 1, found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(in.sepScore[mid], in.sepKey[mid], score, key) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    // ---- Insert ----------------------------------------------------------------------------------

    /** Inserts an entry whose member is not in the tree. */
    void insert(ZEntry e) {
        Node split = insert(root, e);
        if (split != null) {
            Inner r = new Inner();
            r.kids[0] = root;
            r.counts[0] = count(root);
            r.kids[1] = split;
            r.counts[1] = count(split);
            r.sepScore[1] = splitScore;
            r.sepKey[1] = splitKey;
            r.n = 2;
            r.total = r.counts[0] + r.counts[1];
            root = r;
        }
        size++;
    }

    private Node insert(Node node, ZEntry e) {
        if (node instanceof Leaf leaf) return leafInsert(leaf, upperBound(leaf, e.score, e.key()), e);
        Inner in = (Inner) node;
        int i = childFor(in, e.score, e.key());
        Node split = insert(in.kids[i], e);
        in.counts[i]++;
        in.total++;
        if (split == null) return null;
        int moved = count(split);
        in.counts[i] -= moved;
        return innerInsert(in, i + 1, split, moved, splitScore, splitKey);
    }

    /** First index of the leaf whose item is greater than (score, key). */
    private static int upperBound(Leaf leaf, double score, byte[] key) {
        int lo = 0, hi = leaf.n;
        ZEntry[] items = leaf.items;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            ZEntry m = items[mid];
            if (compare(m.score, m.key(), score, key) <= 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private Leaf leafInsert(Leaf leaf, int pos, ZEntry e) {
        if (leaf.n < LEAF_CAP) {
            if (leaf.n == leaf.items.length) {
                leaf.items = Arrays.copyOf(leaf.items, Math.min(LEAF_CAP, leaf.items.length * 2));
            }
            System.arraycopy(leaf.items, pos, leaf.items, pos + 1, leaf.n - pos);
            leaf.items[pos] = e;
            leaf.n++;
            return null;
        }
        Leaf right = new Leaf(LEAF_CAP);
        right.prev = leaf;
        right.next = leaf.next;
        if (leaf.next != null) leaf.next.prev = right;
        else tail = right;
        leaf.next = right;
        if (pos == leaf.n && right.next == null) {
            // Appending after the last element: keep this leaf full.
            right.items[0] = e;
            right.n = 1;
        } else if (pos == 0 && leaf.prev == null) {
            // Prepending before the first element: everything moves right, the new item stays.
            System.arraycopy(leaf.items, 0, right.items, 0, leaf.n);
            right.n = leaf.n;
            Arrays.fill(leaf.items, 1, leaf.n, null);
            leaf.items[0] = e;
            leaf.n = 1;
        } else {
            int mid = LEAF_CAP / 2;
            System.arraycopy(leaf.items, mid, right.items, 0, leaf.n - mid);
            right.n = leaf.n - mid;
            Arrays.fill(leaf.items, mid, leaf.n, null);
            leaf.n = mid;
            if (pos <= mid) leafInsert(leaf, pos, e);
            else leafInsert(right, pos - mid, e);
        }
        splitScore = right.items[0].score;
        splitKey = right.items[0].key();
        return right;
    }

    /** Inserts kid at pos of in (counts already include its elements in in.total). */
    private Inner innerInsert(Inner in, int pos, Node kid, int kidCount, double sepS, byte[] sepK) {
        if (in.n < INNER_CAP) {
            shiftRight(in, pos, 1);
            in.kids[pos] = kid;
            in.counts[pos] = kidCount;
            in.sepScore[pos] = sepS;
            in.sepKey[pos] = sepK;
            in.n++;
            return null;
        }
        int mid = INNER_CAP / 2;
        Inner right = new Inner();
        int m = in.n - mid;
        System.arraycopy(in.kids, mid, right.kids, 0, m);
        System.arraycopy(in.counts, mid, right.counts, 0, m);
        System.arraycopy(in.sepScore, mid, right.sepScore, 0, m);
        System.arraycopy(in.sepKey, mid, right.sepKey, 0, m);
        right.n = m;
        int moved = 0;
        for (int j = 0; j < m; j++) moved += right.counts[j];
        Arrays.fill(in.kids, mid, in.n, null);
        Arrays.fill(in.sepKey, mid, in.n, null);
        in.n = mid;
        in.total -= moved;
        right.total = moved;
        if (pos <= mid) {
            innerInsert(in, pos, kid, kidCount, sepS, sepK);
            // kid's elements were counted in in.total; they stay there.
        } else {
            innerInsert(right, pos - mid, kid, kidCount, sepS, sepK);
            in.total -= kidCount;
            right.total += kidCount;
        }
        splitScore = right.sepScore[0];
        splitKey = right.sepKey[0];
        return right;
    }

    private static void shiftRight(Inner in, int pos, int by) {
        int m = in.n - pos;
        System.arraycopy(in.kids, pos, in.kids, pos + by, m);
        System.arraycopy(in.counts, pos, in.counts, pos + by, m);
        System.arraycopy(in.sepScore, pos, in.sepScore, pos + by, m);
        System.arraycopy(in.sepKey, pos, in.sepKey, pos + by, m);
    }

    private static void shiftLeft(Inner in, int pos, int by) {
        int m = in.n - pos;
        System.arraycopy(in.kids, pos, in.kids, pos - by, m);
        System.arraycopy(in.counts, pos, in.counts, pos - by, m);
        System.arraycopy(in.sepScore, pos, in.sepScore, pos - by, m);
        System.arraycopy(in.sepKey, pos, in.sepKey, pos - by, m);
    }

    // ---- Remove ----------------------------------------------------------------------------------

    /** Removes the entry (score, key); returns it, or null when absent. */
    ZEntry remove(double score, byte[] key) {
        ZEntry e = remove(root, score, key);
        if (e == null) return null;
        size--;
        if (root instanceof Inner in && in.n == 1) root = in.kids[0];
        return e;
    }

    private ZEntry remove(Node node, double score, byte[] key) {
        if (node instanceof Leaf leaf) {
            int i = upperBound(leaf, score, key) - 1;
            if (i < 0) return null;
            ZEntry e = leaf.items[i];
            if (compare(e.score, e.key(), score, key) != 0) return null;
            System.arraycopy(leaf.items, i + 1, leaf.items, i, leaf.n - i - 1);
            leaf.items[--leaf.n] = null;
            return e;
        }
        Inner in = (Inner) node;
        int i = childFor(in, score, key);
        ZEntry e = remove(in.kids[i], score, key);
        if (e == null) return null;
        in.counts[i]--;
        in.total--;
        Node kid = in.kids[i];
        if (kid instanceof Leaf l ? l.n < LEAF_MIN : ((Inner) kid).n < INNER_MIN) rebalance(in, i);
        return e;
    }

    private static int width(Node node) {
        return node instanceof Leaf l ? l.n : ((Inner) node).n;
    }

    /** kids[i] of parent is under its minimum: merge it with a sibling, or borrow from one. */
    private void rebalance(Inner parent, int i) {
        int cap = parent.kids[i] instanceof Leaf ? LEAF_CAP : INNER_CAP;
        int w = width(parent.kids[i]);
        if (i > 0 && width(parent.kids[i - 1]) + w <= cap) {
            merge(parent, i - 1);
        } else if (i + 1 < parent.n && w + width(parent.kids[i + 1]) <= cap) {
            merge(parent, i);
        } else if (i > 0) {
            borrowFromLeft(parent, i);
        } else if (i + 1 < parent.n) {
            borrowFromRight(parent, i);
        }
    }

    /** Merges kids[j + 1] into kids[j] and drops it from parent. */
    private void merge(Inner parent, int j) {
        Node a = parent.kids[j], b = parent.kids[j + 1];
        if (a instanceof Leaf l) {
            Leaf r = (Leaf) b;
            if (l.items.length < l.n + r.n) l.items = Arrays.copyOf(l.items, LEAF_CAP);
            System.arraycopy(r.items, 0, l.items, l.n, r.n);
            l.n += r.n;
            l.next = r.next;
            if (r.next != null) r.next.prev = l;
            else tail = l;
        } else {
            Inner l = (Inner) a, r = (Inner) b;
            System.arraycopy(r.kids, 0, l.kids, l.n, r.n);
            System.arraycopy(r.counts, 0, l.counts, l.n, r.n);
            System.arraycopy(r.sepScore, 0, l.sepScore, l.n, r.n);
            System.arraycopy(r.sepKey, 0, l.sepKey, l.n, r.n);
            // The merged first child's bound is the parent's separator, not r's own copy.
            l.sepScore[l.n] = parent.sepScore[j + 1];
            l.sepKey[l.n] = parent.sepKey[j + 1];
            l.n += r.n;
            l.total += r.total;
        }
        parent.counts[j] += parent.counts[j + 1];
        shiftLeft(parent, j + 2, 1);
        parent.n--;
        parent.kids[parent.n] = null;
        parent.sepKey[parent.n] = null;
    }

    private void borrowFromLeft(Inner parent, int i) {
        Node a = parent.kids[i - 1], b = parent.kids[i];
        int k = (width(a) - width(b)) / 2;
        if (k <= 0) return;
        int moved = 0;
        if (a instanceof Leaf l) {
            Leaf r = (Leaf) b;
            System.arraycopy(r.items, 0, r.items, k, r.n);
            System.arraycopy(l.items, l.n - k, r.items, 0, k);
            Arrays.fill(l.items, l.n - k, l.n, null);
            l.n -= k;
            r.n += k;
            moved = k;
            parent.sepScore[i] = r.items[0].score;
            parent.sepKey[i] = r.items[0].key();
        } else {
            Inner l = (Inner) a, r = (Inner) b;
            shiftRight(r, 0, k);
            r.sepScore[k] = parent.sepScore[i];
            r.sepKey[k] = parent.sepKey[i];
            int from = l.n - k;
            System.arraycopy(l.kids, from, r.kids, 0, k);
            System.arraycopy(l.counts, from, r.counts, 0, k);
            System.arraycopy(l.sepScore, from, r.sepScore, 0, k);
            System.arraycopy(l.sepKey, from, r.sepKey, 0, k);
            for (int j = 0; j < k; j++) moved += r.counts[j];
            parent.sepScore[i] = l.sepScore[from];
            parent.sepKey[i] = l.sepKey[from];
            Arrays.fill(l.kids, from, l.n, null);
            Arrays.fill(l.sepKey, from, l.n, null);
            l.n = from;
            r.n += k;
            l.total -= moved;
            r.total += moved;
        }
        parent.counts[i - 1] -= moved;
        parent.counts[i] += moved;
    }

    private void borrowFromRight(Inner parent, int i) {
        Node a = parent.kids[i], b = parent.kids[i + 1];
        int k = (width(b) - width(a)) / 2;
        if (k <= 0) return;
        int moved = 0;
        if (a instanceof Leaf l) {
            Leaf r = (Leaf) b;
            if (l.items.length < l.n + k) l.items = Arrays.copyOf(l.items, LEAF_CAP);
            System.arraycopy(r.items, 0, l.items, l.n, k);
            System.arraycopy(r.items, k, r.items, 0, r.n - k);
            Arrays.fill(r.items, r.n - k, r.n, null);
            l.n += k;
            r.n -= k;
            moved = k;
            parent.sepScore[i + 1] = r.items[0].score;
            parent.sepKey[i + 1] = r.items[0].key();
        } else {
            Inner l = (Inner) a, r = (Inner) b;
            System.arraycopy(r.kids, 0, l.kids, l.n, k);
            System.arraycopy(r.counts, 0, l.counts, l.n, k);
            System.arraycopy(r.sepScore, 0, l.sepScore, l.n, k);
            System.arraycopy(r.sepKey, 0, l.sepKey, l.n, k);
            l.sepScore[l.n] = parent.sepScore[i + 1];
            l.sepKey[l.n] = parent.sepKey[i + 1];
            for (int j = 0; j < k; j++) moved += r.counts[j];
            parent.sepScore[i + 1] = r.sepScore[k];
            parent.sepKey[i + 1] = r.sepKey[k];
            shiftLeft(r, k, k);
            r.n -= k;
            Arrays.fill(r.kids, r.n, r.n + k, null);
            Arrays.fill(r.sepKey, r.n, r.n + k, null);
            r.sepScore[0] = parent.sepScore[i + 1];
            r.sepKey[0] = parent.sepKey[i + 1];
            l.n += k;
            l.total += moved;
            r.total -= moved;
        }
        parent.counts[i] += moved;
        parent.counts[i + 1] -= moved;
    }

    // ---- Queries ---------------------------------------------------------------------------------

    /** 0-based rank of (score, key), or -1 when absent. */
    int rank(double score, byte[] key) {
        Node node = root;
        int r = 0;
        while (node instanceof Inner in) {
            int i = childFor(in, score, key);
            for (int j = 0; j < i; j++) r += in.counts[j];
            node = in.kids[i];
        }
        Leaf leaf = (Leaf) node;
        int i = upperBound(leaf, score, key) - 1;
        if (i < 0) return -1;
        ZEntry e = leaf.items[i];
        return compare(e.score, e.key(), score, key) == 0 ? r + i : -1;
    }

    /**
     * How many elements come before the first one for which {@code b} holds (all of them when none
     * does). {@code b} must be monotone over the order.
     */
    int countBefore(Bound b) {
        Node node = root;
        int r = 0;
        while (node instanceof Inner in) {
            int lo = 1, hi = in.n - 1, i = 0;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (!b.test(in.sepScore[mid], in.sepKey[mid])) {
                    i = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            for (int j = 0; j < i; j++) r += in.counts[j];
            node = in.kids[i];
        }
        Leaf leaf = (Leaf) node;
        int lo = 0, hi = leaf.n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            ZEntry m = leaf.items[mid];
            if (b.test(m.score, m.key())) hi = mid;
            else lo = mid + 1;
        }
        return r + lo;
    }

    /** Scratch result of {@link #seek}: the leaf and index of a rank. */
    Leaf seekLeaf;
    int seekIndex;

    /** Positions {@link #seekLeaf}/{@link #seekIndex} on the element of rank r (0 <= r < size). */
    void seek(int r) {
        if (r == 0) {
            seekLeaf = head;
            seekIndex = 0;
            return;
        }
        if (r == size - 1) {
            seekLeaf = tail;
            seekIndex = tail.n - 1;
            return;
        }
        Node node = root;
        while (node instanceof Inner in) {
            int i = 0;
            while (r >= in.counts[i]) r -= in.counts[i++];
            node = in.kids[i];
        }
        seekLeaf = (Leaf) node;
        seekIndex = r;
    }

    ZEntry get(int r) {
        seek(r);
        return seekLeaf.items[seekIndex];
    }

    ZEntry first() {
        return size == 0 ? null : head.items[0];
    }

    ZEntry last() {
        return size == 0 ? null : tail.items[tail.n - 1];
    }

    /** Checks every invariant; for tests. Returns the element count. */
    int check() {
        int n = check(root, null, 0, null, 0, root == head);
        if (n != size) throw new IllegalStateException("size " + size + " but counted " + n);
        int walked = 0;
        ZEntry prev = null;
        for (Leaf l = head; l != null; l = l.next) {
            if (l.next != null && l.next.prev != l) throw new IllegalStateException("broken links");
            if (l.next == null && l != tail) throw new IllegalStateException("wrong tail");
            for (int i = 0; i < l.n; i++) {
                ZEntry e = l.items[i];
                if (prev != null && compare(prev.score, prev.key(), e.score, e.key()) >= 0) {
                    throw new IllegalStateException("out of order");
                }
                prev = e;
                walked++;
            }
        }
        if (walked != size) throw new IllegalStateException("leaf walk " + walked + " != " + size);
        return n;
    }

    /** Elements of node are within [lo, hi) where the bounds are given (null: unbounded). */
    private int check(Node node, byte[] loKey, double loScore, byte[] hiKey, double hiScore, boolean isRootLeaf) {
        if (node instanceof Leaf l) {
            if (node != root && l.n < LEAF_MIN) throw new IllegalStateException("leaf underflow " + l.n);
            for (int i = 0; i < l.n; i++) {
                ZEntry e = l.items[i];
                if (loKey != null && compare(e.score, e.key(), loScore, loKey) < 0) throw new IllegalStateException("below bound");
                if (hiKey != null && compare(e.score, e.key(), hiScore, hiKey) >= 0) throw new IllegalStateException("above bound");
            }
            return l.n;
        }
        Inner in = (Inner) node;
        if (node != root && in.n < INNER_MIN) throw new IllegalStateException("inner underflow " + in.n);
        if (node == root && in.n < 2) throw new IllegalStateException("root with one child");
        int total = 0;
        for (int i = 0; i < in.n; i++) {
            byte[] lk = i == 0 ? loKey : in.sepKey[i];
            double ls = i == 0 ? loScore : in.sepScore[i];
            byte[] hk = i + 1 < in.n ? in.sepKey[i + 1] : hiKey;
            double hs = i + 1 < in.n ? in.sepScore[i + 1] : hiScore;
            int c = check(in.kids[i], lk, ls, hk, hs, false);
            if (c != in.counts[i]) throw new IllegalStateException("count " + in.counts[i] + " but " + c);
            total += c;
        }
        if (total != in.total) throw new IllegalStateException("total");
        return total;
    }

    Leaf head() {
        return head;
    }

    Leaf tail() {
        return tail;
    }
}
