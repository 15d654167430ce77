package io.lodestone.command.set;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.SetValue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The set commands (Redis's t_set.c): SADD, SREM, SMOVE, SISMEMBER, SMISMEMBER, SCARD, SPOP,
 * SRANDMEMBER, SMEMBERS, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE;
 * SSCAN is {@link SscanCommand}.
 *
 * <p>Replies follow Redis's algorithms where their order is observable: an intset iterates in
 * ascending order, and SINTER walks the smallest set while SUNION and SDIFF build their result in a
 * fresh set that starts as an intset - so a result of few integers comes back sorted exactly when
 * Redis's does, and a stored result gets the encoding Redis would give it.
 *
 * <p>Effects propagate as Redis 7.0 propagates them: SPOP as {@code SREM key member}; SPOP with a
 * count as one SREM per popped member (several are wrapped in MULTI/EXEC by the dispatcher), or as
 * {@code DEL key} when it takes the whole set; everything else as sent.
 */
public final class SetCommands {
    static final byte[] SREM = ascii("SREM");
    static final byte[] DEL = ascii("DEL");
    static final String NOT_POSITIVE = "ERR value is out of range, must be positive";
    static final String RANDOM_COUNT_RANGE =
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
    /** Redis's SPOP_MOVE_STRATEGY_MUL: when few members would remain, rebuild the set from them. */
    private static final int SPOP_MOVE_STRATEGY_MUL = 5;
    /** Redis's SRANDMEMBER_SUB_STRATEGY_MUL: when most members are asked for, sample by removal. */
    private static final int SRANDMEMBER_SUB_STRATEGY_MUL = 3;
    /** Stable, as glibc's qsort is for Redis: equal-sized sets keep their argument order. */
    private static final Comparator<SetValue> BY_SIZE = Comparator.comparingInt(SetValue::size);
    private static final Comparator<SetValue> BY_SIZE_DESC =
            (a, b) -> Integer.compare(b == null ? 0 : b.size(), a == null ? 0 : a.size());

    private SetCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("sadd", SetCommands::sadd);
        t.handle("srem", SetCommands::srem);
        t.handle("smove", SetCommands::smove);
        t.handle("sismember", SetCommands::sismember);
        t.handle("smismember", SetCommands::smismember);
        t.handle("scard", SetCommands::scard);
        t.handle("spop", SetCommands::spop);
        t.handle("srandmember", SetCommands::srandmember);
        // In Redis 7.0 SMEMBERS is SINTER of one key.
        t.handle("smembers", c -> sinterGeneric(c, 1, 1, null, false, 0));
        t.handle("sinter", c -> sinterGeneric(c, 1, c.argc - 1, null, false, 0));
        t.handle("sinterstore", c -> sinterGeneric(c, 2, c.argc - 2, c.argv[1], false, 0));
        t.handle("sintercard", SetCommands::sintercard);
        t.handle("sunion", c -> sunionDiffGeneric(c, 1, c.argc - 1, null, false));
        t.handle("sunionstore", c -> sunionDiffGeneric(c, 2, c.argc - 2, c.argv[1], false));
        t.handle("sdiff", c -> sunionDiffGeneric(c, 1, c.argc - 1, null, true));
        t.handle("sdiffstore", c -> sunionDiffGeneric(c, 2, c.argc - 2, c.argv[1], true));
        t.handle("sscan", SscanCommand::sscan);
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /** Writes the iterator's current member: an intset member as a number, without allocating. */
    static void replyMember(Reply r, SetValue.Members it) {
        if (it.isInt()) r.bulk(it.intValue());
        else r.bulk(it.bytes());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---- SADD / SREM / SMOVE ---------------------------------------------------------------------

    /** SADD key member...: a new key gets the encoding its first member allows (Redis's setTypeCreate). */
    static void sadd(Client c) {
        byte[] key = c.argv[1];
        SetValue set = c.lookupWrite(key, SetValue.class);
        if (set == null) {
            set = SetValue.createFor(c.argv[2]);
            c.db().add(key, set);
        }
        long max = c.server.encodings.setMaxIntsetEntries;
        int added = 0;
        for (int j = 2; j < c.argc; j++) {
            if (set.add(c.argv[j], max)) added++;
        }
        if (added > 0) c.changed(KeyspaceEvents.SET, "sadd", key, added);
        c.reply.integer(added);
    }

    /** SREM key member...: stops at the member that empties the set, which is then deleted. */
    static void srem(Client c) {
        byte[] key = c.argv[1];
        SetValue set = c.lookupWrite(key, SetValue.class);
        if (set == null) {
            c.reply.integer(0);
            return;
        }
        int deleted = 0;
        for (int j = 2; j < c.argc; j++) {
            if (set.remove(c.argv[j])) {
                deleted++;
                if (set.size() == 0) break;
            }
        }
        if (deleted > 0) c.elementsRemoved(KeyspaceEvents.SET, "srem", key, set.size() == 0, deleted);
        c.reply.integer(deleted);
    }

    /**
     * SMOVE source destination member. A missing source answers 0 before the destination's type is
     * checked; source and destination the same key only answers whether the member is there.
     */
    static void smove(Client c) {
        byte[] src = c.argv[1], dst = c.argv[2], member = c.argv[3];
        Database db = c.db();
        KeyEntry se = db.lookupWrite(src);
        KeyEntry de = db.lookupWrite(dst);
        if (se == null) {
            c.reply.integer(0);
            return;
        }
        SetValue srcSet = Client.checkType(se, SetValue.class);
        if (de != null) Client.checkType(de, SetValue.class);
        if (se.equals(de)) {
            c.reply.integer(srcSet.contains(member) ? 1 : 0);
            return;
        }
        if (!srcSet.remove(member)) {
            c.reply.integer(0);
            return;
        }
        c.notifyKeyspaceEvent(KeyspaceEvents.SET, "srem", src);
        if (srcSet.size() == 0) c.deleteEmptied(src);
        SetValue dstSet;
        if (de == null) {
            dstSet = SetValue.createFor(member);
            db.add(dst, dstSet);
        } else {
            dstSet = (SetValue) de.value();
        }
        db.signalModifiedKey(src);
        c.dirty(1);
        if (dstSet.add(member, c.server.encodings.setMaxIntsetEntries)) c.changed(KeyspaceEvents.SET, "sadd", dst);
        c.reply.integer(1);
    }

    // ---- Reads of one set ------------------------------------------------------------------------

    static void sismember(Client c) {
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        c.reply.integer(set != null && set.contains(c.argv[2]) ? 1 : 0);
    }

    /** SMISMEMBER key member...: a missing key is an empty set (a row of zeros). */
    static void smismember(Client c) {
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        Reply r = c.reply;
        r.array(c.argc - 2);
        for (int j = 2; j < c.argc; j++) r.integer(set != null && set.contains(c.argv[j]) ? 1 : 0);
    }

    static void scard(Client c) {
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        c.reply.integer(set == null ? 0 : set.size());
    }

    // ---- SPOP ------------------------------------------------------------------------------------

    /** SPOP key [count]: one member, propagated as SREM of that member. */
    static void spop(Client c) {
        if (c.argc == 3) {
            spopWithCount(c);
            return;
        }
        if (c.argc > 3) throw Errors.syntax();
        byte[] key = c.argv[1];
        SetValue set = c.lookupWrite(key, SetValue.class);
        if (set == null) {
            c.reply.nullBulk();
            return;
        }
        byte[] member;
        if (set.isIntset()) {
            long v = set.randomLong();
            set.removeLong(v);
            member = SetValue.format(v);
        } else {
            member = set.randomBytes();
            set.remove(member);
        }
        c.changed(KeyspaceEvents.SET, "spop", key);
        c.rewritePropagation(SREM, key, member);
        c.reply.bulk(member);
        if (set.size() == 0) c.deleteEmptied(key);
    }

    /**
     * SPOP key count (Redis's spopWithCountCommand), with its three cases: the whole set (replied
     * as SUNION of the key would, deleted, propagated as DEL); few members taken (random picks, each
     * removed); most members taken (the members that stay are picked and moved to a new set, and
     * the old set, now holding exactly the popped members, is replied in its order). The last two
     * propagate one SREM per popped member instead of the command.
     */
    static void spopWithCount(Client c) {
        // Redis's getPositiveLongFromObjectOrReply: one text for "not a number" and "negative".
        long count = Args.parseLong(c.argv[2], NOT_POSITIVE);
        if (count < 0) throw new CommandError(NOT_POSITIVE);
        byte[] key = c.argv[1];
        Database db = c.db();
        KeyEntry e = c.lookupWriteEntry(key, SetValue.class);
        Reply r = c.reply;
        if (e == null || count == 0) {
            r.set(0);
            return;
        }
        SetValue set = (SetValue) e.value();
        int size = set.size();
        c.notifyKeyspaceEvent(KeyspaceEvents.SET, "spop", key);
        c.dirty(Math.min(count, size));

        if (count >= size) {
            sunionDiffGeneric(c, 1, 1, null, false);
            c.deleteEmptied(key);
            c.rewritePropagation(DEL, key);
            return;
        }

        boolean propagate = c.server.hasPropagation();
        int dbIndex = c.dbIndex();
        int n = (int) count;
        long remaining = size - count;
        r.set(n);
        if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
            for (int i = 0; i < n; i++) {
                byte[] member;
                if (set.isIntset()) {
                    long v = set.randomLong();
                    r.bulk(v);
                    set.removeLong(v);
                    member = propagate ? SetValue.format(v) : null;
                } else {
                    member = set.randomBytes();
                    r.bulk(member);
                    set.remove(member);
                }
                if (propagate) c.server.propagate(dbIndex, new byte[][]{SREM, key, member}, 3);
            }
        } else {
            long max = c.server.encodings.setMaxIntsetEntries;
            SetValue kept = null;
            for (long i = 0; i < remaining; i++) {
                if (set.isIntset()) {
                    long v = set.randomLong();
                    if (kept == null) kept = SetValue.intset();
                    kept.addLong(v, max);
                    set.removeLong(v);
                } else {
                    byte[] m = set.randomBytes();
                    if (kept == null) kept = SetValue.createFor(m);
                    kept.add(m, max);
                    set.remove(m);
                }
            }
            SetValue.Members it = set.members();
            while (it.next()) {
                replyMember(r, it);
                if (propagate) c.server.propagate(dbIndex, new byte[][]{SREM, key, it.bytes()}, 3);
            }
            e.value(kept);
        }
        c.preventPropagation();
        db.signalModifiedKey(key);
    }

    // ---- SRANDMEMBER -----------------------------------------------------------------------------

    static void srandmember(Client c) {
        if (c.argc == 3) {
            srandmemberWithCount(c);
            return;
        }
        if (c.argc > 3) throw Errors.syntax();
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        if (set == null) c.reply.nullBulk();
        else if (set.isIntset()) c.reply.bulk(set.randomLong());
        else c.reply.bulk(set.randomBytes());
    }

    /**
     * SRANDMEMBER key count: a negative count may repeat members, a positive one returns distinct
     * members (the whole set, in its order, when count reaches its size). Distinct samples are
     * uniform; their order is random.
     */
    static void srandmemberWithCount(Client c) {
        long l = Args.parseLong(c.argv[2]);
        if (l == Long.MIN_VALUE) throw new CommandError(RANDOM_COUNT_RANGE);
        boolean distinct = l >= 0;
        long count = Math.abs(l);
        SetValue set = c.lookupRead(c.argv[1], SetValue.class);
        Reply r = c.reply;
        if (set == null || count == 0) {
            r.emptyArray();
            return;
        }
        int size = set.size();
        if (!distinct || count == 1) {
            // The reply can hold any number of members; ours is bounded by an array header.
            if (count > Integer.MAX_VALUE) throw new CommandError(RANDOM_COUNT_RANGE);
            int n = (int) count;
            r.array(n);
            if (set.isIntset()) {
                for (int i = 0; i < n; i++) r.bulk(set.randomLong());
            } else {
                for (int i = 0; i < n; i++) r.bulk(set.randomBytes());
            }
            return;
        }
        if (count >= size) {
            r.array(size);
            SetValue.Members it = set.members();
            while (it.next()) replyMember(r, it);
            return;
        }
        int n = (int) count;
        r.array(n);
        if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
            sampleByShuffle(r, set, n);
        } else {
            sampleByPicking(r, set, n);
        }
    }

    /** n distinct members when n is a large part of the set: a partial Fisher-Yates shuffle of all. */
    private static void sampleByShuffle(Reply r, SetValue set, int n) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int size = set.size();
        if (set.isIntset()) {
            long[] all = new long[size];
            for (int i = 0; i < size; i++) all[i] = set.intAt(i);
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                long t = all[i];
                all[i] = all[j];
                all[j] = t;
                r.bulk(all[i]);
            }
        } else {
            byte[][] all = new byte[size][];
            SetValue.Members it = set.members();
            for (int i = 0; it.next(); i++) all[i] = it.bytes();
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                byte[] t = all[i];
                all[i] = all[j];
                all[j] = t;
                r.bulk(all[i]);
            }
        }
    }

    /** n distinct members when n is a small part of the set: random picks, repeats skipped. */
    private static void sampleByPicking(Reply r, SetValue set, int n) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int size = set.size();
        if (set.isIntset()) {
            BitSet picked = new BitSet(size);
            for (int added = 0; added < n; ) {
                int i = rnd.nextInt(size);
                if (picked.get(i)) continue;
                picked.set(i);
                r.bulk(set.intAt(i));
                added++;
            }
        } else {
            SetValue seen = SetValue.hashtable(n); // a hashtable stays one: the intset limit is moot
            for (int added = 0; added < n; ) {
                byte[] m = set.randomBytes();
                if (!seen.add(m, 0)) continue;
                r.bulk(m);
                added++;
            }
        }
    }

    // ---- SINTER family ---------------------------------------------------------------------------

    /** SINTERCARD numkeys key... [LIMIT limit]. */
    static void sintercard(Client c) {
        long numkeys;
        try {
            numkeys = Args.parseLong(c.argv[1]);
        } catch (CommandError e) {
            throw new CommandError("ERR numkeys should be greater than 0");
        }
        if (numkeys < 1) throw new CommandError("ERR numkeys should be greater than 0");
        if (numkeys > c.argc - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
        long limit = 0;
        for (int j = 2 + (int) numkeys; j < c.argc; j++) {
            boolean moreArgs = c.argc - 1 - j > 0;
            if (Args.cKeyword(c.argv[j], "limit") && moreArgs) {
                j++;
                try {
                    limit = Args.parseLong(c.argv[j]);
                } catch (CommandError e) {
                    throw new CommandError("ERR LIMIT can't be negative");
                }
                if (limit < 0) throw new CommandError("ERR LIMIT can't be negative");
            } else {
                throw Errors.syntax();
            }
        }
        sinterGeneric(c, 2, (int) numkeys, null, true, limit);
    }

    /**
     * Redis's sinterGenericCommand for SMEMBERS, SINTER, SINTERSTORE and SINTERCARD: the keys at
     * argv[first..first+n). Any missing key makes the result empty; otherwise the smallest set is
     * walked and each member tested against the others. A stored result starts as an intset.
     *
     * @param limit SINTERCARD's LIMIT, 0 for none
     */
    static void sinterGeneric(Client c, int first, int n, byte[] dstKey, boolean cardinalityOnly, long limit) {
        SetValue[] sets = new SetValue[n];
        boolean empty = false;
        for (int j = 0; j < n; j++) {
            SetValue s = c.lookupRead(c.argv[first + j], SetValue.class);
            if (s == null) empty = true;
            else sets[j] = s;
        }
        Reply r = c.reply;
        if (empty) {
            if (dstKey != null) {
                c.deleteKey(dstKey);
                r.integer(0);
            } else if (cardinalityOnly) {
                r.integer(0);
            } else {
                r.set(0);
            }
            return;
        }
        if (n == 1 && dstKey == null && !cardinalityOnly) {
            // SMEMBERS, or SINTER of one key: every member, in the set's own order.
            r.set(sets[0].size());
            SetValue.Members it = sets[0].members();
            while (it.next()) replyMember(r, it);
            return;
        }
        Arrays.sort(sets, BY_SIZE);
        SetValue smallest = sets[0];
        long max = c.server.encodings.setMaxIntsetEntries;
        SetValue stored = dstKey != null ? SetValue.intset() : null;
        Found found = dstKey == null && !cardinalityOnly ? new Found(smallest.isIntset()) : null;
        long cardinality = 0;
        SetValue.Members it = smallest.members();
        while (it.next()) {
            boolean inAll = true;
            for (int j = 1; j < n && inAll; j++) {
                if (sets[j] == smallest) continue;
                inAll = it.isInt() ? sets[j].containsLong(it.intValue()) : sets[j].contains(it.bytes());
            }
            if (!inAll) continue;
            if (cardinalityOnly) {
                cardinality++;
                if (limit > 0 && cardinality >= limit) break;
            } else if (found != null) {
                found.add(it);
            } else if (it.isInt()) {
                stored.addLong(it.intValue(), max);
            } else {
                stored.add(it.bytes(), max);
            }
        }
        if (cardinalityOnly) {
            r.integer(cardinality);
        } else if (found != null) {
            found.reply(r);
        } else {
            storeResult(c, dstKey, stored, "sinterstore");
        }
    }

    /** SINTER's matches, kept until their number is known (Redis defers the reply's length). */
    private static final class Found {
        private long[] ints;
        private byte[][] members;
        private int n;

        Found(boolean intset) {
            if (intset) ints = new long[8];
            else members = new byte[8][];
        }

        void add(SetValue.Members it) {
            if (ints != null) {
                if (n == ints.length) ints = Arrays.copyOf(ints, n * 2);
                ints[n++] = it.intValue();
            } else {
                if (n == members.length) members = Arrays.copyOf(members, n * 2);
                members[n++] = it.bytes();
            }
        }

        void reply(Reply r) {
            r.set(n);
            for (int i = 0; i < n; i++) {
                if (ints != null) r.bulk(ints[i]);
                else r.bulk(members[i]);
            }
        }
    }

    /**
     * The end of the STORE variants (Redis's setKey or dbDelete): a non-empty result replaces the
     * destination whatever it held, dropping its TTL; an empty one deletes it.
     */
    private static void storeResult(Client c, byte[] dstKey, SetValue result, String event) {
        if (result.size() > 0) {
            c.db().set(dstKey, result, false);
            c.reply.integer(result.size());
            c.changed(KeyspaceEvents.SET, event, dstKey);
        } else {
            c.reply.integer(0);
            c.deleteKey(dstKey);
        }
    }

    // ---- SUNION / SDIFF --------------------------------------------------------------------------

    /**
     * Redis's sunionDiffGenericCommand for SUNION(STORE) and SDIFF(STORE) over argv[first..first+n).
     * The result is built in a new set that starts as an intset; SDIFF picks Redis's algorithm 1
     * (test each member of the first set against the others) or 2 (add the first set, remove the
     * others) by the same estimate, since that choice decides the result's encoding and so its order.
     */
    static void sunionDiffGeneric(Client c, int first, int n, byte[] dstKey, boolean diff) {
        SetValue[] sets = new SetValue[n];
        for (int j = 0; j < n; j++) sets[j] = c.lookupRead(c.argv[first + j], SetValue.class);

        boolean algorithmOne = true;
        if (diff && sets[0] != null) {
            long oneWork = 0, twoWork = 0;
            for (int j = 0; j < n; j++) {
                if (sets[j] == null) continue;
                oneWork += sets[0].size();
                twoWork += sets[j].size();
            }
            oneWork /= 2; // algorithm 1 has better constants and stops early on common members
            algorithmOne = oneWork <= twoWork;
            if (algorithmOne && n > 1) Arrays.sort(sets, 1, n, BY_SIZE_DESC);
        }

        long max = c.server.encodings.setMaxIntsetEntries;
        SetValue result = SetValue.intset();
        if (!diff) {
            for (SetValue s : sets) {
                if (s == null) continue;
                SetValue.Members it = s.members();
                while (it.next()) addMember(result, it, max);
            }
        } else if (sets[0] != null && algorithmOne) {
            SetValue.Members it = sets[0].members();
            while (it.next()) {
                boolean elsewhere = false;
                for (int j = 1; j < n && !elsewhere; j++) {
                    SetValue s = sets[j];
                    if (s == null) continue;
                    elsewhere = s == sets[0] || (it.isInt() ? s.containsLong(it.intValue()) : s.contains(it.bytes()));
                }
                if (!elsewhere) addMember(result, it, max);
            }
        } else if (sets[0] != null) {
            for (int j = 0; j < n; j++) {
                SetValue s = sets[j];
                if (s == null) continue;
                SetValue.Members it = s.members();
                while (it.next()) {
                    if (j == 0) addMember(result, it, max);
                    else if (it.isInt()) result.removeLong(it.intValue());
                    else result.remove(it.bytes());
                }
                if (result.size() == 0) break;
            }
        }

        if (dstKey == null) {
            Reply r = c.reply;
            r.set(result.size());
            SetValue.Members it = result.members();
            while (it.next()) replyMember(r, it);
        } else {
            storeResult(c, dstKey, result, diff ? "sdiffstore" : "sunionstore");
        }
    }

    private static void addMember(SetValue to, SetValue.Members it, long max) {
        if (it.isInt()) to.addLong(it.intValue(), max);
        else to.add(it.bytes(), max);
    }
}
