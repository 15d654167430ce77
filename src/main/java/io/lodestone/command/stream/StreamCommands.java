package io.lodestone.command.stream;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The stream commands without consumer groups (Redis's t_stream.c): XADD, XRANGE, XREVRANGE, XLEN,
 * XDEL, XTRIM and XSETID. The consumer-group commands are in {@link StreamGroupCommands}, XREAD and
 * XREADGROUP in {@link StreamReads}, XINFO in {@link StreamInfo}.
 *
 * <p><b>Propagation.</b> XADD reaches replicas and the AOF with the ID it generated in place of
 * {@code *} or {@code ms-*}, and an approximate trim ({@code ~}, with or without LIMIT) is rewritten
 * as the exact trim it amounted to: {@code MAXLEN = <length after>} or {@code MINID = <first ID
 * after>}, since node boundaries (and so what {@code ~} removes) may differ on the other side.
 * Commands from our master or the AOF trim without a LIMIT for the same reason.
 */
public final class StreamCommands {
    static final byte[] EQUALS = {'='};

    private StreamCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("xadd", StreamCommands::xadd);
        t.handle("xrange", c -> xrange(c, false));
        t.handle("xrevrange", c -> xrange(c, true));
        t.handle("xlen", StreamCommands::xlen);
        t.handle("xdel", StreamCommands::xdel);
        t.handle("xtrim", StreamCommands::xtrim);
        t.handle("xsetid", StreamCommands::xsetid);
        StreamGroupCommands.register(t);
        StreamReads.register(t);
        StreamInfo.register(t);
    }

    // ---- Replies shared by the family ------------------------------------------------------------

    /** One entry: {@code [id, [field, value, ...]]}. */
    static void replyEntry(Reply r, StreamID id, byte[][] fieldsValues, int n) {
        r.array(2);
        r.bulk(StreamIds.bytes(id));
        r.array(n);
        for (int i = 0; i < n; i++) r.bulk(fieldsValues[i]);
    }

    /** An entry taken out of a walk over the stream. */
    record Entry(StreamID id, byte[][] fieldsValues) {
    }

    /**
     * The entries from start to end (inclusive), at most {@code count} (0: all), gathered in one
     * walk so that a reply's length can precede them. The walk hands out arrays the stream decodes
     * for each entry (StreamNode's fieldsValues allocates every field and value), so keeping the
     * element references is enough: only the holder array is the walk's own.
     */
    static List<Entry> collect(StreamValue s, StreamID start, StreamID end, boolean reverse, long count) {
        List<Entry> entries = new ArrayList<>();
        s.range(start, end, reverse, count, (id, fv, n) -> {
            entries.add(new Entry(id, Arrays.copyOf(fv, n)));
            return true;
        });
        return entries;
    }

    /** Redis's streamReplyWithRange without a group: the entries as an array; returns how many. */
    static long replyRange(Reply r, StreamValue s, StreamID start, StreamID end, boolean reverse, long count) {
        List<Entry> entries = collect(s, start, end, reverse, count);
        r.array(entries.size());
        for (Entry e : entries) replyEntry(r, e.id(), e.fieldsValues(), e.fieldsValues().length);
        return entries.size();
    }

    /** The first (or last) entry alone, or null when the stream is empty (XINFO STREAM). */
    static void replyEdgeEntry(Reply r, StreamValue s, boolean last) {
        long n = s.range(StreamID.MIN, StreamID.MAX, last, 1, (id, fv, len) -> {
            replyEntry(r, id, fv, len);
            return true;
        });
        if (n == 0) r.nullBulk();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A C-string comparison with a one-character string ("*", "~", "$", ">"): NUL ends the argument. */
    static boolean isChar(byte[] arg, char ch) {
        return arg.length >= 1 && arg[0] == ch && (arg.length == 1 || arg[1] == 0);
    }

    // ---- XADD and XTRIM options ------------------------------------------------------------------

    /** What XADD and XTRIM were told (Redis's streamAddTrimArgs). */
    static final class TrimArgs {
        static final int NONE = 0, MAXLEN = 1, MINID = 2;
        int strategy = NONE;
        /** Index of the MAXLEN count or MINID id, rewritten for propagation after an approximate trim. */
        int strategyArgIdx;
        boolean approx;
        long limit;
        long maxLen;
        StreamID minId;
        // XADD only
        StreamID id;
        boolean idGiven;
        boolean seqGiven = true;
        boolean noMkstream;
        /** Index of XADD's ID argument. */
        int idPos;
    }

    /** Redis's streamParseAddOrTrimArgsOrReply: options in Redis's order, with its errors. */
    static TrimArgs parseTrimArgs(Client c, boolean xadd) {
        TrimArgs a = new TrimArgs();
        boolean limitGiven = false;
        int i = 2;
        for (; i < c.argc; i++) {
            int moreArgs = c.argc - 1 - i;
            byte[] opt = c.argv[i];
            if (xadd && isChar(opt, '*')) {
                break; // the common case, an automatic ID
            } else if (Args.cKeyword(opt, "maxlen") && moreArgs > 0) {
                if (a.strategy != TrimArgs.NONE) throw bothStrategies();
                i = parseApprox(c, a, i, moreArgs);
                a.maxLen = Args.parseLong(c.argv[i + 1]);
                if (a.maxLen < 0) throw new CommandError("ERR The MAXLEN argument must be >= 0.");
                i++;
                a.strategy = TrimArgs.MAXLEN;
                a.strategyArgIdx = i;
            } else if (Args.cKeyword(opt, "minid") && moreArgs > 0) {
                if (a.strategy != TrimArgs.NONE) throw bothStrategies();
                i = parseApprox(c, a, i, moreArgs);
                a.minId = StreamIds.parseStrict(c.argv[i + 1], 0);
                i++;
                a.strategy = TrimArgs.MINID;
                a.strategyArgIdx = i;
            } else if (Args.cKeyword(opt, "limit") && moreArgs > 0) {
                // Without LIMIT an approximate trim is bounded below; an exact one never is.
                a.limit = Args.parseLong(c.argv[i + 1]);
                if (a.limit < 0) throw new CommandError("ERR The LIMIT argument must be >= 0.");
                limitGiven = true;
                i++;
            } else if (xadd && Args.cKeyword(opt, "nomkstream")) {
                a.noMkstream = true;
            } else if (xadd) {
                boolean[] seqGiven = new boolean[1];
                a.id = StreamIds.parseForAdd(opt, seqGiven);
                a.seqGiven = seqGiven[0];
                a.idGiven = true;
                break;
            } else {
                throw Errors.syntax();
            }
        }
        a.idPos = i;
        if (a.limit != 0 && a.strategy == TrimArgs.NONE) {
            throw new CommandError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        }
        if (!xadd && a.strategy == TrimArgs.NONE) {
            throw new CommandError("ERR syntax error, XTRIM must be called with a trimming strategy");
        }
        if (c.isMaster || c.isAofClient()) {
            // The master and the AOF sent the trim's exact effect: it must be applied whole.
            a.limit = 0;
        } else if (limitGiven) {
            if (!a.approx) throw new CommandError("ERR syntax error, LIMIT cannot be used without the special ~ option");
        } else if (a.approx) {
            // At most 100 nodes of work per trim, whatever stream-node-max-entries says.
            a.limit = 100 * c.server.encodings.streamNodeMaxEntries;
            if (a.limit <= 0) a.limit = 10000;
            if (a.limit > 1000000) a.limit = 1000000;
        } else {
            a.limit = 0;
        }
        return a;
    }

    /** The optional {@code ~} or {@code =} after MAXLEN/MINID; returns the index before the threshold. */
    private static int parseApprox(Client c, TrimArgs a, int i, int moreArgs) {
        a.approx = false;
        byte[] next = c.argv[i + 1];
        if (moreArgs >= 2 && isChar(next, '~')) {
            a.approx = true;
            i++;
        } else if (moreArgs >= 2 && isChar(next, '=')) {
            i++;
        }
        return i;
    }

    private static CommandError bothStrategies() {
        return new CommandError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
    }

    /** Redis's streamTrim with parsed options: the number of entries removed. */
    static long trim(StreamValue s, TrimArgs a) {
        return a.strategy == TrimArgs.MAXLEN ? s.trimByLength(a.maxLen, a.approx, a.limit)
                : s.trimByMinId(a.minId, a.approx, a.limit);
    }

    /**
     * After an approximate trim: the arguments to propagate, with {@code ~} made {@code =} and the
     * threshold replaced by what the trim left (Redis's streamRewriteApproxSpecifier and
     * streamRewriteTrimArgument).
     */
    static void rewriteApproxTrim(byte[][] argv, StreamValue s, TrimArgs a) {
        argv[a.strategyArgIdx - 1] = EQUALS;
        argv[a.strategyArgIdx] = a.strategy == TrimArgs.MAXLEN ? ascii(Long.toString(s.length()))
                : StreamIds.bytes(s.edgeId(true, false)); // Redis's streamGetEdgeID(s, 1, 0)
    }

    // ---- XADD ------------------------------------------------------------------------------------

    /** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] */
    static void xadd(Client c) {
        TrimArgs a = parseTrimArgs(c, true);
        int fieldPos = a.idPos + 1;
        if (c.argc - fieldPos < 2 || ((c.argc - fieldPos) & 1) == 1) throw new CommandError(Errors.wrongArity("xadd"));
        // Checked before the stream is created, so that no empty stream is left behind.
        if (a.idGiven && a.seqGiven && a.id.equals(StreamID.MIN)) {
            throw new CommandError("ERR The ID specified in XADD must be greater than 0-0");
        }
        byte[] key = c.argv[1];
        StreamValue s = c.lookupWrite(key, StreamValue.class);
        if (s == null) {
            if (a.noMkstream) {
                c.reply.nullBulk();
                return;
            }
            s = new StreamValue();
            c.db().add(key, s);
        }
        StreamID last = s.lastId();
        if (last.equals(StreamID.MAX)) {
            throw new CommandError("ERR The stream has exhausted the last possible ID, unable to add more items");
        }
        StreamID id = newId(s, a);
        if (!StreamValue.fitsInNode(c.argv, fieldPos, c.argc)) throw new CommandError("ERR Elements are too large to be stored");
        s.append(id, c.argv, fieldPos, c.argc, c.server.encodings.streamNodeMaxBytes,
                c.server.encodings.streamNodeMaxEntries);
        byte[] idBytes = StreamIds.bytes(id);
        c.reply.bulk(idBytes);
        c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xadd", key);
        c.dirty(1);
        byte[][] effect = null;
        if (a.strategy != TrimArgs.NONE) {
            if (trim(s, a) > 0) c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xtrim", key);
            if (a.approx) {
                effect = Arrays.copyOf(c.argv, c.argc);
                rewriteApproxTrim(effect, s, a);
            }
        }
        c.db().signalModifiedKey(key);
        if (!a.idGiven || !a.seqGiven) {
            if (effect == null) effect = Arrays.copyOf(c.argv, c.argc);
            effect[a.idPos] = idBytes;
        }
        if (effect != null) c.rewritePropagation(effect);
        c.db().signalKeyAsReady(key);
    }

    /**
     * The ID XADD adds (Redis's streamAppendItem): the given one, the given milliseconds with the
     * next sequence, or the clock's milliseconds (never going back from the last ID). It must be
     * above the last ID.
     */
    private static StreamID newId(StreamValue s, TrimArgs a) {
        StreamID last = s.lastId();
        StreamID id;
        if (!a.idGiven) {
            long ms = System.currentTimeMillis();
            id = Long.compareUnsigned(ms, last.ms()) > 0 ? new StreamID(ms, 0) : last.next();
        } else if (a.seqGiven) {
            id = a.id;
        } else if (last.ms() == a.id.ms()) {
            if (last.seq() == -1L) throw smallerId();
            id = new StreamID(a.id.ms(), last.seq() + 1);
        } else {
            id = a.id;
        }
        if (id.compareTo(last) <= 0) throw smallerId();
        return id;
    }

    private static CommandError smallerId() {
        return new CommandError("ERR The ID specified in XADD is equal or smaller than the target stream top item");
    }

    // ---- Reads -----------------------------------------------------------------------------------

    /** XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n]. */
    static void xrange(Client c, boolean reverse) {
        StreamID start = StreamIds.parseRangeStart(reverse ? c.argv[3] : c.argv[2]);
        StreamID end = StreamIds.parseRangeEnd(reverse ? c.argv[2] : c.argv[3]);
        long count = -1;
        for (int j = 4; j < c.argc; j++) {
            if (Args.cKeyword(c.argv[j], "count") && c.argc - j - 1 >= 1) {
                count = Math.max(0, Args.parseLong(c.argv[++j]));
            } else {
                throw Errors.syntax();
            }
        }
        StreamValue s = c.lookupRead(c.argv[1], StreamValue.class);
        if (s == null) {
            c.reply.emptyArray();
        } else if (count == 0) {
            c.reply.nullArray();
        } else {
            replyRange(c.reply, s, start, end, reverse, count == -1 ? 0 : count);
        }
    }

    static void xlen(Client c) {
        StreamValue s = c.lookupRead(c.argv[1], StreamValue.class);
        c.reply.integer(s == null ? 0 : s.length());
    }

    // ---- XDEL, XTRIM, XSETID ---------------------------------------------------------------------

    /** XDEL key id [id ...]: the number of entries deleted. All IDs are checked before any goes. */
    static void xdel(Client c) {
        byte[] key = c.argv[1];
        StreamValue s = c.lookupWrite(key, StreamValue.class);
        if (s == null) {
            c.reply.integer(0);
            return;
        }
        StreamID[] ids = new StreamID[c.argc - 2];
        for (int j = 2; j < c.argc; j++) ids[j - 2] = StreamIds.parseStrict(c.argv[j], 0);
        long deleted = 0;
        for (StreamID id : ids) if (s.delete(id)) deleted++;
        if (deleted > 0) c.changed(KeyspaceEvents.STREAM, "xdel", key, deleted);
        c.reply.integer(deleted);
    }

    /** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: the number of entries removed. */
    static void xtrim(Client c) {
        TrimArgs a = parseTrimArgs(c, false);
        byte[] key = c.argv[1];
        StreamValue s = c.lookupWrite(key, StreamValue.class);
        if (s == null) {
            c.reply.integer(0);
            return;
        }
        long deleted = trim(s, a);
        if (deleted > 0) {
            if (a.approx) {
                byte[][] effect = Arrays.copyOf(c.argv, c.argc);
                rewriteApproxTrim(effect, s, a);
                c.rewritePropagation(effect);
            }
            c.changed(KeyspaceEvents.STREAM, "xtrim", key, deleted);
        }
        c.reply.integer(deleted);
    }

    /** XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]. */
    static void xsetid(Client c) {
        StreamID id = StreamIds.parseStrict(c.argv[2], 0);
        long entriesAdded = -1;
        StreamID maxDeleted = StreamID.MIN;
        for (int i = 3; i < c.argc; i += 2) {
            boolean moreArgs = c.argc - 1 - i > 0;
            byte[] opt = c.argv[i];
            if (Args.cKeyword(opt, "entriesadded") && moreArgs) {
                entriesAdded = Args.parseLong(c.argv[i + 1]);
                if (entriesAdded < 0) throw new CommandError("ERR entries_added must be positive");
            } else if (Args.cKeyword(opt, "maxdeletedid") && moreArgs) {
                maxDeleted = StreamIds.parseStrict(c.argv[i + 1], 0);
                if (id.compareTo(maxDeleted) < 0) {
                    throw new CommandError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                }
            } else {
                throw Errors.syntax();
            }
        }
        byte[] key = c.argv[1];
        StreamValue s = c.lookupWrite(key, StreamValue.class);
        if (s == null) throw new CommandError(Errors.NO_SUCH_KEY);
        if (s.length() > 0) {
            StreamID top = s.lastEntryId();
            if (top != null && id.compareTo(top) < 0) {
                throw new CommandError("ERR The ID specified in XSETID is smaller than the target stream top item");
            }
            if (entriesAdded != -1 && s.length() > entriesAdded) {
                throw new CommandError("ERR The entries_added specified in XSETID is smaller than the target stream length");
            }
        }
        s.lastId(id);
        if (entriesAdded != -1) s.entriesAdded(entriesAdded);
        if (!maxDeleted.equals(StreamID.MIN)) s.maxDeletedId(maxDeleted);
        c.reply.ok();
        c.dirty(1);
        c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xsetid", key);
    }
}
