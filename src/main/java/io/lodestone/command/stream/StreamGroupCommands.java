package io.lodestone.command.stream;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamValue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The consumer-group commands (Redis's t_stream.c, second half): XGROUP, XACK, XPENDING, XCLAIM and
 * XAUTOCLAIM, and the effects by which group state reaches replicas and the AOF.
 *
 * <p><b>Propagation.</b> Redis 7.0 never propagates XCLAIM, XAUTOCLAIM or XREADGROUP as sent: each
 * pending entry they create, move or drop becomes an idempotent {@code XCLAIM key group consumer 0
 * id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last-id}, a group position moved without one becomes
 * {@code XGROUP SETID key group id ENTRIESREAD n}, and a consumer NOACK reading creates becomes
 * {@code XGROUP CREATECONSUMER}. Several effects of one call travel in MULTI/EXEC, so a replica's
 * groups and pending lists stay equal to ours. Other consumer creations (a plain XREADGROUP, XCLAIM)
 * are not propagated, exactly as in Redis 7.0.
 *
 * <p>Times are the command's clock ({@code keyspace.now}): delivery times, idle times, seen times.
 */
public final class StreamGroupCommands {
    private static final byte[] XCLAIM = StreamCommands.ascii("XCLAIM");
    private static final byte[] XGROUP = StreamCommands.ascii("XGROUP");
    private static final byte[] SETID = StreamCommands.ascii("SETID");
    private static final byte[] CREATECONSUMER = StreamCommands.ascii("CREATECONSUMER");
    private static final byte[] ENTRIESREAD = StreamCommands.ascii("ENTRIESREAD");
    private static final byte[] TIME = StreamCommands.ascii("TIME");
    private static final byte[] RETRYCOUNT = StreamCommands.ascii("RETRYCOUNT");
    private static final byte[] FORCE = StreamCommands.ascii("FORCE");
    private static final byte[] JUSTID = StreamCommands.ascii("JUSTID");
    private static final byte[] LASTID = StreamCommands.ascii("LASTID");
    private static final byte[] ZERO = {'0'};
    private static final String NEEDS_KEY = "ERR The XGROUP subcommand requires the key to exist. Note that for"
            + " CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";

    private StreamGroupCommands() {
    }

    static void register(CommandTable t) {
        for (String sub : new String[]{"create", "setid", "destroy", "createconsumer", "delconsumer"}) {
            t.handle("xgroup|" + sub, StreamGroupCommands::xgroup);
        }
        t.handle("xgroup|help", Subcommands.help("XGROUP",
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter."));
        t.handle("xack", StreamGroupCommands::xack);
        t.handle("xpending", StreamGroupCommands::xpending);
        t.handle("xclaim", StreamGroupCommands::xclaim);
        t.handle("xautoclaim", StreamGroupCommands::xautoclaim);
    }

    // ---- Shared with XREADGROUP ------------------------------------------------------------------

    static long now(Client c) {
        return c.server.keyspace.now;
    }

    static String noGroup(byte[] key, byte[] group) {
        return "NOGROUP No such key '" + Args.cString(key) + "' or consumer group '" + Args.cString(group) + "'";
    }

    /**
     * Redis's streamLookupConsumer with SLC_DEFAULT (the consumer's seen time becomes now) or, with
     * {@code refresh} false, SLC_NO_REFRESH.
     */
    static StreamConsumer lookupConsumer(Client c, StreamGroup g, byte[] name, boolean refresh) {
        StreamConsumer consumer = g.consumer(name);
        if (consumer != null && refresh) consumer.seenTime = now(c);
        return consumer;
    }

    /** Redis's streamCreateConsumer: a new consumer counts as a change and is published. */
    static StreamConsumer createConsumer(Client c, StreamGroup g, byte[] name, byte[] key) {
        StreamConsumer consumer = g.createConsumer(name, now(c));
        if (consumer == null) return null;
        c.dirty(1);
        c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xgroup-createconsumer", key);
        return consumer;
    }

    /** The consumer, created when absent (seen now either way). */
    static StreamConsumer consumerOrCreate(Client c, StreamGroup g, byte[] name, byte[] key) {
        StreamConsumer consumer = lookupConsumer(c, g, name, true);
        return consumer != null ? consumer : createConsumer(c, g, name, key);
    }

    /** A pending entry delivered now, once, to {@code consumer} (Redis's streamCreateNACK). */
    static StreamNack newNack(Client c, StreamConsumer consumer) {
        StreamNack nack = new StreamNack();
        nack.deliveryTime = now(c);
        nack.deliveryCount = 1;
        nack.consumer = consumer;
        return nack;
    }

    /** Redis's streamPropagateXCLAIM: the pending entry {@code id} as it now is, idempotently. */
    static void propagateClaim(Client c, byte[] key, StreamGroup g, byte[] groupName, byte[] id, StreamNack nack) {
        byte[][] argv = {XCLAIM, key, groupName, nack.consumer.name(), ZERO, id,
                TIME, StreamCommands.ascii(Long.toString(nack.deliveryTime)),
                RETRYCOUNT, StreamCommands.ascii(Long.toString(nack.deliveryCount)),
                FORCE, JUSTID, LASTID, StreamIds.bytes(g.lastId)};
        c.server.propagate(c.dbIndex(), argv, argv.length);
    }

    /** Redis's streamPropagateGroupID: the group's position and read counter. */
    static void propagateGroupId(Client c, byte[] key, StreamGroup g, byte[] groupName) {
        byte[][] argv = {XGROUP, SETID, key, groupName, StreamIds.bytes(g.lastId), ENTRIESREAD,
                StreamCommands.ascii(Long.toString(g.entriesRead))};
        c.server.propagate(c.dbIndex(), argv, argv.length);
    }

    /** Redis's streamPropagateConsumerCreation (for consumers NOACK reads create). */
    static void propagateConsumerCreation(Client c, byte[] key, byte[] groupName, byte[] consumer) {
        byte[][] argv = {XGROUP, CREATECONSUMER, key, groupName, consumer};
        c.server.propagate(c.dbIndex(), argv, argv.length);
    }

    /** Drops a pending entry from its group and its consumer. */
    private static void dropNack(StreamGroup g, StreamID id, StreamNack nack) {
        g.pel.remove(id);
        nack.consumer.pel.remove(id);
    }

    // ---- XGROUP ----------------------------------------------------------------------------------

    /**
     * XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER, checked in Redis's order: the CREATE and
     * SETID options, the key's type, the key's existence (unless MKSTREAM), the group's existence for
     * the subcommands that need it, then each subcommand's own arguments.
     */
    static void xgroup(Client c) {
        byte[] opt = c.argv[1];
        boolean create = Args.cKeyword(opt, "create");
        boolean setid = Args.cKeyword(opt, "setid");
        boolean mkstream = false;
        long entriesRead = StreamGroup.INVALID_ENTRIES_READ;
        for (int i = 5; i < c.argc; ) {
            if (create && Args.cKeyword(c.argv[i], "mkstream")) {
                mkstream = true;
                i++;
            } else if ((create || setid) && Args.cKeyword(c.argv[i], "entriesread") && i + 1 < c.argc) {
                entriesRead = Args.parseLong(c.argv[i + 1]);
                if (entriesRead < 0 && entriesRead != StreamGroup.INVALID_ENTRIES_READ) {
                    throw new CommandError("ERR value for ENTRIESREAD must be positive or -1");
                }
                i += 2;
            } else {
                throw Subcommands.syntaxError(c);
            }
        }
        byte[] key = c.argv[2];
        byte[] groupName = c.argv[3];
        StreamValue s = c.lookupWrite(key, StreamValue.class);
        StreamGroup g = null;
        if (!mkstream) {
            if (s == null) throw new CommandError(NEEDS_KEY);
            g = s.group(groupName);
            if (g == null && (setid || Args.cKeyword(opt, "createconsumer") || Args.cKeyword(opt, "delconsumer"))) {
                throw new CommandError("NOGROUP No such consumer group '" + Args.cString(groupName)
                        + "' for key name '" + Args.cString(key) + "'");
            }
        }
        if (create && c.argc >= 5 && c.argc <= 8) {
            StreamID id;
            if (StreamCommands.isChar(c.argv[4], '$')) id = s != null ? s.lastId() : StreamID.MIN;
            else id = StreamIds.parseStrict(c.argv[4], 0);
            if (s == null) {
                s = new StreamValue();
                c.db().add(key, s);
            }
            if (s.createGroup(groupName, id, entriesRead) == null) {
                throw new CommandError("BUSYGROUP Consumer Group name already exists");
            }
            c.reply.ok();
            c.dirty(1);
            c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xgroup-create", key);
        } else if (setid && (c.argc == 5 || c.argc == 7)) {
            StreamID id = StreamCommands.isChar(c.argv[4], '$') ? s.lastId() : StreamIds.parse(c.argv[4], 0);
            g.lastId = id;
            g.entriesRead = entriesRead;
            c.reply.ok();
            c.dirty(1);
            c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xgroup-setid", key);
        } else if (Args.cKeyword(opt, "destroy") && c.argc == 4) {
            if (g == null) {
                c.reply.integer(0);
                return;
            }
            s.destroyGroup(groupName);
            c.reply.integer(1);
            c.dirty(1);
            c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xgroup-destroy", key);
            // Readers blocked on the group wake up to their -NOGROUP.
            c.db().signalKeyAsReady(key);
        } else if (Args.cKeyword(opt, "createconsumer") && c.argc == 5) {
            c.reply.integer(createConsumer(c, g, c.argv[4], key) != null ? 1 : 0);
        } else if (Args.cKeyword(opt, "delconsumer") && c.argc == 5) {
            long pending = 0;
            if (lookupConsumer(c, g, c.argv[4], false) != null) {
                pending = g.deleteConsumer(c.argv[4]);
                c.dirty(1);
                c.notifyKeyspaceEvent(KeyspaceEvents.STREAM, "xgroup-delconsumer", key);
            }
            c.reply.integer(pending);
        } else {
            throw Subcommands.syntaxError(c);
        }
    }

    // ---- XACK and XPENDING -----------------------------------------------------------------------

    /** XACK key group id [id ...]: how many pending entries were acknowledged; all IDs checked first. */
    static void xack(Client c) {
        StreamValue s = c.lookupRead(c.argv[1], StreamValue.class);
        StreamGroup g = s == null ? null : s.group(c.argv[2]);
        if (g == null) {
            c.reply.integer(0);
            return;
        }
        StreamID[] ids = new StreamID[c.argc - 3];
        for (int j = 3; j < c.argc; j++) ids[j - 3] = StreamIds.parseStrict(c.argv[j], 0);
        long acknowledged = 0;
        for (StreamID id : ids) {
            StreamNack nack = g.pel.get(id);
            if (nack == null) continue;
            dropNack(g, id, nack);
            acknowledged++;
        }
        c.dirty(acknowledged);
        c.reply.integer(acknowledged);
    }

    /** XPENDING key group [[IDLE min-idle] start end count [consumer]]. */
    static void xpending(Client c) {
        boolean summary = c.argc == 3;
        if (c.argc != 3 && (c.argc < 6 || c.argc > 9)) throw Errors.syntax();
        long count = 0, minIdle = 0;
        StreamID start = null, end = null;
        byte[] consumerName = null;
        if (c.argc >= 6) {
            int startIdx = 3;
            if (Args.cKeyword(c.argv[3], "idle")) {
                minIdle = Args.parseLong(c.argv[4]);
                if (c.argc < 8) throw Errors.syntax();
                startIdx += 2;
            }
            count = Math.max(0, Args.parseLong(c.argv[startIdx + 2]));
            start = StreamIds.parseRangeStart(c.argv[startIdx]);
            end = StreamIds.parseRangeEnd(c.argv[startIdx + 1]);
            if (startIdx + 3 < c.argc) consumerName = c.argv[startIdx + 3];
        }
        StreamValue s = c.lookupRead(c.argv[1], StreamValue.class);
        StreamGroup g = s == null ? null : s.group(c.argv[2]);
        if (g == null) throw new CommandError(noGroup(c.argv[1], c.argv[2]));
        Reply r = c.reply;
        if (summary) {
            r.array(4);
            r.integer(g.pel.size());
            if (g.pel.isEmpty()) {
                r.nullBulk();
                r.nullBulk();
                r.nullArray();
                return;
            }
            r.bulk(StreamIds.bytes(g.pel.firstKey()));
            r.bulk(StreamIds.bytes(g.pel.lastKey()));
            int withPending = 0;
            for (StreamConsumer consumer : g.consumers()) if (!consumer.pel.isEmpty()) withPending++;
            r.array(withPending);
            for (StreamConsumer consumer : g.consumers()) {
                if (consumer.pel.isEmpty()) continue;
                r.array(2);
                r.bulk(consumer.name());
                r.bulk(consumer.pel.size());
            }
            return;
        }
        NavigableMap<StreamID, StreamNack> pel = g.pel;
        if (consumerName != null) {
            StreamConsumer consumer = lookupConsumer(c, g, consumerName, false);
            if (consumer == null) {
                r.emptyArray();
                return;
            }
            pel = consumer.pel;
        }
        long now = now(c);
        List<Map.Entry<StreamID, StreamNack>> found = new ArrayList<>();
        if (start.compareTo(end) <= 0) {
            for (Map.Entry<StreamID, StreamNack> e : pel.subMap(start, true, end, true).entrySet()) {
                if (count == 0) break;
                if (minIdle != 0 && now - e.getValue().deliveryTime < minIdle) continue;
                found.add(e);
                count--;
            }
        }
        r.array(found.size());
        for (Map.Entry<StreamID, StreamNack> e : found) {
            StreamNack nack = e.getValue();
            r.array(4);
            r.bulk(StreamIds.bytes(e.getKey()));
            r.bulk(nack.consumer.name());
            r.integer(Math.max(0, now - nack.deliveryTime));
            r.integer(nack.deliveryCount);
        }
    }

    // ---- XCLAIM and XAUTOCLAIM -------------------------------------------------------------------

    /**
     * XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms] [RETRYCOUNT n]
     * [FORCE] [JUSTID] [LASTID id]. The IDs run until the first argument that is not one; entries
     * gone from the stream leave the pending list. The consumer is created only when something is
     * claimed for it.
     */
    static void xclaim(Client c) {
        byte[] key = c.argv[1], groupName = c.argv[2];
        StreamValue s = c.lookupRead(key, StreamValue.class);
        StreamGroup g = s == null ? null : s.group(groupName);
        if (g == null) throw new CommandError(noGroup(key, groupName));
        long minIdle = Math.max(0, Args.parseLong(c.argv[4], "ERR Invalid min-idle-time argument for XCLAIM"));
        List<StreamID> ids = new ArrayList<>();
        int j = 5;
        for (StreamID id; j < c.argc && (id = StreamIds.tryParseStrict(c.argv[j])) != null; j++) ids.add(id);
        int lastIdArg = j - 1;
        long now = now(c);
        long retryCount = -1, deliveryTime = -1;
        boolean force = false, justId = false;
        StreamID lastId = StreamID.MIN;
        for (; j < c.argc; j++) {
            boolean moreArgs = c.argc - 1 - j > 0;
            byte[] opt = c.argv[j];
            if (Args.cKeyword(opt, "force")) {
                force = true;
            } else if (Args.cKeyword(opt, "justid")) {
                justId = true;
            } else if (Args.cKeyword(opt, "idle") && moreArgs) {
                deliveryTime = now - Args.parseLong(c.argv[++j], "ERR Invalid IDLE option argument for XCLAIM");
            } else if (Args.cKeyword(opt, "time") && moreArgs) {
                deliveryTime = Args.parseLong(c.argv[++j], "ERR Invalid TIME option argument for XCLAIM");
            } else if (Args.cKeyword(opt, "retrycount") && moreArgs) {
                retryCount = Args.parseLong(c.argv[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
            } else if (Args.cKeyword(opt, "lastid") && moreArgs) {
                lastId = StreamIds.parseStrict(c.argv[++j], 0);
            } else {
                throw new CommandError("ERR Unrecognized XCLAIM option '" + Args.cString(opt) + "'");
            }
        }
        boolean propagateLastId = false;
        if (lastId.compareTo(g.lastId) > 0) {
            g.lastId = lastId;
            propagateLastId = true;
        }
        // A bogus time (in the future, negative) means now rather than an error: clocks differ.
        if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
        StreamConsumer consumer = null;
        List<StreamID> claimed = new ArrayList<>();
        for (int k = 5; k <= lastIdArg; k++) {
            StreamID id = ids.get(k - 5);
            StreamNack nack = g.pel.get(id);
            if (!s.contains(id)) {
                if (nack != null) {
                    propagateClaim(c, key, g, groupName, c.argv[k], nack);
                    propagateLastId = false;
                    c.dirty(1);
                    dropNack(g, id, nack);
                }
                continue;
            }
            if (force && nack == null) {
                nack = newNack(c, null);
                g.pel.put(id, nack);
            }
            if (nack == null) continue;
            // A NACK just made by FORCE has no consumer and no idle time to respect.
            if (nack.consumer != null && minIdle != 0 && now - nack.deliveryTime < minIdle) continue;
            if (consumer == null) consumer = consumerOrCreate(c, g, c.argv[3], key);
            if (nack.consumer != consumer && nack.consumer != null) nack.consumer.pel.remove(id);
            nack.deliveryTime = deliveryTime;
            if (retryCount >= 0) nack.deliveryCount = retryCount;
            else if (!justId) nack.deliveryCount++;
            if (nack.consumer != consumer) {
                consumer.pel.put(id, nack);
                nack.consumer = consumer;
            }
            claimed.add(id);
            propagateClaim(c, key, g, groupName, c.argv[k], nack);
            propagateLastId = false;
            c.dirty(1);
        }
        if (propagateLastId) {
            propagateGroupId(c, key, g, groupName);
            c.dirty(1);
        }
        replyClaimed(c.reply, s, claimed, justId);
        c.preventPropagation();
    }

    /** The claimed entries, or with JUSTID their IDs. */
    private static void replyClaimed(Reply r, StreamValue s, List<StreamID> claimed, boolean justId) {
        r.array(claimed.size());
        for (StreamID id : claimed) {
            if (justId) {
                r.bulk(StreamIds.bytes(id));
            } else if (s.range(id, id, false, 1, (eid, fv, n) -> {
                StreamCommands.replyEntry(r, eid, fv, n);
                return true;
            }) == 0) {
                r.nullBulk();
            }
        }
    }

    /**
     * XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]: claims up to count
     * idle entries from start on (looking at no more than ten times count), and replies the cursor
     * to continue from, the claimed entries, and the IDs it dropped from the pending list because
     * the stream no longer holds them (each counting against COUNT).
     */
    static void xautoclaim(Client c) {
        byte[] key = c.argv[1], groupName = c.argv[2];
        long minIdle = Math.max(0, Args.parseLong(c.argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM"));
        StreamID start = StreamIds.parseRangeStart(c.argv[5]);
        long count = 100;
        boolean justId = false;
        for (int j = 6; j < c.argc; j++) {
            boolean moreArgs = c.argc - 1 - j > 0;
            if (Args.cKeyword(c.argv[j], "count") && moreArgs) {
                // Redis bounds COUNT so that its scratch array (and ten times COUNT) cannot overflow.
                count = Args.parseLong(c.argv[j + 1], "ERR COUNT must be > 0");
                if (count < 1 || count > Long.MAX_VALUE / 16) throw new CommandError("ERR COUNT must be > 0");
                j++;
            } else if (Args.cKeyword(c.argv[j], "justid")) {
                justId = true;
            } else {
                throw Errors.syntax();
            }
        }
        StreamValue s = c.lookupRead(key, StreamValue.class);
        StreamGroup g = s == null ? null : s.group(groupName);
        if (g == null) throw new CommandError(noGroup(key, groupName));
        StreamConsumer consumer = null;
        long attempts = count * 10;
        long now = now(c);
        List<StreamID> claimed = new ArrayList<>();
        List<StreamID> deleted = new ArrayList<>();
        Iterator<Map.Entry<StreamID, StreamNack>> it = g.pel.tailMap(start, true).entrySet().iterator();
        while (attempts-- > 0 && count > 0 && it.hasNext()) {
            Map.Entry<StreamID, StreamNack> e = it.next();
            StreamID id = e.getKey();
            StreamNack nack = e.getValue();
            if (!s.contains(id)) {
                propagateClaim(c, key, g, groupName, StreamIds.bytes(id), nack);
                c.dirty(1);
                it.remove();
                nack.consumer.pel.remove(id);
                deleted.add(id);
                count--;
                continue;
            }
            if (minIdle != 0 && now - nack.deliveryTime < minIdle) continue;
            if (consumer == null) consumer = consumerOrCreate(c, g, c.argv[3], key);
            if (nack.consumer != consumer && nack.consumer != null) nack.consumer.pel.remove(id);
            nack.deliveryTime = now;
            if (!justId) nack.deliveryCount++;
            if (nack.consumer != consumer) {
                consumer.pel.put(id, nack);
                nack.consumer = consumer;
            }
            claimed.add(id);
            count--;
            propagateClaim(c, key, g, groupName, StreamIds.bytes(id), nack);
            c.dirty(1);
        }
        StreamID next = it.hasNext() ? it.next().getKey() : StreamID.MIN;
        Reply r = c.reply;
        r.array(3);
        r.bulk(StreamIds.bytes(next));
        replyClaimed(r, s, claimed, justId);
        r.array(deleted.size());
        for (StreamID id : deleted) r.bulk(StreamIds.bytes(id));
        c.preventPropagation();
    }
}
