package io.lodestone.command.server;

import io.lodestone.command.ServerContext;
import io.lodestone.store.Database;

import java.lang.management.ManagementFactory;

/**
 * Where the used memory goes (Redis's getMemoryOverheadData): what INFO memory, MEMORY STATS and
 * MEMORY DOCTOR report. Used memory is {@link io.lodestone.command.MaxMemory#used}'s accounted
 * figure; the "allocator" figures are the JVM heap's (in use, committed), and RSS the process's.
 */
final class MemoryOverhead {
    final long used;
    final long peak;
    final long startup;
    final long replicationBacklog;
    final long replicaBuffers;
    final long replicationBuffers;
    final long normalClients;
    final long aofBuffer;
    final long scripts;
    final long functions;
    final long notCountedForEvict;
    /** Per database: keys, keys with an expiry, table overhead, expiry index overhead. */
    final long[][] dbs;
    final long overhead;
    final long dataset;
    final long rss;
    final long heapUsed;
    final long heapCommitted;
    final int keys;

    MemoryOverhead(ServerContext s) {
        used = s.maxMemory.used();
        peak = s.maxMemory.peak();
        startup = io.lodestone.command.MaxMemory.STARTUP;
        io.lodestone.replication.ReplicationStream st = s.replication.stream;
        long total = st.bufferMemory();
        long backlogSize = st.backlog() == null ? st.backlogSize() : st.backlog().size();
        // The backlog and the replicas share one buffer: what a replica keeps beyond the backlog is its own.
        boolean replicasKeepMore = !st.replicas().isEmpty() && total > backlogSize;
        replicationBacklog = replicasKeepMore ? backlogSize : total;
        replicaBuffers = replicasKeepMore ? total - backlogSize : 0;
        replicationBuffers = total;
        normalClients = s.clients.normalClientsMemory();
        aofBuffer = s.aof.writer.bufferLength();
        ServerContext.ScriptingInfo sc = s.scripting;
        scripts = sc == null ? 0 : sc.evalScriptsMemory();
        functions = sc == null ? 0 : sc.functionsMemory();
        notCountedForEvict = s.maxMemory.notCountedForEvict();
        long tables = 0;
        int n = 0, k = 0, allKeys = 0;
        for (int i = 0; i < s.keyspace.databases(); i++) if (s.keyspace.db(i).size() > 0) n++;
        dbs = new long[n][];
        for (int i = 0; i < s.keyspace.databases(); i++) {
            Database db = s.keyspace.db(i);
            if (db.size() == 0) continue;
            dbs[k++] = new long[] {i, db.size(), db.expiresSize(), db.tableOverhead(), db.expiresOverhead()};
            tables += db.tableOverhead() + db.expiresOverhead();
            allKeys += db.size();
        }
        keys = allKeys;
        overhead = startup + replicationBuffers + normalClients + aofBuffer + scripts + functions + tables;
        dataset = Math.max(0, used - overhead);
        rss = rss();
        Runtime rt = Runtime.getRuntime();
        heapCommitted = rt.totalMemory();
        heapUsed = heapCommitted - rt.freeMemory();
    }

    int keys() {
        return keys;
    }

    double datasetPercent() {
        long net = used - startup;
        return net <= 0 ? 0 : dataset * 100.0 / net;
    }

    double peakPercent() {
        return peak == 0 ? 0 : used * 100.0 / peak;
    }

    /** The JVM's heap in use over the accounted bytes (allocator_frag_ratio). */
    double heapRatio() {
        return used == 0 ? 0 : (double) heapUsed / used;
    }

    double rssRatio() {
        return used == 0 ? 0 : (double) rss / used;
    }

    static long rss() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception ignored) {
            // Not Linux: report the heap instead.
        }
        return Runtime.getRuntime().totalMemory();
    }

    static long totalSystemMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getTotalMemorySize();
        return 0;
    }
}
