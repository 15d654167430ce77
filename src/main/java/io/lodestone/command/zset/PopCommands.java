package io.lodestone.command.zset;

import io.lodestone.config.KeyspaceEvents;

import io.lodestone.command.Args;
import io.lodestone.command.Blocking;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.protocol.Reply;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.ZSetValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP (Redis's genericZpopCommand
 * and blockingGenericZpopCommand).
 *
 * <p>Blocking: when every key is missing the client waits (FIFO per key, see {@link Blocking});
 * inside MULTI/EXEC it answers at once with the timeout reply, a null array. When a key becomes
 * ready the command runs again for each waiter in order and, as in Redis, looks at that key only
 * (keys are served in the order they became ready), and only if it holds a sorted set. Pops propagate as their effect:
 * BZPOPMIN/BZPOPMAX as {@code ZPOPMIN|ZPOPMAX key}, ZMPOP and BZMPOP as
 * {@code ZPOPMIN|ZPOPMAX key count} with the count actually popped, as Redis 7.0 does.
 */
final class PopCommands {
    private static final byte[] ZPOPMIN = "ZPOPMIN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZPOPMAX = "ZPOPMAX".getBytes(StandardCharsets.US_ASCII);

    /** How a pop reply is shaped. */
    private enum Shape {
        /** ZPOPMIN key: member, score. */
        FLAT,
        /** ZPOPMIN key count: pairs (flat in RESP2). */
        PAIRS,
        /** BZPOPMIN: key, member, score. */
        KEYED_FLAT,
        /** ZMPOP/BZMPOP: key, then [member, score] pairs, nested in both protocols. */
        KEYED_NESTED
    }

    private PopCommands() {
    }

    static void register(CommandTable t) {
        t.handle("zpopmin", c -> zpop(c, false));
        t.handle("zpopmax", c -> zpop(c, true));
        t.handle("bzpopmin", c -> bzpop(c, false));
        t.handle("bzpopmax", c -> bzpop(c, true));
        t.handle("zmpop", c -> zmpop(c, 1, false));
        t.handle("bzmpop", c -> zmpop(c, 2, true));
    }

    /** ZPOPMIN|ZPOPMAX key [count]: a missing key or a count of 0 gives an empty array. */
    static void zpop(Client c, boolean max) {
        if (c.argc > 3) throw Errors.syntax();
        long count = -1;
        if (c.argc == 3) count = rangeLong(c.argv[2], 0, "ERR value is out of range, must be positive");
        pop(c, 1, 1, max, count, count == -1 ? Shape.FLAT : Shape.PAIRS, false);
    }

    /** Redis's getRangeLongFromObjectOrReply with a message: used for both kinds of failure. */
    private static long rangeLong(byte[] arg, long min, String error) {
        long v = Args.parseLong(arg, error);
        if (v < min) throw new CommandError(error);
        return v;
    }

    /**
     * Pops from the first existing key among argv[firstKey..firstKey+numKeys). Replies in every
     * case; returns the number popped (0 when nothing was).
     */
    private static int pop(Client c, int firstKey, int numKeys, boolean max, long count, Shape shape,
                           boolean nullWhenEmpty) {
        ZSetValue z = null;
        byte[] key = null;
        for (int i = 0; i < numKeys; i++) {
            key = c.argv[firstKey + i];
            z = c.lookupWrite(key, ZSetValue.class);
            if (z != null) break;
        }
        Reply r = c.reply;
        if (z == null) {
            if (nullWhenEmpty) r.nullArray();
            else r.emptyArray();
            return 0;
        }
        if (count == 0) {
            r.emptyArray();
            return 0;
        }
        if (count == -1) count = 1;
        int size = z.size();
        int n = (int) Math.min(count, size);
        switch (shape) {
            case FLAT -> r.array(n * 2);
            case PAIRS -> r.pairs(n);
            case KEYED_FLAT -> {
                r.array(n * 2 + 1);
                r.bulk(key);
            }
            case KEYED_NESTED -> {
                r.array(2);
                r.bulk(key);
                r.array(n);
            }
        }
        // Redis publishes the pop event before the first element is written (after the header).
        c.changed(KeyspaceEvents.ZSET, max ? "zpopmax" : "zpopmin", key, n);
        ZSetValue.Cursor cur = z.cursor(max ? size - 1 : 0, max);
        for (int i = 0; i < n && cur.next(); i++) {
            if (shape == Shape.PAIRS) r.pair();
            else if (shape == Shape.KEYED_NESTED) r.array(2);
            r.bulk(cur.memberBuffer(), cur.memberFrom(), cur.memberTo() - cur.memberFrom());
            r.doubleValue(cur.score());
        }
        if (max) z.removeRange(size - n, size - 1);
        else z.removeRange(0, n - 1);
        if (z.size() == 0) c.deleteEmptied(key);
        return n;
    }

    /** BZPOPMIN|BZPOPMAX key [key ...] timeout. The timeout is checked before any key. */
    static void bzpop(Client c, boolean max) {
        long deadline = Blocking.deadline(c.argv[c.argc - 1], c.server.keyspace.now);
        blockingPop(c, 1, c.argc - 2, max, -1, Shape.KEYED_FLAT, deadline);
    }

    private static void blockingPop(Client c, int firstKey, int numKeys, boolean max, long count, Shape shape,
                                    long deadline) {
        boolean serving = c.blocked != null;
        byte[] readyKey = c.server.blocking.servedKey(c);
        for (int i = 0; i < numKeys; i++) {
            byte[] key = c.argv[firstKey + i];
            if (readyKey != null && !java.util.Arrays.equals(key, readyKey)) continue;
            KeyEntry e = c.db().lookupWrite(key);
            if (e == null) continue;
            if (!(e.value() instanceof ZSetValue z)) {
                if (serving) continue;
                throw Errors.wrongType();
            }
            int size = z.size();
            if (size == 0) continue;
            pop(c, firstKey + i, 1, max, count, shape, shape == Shape.KEYED_NESTED);
            byte[] name = max ? ZPOPMAX : ZPOPMIN;
            if (count == -1) c.rewritePropagation(name, key);
            else c.rewritePropagation(name, key, Long.toString(Math.min(count, size)).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (!c.canBlock()) {
            c.reply.nullArray();
            return;
        }
        List<byte[]> keys = new ArrayList<>(numKeys);
        for (int i = 0; i < numKeys; i++) keys.add(c.argv[firstKey + i]);
        c.server.blocking.block(c, keys, deadline, waiter -> waiter.reply.nullArray());
    }

    /**
     * ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] and BZMPOP timeout numkeys ... (timeout
     * checked last, as Redis does).
     */
    static void zmpop(Client c, int numkeysIdx, boolean blocking) {
        long numkeys = rangeLong(c.argv[numkeysIdx], 1, "ERR numkeys should be greater than 0");
        if (numkeys > c.argc) throw Errors.syntax();
        int whereIdx = (int) (numkeysIdx + numkeys + 1);
        if (whereIdx >= c.argc) throw Errors.syntax();
        boolean max;
        if (Args.cKeyword(c.argv[whereIdx], "min")) max = false;
        else if (Args.cKeyword(c.argv[whereIdx], "max")) max = true;
        else throw Errors.syntax();
        long count = -1;
        for (int j = whereIdx + 1; j < c.argc; j++) {
            boolean more = c.argc - 1 - j > 0;
            if (count == -1 && Args.cKeyword(c.argv[j], "count") && more) {
                count = rangeLong(c.argv[++j], 1, "ERR count should be greater than 0");
            } else {
                throw Errors.syntax();
            }
        }
        if (count == -1) count = 1;
        if (blocking) {
            long deadline = Blocking.deadline(c.argv[1], c.server.keyspace.now);
            blockingPop(c, numkeysIdx + 1, (int) numkeys, max, count, Shape.KEYED_NESTED, deadline);
            return;
        }
        int firstKey = numkeysIdx + 1;
        // Find the key that will be popped to know what to propagate.
        byte[] key = null;
        int size = 0;
        for (int i = 0; i < numkeys; i++) {
            KeyEntry e = c.db().lookupWrite(c.argv[firstKey + i]);
            if (e == null) continue;
            if (e.value() instanceof ZSetValue z) {
                key = c.argv[firstKey + i];
                size = z.size();
            }
            break;
        }
        int popped = pop(c, firstKey, (int) numkeys, max, count, Shape.KEYED_NESTED, true);
        if (popped > 0) {
            c.rewritePropagation(max ? ZPOPMAX : ZPOPMIN, key,
                    Long.toString(Math.min(count, size)).getBytes(StandardCharsets.US_ASCII));
        }
    }
}
