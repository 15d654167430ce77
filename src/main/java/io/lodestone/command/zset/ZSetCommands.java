package io.lodestone.command.zset;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.keys.ScanCommand;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.DoubleFormat;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.ZSetValue;
import io.lodestone.util.Glob;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sorted-set commands (Redis's t_zset.c): this class has ZADD/ZINCRBY, the point lookups,
 * ZRANDMEMBER and ZSCAN; {@link RangeCommands} the ranges (ZRANGE and its older forms, ZRANGESTORE,
 * ZREMRANGEBY*), {@link PopCommands} the pops, blocking or not, and {@link SetOpCommands} the
 * algebra (ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD).
 *
 * <p>Replies follow Redis 7.0: scores as {@code %.17g} doubles ({@code ,} in RESP3, bulk strings in
 * RESP2), WITHSCORES as a flat array in RESP2 and as pairs in RESP3. Writes signal WATCH, publish
 * Redis's keyspace events (and "del" when a set empties and its key goes), and add to the dirty
 * counter as Redis does (one per element added, updated or removed).
 */
public final class ZSetCommands {
    static final String NAN_ERROR = "ERR resulting score is not a number (NaN)";

    private ZSetCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("zadd", c -> zadd(c, ZSetValue.ADD_NONE));
        t.handle("zincrby", c -> zadd(c, ZSetValue.ADD_INCR));
        t.handle("zrem", ZSetCommands::zrem);
        t.handle("zcard", ZSetCommands::zcard);
        t.handle("zscore", ZSetCommands::zscore);
        t.handle("zmscore", ZSetCommands::zmscore);
        t.handle("zrank", c -> zrank(c, false));
        t.handle("zrevrank", c -> zrank(c, true));
        t.handle("zcount", ZSetCommands::zcount);
        t.handle("zlexcount", ZSetCommands::zlexcount);
        t.handle("zrandmember", ZSetCommands::zrandmember);
        t.handle("zscan", ZSetCommands::zscan);
        RangeCommands.register(t);
        PopCommands.register(t);
        SetOpCommands.register(t);
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /** The thresholds of the compact form, from the server settings (for GEO and SORT ... STORE too). */
    public static ZSetValue.Limits limits(Client c) {
        return new ZSetValue.Limits(c.server.encodings.zsetMaxListpackEntries, c.server.encodings.zsetMaxListpackValue);
    }

    /**
     * Writes the elements of a walk: member, and its score when {@code withScores} (as a pair in
     * RESP3). The caller wrote the array header ({@link Reply#pairs} or {@link Reply#array}).
     */
    static void emit(Reply r, ZSetValue.Cursor cur, int n, boolean withScores) {
        for (int i = 0; i < n && cur.next(); i++) {
            if (withScores) r.pair();
            r.bulk(cur.memberBuffer(), cur.memberFrom(), cur.memberTo() - cur.memberFrom());
            if (withScores) r.doubleValue(cur.score());
        }
    }

    // ---- ZADD / ZINCRBY --------------------------------------------------------------------------

    /**
     * Redis's zaddGenericCommand, for ZADD [NX|XX] [GT|LT] [CH] [INCR] score member ... and ZINCRBY.
     * Options come first (ZINCRBY's increment is parsed as one too, as in Redis); every score is
     * parsed before the key is touched, so a bad score changes nothing.
     */
    static void zadd(Client c, int flags) {
        byte[] key = c.argv[1];
        int idx = 2;
        boolean ch = false;
        while (idx < c.argc) {
            byte[] o = c.argv[idx];
            if (Args.cKeyword(o, "nx")) flags |= ZSetValue.ADD_NX;
            else if (Args.cKeyword(o, "xx")) flags |= ZSetValue.ADD_XX;
            else if (Args.cKeyword(o, "ch")) ch = true;
            else if (Args.cKeyword(o, "incr")) flags |= ZSetValue.ADD_INCR;
            else if (Args.cKeyword(o, "gt")) flags |= ZSetValue.ADD_GT;
            else if (Args.cKeyword(o, "lt")) flags |= ZSetValue.ADD_LT;
            else break;
            idx++;
        }
        boolean incr = (flags & ZSetValue.ADD_INCR) != 0, nx = (flags & ZSetValue.ADD_NX) != 0;
        boolean xx = (flags & ZSetValue.ADD_XX) != 0, gt = (flags & ZSetValue.ADD_GT) != 0;
        boolean lt = (flags & ZSetValue.ADD_LT) != 0;
        int elements = c.argc - idx;
        if (elements % 2 != 0 || elements == 0) throw Errors.syntax();
        elements /= 2;
        if (nx && xx) throw new CommandError("ERR XX and NX options at the same time are not compatible");
        if ((gt && nx) || (lt && nx) || (gt && lt)) {
            throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
        }
        if (incr && elements > 1) throw new CommandError("ERR INCR option supports a single increment-element pair");
        double[] scores = new double[elements];
        for (int j = 0; j < elements; j++) scores[j] = Args.parseDouble(c.argv[idx + j * 2]);

        ZSetValue z = c.lookupWrite(key, ZSetValue.class);
        ZSetValue.Limits limits = limits(c);
        if (z == null) {
            if (xx) {
                if (incr) c.reply.nullBulk();
                else c.reply.integer(0);
                return;
            }
            z = ZSetValue.createFor(c.argv[idx + 1], limits);
            c.db().add(key, z);
        }
        int added = 0, updated = 0, processed = 0;
        double[] score = new double[1];
        for (int j = 0; j < elements; j++) {
            byte[] member = c.argv[idx + 1 + j * 2];
            int r = z.add(member, scores[j], flags, limits, score);
            if ((r & ZSetValue.NAN) != 0) throw new CommandError(NAN_ERROR);
            if ((r & ZSetValue.ADDED) != 0) added++;
            if ((r & ZSetValue.UPDATED) != 0) updated++;
            if ((r & ZSetValue.NOP) == 0) processed++;
        }
        if (incr) {
            if (processed > 0) c.reply.doubleValue(score[0]);
            else c.reply.nullBulk();
        } else {
            c.reply.integer(ch ? added + updated : added);
        }
        // Redis replies first, then signals and notifies (zaddGenericCommand's cleanup).
        if (added + updated > 0) {
            c.changed(KeyspaceEvents.ZSET, incr ? "zincr" : "zadd", key, added + updated);
            if (added > 0) c.db().signalKeyAsReady(key);
        }
    }

    // ---- ZREM and lookups ------------------------------------------------------------------------

    static void zrem(Client c) {
        byte[] key = c.argv[1];
        ZSetValue z = c.lookupWrite(key, ZSetValue.class);
        if (z == null) {
            c.reply.integer(0);
            return;
        }
        int deleted = 0;
        for (int j = 2; j < c.argc; j++) {
            if (z.remove(c.argv[j])) deleted++;
            if (z.size() == 0) break;
        }
        if (deleted > 0) c.elementsRemoved(KeyspaceEvents.ZSET, "zrem", key, z.size() == 0, deleted);
        c.reply.integer(deleted);
    }

    static void zcard(Client c) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.integer(z == null ? 0 : z.size());
    }

    static void zscore(Client c) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        double s = z == null ? Double.NaN : z.score(c.argv[2]);
        if (Double.isNaN(s)) c.reply.nullBulk();
        else c.reply.doubleValue(s);
    }

    /** A missing key answers like an empty set: a null per member. */
    static void zmscore(Client c) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.array(c.argc - 2);
        for (int j = 2; j < c.argc; j++) {
            double s = z == null ? Double.NaN : z.score(c.argv[j]);
            if (Double.isNaN(s)) c.reply.nullBulk();
            else c.reply.doubleValue(s);
        }
    }

    static void zrank(Client c, boolean reverse) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        int r = z == null ? -1 : z.rank(c.argv[2], reverse);
        if (r < 0) c.reply.nullBulk();
        else c.reply.integer(r);
    }

    /** The range is parsed before the key is looked up: a bad range wins over WRONGTYPE. */
    static void zcount(Client c) {
        ZSetValue.ScoreRange range = Ranges.score(c.argv[2], c.argv[3]);
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.integer(z == null ? 0 : z.count(range));
    }

    static void zlexcount(Client c) {
        ZSetValue.LexRange range = Ranges.lex(c.argv[2], c.argv[3]);
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.integer(z == null ? 0 : z.lexCount(range));
    }

    // ---- ZRANDMEMBER -----------------------------------------------------------------------------

    /** ZRANDMEMBER key [count [WITHSCORES]]. */
    static void zrandmember(Client c) {
        if (c.argc >= 3) {
            long count = Args.parseLong(c.argv[2]);
            if (count == Long.MIN_VALUE) {
                throw new CommandError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            }
            if (c.argc > 4 || (c.argc == 4 && !Args.cKeyword(c.argv[3], "withscores"))) throw Errors.syntax();
            boolean withScores = c.argc == 4;
            // The reply would have twice count elements.
            if (withScores && (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2)) {
                throw new CommandError("ERR value is out of range");
            }
            randomWithCount(c, count, withScores);
            return;
        }
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        if (z == null) {
            c.reply.nullBulk();
            return;
        }
        ZSetValue.Cursor cur = z.cursor(z.randomRank(), false);
        cur.next();
        c.reply.bulk(cur.memberBuffer(), cur.memberFrom(), cur.memberTo() - cur.memberFrom());
    }

    /**
     * Redis's zrandmemberWithCountCommand. A negative count may repeat members (each pick uniform);
     * a positive one returns distinct members: the whole set (highest score first, as Redis walks it)
     * when the count reaches the size, otherwise a uniform sample.
     */
    private static void randomWithCount(Client c, long l, boolean withScores) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        if (z == null) {
            c.reply.emptyArray();
            return;
        }
        Reply r = c.reply;
        if (l == 0) {
            r.emptyArray();
            return;
        }
        int size = z.size();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (l < 0 || l == 1) {
            long count = l < 0 ? -l : 1;
            header(r, count, withScores);
            for (long i = 0; i < count; i++) emitRank(r, z, rnd.nextInt(size), withScores);
            return;
        }
        if (l >= size) {
            header(r, size, withScores);
            emit(r, z.cursor(size - 1, true), size, withScores);
            return;
        }
        int count = (int) l;
        header(r, count, withScores);
        if ((long) count * 3 > size) {
            // Close to the whole set: drop random members until count remain.
            boolean[] dropped = new boolean[size];
            for (int left = size; left > count; ) {
                int k = rnd.nextInt(size);
                if (!dropped[k]) {
                    dropped[k] = true;
                    left--;
                }
            }
            for (int k = size - 1; k >= 0; k--) if (!dropped[k]) emitRank(r, z, k, withScores);
        } else {
            Set<Integer> picked = new HashSet<>();
            while (picked.size() < count) {
                int k = rnd.nextInt(size);
                if (picked.add(k)) emitRank(r, z, k, withScores);
            }
        }
    }

    private static void header(Reply r, long n, boolean withScores) {
        if (n > Integer.MAX_VALUE / 2) throw new CommandError("ERR value is out of range");
        if (withScores) r.pairs((int) n);
        else r.array((int) n);
    }

    private static void emitRank(Reply r, ZSetValue z, int rank, boolean withScores) {
        emit(r, z.cursor(rank, false), 1, withScores);
    }

    // ---- ZSCAN -----------------------------------------------------------------------------------

    /**
     * ZSCAN key cursor [MATCH pattern] [COUNT count]: a compact set is returned whole with cursor 0;
     * a large one walks its hash table with SCAN's cursor. COUNT counts members and scores alike, as
     * Redis's does. A missing key answers an empty scan before any option is checked.
     */
    static void zscan(Client c) {
        long cursor = ScanCommand.parseCursor(c.argv[2]);
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        Reply r = c.reply;
        if (z == null) {
            ScanCommand.replyEmpty(r);
            return;
        }
        ScanCommand.Options o = ScanCommand.parseOptions(c, 3, false);
        long count = o.count();
        byte[] pattern = o.pattern();
        List<byte[]> members = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        ZSetValue.ScanVisitor collect = (buf, from, to, score) -> {
            members.add(from == 0 && to == buf.length ? buf : Arrays.copyOfRange(buf, from, to));
            scores.add(score);
        };
        long maxIterations = count * 10;
        do {
            cursor = z.scan(cursor, collect);
        } while (cursor != 0 && maxIterations-- != 0 && members.size() * 2L < count);
        int n = 0;
        for (int i = 0; i < members.size(); i++) {
            if (pattern == null || Glob.match(pattern, members.get(i), false)) members.set(n++, members.get(i));
            else scores.set(i, null);
        }
        r.array(2);
        r.bulk(Long.toUnsignedString(cursor));
        r.array(n * 2);
        int k = 0;
        for (int i = 0; i < scores.size(); i++) {
            Double s = scores.get(i);
            if (s == null) continue;
            r.bulk(members.get(k++));
            r.bulk(DoubleFormat.g17(s).getBytes(StandardCharsets.US_ASCII));
        }
    }
}
