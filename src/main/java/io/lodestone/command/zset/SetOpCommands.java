package io.lodestone.command.zset;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.Dict;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.MemberSet;
import io.lodestone.store.type.ZSetValue;

import java.util.Arrays;
import java.util.Comparator;

/**
 * ZUNION, ZINTER, ZDIFF, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE and ZINTERCARD (Redis's
 * zunionInterDiffGenericCommand). Inputs are sorted sets or plain sets ({@link MemberSet}, each
 * member with score 1); missing keys are empty inputs.
 *
 * <p>Floating point is not associative, so the order of aggregation is Redis's: inputs sorted by
 * size (stably, smallest first) for union and intersection; a union adds each input's weighted
 * score in that order, an intersection starts from the smallest input. A weighted score that is
 * NaN (0 x inf) counts as 0, and so does a SUM of inf and -inf.
 */
final class SetOpCommands {
    private static final int UNION = 0, INTER = 1, DIFF = 2;
    private static final int SUM = 0, MIN = 1, MAX = 2;

    private SetOpCommands() {
    }

    static void register(CommandTable t) {
        t.handle("zunion", c -> setOp(c, null, 1, UNION, false));
        t.handle("zinter", c -> setOp(c, null, 1, INTER, false));
        t.handle("zdiff", c -> setOp(c, null, 1, DIFF, false));
        t.handle("zunionstore", c -> setOp(c, c.argv[1], 2, UNION, false));
        t.handle("zinterstore", c -> setOp(c, c.argv[1], 2, INTER, false));
        t.handle("zdiffstore", c -> setOp(c, c.argv[1], 2, DIFF, false));
        t.handle("zintercard", c -> setOp(c, null, 1, INTER, true));
    }

    /** One input: a sorted set, a plain set, or nothing (missing key), with its weight. */
    private static final class Source {
        final Object value;
        double weight = 1;

        Source(Object value) {
            this.value = value;
        }

        int size() {
            if (value instanceof ZSetValue z) return z.size();
            if (value instanceof MemberSet s) return s.memberCount();
            return 0;
        }

        /** The member's score here (1 in a plain set), or NaN when absent. */
        double score(byte[] member) {
            if (value instanceof ZSetValue z) return z.score(member);
            if (value instanceof MemberSet s) return s.containsMember(member) ? 1 : Double.NaN;
            return Double.NaN;
        }

        /**
         * Calls {@code action} for every (member, score) until it returns false; members are fresh
         * arrays or immutable ones. A sorted set is walked from its highest score, as Redis does.
         */
        void forEach(MemberScoreConsumer action) {
            if (value instanceof ZSetValue z) {
                ZSetValue.Cursor cur = z.cursor(z.size() - 1, true);
                while (cur.next()) {
                    if (!action.accept(cur.member(), cur.score())) return;
                }
            } else if (value instanceof MemberSet s) {
                boolean[] stopped = {false};
                s.forEachMember(m -> {
                    if (!stopped[0]) stopped[0] = !action.accept(m.clone(), 1);
                });
            }
        }
    }

    private interface MemberScoreConsumer {
        /** Returns false to stop the walk. */
        boolean accept(byte[] member, double score);
    }

    static void setOp(Client c, byte[] dst, int numkeysIdx, int op, boolean cardinalityOnly) {
        long setnum = Args.parseLong(c.argv[numkeysIdx]);
        if (setnum < 1) {
            throw new CommandError("ERR at least 1 input key is needed for '" + c.cmd.fullName() + "' command");
        }
        if (setnum > c.argc - (numkeysIdx + 1)) throw Errors.syntax();
        int n = (int) setnum;
        Source[] src = new Source[n];
        int j = numkeysIdx + 1;
        for (int i = 0; i < n; i++, j++) {
            KeyEntry e = c.db().lookupRead(c.argv[j]);
            Object v = e == null ? null : e.value();
            if (v != null && !(v instanceof ZSetValue) && !(v instanceof MemberSet)) throw Errors.wrongType();
            src[i] = new Source(v);
        }
        int aggregate = SUM;
        boolean withScores = false;
        long limit = 0;
        int remaining = c.argc - j;
        while (remaining > 0) {
            byte[] a = c.argv[j];
            if (op != DIFF && !cardinalityOnly && remaining >= n + 1 && Args.cKeyword(a, "weights")) {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--) {
                    src[i].weight = Args.parseDouble(c.argv[j], "ERR weight value is not a float");
                }
            } else if (op != DIFF && !cardinalityOnly && remaining >= 2 && Args.cKeyword(a, "aggregate")) {
                byte[] which = c.argv[j + 1];
                if (Args.cKeyword(which, "sum")) aggregate = SUM;
                else if (Args.cKeyword(which, "min")) aggregate = MIN;
                else if (Args.cKeyword(which, "max")) aggregate = MAX;
                else throw Errors.syntax();
                j += 2;
                remaining -= 2;
            } else if (remaining >= 1 && dst == null && !cardinalityOnly && Args.cKeyword(a, "withscores")) {
                withScores = true;
                j++;
                remaining--;
            } else if (cardinalityOnly && remaining >= 2 && Args.cKeyword(a, "limit")) {
                String error = "ERR LIMIT can't be negative";
                limit = Args.parseLong(c.argv[j + 1], error);
                if (limit < 0) throw new CommandError(error);
                j += 2;
                remaining -= 2;
            } else {
                throw Errors.syntax();
            }
        }
        if (op != DIFF) Arrays.sort(src, Comparator.comparingInt(Source::size)); // stable, as glibc's

        Result result = new Result();
        long cardinality = 0;
        if (op == INTER) {
            cardinality = intersect(src, aggregate, cardinalityOnly, limit, result);
        } else if (op == UNION) {
            union(src, aggregate, result);
        } else {
            diff(src, result);
        }

        Reply r = c.reply;
        if (dst != null) {
            String event = op == UNION ? "zunionstore" : op == INTER ? "zinterstore" : "zdiffstore";
            if (result.n > 0) {
                c.db().set(dst, ZSetValue.build(result.members, result.scores, result.n, ZSetCommands.limits(c)), false);
                r.integer(result.n);
                c.changed(KeyspaceEvents.ZSET, event, dst);
            } else {
                r.integer(0);
                c.deleteKey(dst);
            }
        } else if (cardinalityOnly) {
            r.integer(cardinality);
        } else {
            Integer[] order = result.sorted();
            if (withScores) r.pairs(result.n);
            else r.array(result.n);
            for (int k : order) {
                if (withScores) r.pair();
                r.bulk(result.members[k]);
                if (withScores) r.doubleValue(result.scores[k]);
            }
        }
    }

    private static double aggregate(double target, double value, int aggregate) {
        return switch (aggregate) {
            case SUM -> {
                double s = target + value;
                yield Double.isNaN(s) ? 0.0 : s;
            }
            case MIN -> value < target ? value : target;
            default -> value > target ? value : target;
        };
    }

    /** Members of the smallest input found in every other one; returns how many (for ZINTERCARD). */
    private static long intersect(Source[] src, int aggregate, boolean countOnly, long limit, Result out) {
        if (src[0].size() == 0) return 0;
        long[] card = {0};
        src[0].forEach((member, s) -> {
            double score = src[0].weight * s;
            if (Double.isNaN(score)) score = 0;
            int j;
            for (j = 1; j < src.length; j++) {
                double value;
                if (src[j].value == src[0].value) {
                    value = s * src[j].weight;
                } else {
                    double found = src[j].score(member);
                    if (Double.isNaN(found)) break;
                    value = found * src[j].weight;
                }
                score = aggregate(score, value, aggregate);
            }
            if (j < src.length) return true;
            if (countOnly) return ++card[0] < limit || limit == 0;
            out.add(member, score);
            return true;
        });
        return card[0];
    }

    private static void union(Source[] src, int aggregate, Result out) {
        Accumulator acc = new Accumulator(out);
        for (Source s : src) {
            if (s.size() == 0) continue;
            s.forEach((member, score) -> {
                double v = s.weight * score;
                if (Double.isNaN(v)) v = 0;
                int at = acc.find(member);
                if (at < 0) acc.add(member, v);
                else out.scores[at] = aggregate(out.scores[at], v, aggregate);
                return true;
            });
        }
    }

    /** Members of the first input in none of the others, with their first-input scores. */
    private static void diff(Source[] src, Result out) {
        if (src[0].size() == 0) return;
        for (int j = 1; j < src.length; j++) if (src[j].value == src[0].value) return;
        src[0].forEach((member, s) -> {
            for (int j = 1; j < src.length; j++) if (!Double.isNaN(src[j].score(member))) return true;
            out.add(member, s);
            return true;
        });
    }

    /** Result members and scores, in the order found. */
    private static final class Result {
        byte[][] members = new byte[16][];
        double[] scores = new double[16];
        int n;

        int add(byte[] member, double score) {
            if (n == members.length) {
                members = Arrays.copyOf(members, n * 2);
                scores = Arrays.copyOf(scores, n * 2);
            }
            members[n] = member;
            scores[n] = score;
            return n++;
        }

        /** Indexes in (score, member) order. */
        Integer[] sorted() {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> {
                double x = scores[a], y = scores[b];
                if (x < y) return -1;
                if (x > y) return 1;
                return Arrays.compareUnsigned(members[a], members[b]);
            });
            return order;
        }
    }

    /** Member -> index of a {@link Result}: open addressing over the result's own arrays. */
    private static final class Accumulator {
        private final Result out;
        private int[] slots = new int[32]; // index + 1; 0 is empty
        private long[] hashes = new long[32];

        Accumulator(Result out) {
            this.out = out;
        }

        int find(byte[] member) {
            long h = Dict.hash(member);
            int mask = slots.length - 1;
            for (int i = (int) h & mask; ; i = (i + 1) & mask) {
                int s = slots[i];
                if (s == 0) return -1;
                if (hashes[i] == h && Arrays.equals(out.members[s - 1], member)) return s - 1;
            }
        }

        void add(byte[] member, double score) {
            int idx = out.add(member, score);
            if ((out.n) * 2 > slots.length) grow();
            insert(Dict.hash(member), idx);
        }

        private void insert(long h, int idx) {
            int mask = slots.length - 1;
            int i = (int) h & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = idx + 1;
            hashes[i] = h;
        }

        private void grow() {
            int[] oldSlots = slots;
            long[] oldHashes = hashes;
            slots = new int[oldSlots.length * 2];
            hashes = new long[oldSlots.length * 2];
            for (int i = 0; i < oldSlots.length; i++) if (oldSlots[i] != 0) insert(oldHashes[i], oldSlots[i] - 1);
        }
    }
}
