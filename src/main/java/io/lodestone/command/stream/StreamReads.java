package io.lodestone.command.stream;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.protocol.Reply;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamValue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * XREAD and XREADGROUP (Redis's xreadCommand and, for blocked readers, serveClientsBlockedOnStreamKey).
 *
 * <p><b>Blocking.</b> A reader that finds nothing and asked for BLOCK waits on its keys (not inside
 * MULTI, where it answers as a timeout). {@code $} is replaced by the stream's last ID before the
 * wait, so that the command, run again when a key is ready, waits for what comes after it. When
 * served, a reader is answered from the ready key alone, with at most its COUNT (1000 without one)
 * entries, as Redis 7.0 serves it: XREAD when the stream's last ID passed its ID, XREADGROUP when
 * it passed the group's. An XREADGROUP reader also wakes when its key is deleted or stops being a
 * stream ({@code -UNBLOCKED the stream key no longer exists}) or its group is destroyed
 * ({@code -NOGROUP}); an XREAD reader keeps waiting then.
 *
 * <p><b>Groups.</b> New entries read through a group advance the group's last ID and read counter
 * and, unless NOACK, enter the pending lists; reading with an ID serves the consumer's own pending
 * entries after it (entries deleted since show as {@code [id, nil]}). Effects are described in
 * {@link StreamGroupCommands}.
 */
public final class StreamReads {
    /** What a blocked reader that is not served gets after its BLOCK time or CLIENT UNBLOCK. */
    private static final Consumer<Client> TIMEOUT_REPLY = c -> c.reply.nullArray();
    /** Redis's XREAD_BLOCKED_DEFAULT_COUNT: a blocked reader without COUNT gets at most this many. */
    private static final long BLOCKED_DEFAULT_COUNT = 1000;

    private StreamReads() {
    }

    static void register(CommandTable t) {
        t.handle("xread", c -> xread(c, false));
        t.handle("xreadgroup", c -> xread(c, true));
    }

    /** The parsed request. */
    private static final class Request {
        boolean group;
        long timeoutMs = -1;
        long count;
        boolean noack;
        byte[] groupName;
        byte[] consumerName;
        int streamsArg;
        int streams;
        /** XREADGROUP: which streams were given ">" (new entries) rather than an ID (history). */
        boolean[] readsNew;
    }

    /** XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ..., XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ... */
    static void xread(Client c, boolean xreadgroup) {
        Request q = parse(c, xreadgroup);
        // The command's effects are the claims and group moves it makes, never the command itself.
        c.preventPropagation();
        byte[] served = c.server.blocking.servedKey(c);
        if (served != null) {
            serveBlocked(c, q, served);
            return;
        }
        StreamID[] ids = new StreamID[q.streams];
        StreamGroup[] groups = xreadgroup ? new StreamGroup[q.streams] : null;
        q.readsNew = new boolean[q.streams];
        for (int i = 0; i < q.streams; i++) {
            byte[] key = c.argv[q.streamsArg + i];
            byte[] idArg = c.argv[q.streamsArg + q.streams + i];
            StreamValue s = c.lookupRead(key, StreamValue.class);
            if (xreadgroup) {
                groups[i] = s == null ? null : s.group(q.groupName);
                if (groups[i] == null) {
                    throw new CommandError("NOGROUP No such key '" + Args.cString(key) + "' or consumer group '"
                            + Args.cString(q.groupName) + "' in XREADGROUP with GROUP option");
                }
            }
            if (StreamCommands.isChar(idArg, '$')) {
                if (xreadgroup) {
                    throw new CommandError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to"
                            + " read the history of this consumer by specifying a proper ID, or use the > ID to get"
                            + " new messages. The $ ID would just return an empty result set.");
                }
                ids[i] = s != null ? s.lastId() : StreamID.MIN;
            } else if (StreamCommands.isChar(idArg, '>')) {
                if (!xreadgroup) {
                    throw new CommandError("ERR The > ID can be specified only when calling XREADGROUP using the"
                            + " GROUP <group> <consumer> option.");
                }
                // The greatest ID stands for ">": what follows the group's last delivered entry.
                ids[i] = StreamID.MAX;
                q.readsNew[i] = true;
            } else {
                ids[i] = StreamIds.parseStrict(idArg, 0);
                // Redis tells ">" by the greatest ID, so that ID given explicitly reads new entries too.
                q.readsNew[i] = ids[i].equals(StreamID.MAX);
            }
        }
        // Redis decides and serves stream by stream, so a stream named twice in one XREADGROUP sees
        // the group moved by its first serving. The reply's length comes first: with one stream, or
        // without a group (nothing served changes what the next stream offers), the streams to serve
        // are known beforehand; otherwise they are served into a scratch reply, then counted.
        boolean scratch = groups != null && q.streams > 1;
        Reply out = scratch ? c.reply.scratch() : c.reply;
        // Each stream is looked up once more here, as Redis's serving loop does (keyspace hits count it).
        StreamValue[] toServe = new StreamValue[q.streams];
        int n = 0;
        for (int i = 0; i < q.streams; i++) {
            StreamValue s = c.lookupRead(c.argv[q.streamsArg + i], StreamValue.class);
            if (s == null || !servable(s, groups == null ? null : groups[i], ids, i)) continue;
            if (scratch) serveOne(c, q, out, i, s, groups[i], ids[i]);
            else toServe[i] = s;
            n++;
        }
        if (n > 0) {
            streamsHeader(c.reply, n);
            if (scratch) {
                c.reply.append(out);
                return;
            }
            for (int i = 0; i < q.streams; i++) {
                if (toServe[i] != null) serveOne(c, q, out, i, toServe[i], groups == null ? null : groups[i], ids[i]);
            }
            return;
        }
        if (q.timeoutMs == -1 || !c.canBlock()) {
            c.reply.nullArray();
            return;
        }
        // Served later, the command must wait for what follows the IDs of now, not of then.
        for (int i = 0; i < q.streams; i++) {
            int idx = q.streamsArg + q.streams + i;
            if (StreamCommands.isChar(c.argv[idx], '$')) c.argv[idx] = StreamIds.bytes(ids[i]);
        }
        block(c, q);
    }

    /**
     * Whether stream i can be served at once (Redis's serve_synchronously): XREAD when it holds an
     * entry after the ID; XREADGROUP always for an explicit ID (the consumer's history), for ">"
     * when it holds an entry after the group's last delivered one, which {@code ids[i]} becomes.
     */
    private static boolean servable(StreamValue s, StreamGroup g, StreamID[] ids, int i) {
        if (g != null && !ids[i].equals(StreamID.MAX)) return true;
        StreamID top = s.length() > 0 ? s.lastEntryId() : null;
        if (top == null) return false;
        if (g == null) return top.compareTo(ids[i]) > 0;
        if (top.compareTo(g.lastId) <= 0) return false;
        ids[i] = g.lastId;
        return true;
    }

    /** Serves stream i after {@code after}: [key, entries] into {@code out}. */
    private static void serveOne(Client c, Request q, Reply out, int i, StreamValue s, StreamGroup g, StreamID after) {
        byte[] key = c.argv[q.streamsArg + i];
        streamHeader(out, key);
        StreamID start = after.next();
        if (g == null) {
            StreamCommands.replyRange(out, s, start, StreamID.MAX, false, q.count);
            return;
        }
        StreamConsumer consumer = StreamGroupCommands.lookupConsumer(c, g, q.consumerName, true);
        if (consumer == null) {
            consumer = StreamGroupCommands.createConsumer(c, g, q.consumerName, key);
            if (q.noack) StreamGroupCommands.propagateConsumerCreation(c, key, q.groupName, q.consumerName);
        }
        // The explicit ID of a history read was kept; ">" became the group's last delivered ID.
        boolean history = !q.readsNew[i];
        if (history) replyHistory(c, out, s, consumer, start, q.count);
        else deliver(c, out, q, key, s, g, consumer, start, q.count);
        c.dirty(1);
    }

    private static void block(Client c, Request q) {
        List<byte[]> keys = Arrays.asList(Arrays.copyOfRange(c.argv, q.streamsArg, q.streamsArg + q.streams));
        // 0 waits forever, and so does a deadline past the long range, as Redis's overflowed sum.
        long deadline = q.timeoutMs == 0 ? 0 : c.server.keyspace.now + q.timeoutMs;
        if (deadline < 0) deadline = 0;
        c.server.blocking.block(c, keys, deadline, TIMEOUT_REPLY, q.group);
    }

    /**
     * Options, in Redis's order and with its errors. BLOCK is a whole number of milliseconds
     * (Redis's getTimeoutFromObjectOrReply with UNIT_MILLISECONDS).
     */
    private static Request parse(Client c, boolean xreadgroup) {
        Request q = new Request();
        q.group = xreadgroup;
        for (int i = 1; i < c.argc; i++) {
            int moreArgs = c.argc - i - 1;
            byte[] o = c.argv[i];
            if (Args.cKeyword(o, "block") && moreArgs > 0) {
                if (c.isScript) {
                    // Redis refuses it outright in a script, where blocking has no meaning.
                    throw new CommandError("ERR " + Args.cString(c.argv[0]) + " command is not allowed with BLOCK option from scripts");
                }
                long ms = Args.parseLong(c.argv[++i], "ERR timeout is not an integer or out of range");
                if (ms < 0) throw new CommandError("ERR timeout is negative");
                q.timeoutMs = ms;
            } else if (Args.cKeyword(o, "count") && moreArgs > 0) {
                q.count = Math.max(0, Args.parseLong(c.argv[++i]));
            } else if (Args.cKeyword(o, "streams") && moreArgs > 0) {
                q.streamsArg = i + 1;
                int rest = c.argc - q.streamsArg;
                if ((rest & 1) != 0) {
                    throw new CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$'"
                            + " must be specified.");
                }
                q.streams = rest / 2;
                break;
            } else if (Args.cKeyword(o, "group") && moreArgs >= 2) {
                if (!xreadgroup) {
                    throw new CommandError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD"
                            + " instead.");
                }
                q.groupName = c.argv[i + 1];
                q.consumerName = c.argv[i + 2];
                i += 2;
            } else if (Args.cKeyword(o, "noack")) {
                if (!xreadgroup) {
                    throw new CommandError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD"
                            + " instead.");
                }
                q.noack = true;
            } else {
                throw Errors.syntax();
            }
        }
        if (q.streamsArg == 0) throw Errors.syntax();
        if (xreadgroup && q.groupName == null) throw new CommandError("ERR Missing GROUP option for XREADGROUP");
        return q;
    }

    /**
     * The reply holding the streams served: a map keyed by stream in RESP3, an array of [key,
     * entries] pairs in RESP2 (Redis writes this one shape by protocol itself).
     */
    private static void streamsHeader(Reply r, int n) {
        if (r.resp3()) r.map(n);
        else r.array(n);
    }

    private static void streamHeader(Reply r, byte[] key) {
        if (!r.resp3()) r.array(2);
        r.bulk(key);
    }

    /**
     * A reader run again because {@code key} is ready (Redis 7.0's serveClientsBlockedOnStreamKey):
     * served from that key only, or left waiting in its place.
     */
    private static void serveBlocked(Client c, Request q, byte[] key) {
        int i = 0;
        while (i < q.streams && !Arrays.equals(c.argv[q.streamsArg + i], key)) i++;
        KeyEntry e = c.db().lookupNoTouch(key);
        StreamValue s = e != null && e.value() instanceof StreamValue v ? v : null;
        long count = q.count == 0 ? BLOCKED_DEFAULT_COUNT : q.count;
        if (!q.group) {
            StreamID after = StreamIds.parseStrict(c.argv[q.streamsArg + q.streams + i], 0);
            if (s == null || s.lastId().compareTo(after) <= 0) {
                block(c, q);
                return;
            }
            streamsHeader(c.reply, 1);
            streamHeader(c.reply, key);
            StreamCommands.replyRange(c.reply, s, after.next(), StreamID.MAX, false, count);
            return;
        }
        if (s == null) throw new CommandError("UNBLOCKED the stream key no longer exists");
        StreamGroup g = s.group(q.groupName);
        if (g == null) throw new CommandError("NOGROUP the consumer group this client was blocked on no longer exists");
        if (s.lastId().compareTo(g.lastId) <= 0) {
            block(c, q);
            return;
        }
        StreamConsumer consumer = StreamGroupCommands.lookupConsumer(c, g, q.consumerName, true);
        if (consumer == null) {
            consumer = StreamGroupCommands.createConsumer(c, g, q.consumerName, key);
            if (q.noack) StreamGroupCommands.propagateConsumerCreation(c, key, q.groupName, q.consumerName);
        }
        streamsHeader(c.reply, 1);
        streamHeader(c.reply, key);
        deliver(c, c.reply, q, key, s, g, consumer, g.lastId.next(), count);
    }

    /**
     * Redis's streamReplyWithRange with a group: new entries from {@code start}, each advancing the
     * group's last ID and read counter and, unless NOACK, becoming pending for {@code consumer}
     * (taken from another consumer if an XGROUP SETID moved the group back), propagated as XCLAIM.
     * A NOACK read propagates the group's new position as XGROUP SETID instead.
     */
    private static void deliver(Client c, Reply out, Request q, byte[] key, StreamValue s, StreamGroup g,
                                StreamConsumer consumer, StreamID start, long count) {
        List<StreamCommands.Entry> entries = StreamCommands.collect(s, start, StreamID.MAX, false, count);
        out.array(entries.size());
        boolean moved = false;
        for (StreamCommands.Entry e : entries) {
            StreamID id = e.id();
            if (id.compareTo(g.lastId) > 0) {
                if (g.entriesRead != StreamGroup.INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, null)) {
                    g.entriesRead++;
                } else if (s.entriesAdded() != 0) {
                    g.entriesRead = s.estimateDistanceFromFirstEverEntry(id);
                }
                g.lastId = id;
                if (q.noack) moved = true;
            }
            StreamCommands.replyEntry(out, id, e.fieldsValues(), e.fieldsValues().length);
            if (!q.noack) {
                StreamNack nack = g.pel.get(id);
                if (nack == null) {
                    nack = StreamGroupCommands.newNack(c, consumer);
                    g.pel.put(id, nack);
                } else {
                    nack.consumer.pel.remove(id);
                    nack.consumer = consumer;
                    nack.deliveryTime = StreamGroupCommands.now(c);
                    nack.deliveryCount = 1;
                }
                consumer.pel.put(id, nack);
                StreamGroupCommands.propagateClaim(c, key, g, q.groupName, StreamIds.bytes(id), nack);
            }
        }
        if (moved) StreamGroupCommands.propagateGroupId(c, key, g, q.groupName);
    }

    /**
     * Redis's streamReplyWithRangeFromConsumerPEL: the consumer's pending entries after the given ID,
     * each delivered once more; one no longer in the stream shows as {@code [id, nil]}.
     */
    private static void replyHistory(Client c, Reply r, StreamValue s, StreamConsumer consumer, StreamID start, long count) {
        Map<StreamID, StreamNack> pel = start == null ? Map.of() : consumer.pel.tailMap(start, true);
        long n = count == 0 ? pel.size() : Math.min(count, pel.size());
        r.array(n);
        long sent = 0;
        for (Map.Entry<StreamID, StreamNack> e : pel.entrySet()) {
            if (sent++ == n) break;
            StreamID id = e.getKey();
            long found = s.range(id, id, false, 1, (eid, fv, len) -> {
                StreamCommands.replyEntry(r, eid, fv, len);
                return true;
            });
            if (found == 0) {
                r.array(2);
                r.bulk(StreamIds.bytes(id));
                r.nullArray();
            } else {
                StreamNack nack = e.getValue();
                nack.deliveryTime = StreamGroupCommands.now(c);
                nack.deliveryCount++;
            }
        }
    }
}
