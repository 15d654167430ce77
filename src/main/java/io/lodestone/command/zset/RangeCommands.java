package io.lodestone.command.zset;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.type.ZSetValue.LexRange;
import io.lodestone.store.type.ZSetValue.ScoreRange;
import io.lodestone.store.type.ZSetValue;

/**
 * Ranges: ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, ZRANGESTORE, the older ZREVRANGE,
 * ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX (one parser, Redis's
 * zrangeGenericCommand), and ZREMRANGEBYRANK/SCORE/LEX.
 *
 * <p>The reply's length is known before the first element: score ranges by the ranks of their
 * ends, lex ranges by a counting walk (they end where a member leaves the range, which for mixed
 * scores is not a rank computation).
 */
final class RangeCommands {
    private enum Type { AUTO, RANK, SCORE, LEX }

    private enum Direction { AUTO, FORWARD, REVERSE }

    private RangeCommands() {
    }

    static void register(CommandTable t) {
        t.handle("zrange", c -> zrange(c, 1, false, Type.AUTO, Direction.AUTO));
        t.handle("zrangestore", c -> zrange(c, 2, true, Type.AUTO, Direction.AUTO));
        t.handle("zrevrange", c -> zrange(c, 1, false, Type.RANK, Direction.REVERSE));
        t.handle("zrangebyscore", c -> zrange(c, 1, false, Type.SCORE, Direction.FORWARD));
        t.handle("zrevrangebyscore", c -> zrange(c, 1, false, Type.SCORE, Direction.REVERSE));
        t.handle("zrangebylex", c -> zrange(c, 1, false, Type.LEX, Direction.FORWARD));
        t.handle("zrevrangebylex", c -> zrange(c, 1, false, Type.LEX, Direction.REVERSE));
        t.handle("zremrangebyrank", c -> zremrange(c, Type.RANK));
        t.handle("zremrangebyscore", c -> zremrange(c, Type.SCORE));
        t.handle("zremrangebylex", c -> zremrange(c, Type.LEX));
    }

    /**
     * Redis's zrangeGenericCommand. {@code argStart} is the source key's position; the options after
     * min and max are parsed first (LIMIT's numbers as they come), then conflicts, then the range,
     * then the key.
     */
    static void zrange(Client c, int argStart, boolean store, Type type, Direction dir) {
        byte[] key = c.argv[argStart];
        int minIdx = argStart + 1, maxIdx = argStart + 2;
        boolean withScores = false;
        long offset = 0, limit = -1;
        for (int j = argStart + 3; j < c.argc; j++) {
            int left = c.argc - j - 1;
            byte[] a = c.argv[j];
            if (!store && Args.cKeyword(a, "withscores")) {
                withScores = true;
            } else if (Args.cKeyword(a, "limit") && left >= 2) {
                offset = Args.parseLong(c.argv[j + 1]);
                limit = Args.parseLong(c.argv[j + 2]);
                j += 2;
            } else if (dir == Direction.AUTO && Args.cKeyword(a, "rev")) {
                dir = Direction.REVERSE;
            } else if (type == Type.AUTO && Args.cKeyword(a, "bylex")) {
                type = Type.LEX;
            } else if (type == Type.AUTO && Args.cKeyword(a, "byscore")) {
                type = Type.SCORE;
            } else {
                throw Errors.syntax();
            }
        }
        if (dir == Direction.AUTO) dir = Direction.FORWARD;
        if (type == Type.AUTO) type = Type.RANK;
        if (limit != -1 && type == Type.RANK) {
            throw new CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }
        if (withScores && type == Type.LEX) {
            throw new CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        }
        boolean reverse = dir == Direction.REVERSE;
        if (reverse && type != Type.RANK) {
            int t = minIdx;
            minIdx = maxIdx;
            maxIdx = t;
        }
        long start = 0, end = 0;
        ScoreRange scoreRange = null;
        LexRange lexRange = null;
        switch (type) {
            case SCORE -> scoreRange = Ranges.score(c.argv[minIdx], c.argv[maxIdx]);
            case LEX -> lexRange = Ranges.lex(c.argv[minIdx], c.argv[maxIdx]);
            default -> {
                start = Args.parseLong(c.argv[minIdx]);
                end = Args.parseLong(c.argv[maxIdx]);
            }
        }
        ZSetValue z = c.lookupRead(key, ZSetValue.class);
        if (z == null) {
            if (store) storeResult(c, null, null, 0);
            else c.reply.emptyArray();
            return;
        }

        // The stretch to return: n elements from rank 'from', walking down when reverse.
        int from = 0, n = 0;
        int size = z.size();
        switch (type) {
            case SCORE -> {
                if (offset > 0 && offset >= size) break;
                int first = reverse ? z.lastInRange(scoreRange) : z.firstInRange(scoreRange);
                if (first < 0 || offset < 0) break;
                int other = reverse ? z.firstInRange(scoreRange) : z.lastInRange(scoreRange);
                long available = (reverse ? first - other : other - first) + 1 - offset;
                if (available <= 0) break;
                from = (int) (reverse ? first - offset : first + offset);
                n = (int) (limit < 0 ? available : Math.min(available, limit));
            }
            case LEX -> {
                int first = reverse ? z.lastInLexRange(lexRange) : z.firstInLexRange(lexRange);
                if (first < 0 || offset < 0 || offset >= size) break;
                long at = reverse ? first - offset : first + offset;
                if (at < 0 || at >= size) break;
                from = (int) at;
                ZSetValue.Cursor cur = z.cursor(from, reverse);
                while ((limit < 0 || n < limit) && cur.next()) {
                    byte[] b = cur.memberBuffer();
                    boolean in = reverse ? lexRange.gteMin(b, cur.memberFrom(), cur.memberTo())
                            : lexRange.lteMax(b, cur.memberFrom(), cur.memberTo());
                    if (!in) break;
                    n++;
                }
            }
            default -> {
                if (start < 0) start = size + start;
                if (end < 0) end = size + end;
                if (start < 0) start = 0;
                if (start > end || start >= size) break;
                if (end >= size) end = size - 1;
                n = (int) (end - start + 1);
                from = (int) (reverse ? size - 1 - start : start);
            }
        }
        if (store) {
            byte[][] members = new byte[n][];
            double[] scores = new double[n];
            ZSetValue.Cursor cur = z.cursor(from, reverse);
            for (int i = 0; i < n && cur.next(); i++) {
                members[i] = cur.member();
                scores[i] = cur.score();
            }
            storeResult(c, members, scores, n);
            return;
        }
        if (withScores) c.reply.pairs(n);
        else c.reply.array(n);
        ZSetCommands.emit(c.reply, z.cursor(from, reverse), n, withScores);
    }

    /** ZRANGESTORE's ending: the result replaces the destination, or an empty one deletes it. */
    private static void storeResult(Client c, byte[][] members, double[] scores, int n) {
        byte[] dst = c.argv[1];
        if (n > 0) {
            c.db().set(dst, ZSetValue.build(members, scores, n, ZSetCommands.limits(c)), false);
            c.reply.integer(n);
            c.changed(KeyspaceEvents.ZSET, "zrangestore", dst);
            return;
        }
        c.reply.integer(0);
        c.deleteKey(dst);
    }

    /** Redis's zremrangeGenericCommand: the range is parsed before the key is looked up. */
    static void zremrange(Client c, Type type) {
        byte[] key = c.argv[1];
        long start = 0, end = 0;
        ScoreRange scoreRange = null;
        LexRange lexRange = null;
        String event;
        switch (type) {
            case SCORE -> {
                event = "zremrangebyscore";
                scoreRange = Ranges.score(c.argv[2], c.argv[3]);
            }
            case LEX -> {
                event = "zremrangebylex";
                lexRange = Ranges.lex(c.argv[2], c.argv[3]);
            }
            default -> {
                event = "zremrangebyrank";
                start = Args.parseLong(c.argv[2]);
                end = Args.parseLong(c.argv[3]);
            }
        }
        ZSetValue z = c.lookupWrite(key, ZSetValue.class);
        if (z == null) {
            c.reply.integer(0);
            return;
        }
        int size = z.size();
        int from = -1, to = -1;
        switch (type) {
            case SCORE -> {
                from = z.firstInRange(scoreRange);
                if (from >= 0) to = z.lastInRange(scoreRange);
            }
            case LEX -> {
                from = z.firstInLexRange(lexRange);
                if (from >= 0) {
                    ZSetValue.Cursor cur = z.cursor(from, false);
                    to = from - 1;
                    while (cur.next() && lexRange.lteMax(cur.memberBuffer(), cur.memberFrom(), cur.memberTo())) to++;
                }
            }
            default -> {
                if (start < 0) start = size + start;
                if (end < 0) end = size + end;
                if (start < 0) start = 0;
                if (start > end || start >= size) {
                    c.reply.integer(0);
                    return;
                }
                if (end >= size) end = size - 1;
                from = (int) start;
                to = (int) end;
            }
        }
        int deleted = from >= 0 && to >= from ? z.removeRange(from, to) : 0;
        if (deleted > 0) c.elementsRemoved(KeyspaceEvents.ZSET, event, key, z.size() == 0, deleted);
        c.reply.integer(deleted);
    }
}
