package io.lodestone.command.list;

import io.lodestone.command.Args;
import io.lodestone.command.Blocking;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.ListValue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The list commands (Redis's t_list.c): pushes and pops at both ends, access by index and range,
 * LTRIM, LREM, LINSERT, LPOS, LMOVE and LMPOP, and the blocking BLPOP, BRPOP, BLMOVE, BRPOPLPUSH
 * and BLMPOP.
 *
 * <p>Every write adds to the keyspace's dirty counter exactly what Redis adds (one per element pushed
 * or removed), so a command that changes nothing (LTRIM keeping everything, LREM finding nothing,
 * LPOP key 0) is not propagated, as in Redis. A list that becomes empty is deleted.
 *
 * <p><b>Blocking.</b> A blocking command that finds no data blocks its client on its keys
 * ({@link Blocking}); inside MULTI/EXEC it answers at once as a timeout would. When a key becomes
 * ready the command runs again for each waiter, first blocked first served, and is served from the
 * ready key only ({@link Blocking#servedKey}): if that key holds no list the client keeps waiting in
 * its place, as Redis leaves it blocked. Effects are propagated as Redis 7.0 does: BLPOP/BRPOP as
 * {@code LPOP/RPOP key}, BLMPOP as {@code LPOP/RPOP key count}, BLMOVE as {@code LMOVE src dst
 * wherefrom whereto} and BRPOPLPUSH as {@code RPOPLPUSH src dst}. Serving a BLPOP, BRPOP, BLMOVE or
 * BRPOPLPUSH does not count as a change in Redis (the push that readied the key did), so those
 * effects are propagated directly rather than through the dirty counter.
 */
public final class ListCommands {
    private static final byte[] LPOP = ascii("LPOP");
    private static final byte[] RPOP = ascii("RPOP");
    private static final byte[] LMOVE = ascii("LMOVE");
    private static final byte[] RPOPLPUSH = ascii("RPOPLPUSH");
    private static final byte[] LEFT = ascii("left");
    private static final byte[] RIGHT = ascii("right");
    private static final String RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the"
            + " second ... or use negative to start from the end of the list";
    /** What a blocked list command replies on timeout or CLIENT UNBLOCK ... TIMEOUT: a null array, even BLMOVE. */
    private static final Consumer<Client> TIMEOUT_REPLY = c -> c.reply.nullArray();

    private ListCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("lpush", c -> push(c, true, false));
        t.handle("rpush", c -> push(c, false, false));
        t.handle("lpushx", c -> push(c, true, true));
        t.handle("rpushx", c -> push(c, false, true));
        t.handle("lpop", c -> pop(c, true));
        t.handle("rpop", c -> pop(c, false));
        t.handle("llen", ListCommands::llen);
        t.handle("lindex", ListCommands::lindex);
        t.handle("lset", ListCommands::lset);
        t.handle("lrange", ListCommands::lrange);
        t.handle("ltrim", ListCommands::ltrim);
        t.handle("lrem", ListCommands::lrem);
        t.handle("linsert", ListCommands::linsert);
        t.handle("lpos", ListCommands::lpos);
        t.handle("lmove", c -> lmove(c, position(c.argv[3]), position(c.argv[4])));
        t.handle("rpoplpush", c -> lmove(c, false, true));
        t.handle("lmpop", c -> mpop(c, 1, false));
        t.handle("blpop", c -> bpop(c, true));
        t.handle("brpop", c -> bpop(c, false));
        t.handle("blmove", ListCommands::blmove);
        t.handle("brpoplpush", ListCommands::brpoplpush);
        t.handle("blmpop", c -> mpop(c, 2, true));
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static ListValue newList(Client c) {
        return new ListValue(c.server.encodings.listMaxListpackSize);
    }

    /** Redis's getListPositionFromObjectOrReply: true for LEFT (the head), false for RIGHT. */
    static boolean position(byte[] arg) {
        if (Args.cKeyword(arg, "right")) return false;
        if (Args.cKeyword(arg, "left")) return true;
        throw Errors.syntax();
    }

    /** Redis's getPositiveLongFromObjectOrReply / getRangeLongFromObjectOrReply with a message. */
    static long parseAtLeast(byte[] arg, long min, String error) {
        long v = Args.parseLong(arg, error);
        if (v < min) throw new CommandError(error);
        return v;
    }

    /** Writes the cursor's current element as a bulk string, without copying it. */
    static void replyElement(Reply r, ListValue.Cursor cur) {
        if (cur.isInteger()) r.bulk(cur.integer());
        else r.bulk(cur.array(), cur.offset(), cur.length());
    }

    /** Redis's addListRangeReply: elements start..end (negative counts from the tail), maybe reversed. */
    static void rangeReply(Reply r, ListValue l, long start, long end, boolean reverse) {
        long llen = l.size();
        if (start < 0) start = llen + start;
        if (end < 0) end = llen + end;
        if (start < 0) start = 0;
        if (start > end || start >= llen) {
            r.emptyArray();
            return;
        }
        if (end >= llen) end = llen - 1;
        long n = end - start + 1;
        r.array((int) n);
        ListValue.Cursor cur = l.cursor(reverse ? end : start, !reverse);
        for (long i = 0; i < n && cur.next(); i++) replyElement(r, cur);
    }

    /** Redis's listElementsRemoved: after popping {@code count} elements from one end. */
    static void popped(Client c, byte[] key, ListValue l, boolean head, long count) {
        c.elementsRemoved(KeyspaceEvents.LIST, head ? "lpop" : "rpop", key, l.isEmpty(), count);
    }

    // ---- Pushes ----------------------------------------------------------------------------------

    /** LPUSH, RPUSH, and with {@code xx} LPUSHX, RPUSHX. */
    static void push(Client c, boolean head, boolean xx) {
        byte[] key = c.argv[1];
        Database db = c.db();
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) {
            if (xx) {
                c.reply.integer(0);
                return;
            }
            l = newList(c);
            for (int j = 2; j < c.argc; j++) l.push(c.argv[j], head);
            db.add(key, l);
        } else {
            for (int j = 2; j < c.argc; j++) l.push(c.argv[j], head);
            db.signalKeyAsReady(key);
        }
        c.reply.integer(l.size());
        c.changed(KeyspaceEvents.LIST, head ? "lpush" : "rpush", key, c.argc - 2);
    }

    // ---- Pops ------------------------------------------------------------------------------------

    /** LPOP/RPOP key [count]: a bulk string, or with a count an array (null array when no key). */
    static void pop(Client c, boolean head) {
        boolean hasCount = c.argc == 3;
        if (c.argc > 3) throw new CommandError(Errors.wrongArity(head ? "lpop" : "rpop"));
        long count = 0;
        if (hasCount) count = parseAtLeast(c.argv[2], 0, "ERR value is out of range, must be positive");
        byte[] key = c.argv[1];
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) {
            if (hasCount) c.reply.nullArray();
            else c.reply.nullBulk();
            return;
        }
        if (hasCount && count == 0) {
            c.reply.emptyArray();
            return;
        }
        if (!hasCount) {
            c.reply.bulk(l.pop(head));
            popped(c, key, l, head, 1);
            return;
        }
        long n = popRangeReply(c.reply, l, head, count);
        popped(c, key, l, head, n);
    }

    /** Replies up to count elements from one end (in popping order) and removes them; returns how many. */
    static long popRangeReply(Reply r, ListValue l, boolean head, long count) {
        long n = Math.min(count, l.size());
        r.array((int) n);
        ListValue.Cursor cur = l.cursor(head ? 0 : l.size() - 1, head);
        for (long i = 0; i < n && cur.next(); i++) replyElement(r, cur);
        if (head) l.trim(n, 0);
        else l.trim(0, n);
        return n;
    }

    // ---- Reads -----------------------------------------------------------------------------------

    static void llen(Client c) {
        ListValue l = c.lookupRead(c.argv[1], ListValue.class);
        c.reply.integer(l == null ? 0 : l.size());
    }

    static void lindex(Client c) {
        ListValue l = c.lookupRead(c.argv[1], ListValue.class);
        if (l == null) {
            c.reply.nullBulk();
            return;
        }
        long index = Args.parseLong(c.argv[2]);
        if (index < 0) index = l.size() + index;
        c.reply.bulkOrNull(l.get(index));
    }

    static void lrange(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        ListValue l = c.lookupRead(c.argv[1], ListValue.class);
        if (l == null) {
            c.reply.emptyArray();
            return;
        }
        rangeReply(c.reply, l, start, end, false);
    }

    /** LPOS key element [RANK rank] [COUNT num] [MAXLEN len]. */
    static void lpos(Client c) {
        ListValue.Probe probe = ListValue.probe(c.argv[2]);
        long rank = 1, count = -1, maxlen = 0;
        for (int j = 3; j < c.argc; j++) {
            byte[] opt = c.argv[j];
            boolean moreArgs = c.argc - 1 - j > 0;
            if (Args.cKeyword(opt, "rank") && moreArgs) {
                // Redis 7.0 parses any long here; -LONG_MIN stays negative below, as in C.
                rank = Args.parseLong(c.argv[++j]);
                if (rank == 0) throw new CommandError(RANK_ZERO);
            } else if (Args.cKeyword(opt, "count") && moreArgs) {
                count = parseAtLeast(c.argv[++j], 0, "ERR COUNT can't be negative");
            } else if (Args.cKeyword(opt, "maxlen") && moreArgs) {
                maxlen = parseAtLeast(c.argv[++j], 0, "ERR MAXLEN can't be negative");
            } else {
                throw Errors.syntax();
            }
        }
        boolean forward = true;
        if (rank < 0) {
            rank = -rank;
            forward = false;
        }
        ListValue l = c.lookupRead(c.argv[1], ListValue.class);
        if (l == null) {
            if (count != -1) c.reply.emptyArray();
            else c.reply.nullBulk();
            return;
        }
        long llen = l.size();
        ListValue.Cursor cur = l.cursor(forward ? 0 : llen - 1, forward);
        long index = 0, matches = 0, matchIndex = -1;
        long[] found = count != -1 ? new long[8] : null;
        int nFound = 0;
        while ((maxlen == 0 || index < maxlen) && cur.next()) {
            if (cur.matches(probe)) {
                matches++;
                matchIndex = forward ? index : llen - index - 1;
                if (matches >= rank) {
                    if (found != null) {
                        if (nFound == found.length) found = Arrays.copyOf(found, nFound * 2);
                        found[nFound++] = matchIndex;
                        if (count != 0 && matches - rank + 1 >= count) break;
                    } else {
                        break;
                    }
                }
            }
            index++;
            matchIndex = -1;
        }
        if (found != null) {
            c.reply.array(nFound);
            for (int i = 0; i < nFound; i++) c.reply.integer(found[i]);
        } else if (matchIndex != -1) {
            c.reply.integer(matchIndex);
        } else {
            c.reply.nullBulk();
        }
    }

    // ---- Writes in the middle --------------------------------------------------------------------

    static void lset(Client c) {
        byte[] key = c.argv[1];
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) throw new CommandError(Errors.NO_SUCH_KEY);
        long index = Args.parseLong(c.argv[2]);
        if (index < 0) index = l.size() + index;
        if (!l.set(index, c.argv[3])) throw new CommandError(Errors.OUT_OF_RANGE);
        c.reply.ok();
        c.changed(KeyspaceEvents.LIST, "lset", key);
    }

    static void ltrim(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        byte[] key = c.argv[1];
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) {
            c.reply.ok();
            return;
        }
        long llen = l.size();
        if (start < 0) start = llen + start;
        if (end < 0) end = llen + end;
        if (start < 0) start = 0;
        long ltrim, rtrim;
        if (start > end || start >= llen) {
            ltrim = llen;
            rtrim = 0;
        } else {
            if (end >= llen) end = llen - 1;
            ltrim = start;
            rtrim = llen - end - 1;
        }
        l.trim(ltrim, rtrim);
        c.elementsRemoved(KeyspaceEvents.LIST, "ltrim", key, l.isEmpty(), ltrim + rtrim);
        c.reply.ok();
    }

    /** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
    static void lrem(Client c) {
        long toRemove = Args.parseLong(c.argv[2]);
        byte[] key = c.argv[1];
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) {
            c.reply.integer(0);
            return;
        }
        boolean fromTail = toRemove < 0;
        // -LONG_MIN overflows to itself in C and then never equals the removed count: all go.
        long limit = fromTail ? (toRemove == Long.MIN_VALUE ? 0 : -toRemove) : toRemove;
        long removed = l.remove(ListValue.probe(c.argv[3]), limit, fromTail);
        if (removed > 0) c.elementsRemoved(KeyspaceEvents.LIST, "lrem", key, l.isEmpty(), removed);
        c.reply.integer(removed);
    }

    /** LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0 without the key. */
    static void linsert(Client c) {
        boolean after;
        if (Args.cKeyword(c.argv[2], "after")) after = true;
        else if (Args.cKeyword(c.argv[2], "before")) after = false;
        else throw Errors.syntax();
        byte[] key = c.argv[1];
        ListValue l = c.lookupWrite(key, ListValue.class);
        if (l == null) {
            c.reply.integer(0);
            return;
        }
        if (!l.insert(ListValue.probe(c.argv[3]), c.argv[4], after)) {
            c.reply.integer(-1);
            return;
        }
        c.changed(KeyspaceEvents.LIST, "linsert", key);
        c.reply.integer(l.size());
    }

    // ---- LMOVE and RPOPLPUSH ---------------------------------------------------------------------

    /** LMOVE src dst wherefrom whereto, RPOPLPUSH src dst; propagated as sent. */
    static void lmove(Client c, boolean fromHead, boolean toHead) {
        ListValue src = c.lookupWrite(c.argv[1], ListValue.class);
        if (src == null) {
            c.reply.nullBulk();
            return;
        }
        move(c, c.argv[1], src, c.argv[2], fromHead, toHead);
        c.dirty(1);
    }

    /**
     * Redis's lmoveGenericCommand body, shared with serving a blocked BLMOVE: pops from src (a non-empty
     * list), pushes onto dst (created if absent; WRONGTYPE if not a list, before anything changes),
     * replies the element. Events: the push on dst, then the pop on src and its deletion.
     */
    private static void move(Client c, byte[] srcKey, ListValue from, byte[] dstKey, boolean fromHead,
                             boolean toHead) {
        ListValue to = c.lookupWrite(dstKey, ListValue.class);
        byte[] value = from.pop(fromHead);
        Database db = c.db();
        if (to == null) {
            to = newList(c);
            to.push(value, toHead);
            db.add(dstKey, to);
        } else {
            to.push(value, toHead);
            db.signalKeyAsReady(dstKey);
        }
        db.signalModifiedKey(dstKey);
        c.notifyKeyspaceEvent(KeyspaceEvents.LIST, toHead ? "lpush" : "rpush", dstKey);
        c.reply.bulk(value);
        c.notifyKeyspaceEvent(KeyspaceEvents.LIST, fromHead ? "lpop" : "rpop", srcKey);
        if (from.isEmpty()) c.deleteEmptied(srcKey);
        db.signalModifiedKey(srcKey);
    }

    // ---- LMPOP and BLMPOP ------------------------------------------------------------------------

    /**
     * LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] and BLMPOP timeout numkeys ...: pops up to
     * count elements from the first non-empty list, replying [key, [elements]], propagated as
     * {@code LPOP/RPOP key n}. Arguments are checked in Redis's order: numkeys, the direction, COUNT,
     * then BLMPOP's timeout.
     */
    static void mpop(Client c, int numkeysIdx, boolean blocking) {
        long numkeys = parseAtLeast(c.argv[numkeysIdx], 1, "ERR numkeys should be greater than 0");
        if (numkeys >= c.argc - numkeysIdx - 1) throw Errors.syntax(); // no room for the direction
        int whereIdx = numkeysIdx + (int) numkeys + 1;
        boolean head = position(c.argv[whereIdx]);
        long count = -1;
        for (int j = whereIdx + 1; j < c.argc; j++) {
            boolean moreArgs = c.argc - 1 - j > 0;
            if (count == -1 && Args.cKeyword(c.argv[j], "count") && moreArgs) {
                count = parseAtLeast(c.argv[++j], 1, "ERR count should be greater than 0");
            } else {
                throw Errors.syntax();
            }
        }
        if (count == -1) count = 1;
        long deadline = blocking ? Blocking.deadline(c.argv[1], c.server.keyspace.now) : 0;
        int firstKey = numkeysIdx + 1;
        byte[] served = blocking ? c.server.blocking.servedKey(c) : null;
        if (served != null) {
            KeyEntry e = c.db().lookupWrite(served);
            if (e != null && e.value() instanceof ListValue l && !l.isEmpty()) {
                popRangeWithKey(c, e.key(), l, head, count);
            } else {
                c.server.blocking.block(c, keys(c, firstKey, (int) numkeys), deadline, TIMEOUT_REPLY);
            }
            return;
        }
        for (int j = firstKey; j < firstKey + numkeys; j++) {
            ListValue l = c.lookupWrite(c.argv[j], ListValue.class);
            if (l == null || l.isEmpty()) continue;
            popRangeWithKey(c, c.argv[j], l, head, count);
            return;
        }
        if (!blocking || !c.canBlock()) {
            c.reply.nullArray();
            return;
        }
        c.server.blocking.block(c, keys(c, firstKey, (int) numkeys), deadline, TIMEOUT_REPLY);
    }

    /** Redis's listPopRangeAndReplyWithKey, propagated as {@code LPOP/RPOP key n}. */
    private static void popRangeWithKey(Client c, byte[] key, ListValue l, boolean head, long count) {
        c.reply.array(2);
        c.reply.bulk(key);
        long n = popRangeReply(c.reply, l, head, count);
        popped(c, key, l, head, n);
        c.rewritePropagation(head ? LPOP : RPOP, key, ascii(Long.toString(n)));
    }

    private static List<byte[]> keys(Client c, int from, int n) {
        return Arrays.asList(Arrays.copyOfRange(c.argv, from, from + n));
    }

    // ---- BLPOP and BRPOP -------------------------------------------------------------------------

    /** BLPOP/BRPOP key [key ...] timeout: [key, element] from the first non-empty list, or block. */
    static void bpop(Client c, boolean head) {
        long deadline = Blocking.deadline(c.argv[c.argc - 1], c.server.keyspace.now);
        byte[] served = c.server.blocking.servedKey(c);
        if (served != null) {
            KeyEntry e = c.db().lookupWrite(served);
            if (e != null && e.value() instanceof ListValue l && !l.isEmpty()) {
                // Redis propagates the pop it serves without counting it as a change.
                byte[] key = e.key();
                c.server.propagate(c.dbIndex(), new byte[][]{head ? LPOP : RPOP, key}, 2);
                byte[] value = l.pop(head);
                c.reply.array(2);
                c.reply.bulk(key);
                c.reply.bulk(value);
                c.notifyKeyspaceEvent(KeyspaceEvents.LIST, head ? "lpop" : "rpop", key);
                if (l.isEmpty()) c.deleteEmptied(key);
            } else {
                c.server.blocking.block(c, keys(c, 1, c.argc - 2), deadline, TIMEOUT_REPLY);
            }
            return;
        }
        for (int j = 1; j < c.argc - 1; j++) {
            byte[] key = c.argv[j];
            ListValue l = c.lookupWrite(key, ListValue.class);
            if (l == null || l.isEmpty()) continue;
            byte[] value = l.pop(head);
            c.reply.array(2);
            c.reply.bulk(key);
            c.reply.bulk(value);
            popped(c, key, l, head, 1);
            c.rewritePropagation(head ? LPOP : RPOP, key);
            return;
        }
        if (!c.canBlock()) {
            c.reply.nullArray();
            return;
        }
        c.server.blocking.block(c, keys(c, 1, c.argc - 2), deadline, TIMEOUT_REPLY);
    }

    // ---- BLMOVE and BRPOPLPUSH -------------------------------------------------------------------

    static void blmove(Client c) {
        boolean fromHead = position(c.argv[3]);
        boolean toHead = position(c.argv[4]);
        long deadline = Blocking.deadline(c.argv[5], c.server.keyspace.now);
        blockingMove(c, fromHead, toHead, deadline, false);
    }

    static void brpoplpush(Client c) {
        long deadline = Blocking.deadline(c.argv[3], c.server.keyspace.now);
        blockingMove(c, false, true, deadline, true);
    }

    /**
     * Redis's blmoveGenericCommand: LMOVE when the source has data (propagated as LMOVE with the
     * client's direction words, or RPOPLPUSH), otherwise block, or inside MULTI a null reply. When
     * served, a destination of the wrong type ends the wait with WRONGTYPE, as in Redis.
     */
    private static void blockingMove(Client c, boolean fromHead, boolean toHead, long deadline, boolean rpoplpush) {
        byte[] srcKey = c.argv[1], dstKey = c.argv[2];
        if (c.server.blocking.servedKey(c) != null) {
            KeyEntry src = c.db().lookupWrite(srcKey);
            if (src == null || !(src.value() instanceof ListValue l) || l.isEmpty()) {
                c.server.blocking.block(c, List.of(srcKey), deadline, TIMEOUT_REPLY);
                return;
            }
            c.lookupWrite(dstKey, ListValue.class); // WRONGTYPE before the move is propagated
            // Redis propagates the move it serves without counting it as a change.
            c.server.propagate(c.dbIndex(), rpoplpush ? new byte[][]{RPOPLPUSH, srcKey, dstKey}
                    : new byte[][]{LMOVE, srcKey, dstKey, fromHead ? LEFT : RIGHT, toHead ? LEFT : RIGHT},
                    rpoplpush ? 3 : 5);
            move(c, srcKey, l, dstKey, fromHead, toHead);
            return;
        }
        ListValue src = c.lookupWrite(srcKey, ListValue.class);
        if (src == null) {
            if (!c.canBlock()) c.reply.nullBulk();
            else c.server.blocking.block(c, List.of(srcKey), deadline, TIMEOUT_REPLY);
            return;
        }
        move(c, srcKey, src, dstKey, fromHead, toHead);
        c.dirty(1);
        if (rpoplpush) c.rewritePropagation(RPOPLPUSH, srcKey, dstKey);
        else c.rewritePropagation(LMOVE, srcKey, dstKey, c.argv[3], c.argv[4]);
    }
}
