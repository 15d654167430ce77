package io.lodestone.store;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;

/**
 * Redis's lazyfree.c decision: which values a lazy delete (UNLINK, FLUSHALL ASYNC, the
 * {@code lazyfree-lazy-*} options) hands to the background.
 *
 * <p>On the JVM a deleted value is never freed on the command thread: dropping the last reference is
 * all the delete does, whatever the value's size, and the collector reclaims it on its own threads.
 * So DEL and UNLINK cost the same here; what remains of lazy freeing is Redis's accounting of it, the
 * {@code lazyfreed_objects} count of values big enough that Redis would have freed them in its
 * background thread, which monitoring reads.
 */
public final class LazyFree {
    /** LAZYFREE_THRESHOLD: values costing more allocations than this are freed in the background. */
    static final int THRESHOLD = 64;

    private LazyFree() {
    }

    /**
     * Redis's lazyfreeGetFreeEffort: about how many allocations freeing the value takes. A stream's
     * radix tree nodes are counted as its listpack nodes.
     */
    static long effort(Object v) {
        if (v instanceof ListValue l) return l.chunkCount();
        if (v instanceof SetValue s) return s.isIntset() ? 1 : s.size();
        if (v instanceof ZSetValue z) return z.encoding().equals("skiplist") ? z.size() : 1;
        if (v instanceof HashValue h) return h.isCompact() ? 1 : h.size();
        if (v instanceof StreamValue s) {
            long effort = s.nodeCount();
            var groups = s.groups();
            if (groups != null && !groups.isEmpty()) {
                StreamGroup first = groups.iterator().next();
                effort += (long) groups.size() * (1 + first.pel.size());
            }
            return effort;
        }
        return 1;
    }

    /** Whether a lazy delete of {@code v} goes to the background (and counts in lazyfreed_objects). */
    static boolean inBackground(Object v) {
        return effort(v) > THRESHOLD;
    }
}
