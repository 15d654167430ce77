package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.protocol.Reply;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.ObjectSize;

/**
 * MEMORY: USAGE (a key's size, computed from its data structures by {@link ObjectSize}, Redis's
 * objectComputeSize, not measured on the heap), STATS and DOCTOR (the accounted breakdown of
 * {@link MemoryOverhead}), PURGE and MALLOC-STATS (the JVM is the allocator: its collector returns
 * unused heap, its memory pools are the statistics).
 */
final class MemoryCommand {
    private static final CommandHandler HELP = Subcommands.help("MEMORY",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).");

    private MemoryCommand() {
    }

    static void register(CommandTable t) {
        t.handle("memory|usage", MemoryCommand::usage);
        t.handle("memory|help", HELP);
        t.handle("memory|stats", MemoryCommand::stats);
        t.handle("memory|doctor", c -> c.reply.verbatim(MemoryDoctor.report(new MemoryOverhead(c.server), c.server)));
        t.handle("memory|malloc-stats", c -> c.reply.verbatim(MemoryDoctor.heapStatistics()));
        t.handle("memory|purge", MemoryCommand::purge);
    }

    /** MEMORY STATS: Redis 7.0's map, in its order, from the accounted figures. */
    private static void stats(Client c) {
        MemoryOverhead m = new MemoryOverhead(c.server);
        Reply r = c.reply;
        r.map(27 + m.dbs.length);
        field(r, "peak.allocated", m.peak);
        field(r, "total.allocated", m.used);
        field(r, "startup.allocated", m.startup);
        field(r, "replication.backlog", m.replicationBacklog);
        field(r, "clients.slaves", m.replicaBuffers);
        field(r, "clients.normal", m.normalClients);
        field(r, "cluster.links", 0);
        field(r, "aof.buffer", m.aofBuffer);
        field(r, "lua.caches", m.scripts);
        field(r, "functions.caches", m.functions);
        for (long[] db : m.dbs) {
            r.bulk(Args.bytes("db." + db[0]));
            r.map(3);
            field(r, "overhead.hashtable.main", db[3]);
            field(r, "overhead.hashtable.expires", db[4]);
            field(r, "overhead.hashtable.slot-to-keys", 0);
        }
        long net = m.used - m.startup;
        field(r, "overhead.total", m.overhead);
        field(r, "keys.count", m.keys());
        field(r, "keys.bytes-per-key", m.keys() == 0 ? 0 : Math.max(0, net) / m.keys());
        field(r, "dataset.bytes", m.dataset);
        r.bulk(Args.bytes("dataset.percentage"));
        r.doubleValue(m.datasetPercent());
        r.bulk(Args.bytes("peak.percentage"));
        r.doubleValue(m.peakPercent());
        field(r, "allocator.allocated", m.used);
        field(r, "allocator.active", m.heapUsed);
        field(r, "allocator.resident", m.heapCommitted);
        r.bulk(Args.bytes("allocator-fragmentation.ratio"));
        r.doubleValue(m.used == 0 ? 0 : (double) m.heapUsed / m.used);
        field(r, "allocator-fragmentation.bytes", m.heapUsed - m.used);
        r.bulk(Args.bytes("allocator-rss.ratio"));
        r.doubleValue(m.heapUsed == 0 ? 0 : (double) m.heapCommitted / m.heapUsed);
        field(r, "allocator-rss.bytes", m.heapCommitted - m.heapUsed);
        r.bulk(Args.bytes("rss-overhead.ratio"));
        r.doubleValue(m.heapCommitted == 0 ? 0 : (double) m.rss / m.heapCommitted);
        field(r, "rss-overhead.bytes", m.rss - m.heapCommitted);
        r.bulk(Args.bytes("fragmentation"));
        r.doubleValue(m.rssRatio());
        field(r, "fragmentation.bytes", m.rss - m.used);
    }

    private static void field(Reply r, String name, long value) {
        r.bulk(Args.bytes(name));
        r.integer(value);
    }

    /**
     * MEMORY PURGE: asks the collector for a cycle on its own thread, after which G1 gives unused
     * committed heap back to the system (with jvm.options' ExplicitGCInvokesConcurrent, a concurrent
     * cycle, not a full stop). The reply does not wait for it.
     */
    private static void purge(Client c) {
        Thread t = new Thread(System::gc, "lodestone-memory-purge");
        t.setDaemon(true);
        t.start();
        c.reply.ok();
    }

    /**
     * MEMORY USAGE key [SAMPLES count]: bytes of the key's entry, name and value; null for no key. As
     * in Redis the key is found as stored (an expired key not yet deleted still has a size).
     */
    static void usage(Client c) {
        long samples = ObjectSize.DEFAULT_SAMPLES;
        for (int j = 3; j < c.argc; j++) {
            if (!Args.is(c.argv[j], "samples") || j + 1 >= c.argc) throw Errors.syntax();
            samples = Args.parseLong(c.argv[++j]);
            if (samples < 0) throw Errors.syntax();
            if (samples == 0) samples = Long.MAX_VALUE;
        }
        KeyEntry e = c.db().peek(c.argv[2]);
        if (e == null) c.reply.nullBulk();
        else c.reply.integer(ObjectSize.of(e, samples));
    }
}
