package io.lodestone.command.hash;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.keys.ScanCommand;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.HashValue;
import io.lodestone.util.Glob;
import io.lodestone.util.LongDouble;
import io.lodestone.util.Numbers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hash commands (Redis's t_hash.c). Values are {@link HashValue}s: compact ("listpack") up to
 * hash-max-listpack-entries pairs of at most hash-max-listpack-value bytes, a table ("hashtable")
 * past that, for good.
 *
 * <p>Replies, errors and their order follow Redis 7.0: arguments that are numbers are parsed before
 * the key is looked up, a key of another type is WRONGTYPE (HMGET included), a hash left empty by
 * HDEL is deleted. Writes signal WATCH and publish Redis's events ("hset", "hdel", "hincrby",
 * "hincrbyfloat", then "del" for a deleted key) through {@link Client#changed}, which also counts them
 * for propagation. They propagate as sent, except HINCRBYFLOAT, which propagates as
 * {@code HSET key field result} so that replicas store the same digits.
 */
public final class HashCommands {
    private static final byte[] HSET = "HSET".getBytes(StandardCharsets.US_ASCII);
    private static final String NOT_INTEGER = "ERR hash value is not an integer";
    private static final String NOT_FLOAT = "ERR hash value is not a float";
    private static final String COUNT_RANGE = "ERR value is out of range, value must between "
            + -Long.MAX_VALUE + " and " + Long.MAX_VALUE;

    private HashCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("hset", c -> hset(c, true));
        t.handle("hmset", c -> hset(c, false));
        t.handle("hsetnx", HashCommands::hsetnx);
        t.handle("hget", HashCommands::hget);
        t.handle("hmget", HashCommands::hmget);
        t.handle("hdel", HashCommands::hdel);
        t.handle("hlen", HashCommands::hlen);
        t.handle("hstrlen", HashCommands::hstrlen);
        t.handle("hexists", HashCommands::hexists);
        t.handle("hkeys", c -> getAll(c, true, false));
        t.handle("hvals", c -> getAll(c, false, true));
        t.handle("hgetall", c -> getAll(c, true, true));
        t.handle("hincrby", HashCommands::hincrby);
        t.handle("hincrbyfloat", HashCommands::hincrbyfloat);
        t.handle("hrandfield", HashCommands::hrandfield);
        t.handle("hscan", HashCommands::hscan);
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /** The byte range as an array of its own (the array itself when the range is all of it). */
    private static byte[] slice(byte[] b, int off, int len) {
        return off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len);
    }

    // ---- HSET / HMSET / HSETNX ---------------------------------------------------------------------

    /** HSET key field value [field value ...] replies the fields created; HMSET the same, with OK. */
    static void hset(Client c, boolean countCreated) {
        if (c.argc % 2 == 1) throw new CommandError(Errors.wrongArity(c.cmd.fullName()));
        byte[] key = c.argv[1];
        HashValue h = c.lookupWrite(key, HashValue.class);
        boolean newKey = h == null;
        if (newKey) h = new HashValue();
        long maxEntries = c.server.encodings.hashMaxListpackEntries, maxValue = c.server.encodings.hashMaxListpackValue;
        h.prepareWrite(c.argv, 2, c.argc, maxValue);
        int created = 0;
        for (int i = 2; i < c.argc; i += 2) {
            if (h.set(c.argv[i], c.argv[i + 1], maxEntries, maxValue)) created++;
        }
        if (newKey) c.db().add(key, h);
        if (countCreated) c.reply.integer(created);
        else c.reply.ok();
        c.changed(KeyspaceEvents.HASH, "hset", key, (c.argc - 2) / 2);
    }

    static void hsetnx(Client c) {
        byte[] key = c.argv[1], field = c.argv[2];
        HashValue h = c.lookupWrite(key, HashValue.class);
        if (h != null && h.contains(field)) {
            c.reply.integer(0);
            return;
        }
        boolean newKey = h == null;
        if (newKey) h = new HashValue();
        long maxValue = c.server.encodings.hashMaxListpackValue;
        h.prepareWrite(c.argv, 2, 4, maxValue);
        h.set(field, c.argv[3], c.server.encodings.hashMaxListpackEntries, maxValue);
        if (newKey) c.db().add(key, h);
        c.reply.integer(1);
        c.changed(KeyspaceEvents.HASH, "hset", key);
    }

    // ---- Reads of fields -------------------------------------------------------------------------

    static void hget(Client c) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        if (h == null || !h.get(c.argv[2], r::bulk)) r.nullBulk();
    }

    /** HMGET: a missing key is an empty hash (all nulls), but a key of another type is WRONGTYPE. */
    static void hmget(Client c) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        r.array(c.argc - 2);
        for (int i = 2; i < c.argc; i++) {
            if (h == null || !h.get(c.argv[i], r::bulk)) r.nullBulk();
        }
    }

    static void hlen(Client c) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        c.reply.integer(h == null ? 0 : h.size());
    }

    static void hstrlen(Client c) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        c.reply.integer(h == null ? 0 : Math.max(0, h.valueLength(c.argv[2])));
    }

    static void hexists(Client c) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        c.reply.integer(h != null && h.contains(c.argv[2]) ? 1 : 0);
    }

    /** HKEYS, HVALS, HGETALL (a map in RESP3): compact hashes in insertion order. */
    static void getAll(Client c, boolean fields, boolean values) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        int n = h == null ? 0 : h.size();
        if (fields && values) r.map(n);
        else r.array(n);
        if (h == null) return;
        h.forEach((f, fo, fl, v, vo, vl) -> {
            if (fields) r.bulk(f, fo, fl);
            if (values) r.bulk(v, vo, vl);
        });
    }

    // ---- HDEL ------------------------------------------------------------------------------------

    /** HDEL: the key goes when its last field does ("hdel", then "del"). */
    static void hdel(Client c) {
        byte[] key = c.argv[1];
        HashValue h = c.lookupWrite(key, HashValue.class);
        if (h == null) {
            c.reply.integer(0);
            return;
        }
        int deleted = 0;
        for (int i = 2; i < c.argc; i++) {
            if (h.delete(c.argv[i])) {
                deleted++;
                if (h.size() == 0) break;
            }
        }
        if (deleted > 0) c.elementsRemoved(KeyspaceEvents.HASH, "hdel", key, h.size() == 0, deleted);
        c.reply.integer(deleted);
    }

    // ---- Counters --------------------------------------------------------------------------------

    /** HINCRBY: the field must hold a 64-bit integer (a missing one is 0) and must not overflow. */
    static void hincrby(Client c) {
        long incr = Args.parseLong(c.argv[3]);
        byte[] key = c.argv[1], field = c.argv[2];
        HashValue h = c.lookupWrite(key, HashValue.class);
        boolean newKey = h == null;
        if (newKey) h = new HashValue();
        byte[] current = newKey ? null : h.get(field);
        long value = 0;
        if (current != null) {
            try {
                value = Numbers.parseLong(current);
            } catch (NumberFormatException ex) {
                throw new CommandError(NOT_INTEGER);
            }
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value)
                || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            throw new CommandError(Errors.OVERFLOW);
        }
        value += incr;
        h.set(field, Long.toString(value).getBytes(StandardCharsets.US_ASCII),
                c.server.encodings.hashMaxListpackEntries, c.server.encodings.hashMaxListpackValue);
        if (newKey) c.db().add(key, h);
        c.reply.integer(value);
        c.changed(KeyspaceEvents.HASH, "hincrby", key);
    }

    /**
     * HINCRBYFLOAT in x87 long double precision, as INCRBYFLOAT ({@link LongDouble}); the stored
     * text is the reply. A long result can push a compact hash to the table form, as in Redis.
     * Propagated as {@code HSET key field result}.
     */
    static void hincrbyfloat(Client c) {
        LongDouble incr = LongDouble.parse(c.argv[3]);
        if (incr == null) throw new CommandError(Errors.NOT_FLOAT);
        if (incr.isInfinite()) throw new CommandError("ERR value is NaN or Infinity");
        byte[] key = c.argv[1], field = c.argv[2];
        HashValue h = c.lookupWrite(key, HashValue.class);
        boolean newKey = h == null;
        if (newKey) h = new HashValue();
        byte[] current = newKey ? null : h.get(field);
        LongDouble value = current == null ? LongDouble.ZERO : LongDouble.parse(current);
        if (value == null) throw new CommandError(NOT_FLOAT);
        LongDouble sum = value.add(incr);
        if (sum.isInfinite()) throw new CommandError("ERR increment would produce NaN or Infinity");
        byte[] result = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        h.set(field, result, c.server.encodings.hashMaxListpackEntries, c.server.encodings.hashMaxListpackValue);
        if (newKey) c.db().add(key, h);
        c.reply.bulk(result);
        c.changed(KeyspaceEvents.HASH, "hincrbyfloat", key);
        c.rewritePropagation(HSET, key, field, result);
    }

    // ---- HRANDFIELD ------------------------------------------------------------------------------

    /**
     * HRANDFIELD key [count [WITHVALUES]]. Without a count: one field, or null. With a count: an
     * array; a positive count gives distinct fields (at most the whole hash), a negative one |count|
     * independent picks. WITHVALUES pairs each field with its value: flat in RESP2, two-element arrays
     * in RESP3. The count is checked before the key, against Redis 7.0's bounds.
     */
    static void hrandfield(Client c) {
        if (c.argc >= 3) {
            long l = Args.parseLong(c.argv[2]);
            if (l < -Long.MAX_VALUE) throw new CommandError(COUNT_RANGE);
            if (c.argc > 4 || (c.argc == 4 && !Args.cKeyword(c.argv[3], "withvalues"))) throw Errors.syntax();
            boolean withValues = c.argc == 4;
            // Redis 7.0 bounds it so that 2 * count (the RESP2 reply length) cannot overflow.
            if (withValues && (l < -Long.MAX_VALUE / 2 || l > Long.MAX_VALUE / 2)) {
                throw new CommandError("ERR value is out of range");
            }
            randomWithCount(c, l, withValues);
            return;
        }
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        if (h == null) r.nullBulk();
        else h.randomPair((f, fo, fl, v, vo, vl) -> r.bulk(f, fo, fl));
    }

    private static void randomWithCount(Client c, long l, boolean withValues) {
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        if (h == null) {
            r.emptyArray();
            return;
        }
        boolean unique = l >= 0;
        long count = unique ? l : -l;
        if (count == 0) {
            r.emptyArray();
            return;
        }
        HashValue.PairVisitor out = withValues
                ? (f, fo, fl, v, vo, vl) -> {
                    r.pair();
                    r.bulk(f, fo, fl);
                    r.bulk(v, vo, vl);
                }
                : (f, fo, fl, v, vo, vl) -> r.bulk(f, fo, fl);
        if (!unique || count == 1) {
            if (withValues) r.pairs(count);
            else r.array(count);
            // In batches, as Redis: a client past its output buffer limit is closed after the command, so a
            // huge count stops there instead of building the whole reply.
            for (long left = count; left > 0; ) {
                long batch = Math.min(left, 1000);
                left -= batch;
                h.randomPairs(batch, out);
                if (c.outputPastHardLimit()) break;
            }
            return;
        }
        int size = h.size();
        long n = Math.min(count, size);
        if (withValues) r.pairs(n);
        else r.array(n);
        if (count >= size) h.forEach(out);
        else h.randomDistinctPairs((int) count, out);
    }

    // ---- HSCAN -----------------------------------------------------------------------------------

    /**
     * HSCAN key cursor [MATCH pattern] [COUNT count], as Redis's scanGenericCommand: the cursor is
     * parsed first, then the key (a missing key is an empty scan, before any option is read). A
     * compact hash comes back whole with cursor 0; a table is walked bucket by bucket until about
     * COUNT pairs were seen (Redis counts fields and values, hence twice COUNT items) or ten times
     * that many steps were made. MATCH filters fields; a filtered field takes its value with it.
     */
    static void hscan(Client c) {
        long cursor = ScanCommand.parseCursor(c.argv[2]);
        HashValue h = c.lookupRead(c.argv[1], HashValue.class);
        Reply r = c.reply;
        if (h == null) {
            ScanCommand.replyEmpty(r);
            return;
        }
        ScanCommand.Options o = ScanCommand.parseOptions(c, 3, false);
        long count = o.count();
        byte[] pattern = o.pattern();

        List<byte[]> items = new ArrayList<>();
        HashValue.PairVisitor collect = (f, fo, fl, v, vo, vl) -> {
            items.add(slice(f, fo, fl));
            items.add(slice(v, vo, vl));
        };
        if (h.isCompact()) {
            cursor = h.scan(0, collect);
        } else {
            // As Redis: count doubles (fields and values), and may wrap for huge counts, in which
            // case the loop runs to the end of the table.
            long target = count * 2;
            long maxIterations = target * 10;
            do {
                cursor = h.scan(cursor, collect);
            } while (cursor != 0 && maxIterations-- != 0 && Long.compareUnsigned(items.size(), target) < 0);
        }
        if (pattern != null) {
            int kept = 0;
            for (int i = 0; i < items.size(); i += 2) {
                if (!Glob.match(pattern, items.get(i), false)) continue;
                items.set(kept++, items.get(i));
                items.set(kept++, items.get(i + 1));
            }
            items.subList(kept, items.size()).clear();
        }
        r.array(2);
        r.bulk(Long.toUnsignedString(cursor));
        r.array(items.size());
        for (byte[] item : items) r.bulk(item);
    }
}
