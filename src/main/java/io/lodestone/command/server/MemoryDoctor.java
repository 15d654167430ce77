package io.lodestone.command.server;

import io.lodestone.command.ServerContext;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.Locale;

/**
 * MEMORY DOCTOR's report (Redis's getMemoryDoctorReport, with its wording) and MEMORY MALLOC-STATS
 * (the JVM's heap pools and collectors, where Redis prints jemalloc's statistics). The heap plays the
 * allocator: "allocator fragmentation" is heap in use over accounted bytes, "allocator RSS" the
 * committed heap over heap in use.
 */
final class MemoryDoctor {
    private static final long MB = 1 << 20;

    private MemoryDoctor() {
    }

    static String report(MemoryOverhead m, ServerContext s) {
        boolean empty = false, bigPeak = false, highFrag = false, highAllocFrag = false, highAllocRss = false,
                highProcRss = false, bigReplicaBuf = false, bigClientBuf = false, manyScripts = false;
        int reports = 0;
        if (m.used < 5 * MB) {
            empty = true;
            reports++;
        } else {
            if ((double) m.peak / m.used > 1.5) {
                bigPeak = true;
                reports++;
            }
            if (m.rssRatio() > 1.4 && m.rss - m.used > 10 * MB) {
                highFrag = true;
                reports++;
            }
            if (m.heapRatio() > 1.1 && m.heapUsed - m.used > 10 * MB) {
                highAllocFrag = true;
                reports++;
            }
            if (m.heapUsed > 0 && (double) m.heapCommitted / m.heapUsed > 1.1 && m.heapCommitted - m.heapUsed > 10 * MB) {
                highAllocRss = true;
                reports++;
            }
            if (m.heapCommitted > 0 && (double) m.rss / m.heapCommitted > 1.1 && m.rss - m.heapCommitted > 10 * MB) {
                highProcRss = true;
                reports++;
            }
            int replicas = s.replication.stream.replicas().size();
            long clients = Math.max(1, s.clients.size() - replicas);
            if (m.normalClients / clients > 200 * 1024) {
                bigClientBuf = true;
                reports++;
            }
            if (replicas > 0 && m.replicaBuffers / replicas > 10 * MB) {
                bigReplicaBuf = true;
                reports++;
            }
            if (s.scripting != null && s.scripting.cachedScripts() > 1000) {
                manyScripts = true;
                reports++;
            }
        }
        if (reports == 0) {
            return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        }
        if (empty) {
            return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in"
                    + " these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam"
                    + " and I will be back to our programming as soon as I finished rebooting.\n";
        }
        StringBuilder sb = new StringBuilder("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
        if (bigPeak) {
            sb.append(" * Peak memory: In the past this instance used more than 150% the memory that is currently using."
                    + " The allocator is normally not able to release memory after a peak, so you can expect to see a big"
                    + " fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if"
                    + " the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be"
                    + " used as soon as you fill the Redis instance with more data. If the memory peak was only occasional"
                    + " and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only"
                    + " other option is to shutdown and restart the instance.\n\n");
        }
        if (highFrag) {
            sb.append(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this"
                    + " means that the Resident Set Size of the Redis process is much larger than the sum of the logical"
                    + " allocations Redis performed). This problem is usually due either to a large peak memory (check if"
                    + " there is a peak memory entry above in the report) or may result from a workload that causes the"
                    + " allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue."
                    + " Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note:"
                    + " The currently used allocator is \"jvm\".\n\n");
        }
        if (highAllocFrag) {
            sb.append(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than"
                    + " 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory"
                    + " entry above in the report) or may result from a workload that causes the allocator to fragment"
                    + " memory a lot. You can try enabling 'activedefrag' config option.\n\n");
        }
        if (highAllocRss) {
            sb.append(" * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this"
                    + " means that the Resident Set Size of the allocator is much larger than the sum what the allocator"
                    + " actually holds). This problem is usually due to a large peak memory (check if there is a peak"
                    + " memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n");
        }
        if (highProcRss) {
            sb.append(" * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than"
                    + " 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the"
                    + " allocator holds). This problem may be due to Lua scripts or Modules.\n\n");
        }
        if (bigReplicaBuf) {
            sb.append(" * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each"
                    + " replica (on average). This likely means that there is some replica instance that is struggling"
                    + " receiving data, either because it is too slow or because of networking issues. As a result, data"
                    + " piles on the master output buffers. Please try to identify what replica is not receiving data"
                    + " correctly and why. You can use the INFO output in order to check the replicas delays and the"
                    + " CLIENT LIST command to check the output buffers of each replica.\n\n");
        }
        if (bigClientBuf) {
            sb.append(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client"
                    + " (on average). This may result from different causes, like Pub/Sub clients subscribed to channels"
                    + " bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or"
                    + " clients sending commands with large replies or very large sequences of commands in the same"
                    + " pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes"
                    + " problems in your instance, or to understand better why certain clients are using a big amount of"
                    + " memory.\n\n");
        }
        if (manyScripts) {
            sb.append(" * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may"
                    + " be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and"
                    + " ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the"
                    + " scripts' caches may end up consuming most of your memory.\n\n");
        }
        return sb.append("I'm here to keep you safe, Sam. I want to help you.\n").toString();
    }

    /** MEMORY MALLOC-STATS: the JVM's memory pools and collectors, as its allocator's statistics. */
    static String heapStatistics() {
        StringBuilder sb = new StringBuilder("___ Begin JVM memory statistics ___\n");
        var rt = Runtime.getRuntime();
        sb.append(String.format(Locale.ROOT, "heap: used %d, committed %d, max %d%n",
                rt.totalMemory() - rt.freeMemory(), rt.totalMemory(), rt.maxMemory()));
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage u = pool.getUsage();
            if (u == null) continue;
            sb.append(String.format(Locale.ROOT, "pool \"%s\" (%s): used %d, committed %d, max %d%n",
                    pool.getName(), pool.getType(), u.getUsed(), u.getCommitted(), u.getMax()));
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sb.append(String.format(Locale.ROOT, "collector \"%s\": collections %d, time %d ms%n",
                    gc.getName(), gc.getCollectionCount(), gc.getCollectionTime()));
        }
        return sb.append("___ End JVM memory statistics ___\n").toString();
    }
}
