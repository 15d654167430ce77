package io.lodestone.command.string;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.util.LongDouble;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The string commands (Redis's t_string.c): GET/SET and their variants, MGET/MSET, counters,
 * ranges, APPEND, LCS. The bit commands are {@link BitCommands}.
 *
 * <p>A string is a bare {@code byte[]}. Arrays that come from a client's arguments are stored as
 * they are and may also sit in the propagation stream, so they are never modified in place. An
 * entry flagged {@link KeyEntry#FLAG_RAW} owns its array exclusively (Redis's "raw" encoding after
 * dbUnshareStringValue): only then may APPEND, SETRANGE, SETBIT and BITFIELD write into it -
 * see {@link #unshare}.
 *
 * <p>Writes are propagated as their effects exactly as Redis 7.0 rewrites them: any expiry becomes
 * {@code SET key value PXAT ms}, GETEX becomes PEXPIREAT/PERSIST/DEL, GETDEL a DEL, GETSET a SET,
 * INCRBYFLOAT {@code SET key value KEEPTTL}.
 */
public final class StringCommands {
    static final byte[] SET = ascii("SET");
    static final byte[] DEL = ascii("DEL");
    static final byte[] PXAT = ascii("PXAT");
    static final byte[] PEXPIREAT = ascii("PEXPIREAT");
    static final byte[] PERSIST = ascii("PERSIST");
    static final byte[] KEEPTTL = ascii("KEEPTTL");
    static final byte[] EMPTY = new byte[0];
    static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    /** The longest Java array we try to allocate; larger strings get the proto-max-bulk-len error. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private StringCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("get", StringCommands::get);
        t.handle("set", StringCommands::set);
        t.handle("setnx", StringCommands::setnx);
        t.handle("setex", c -> setGeneric(c, c.argv[1], c.argv[3], new SetOptions(SetOptions.EX, c.argv[2]), false));
        t.handle("psetex", c -> setGeneric(c, c.argv[1], c.argv[3], new SetOptions(SetOptions.PX, c.argv[2]), false));
        t.handle("getset", StringCommands::getset);
        t.handle("getdel", StringCommands::getdel);
        t.handle("getex", StringCommands::getex);
        t.handle("mget", StringCommands::mget);
        t.handle("mset", c -> mset(c, false));
        t.handle("msetnx", c -> mset(c, true));
        t.handle("append", StringCommands::append);
        t.handle("strlen", StringCommands::strlen);
        t.handle("incr", c -> incrDecr(c, 1));
        t.handle("decr", c -> incrDecr(c, -1));
        t.handle("incrby", c -> incrDecr(c, Args.parseLong(c.argv[2])));
        t.handle("decrby", StringCommands::decrby);
        t.handle("incrbyfloat", StringCommands::incrbyfloat);
        t.handle("getrange", StringCommands::getrange);
        t.handle("substr", StringCommands::getrange);
        t.handle("setrange", StringCommands::setrange);
        t.handle("lcs", StringCommands::lcs);
        BitCommands.register(t);
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /**
     * The entry's string made safe to modify in place and at least {@code minLength} long (zero
     * padded): the array itself when the entry already owns it and it is long enough, otherwise a
     * fresh copy the entry now owns (flagged raw, as Redis's dbUnshareStringValue leaves it).
     */
    static byte[] unshare(KeyEntry e, int minLength) {
        byte[] v = (byte[]) e.value();
        if (e.hasFlag(KeyEntry.FLAG_RAW) && v.length >= minLength) return v;
        byte[] copy = Arrays.copyOf(v, Math.max(v.length, minLength));
        e.own(copy);
        return copy;
    }

    /** Redis's checkStringLength: a string of {@code size + append} bytes must fit proto-max-bulk-len. */
    static void checkStringLength(Client c, long size, long append) {
        long total = size + append;
        if (total < size || total > c.server.limits.protoMaxBulkLen || total > MAX_ARRAY) {
            throw new CommandError(STRING_TOO_LONG);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Stores a string over an existing key's string. A small string is copied into the key's record
     * when it fits (docs/ARCHITECTURE.md, "Memory and the collector"); a large one held as an array of
     * the same length is overwritten in place, so a steady stream of overwrites leaves nothing new
     * for the collector to copy. That array may be shared while effects of this call are held (they
     * can name it), or be an argument of this very command (MSET k a k b, propagated after it runs),
     * so then the value is replaced as usual.
     */
    static void overwrite(Client c, KeyEntry e, byte[] value) {
        if (!e.isInline() && e.value() instanceof byte[] old && old.length == value.length
                && mayChangeInPlace(c, old)) {
            System.arraycopy(value, 0, old, 0, value.length);
            e.value(old);
        } else {
            e.value(value);
        }
        // An LRU/LFU maxmemory policy needs each value's own access clock: no shared small integers.
        if (c.server.keyspace.noSharedIntegers) e.setFlag(KeyEntry.FLAG_UNSHARED);
    }

    /** Redis's setKey for a string, clearing any expiry: adds the key, or {@link #overwrite}s its value. */
    static void store(Client c, Database db, byte[] key, byte[] value) {
        KeyEntry e = db.lookupWrite(key);
        if (e == null) {
            db.add(key, value);
            return;
        }
        overwrite(c, e, value);
        db.removeExpire(e);
        db.signalModifiedKey(key);
    }

    /** {@link #overwrite} of a number's decimal text. */
    static void overwrite(Client c, KeyEntry e, long number) {
        overwrite(c, e, Long.toString(number).getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean mayChangeInPlace(Client c, byte[] stored) {
        if (c.server.effectsHeld()) return false;
        for (int i = 0; i < c.argc; i++) {
            if (c.argv[i] == stored) return false;
        }
        return true;
    }

    // ---- GET / SET family ------------------------------------------------------------------------

    static void get(Client c) {
        KeyEntry e = c.db().lookupRead(c.argv[1]);
        if (e == null) c.reply.nullBulk();
        else if (e.isInline()) c.reply.bulk(e.array(), e.inlineOffset(), e.inlineLength());
        else c.reply.bulk(Client.checkType(e, byte[].class));
    }

    /** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]. */
    static void set(Client c) {
        setGeneric(c, c.argv[1], c.argv[2], SetOptions.parse(c, 3, true), false);
    }

    static void setnx(Client c) {
        setGeneric(c, c.argv[1], c.argv[2], new SetOptions(SetOptions.NX, null), true);
    }

    /**
     * Redis's setGenericCommand, for SET, SETNX, SETEX and PSETEX. Order matters for the replies:
     * the expiry is validated first, then GET replies with the old value (or WRONGTYPE, which aborts),
     * then NX/XX may abort. An expiry is always propagated as {@code SET key value PXAT <ms>}; GET
     * without an expiry is propagated without its GET arguments.
     *
     * @param integerReply SETNX's replies, 1 and 0, instead of OK and null
     */
    static void setGeneric(Client c, byte[] key, byte[] value, SetOptions o, boolean integerReply) {
        long when = o.expire() != null ? o.expireAtMillis(c) : 0;
        if (o.has(SetOptions.GET)) c.reply.bulkOrNull(c.lookupRead(key, byte[].class));
        Database db = c.db();
        KeyEntry e = db.lookupWrite(key);
        if ((o.has(SetOptions.NX) && e != null) || (o.has(SetOptions.XX) && e == null)) {
            if (o.has(SetOptions.GET)) return;
            if (integerReply) c.reply.integer(0);
            else c.reply.nullBulk();
            return;
        }
        if (e == null) {
            e = db.add(key, value);
        } else {
            overwrite(c, e, value);
            if (!o.has(SetOptions.KEEPTTL)) db.removeExpire(e);
            db.signalModifiedKey(key);
        }
        c.dirty(1);
        c.notifyKeyspaceEvent(KeyspaceEvents.STRING, "set", key);
        if (o.expire() != null) {
            db.setExpire(e, when);
            c.rewritePropagation(SET, key, value, PXAT, Long.toString(when).getBytes(StandardCharsets.US_ASCII));
            c.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "expire", key);
        } else if (o.has(SetOptions.GET)) {
            c.rewritePropagation(withoutGet(c));
        }
        if (o.has(SetOptions.GET)) return;
        if (integerReply) c.reply.integer(1);
        else c.reply.ok();
    }

    /** SET's arguments minus every GET option (a GET at 3+ is always the option: values follow EX etc.). */
    private static byte[][] withoutGet(Client c) {
        List<byte[]> out = new ArrayList<>(c.argc);
        for (int j = 0; j < c.argc; j++) {
            if (j >= 3 && Args.cKeyword(c.argv[j], "get")) continue;
            out.add(c.argv[j]);
        }
        return out.toArray(new byte[0][]);
    }

    static void getset(Client c) {
        byte[] key = c.argv[1], value = c.argv[2];
        c.reply.bulkOrNull(c.lookupRead(key, byte[].class));
        store(c, c.db(), key, value);
        c.notifyKeyspaceEvent(KeyspaceEvents.STRING, "set", key);
        c.dirty(1);
        c.rewritePropagation(SET, key, value);
    }

    static void getdel(Client c) {
        byte[] key = c.argv[1];
        byte[] s = c.lookupRead(key, byte[].class);
        if (s == null) {
            c.reply.nullBulk();
            return;
        }
        c.reply.bulk(s);
        c.rewritePropagation(DEL, key);
        c.deleteKey(key);
    }

    /**
     * GETEX key [EX s | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST]. The expiry is validated only
     * once the key is known to be a string, and the value is replied before the key may go: an
     * EXAT/PXAT already in the past deletes it (propagated as DEL), as EXPIREAT does.
     */
    static void getex(Client c) {
        SetOptions o = SetOptions.parse(c, 2, false);
        byte[] key = c.argv[1];
        Database db = c.db();
        KeyEntry e = db.lookupRead(key);
        if (e == null) {
            c.reply.nullBulk();
            return;
        }
        byte[] s = Client.checkType(e, byte[].class);
        long when = o.expire() != null ? o.expireAtMillis(c) : 0;
        c.reply.bulk(s);
        // Redis's checkAlreadyExpired: only a master deletes; a replica waits for its master's DEL.
        if (o.has(SetOptions.EXAT | SetOptions.PXAT) && c.server.keyspace.alreadyExpired(when)) {
            c.rewritePropagation(DEL, key);
            c.deleteKey(key);
        } else if (o.expire() != null) {
            db.setExpire(e, when);
            c.rewritePropagation(PEXPIREAT, key, Long.toString(when).getBytes(StandardCharsets.US_ASCII));
            c.changed(KeyspaceEvents.GENERIC, "expire", key);
        } else if (o.has(SetOptions.PERSIST) && db.removeExpire(e)) {
            c.rewritePropagation(PERSIST, key);
            c.changed(KeyspaceEvents.GENERIC, "persist", key);
        }
    }

    /** MGET: a value for each key, null for missing keys and for keys of other types. */
    static void mget(Client c) {
        Database db = c.db();
        c.reply.array(c.argc - 1);
        for (int j = 1; j < c.argc; j++) {
            KeyEntry e = db.lookupRead(c.argv[j]);
            if (e != null && e.value() instanceof byte[] s) c.reply.bulk(s);
            else c.reply.nullBulk();
        }
    }

    /** MSET and MSETNX; MSETNX sets nothing (and replies 0) if any key exists. */
    static void mset(Client c, boolean nx) {
        if (c.argc % 2 == 0) throw new CommandError(Errors.wrongArity(c.cmd.fullName()));
        Database db = c.db();
        if (nx) {
            for (int j = 1; j < c.argc; j += 2) {
                if (db.lookupWrite(c.argv[j]) != null) {
                    c.reply.integer(0);
                    return;
                }
            }
        }
        for (int j = 1; j < c.argc; j += 2) {
            store(c, db, c.argv[j], c.argv[j + 1]);
            c.notifyKeyspaceEvent(KeyspaceEvents.STRING, "set", c.argv[j]);
        }
        c.dirty((c.argc - 1) / 2);
        if (nx) c.reply.integer(1);
        else c.reply.ok();
    }

    // ---- APPEND, STRLEN, ranges ------------------------------------------------------------------

    static void append(Client c) {
        byte[] key = c.argv[1], tail = c.argv[2];
        KeyEntry e = c.lookupWriteEntry(key, byte[].class);
        long total;
        if (e == null) {
            c.db().add(key, tail);
            total = tail.length;
        } else {
            byte[] v = (byte[]) e.value();
            checkStringLength(c, v.length, tail.length);
            // A new array each time: Java arrays cannot grow in place, so APPEND costs O(length).
            byte[] joined = Arrays.copyOf(v, v.length + tail.length);
            System.arraycopy(tail, 0, joined, v.length, tail.length);
            e.own(joined);
            total = joined.length;
        }
        c.changed(KeyspaceEvents.STRING, "append", key);
        c.reply.integer(total);
    }

    static void strlen(Client c) {
        byte[] s = c.lookupRead(c.argv[1], byte[].class);
        c.reply.integer(s == null ? 0 : s.length);
    }

    /** GETRANGE and SUBSTR: inclusive offsets, negative from the end, clamped to the string. */
    static void getrange(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        byte[] s = c.lookupRead(c.argv[1], byte[].class);
        if (s == null || (start < 0 && end < 0 && start > end)) {
            c.reply.bulk(EMPTY);
            return;
        }
        long len = s.length;
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0) c.reply.bulk(EMPTY);
        else c.reply.bulk(s, (int) start, (int) (end - start + 1));
    }

    /** SETRANGE: overwrites from offset, zero-padding as needed; an empty value changes nothing. */
    static void setrange(Client c) {
        byte[] key = c.argv[1], value = c.argv[3];
        long offset = Args.parseLong(c.argv[2]);
        if (offset < 0) throw new CommandError("ERR offset is out of range");
        KeyEntry e = c.lookupWriteEntry(key, byte[].class);
        byte[] target;
        if (e == null) {
            if (value.length == 0) {
                c.reply.integer(0);
                return;
            }
            checkStringLength(c, offset, value.length);
            target = new byte[(int) (offset + value.length)];
            c.db().add(key, target).own(target);
        } else {
            byte[] v = (byte[]) e.value();
            if (value.length == 0) {
                c.reply.integer(v.length);
                return;
            }
            checkStringLength(c, offset, value.length);
            target = unshare(e, (int) (offset + value.length));
        }
        System.arraycopy(value, 0, target, (int) offset, value.length);
        c.changed(KeyspaceEvents.STRING, "setrange", key);
        c.reply.integer(target.length);
    }

    // ---- Counters --------------------------------------------------------------------------------

    static void decrby(Client c) {
        long by = Args.parseLong(c.argv[2]);
        if (by == Long.MIN_VALUE) throw new CommandError("ERR decrement would overflow");
        incrDecr(c, -by);
    }

    /** INCR, DECR, INCRBY, DECRBY: the value must be a 64-bit integer and must not overflow. */
    static void incrDecr(Client c, long by) {
        byte[] key = c.argv[1];
        KeyEntry e = c.lookupWriteEntry(key, byte[].class);
        long value = e == null ? 0 : Args.parseLong((byte[]) e.value());
        if ((by < 0 && value < 0 && by < Long.MIN_VALUE - value)
                || (by > 0 && value > 0 && by > Long.MAX_VALUE - value)) {
            throw new CommandError(Errors.OVERFLOW);
        }
        value += by;
        if (e == null) c.db().add(key, Long.toString(value).getBytes(StandardCharsets.US_ASCII));
        else overwrite(c, e, value);
        c.changed(KeyspaceEvents.STRING, "incrby", key);
        c.reply.integer(value);
    }

    /**
     * INCRBYFLOAT in x87 long double precision (see {@link LongDouble}); the stored text is the reply.
     * Redis stores it with createStringObjectFromLongDouble, which never makes an integer object,
     * so even "2" is an embstr. Propagated as {@code SET key result KEEPTTL}, so replicas store the
     * same bytes (and, through SET, encode them as SET would).
     */
    static void incrbyfloat(Client c) {
        byte[] key = c.argv[1];
        KeyEntry e = c.lookupWriteEntry(key, byte[].class);
        LongDouble value = e == null ? LongDouble.ZERO : LongDouble.parse((byte[]) e.value());
        if (value == null) throw new CommandError(Errors.NOT_FLOAT);
        LongDouble incr = LongDouble.parse(c.argv[2]);
        if (incr == null) throw new CommandError(Errors.NOT_FLOAT);
        LongDouble sum = value.add(incr);
        if (sum.isInfinite()) throw new CommandError("ERR increment would produce NaN or Infinity");
        byte[] result = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        if (e == null) e = c.db().add(key, result);
        else e.value(result);
        e.setFlag(KeyEntry.FLAG_NOT_INT);
        c.changed(KeyspaceEvents.STRING, "incrbyfloat", key);
        c.reply.bulk(result);
        c.rewritePropagation(SET, key, result, KEEPTTL);
    }

    // ---- LCS -------------------------------------------------------------------------------------

    /**
     * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence by
     * the classic dynamic-programming table, walked back from the end to emit the matched ranges
     * (last first, as Redis does). Missing keys are empty strings.
     */
    static void lcs(Client c) {
        Database db = c.db();
        KeyEntry ea = db.lookupRead(c.argv[1]);
        KeyEntry eb = db.lookupRead(c.argv[2]);
        if ((ea != null && !(ea.value() instanceof byte[])) || (eb != null && !(eb.value() instanceof byte[]))) {
            throw new CommandError("ERR The specified keys must contain string values");
        }
        byte[] a = ea == null ? EMPTY : (byte[]) ea.value();
        byte[] b = eb == null ? EMPTY : (byte[]) eb.value();
        boolean getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < c.argc; j++) {
            byte[] opt = c.argv[j];
            if (Args.cKeyword(opt, "idx")) {
                getIdx = true;
            } else if (Args.cKeyword(opt, "len")) {
                getLen = true;
            } else if (Args.cKeyword(opt, "withmatchlen")) {
                withMatchLen = true;
            } else if (Args.cKeyword(opt, "minmatchlen") && j + 1 < c.argc) {
                minMatchLen = Math.max(0, Args.parseLong(c.argv[++j]));
            } else {
                throw Errors.syntax();
            }
        }
        if (getLen && getIdx) {
            throw new CommandError("ERR If you want both the length and indexes, please just use IDX.");
        }
        int alen = a.length, blen = b.length, width = blen + 1;
        long cells = (long) (alen + 1) * width;
        if (cells * 4 > c.server.limits.protoMaxBulkLen) {
            throw new CommandError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        }
        int[] table;
        try {
            table = cells > Integer.MAX_VALUE - 8 ? null : new int[(int) cells];
        } catch (OutOfMemoryError oom) {
            table = null;
        }
        if (table == null) throw new CommandError("ERR Insufficient memory, failed allocating transient memory for LCS");
        // table[i * width + j] = length of the LCS of a[0..i) and b[0..j); row 0 and column 0 stay 0.
        for (int i = 1; i <= alen; i++) {
            for (int j = 1; j <= blen; j++) {
                int cell = i * width + j;
                if (a[i - 1] == b[j - 1]) table[cell] = table[cell - width - 1] + 1;
                else table[cell] = Math.max(table[cell - width], table[cell - 1]);
            }
        }
        int length = table[alen * width + blen];
        if (getLen) {
            c.reply.integer(length);
            return;
        }
        byte[] result = new byte[length];
        List<long[]> ranges = new ArrayList<>(); // {aStart, aEnd, bStart, bEnd, length}
        int idx = length, i = alen, j = blen;
        int aStart = alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart == alen: no range open
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[--idx] = a[i - 1];
                if (aStart == alen) {
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) emit = true;
                i--;
                j--;
            } else {
                if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
                else j--;
                if (aStart != alen) emit = true;
            }
            if (emit) {
                long matchLen = aEnd - aStart + 1;
                if (minMatchLen == 0 || matchLen >= minMatchLen) {
                    ranges.add(new long[]{aStart, aEnd, bStart, bEnd, matchLen});
                }
                aStart = alen;
            }
        }
        if (!getIdx) {
            c.reply.bulk(result);
            return;
        }
        c.reply.map(2);
        c.reply.bulk("matches");
        c.reply.array(ranges.size());
        for (long[] r : ranges) {
            c.reply.array(withMatchLen ? 3 : 2);
            c.reply.array(2);
            c.reply.integer(r[0]);
            c.reply.integer(r[1]);
            c.reply.array(2);
            c.reply.integer(r[2]);
            c.reply.integer(r[3]);
            if (withMatchLen) c.reply.integer(r[4]);
        }
        c.reply.bulk("len");
        c.reply.integer(length);
    }
}
