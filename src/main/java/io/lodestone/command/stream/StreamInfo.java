package io.lodestone.command.stream;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.protocol.Reply;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamValue;

import java.util.Map;
import java.util.NavigableMap;

/**
 * XINFO STREAM [FULL [COUNT n]], GROUPS, CONSUMERS and HELP (Redis 7.0's xinfoCommand), with 7.0's
 * read counters: a group's {@code entries-read} (nil when unknown) and {@code lag} (nil when the
 * stream's deletions make it unknowable), as streamReplyWithCGLag computes it.
 */
final class StreamInfo {
    private StreamInfo() {
    }

    static void register(CommandTable t) {
        t.handle("xinfo|stream", StreamInfo::stream);
        t.handle("xinfo|groups", StreamInfo::groups);
        t.handle("xinfo|consumers", StreamInfo::consumers);
        t.handle("xinfo|help", Subcommands.help("XINFO",
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream."));
    }

    private static StreamValue lookup(Client c) {
        StreamValue s = c.lookupRead(c.argv[2], StreamValue.class);
        if (s == null) throw new CommandError(Errors.NO_SUCH_KEY);
        return s;
    }

    /** XINFO CONSUMERS key group: each consumer's name, pending count and idle time. */
    static void consumers(Client c) {
        StreamValue s = lookup(c);
        StreamGroup g = s.group(c.argv[3]);
        if (g == null) {
            throw new CommandError("NOGROUP No such consumer group '" + Args.cString(c.argv[3])
                    + "' for key name '" + Args.cString(c.argv[2]) + "'");
        }
        Reply r = c.reply;
        long now = StreamGroupCommands.now(c);
        r.array(g.consumers().size());
        for (StreamConsumer consumer : g.consumers()) {
            r.map(3);
            r.bulk("name");
            r.bulk(consumer.name());
            r.bulk("pending");
            r.integer(consumer.pel.size());
            r.bulk("idle");
            r.integer(Math.max(0, now - consumer.seenTime));
        }
    }

    /** XINFO GROUPS key. */
    static void groups(Client c) {
        StreamValue s = lookup(c);
        Reply r = c.reply;
        r.array(s.groupCount());
        for (StreamGroup g : s.groups()) {
            r.map(6);
            r.bulk("name");
            r.bulk(g.name());
            r.bulk("consumers");
            r.integer(g.consumers().size());
            r.bulk("pending");
            r.integer(g.pel.size());
            r.bulk("last-delivered-id");
            r.bulk(StreamIds.bytes(g.lastId));
            r.bulk("entries-read");
            entriesRead(r, g);
            r.bulk("lag");
            lag(r, s, g);
        }
    }

    private static void entriesRead(Reply r, StreamGroup g) {
        if (g.entriesRead != StreamGroup.INVALID_ENTRIES_READ) r.integer(g.entriesRead);
        else r.nullBulk();
    }

    /**
     * Redis 7.0's streamReplyWithCGLag: the entries the group has yet to read, when the counters tell
     * (a valid read counter and no deletion after the group's position, or an estimate of that
     * position's counter), otherwise nil. 7.0 has no shortcut for an emptied stream: a group that had
     * read 5 of 6 entries still lags by 1 once they are all trimmed.
     */
    private static void lag(Reply r, StreamValue s, StreamGroup g) {
        long lag;
        if (s.entriesAdded() == 0) {
            lag = 0;
        } else if (g.entriesRead != StreamGroup.INVALID_ENTRIES_READ && !s.rangeHasTombstones(g.lastId, null)) {
            lag = s.entriesAdded() - g.entriesRead;
        } else {
            long read = s.estimateDistanceFromFirstEverEntry(g.lastId);
            if (read == StreamGroup.INVALID_ENTRIES_READ) {
                r.nullBulk();
                return;
            }
            lag = s.entriesAdded() - read;
        }
        r.integer(lag);
    }

    /** XINFO STREAM key [FULL [COUNT count]]. */
    static void stream(Client c) {
        StreamValue s = lookup(c); // before the options, as Redis looks the key up first
        boolean full = c.argc > 3;
        long count = 10; // FULL shows 10 of each list unless told: the server must not stall
        if (full) {
            int optc = c.argc - 3;
            if (optc != 1 && optc != 3) throw Subcommands.syntaxError(c);
            if (!Args.cKeyword(c.argv[3], "full")) throw Subcommands.syntaxError(c);
            if (optc == 3) {
                if (!Args.cKeyword(c.argv[4], "count")) throw Subcommands.syntaxError(c);
                count = Args.parseLong(c.argv[5]);
                if (count < 0) count = 10;
            }
        }
        Reply r = c.reply;
        r.map(full ? 9 : 10);
        r.bulk("length");
        r.integer(s.length());
        r.bulk("radix-tree-keys");
        r.integer(s.nodeCount());
        r.bulk("radix-tree-nodes");
        r.integer(radixTreeNodes(s));
        r.bulk("last-generated-id");
        r.bulk(StreamIds.bytes(s.lastId()));
        r.bulk("max-deleted-entry-id");
        r.bulk(StreamIds.bytes(s.maxDeletedId()));
        r.bulk("entries-added");
        r.integer(s.entriesAdded());
        r.bulk("recorded-first-entry-id");
        r.bulk(StreamIds.bytes(s.firstId()));
        if (!full) {
            r.bulk("groups");
            r.integer(s.groupCount());
            r.bulk("first-entry");
            StreamCommands.replyEdgeEntry(r, s, false);
            r.bulk("last-entry");
            StreamCommands.replyEdgeEntry(r, s, true);
            return;
        }
        r.bulk("entries");
        StreamCommands.replyRange(r, s, StreamID.MIN, StreamID.MAX, false, count);
        r.bulk("groups");
        r.array(s.groupCount());
        for (StreamGroup g : s.groups()) fullGroup(r, s, g, count);
    }

    private static void fullGroup(Reply r, StreamValue s, StreamGroup g, long count) {
        r.map(7);
        r.bulk("name");
        r.bulk(g.name());
        r.bulk("last-delivered-id");
        r.bulk(StreamIds.bytes(g.lastId));
        r.bulk("entries-read");
        entriesRead(r, g);
        r.bulk("lag");
        lag(r, s, g);
        pending(r, g.pel, count, true);
        r.bulk("consumers");
        r.array(g.consumers().size());
        for (StreamConsumer consumer : g.consumers()) {
            r.map(4);
            r.bulk("name");
            r.bulk(consumer.name());
            r.bulk("seen-time");
            r.integer(consumer.seenTime);
            pending(r, consumer.pel, count, false);
        }
    }

    /**
     * A pending list in XINFO STREAM FULL: its size, then at most count entries (0: all) as [id,
     * consumer (the group's list only), delivery time, delivery count].
     */
    private static void pending(Reply r, NavigableMap<StreamID, StreamNack> pel, long count, boolean withConsumer) {
        r.bulk("pel-count");
        r.integer(pel.size());
        r.bulk("pending");
        r.array(count == 0 ? pel.size() : Math.min(pel.size(), count));
        long sent = 0;
        for (Map.Entry<StreamID, StreamNack> e : pel.entrySet()) {
            if (count != 0 && sent++ == count) break;
            StreamNack nack = e.getValue();
            r.array(withConsumer ? 4 : 3);
            r.bulk(StreamIds.bytes(e.getKey()));
            if (withConsumer) r.bulk(nack.consumer.name());
            r.integer(nack.deliveryTime);
            r.integer(nack.deliveryCount);
        }
    }

    /**
     * Redis's rax->numnodes for the stream's node keys (master IDs as 16 big-endian bytes): the
     * nodes of the compressed radix tree of those keys, which rax keeps in this canonical shape -
     * a chain of shared bytes is one node, a fork is one node, each key ends in an empty node, and
     * the root exists even when the tree is empty.
     */
    static long radixTreeNodes(StreamValue s) {
        byte[][] keys = new byte[s.nodeCount()][];
        int[] n = {0};
        s.forEachNode((master, lp) -> {
            byte[] k = new byte[16];
            for (int i = 0; i < 8; i++) {
                k[i] = (byte) (master.ms() >>> (56 - 8 * i));
                k[8 + i] = (byte) (master.seq() >>> (56 - 8 * i));
            }
            keys[n[0]++] = k;
        });
        return keys.length == 0 ? 1 : raxNodes(keys, 0, keys.length, 0);
    }

    /** Nodes under the position {@code depth} shared by the sorted keys [from, to). */
    private static long raxNodes(byte[][] keys, int from, int to, int depth) {
        if (depth == 16) return 1;
        int shared = 0;
        while (depth + shared < 16 && keys[from][depth + shared] == keys[to - 1][depth + shared]) shared++;
        if (shared > 0) return 1 + raxNodes(keys, from, to, depth + shared);
        long nodes = 1;
        for (int i = from; i < to; ) {
            int j = i;
            while (j < to && keys[j][depth] == keys[i][depth]) j++;
            nodes += raxNodes(keys, i, j, depth + 1);
            i = j;
        }
        return nodes;
    }
}
