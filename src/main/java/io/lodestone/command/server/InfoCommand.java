package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.ServerContext;
import io.lodestone.store.Database;
import io.lodestone.util.Log;
import io.lodestone.util.Version;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * INFO with Redis 7.0's sections, field names and order, {@code \r\n} line ends. Sections whose
 * subsystems arrive later (persistence, replication) report the values Redis reports when that
 * subsystem is idle, from the real state where it exists.
 */
public final class InfoCommand {
    private static final List<String> DEFAULT = List.of("server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "modules", "errorstats", "cluster", "keyspace");
    private static final List<String> ALL = List.of("server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace");

    private InfoCommand() {
    }

    static void info(Client c) {
        Set<String> sections = new LinkedHashSet<>();
        if (c.argc == 1) sections.addAll(DEFAULT);
        for (int i = 1; i < c.argc; i++) {
            String s = Args.str(c.argv[i]).toLowerCase(Locale.ROOT);
            switch (s) {
                case "default" -> sections.addAll(DEFAULT);
                case "all", "everything" -> sections.addAll(ALL);
                default -> sections.add(s);
            }
        }
        c.reply.verbatim(render(c.server, sections));
    }

    /** Renders the requested sections in Redis's order; unknown names are ignored as Redis does. */
    public static String render(ServerContext server, Set<String> wanted) {
        StringBuilder sb = new StringBuilder(4096);
        for (String section : ALL) {
            if (!wanted.contains(section)) continue;
            if (sb.length() > 0) sb.append("\r\n");
            switch (section) {
                case "server" -> server(server, sb);
                case "clients" -> clients(server, sb);
                case "memory" -> memory(server, sb);
                case "persistence" -> persistence(server, sb);
                case "stats" -> stats(server, sb);
                case "replication" -> replication(server, sb);
                case "cpu" -> cpu(sb);
                case "modules" -> sb.append("# Modules\r\n");
                case "commandstats" -> commandStats(server, sb);
                case "errorstats" -> errorStats(server, sb);
                case "latencystats" -> latencyStats(server, sb);
                case "cluster" -> sb.append("# Cluster\r\ncluster_enabled:0\r\n");
                case "keyspace" -> keyspace(server, sb);
                default -> { }
            }
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    private static void server(ServerContext s, StringBuilder sb) {
        long now = System.currentTimeMillis();
        long uptime = (now - s.process.startTimeMs) / 1000;
        sb.append("# Server\r\n");
        field(sb, "redis_version", Version.REDIS_VERSION);
        field(sb, "redis_git_sha1", "00000000");
        field(sb, "redis_git_dirty", 0);
        field(sb, "redis_build_id", "0");
        field(sb, "redis_mode", "standalone");
        field(sb, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + arch());
        field(sb, "arch_bits", 64);
        field(sb, "monotonic_clock", "POSIX clock_gettime");
        field(sb, "multiplexing_api", "epoll");
        field(sb, "atomicvar_api", "c11-builtin");
        field(sb, "gcc_version", "0.0.0");
        field(sb, "process_id", Log.pid());
        field(sb, "process_supervised", "no");
        field(sb, "run_id", s.process.runId);
        field(sb, "tcp_port", s.process.port);
        java.time.Instant t = java.time.Instant.now();
        field(sb, "server_time_usec", t.getEpochSecond() * 1_000_000 + t.getNano() / 1000);
        field(sb, "uptime_in_seconds", uptime);
        field(sb, "uptime_in_days", uptime / 86400);
        field(sb, "hz", s.process.hz);
        field(sb, "configured_hz", s.process.hz);
        field(sb, "lru_clock", (now / 1000) & 0xFFFFFF);
        field(sb, "executable", s.process.executable);
        field(sb, "config_file", s.process.configFile == null ? "" : s.process.configFile);
        field(sb, "io_threads_active", s.ioThreads > 1 ? 1 : 0);
        long shutdownDeadline = s.process.shutdownDeadlineMs;
        if (shutdownDeadline != 0) field(sb, "shutdown_in_milliseconds", Math.max(0, shutdownDeadline - now));
        field(sb, "lodestone_version", Version.LODESTONE_VERSION);
        field(sb, "java_version", System.getProperty("java.version"));
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return "amd64".equals(a) ? "x86_64" : a;
    }

    private static void clients(ServerContext s, StringBuilder sb) {
        sb.append("# Clients\r\n");
        // Replicas are counted apart (connected_slaves), as Redis counts them.
        field(sb, "connected_clients", s.clients.size() - s.replication.stream.replicas().size());
        field(sb, "cluster_connections", 0);
        field(sb, "maxclients", s.limits.maxClients);
        field(sb, "client_recent_max_input_buffer", s.clients.recentMaxInputBuffer());
        field(sb, "client_recent_max_output_buffer", s.clients.recentMaxOutputBuffer());
        field(sb, "blocked_clients", s.blocking.blockedClients());
        field(sb, "tracking_clients", s.tracking.clients());
        field(sb, "clients_in_timeout_table", s.blocking.clientsInTimeoutTable());
    }

    /** Redis 7.0's memory section, from the accounted figures of {@link MemoryOverhead}. */
    private static void memory(ServerContext s, StringBuilder sb) {
        MemoryOverhead m = new MemoryOverhead(s);
        long system = MemoryOverhead.totalSystemMemory();
        sb.append("# Memory\r\n");
        field(sb, "used_memory", m.used);
        field(sb, "used_memory_human", human(m.used));
        field(sb, "used_memory_rss", m.rss);
        field(sb, "used_memory_rss_human", human(m.rss));
        field(sb, "used_memory_peak", m.peak);
        field(sb, "used_memory_peak_human", human(m.peak));
        field(sb, "used_memory_peak_perc", String.format(Locale.ROOT, "%.2f%%", m.peakPercent()));
        field(sb, "used_memory_overhead", m.overhead);
        field(sb, "used_memory_startup", m.startup);
        field(sb, "used_memory_dataset", m.dataset);
        field(sb, "used_memory_dataset_perc", String.format(Locale.ROOT, "%.2f%%", m.datasetPercent()));
        // The JVM heap plays the allocator: what it holds (live and dead objects) and has committed.
        field(sb, "allocator_allocated", m.used);
        field(sb, "allocator_active", m.heapUsed);
        field(sb, "allocator_resident", m.heapCommitted);
        field(sb, "total_system_memory", system);
        field(sb, "total_system_memory_human", human(system));
        scriptingMemory(s, sb);
        long max = s.maxMemory.maxmemory;
        field(sb, "maxmemory", max);
        field(sb, "maxmemory_human", human(max));
        field(sb, "maxmemory_policy", s.limits.maxmemoryPolicy);
        field(sb, "allocator_frag_ratio", ratio(m.heapUsed, m.used));
        field(sb, "allocator_frag_bytes", m.heapUsed - m.used);
        field(sb, "allocator_rss_ratio", ratio(m.heapCommitted, m.heapUsed));
        field(sb, "allocator_rss_bytes", m.heapCommitted - m.heapUsed);
        field(sb, "rss_overhead_ratio", ratio(m.rss, m.heapCommitted));
        field(sb, "rss_overhead_bytes", m.rss - m.heapCommitted);
        field(sb, "mem_fragmentation_ratio", ratio(m.rss, m.used));
        field(sb, "mem_fragmentation_bytes", m.rss - m.used);
        field(sb, "mem_not_counted_for_evict", m.notCountedForEvict);
        field(sb, "mem_replication_backlog", m.replicationBacklog);
        field(sb, "mem_total_replication_buffers", m.replicationBuffers);
        field(sb, "mem_clients_slaves", m.replicaBuffers);
        field(sb, "mem_clients_normal", m.normalClients);
        field(sb, "mem_cluster_links", 0);
        field(sb, "mem_aof_buffer", m.aofBuffer);
        field(sb, "mem_allocator", "jvm");
        field(sb, "active_defrag_running", 0);
        field(sb, "lazyfree_pending_objects", 0);
        field(sb, "lazyfreed_objects", s.keyspace.lazyfreedObjects());
        field(sb, "jvm_heap_max", Runtime.getRuntime().maxMemory());
    }

    private static String ratio(long a, long b) {
        return String.format(Locale.ROOT, "%.2f", b <= 0 ? 0 : (double) a / b);
    }

    /** Redis 7.0's scripting lines: EVAL's and FUNCTION's Lua states, the script cache and the libraries. */
    private static void scriptingMemory(ServerContext s, StringBuilder sb) {
        ServerContext.ScriptingInfo sc = s.scripting;
        long vmEval = sc == null ? 0 : sc.evalVmMemory();
        long vmFunctions = sc == null ? 0 : sc.functionsVmMemory();
        long scriptsEval = sc == null ? 0 : sc.evalScriptsMemory();
        long functions = sc == null ? 0 : sc.functionsMemory();
        field(sb, "used_memory_lua", vmEval);
        field(sb, "used_memory_vm_eval", vmEval);
        field(sb, "used_memory_lua_human", human(vmEval));
        field(sb, "used_memory_scripts_eval", scriptsEval);
        field(sb, "number_of_cached_scripts", sc == null ? 0 : sc.cachedScripts());
        field(sb, "number_of_functions", sc == null ? 0 : sc.functionCount());
        field(sb, "number_of_libraries", sc == null ? 0 : sc.libraryCount());
        field(sb, "used_memory_vm_functions", vmFunctions);
        field(sb, "used_memory_vm_total", vmEval + vmFunctions);
        field(sb, "used_memory_vm_total_human", human(vmEval + vmFunctions));
        field(sb, "used_memory_functions", functions);
        field(sb, "used_memory_scripts", scriptsEval + functions);
        field(sb, "used_memory_scripts_human", human(scriptsEval + functions));
    }

    private static void persistence(ServerContext s, StringBuilder sb) {
        io.lodestone.persistence.Snapshotter.Job job = s.snapshotter == null ? null : s.snapshotter.current();
        sb.append("# Persistence\r\n");
        s.loading.info((k, v) -> field(sb, k, v));
        // No fork, so no copy-on-write: the bytes writes serialized ahead of the walk are what it costs.
        field(sb, "current_cow_peak", job == null ? 0 : job.earlyBytes());
        field(sb, "current_cow_size", job == null ? 0 : job.earlyBytes());
        field(sb, "current_cow_size_age", 0);
        field(sb, "current_fork_perc", job == null ? "0.00" : String.format(Locale.ROOT, "%.2f",
                Math.min(100.0, 100.0 * job.keys() / Math.max(1, s.keyspace.totalKeys()))));
        field(sb, "current_save_keys_processed", job == null ? 0 : job.keys());
        field(sb, "current_save_keys_total", job == null ? 0 : job.keysTotal());
        s.rdb.info((k, v) -> field(sb, k, v));
        s.aof.info((k, v) -> field(sb, k, v));
        field(sb, "module_fork_in_progress", 0);
        field(sb, "module_fork_last_cow_size", 0);
        s.aof.infoEnabled((k, v) -> field(sb, k, v));
        s.loading.progressInfo((k, v) -> field(sb, k, v));
    }

    private static void stats(ServerContext s, StringBuilder sb) {
        var st = s.stats;
        sb.append("# Stats\r\n");
        field(sb, "total_connections_received", st.totalConnectionsReceived);
        field(sb, "total_commands_processed", st.totalCommandsProcessed);
        field(sb, "instantaneous_ops_per_sec", st.opsPerSec.perSecond());
        field(sb, "total_net_input_bytes", st.netInputBytes);
        field(sb, "total_net_output_bytes", st.netOutputBytes);
        field(sb, "total_net_repl_input_bytes", s.masterLink == null ? 0 : s.masterLink.bytesReceived);
        field(sb, "total_net_repl_output_bytes", s.replication.stream.bytesSent());
        field(sb, "instantaneous_input_kbps", String.format(Locale.ROOT, "%.2f", st.netInputPerSec.perSecond() / 1024.0));
        field(sb, "instantaneous_output_kbps", String.format(Locale.ROOT, "%.2f", st.netOutputPerSec.perSecond() / 1024.0));
        field(sb, "instantaneous_input_repl_kbps", String.format(Locale.ROOT, "%.2f", st.replInputPerSec.perSecond() / 1024.0));
        field(sb, "instantaneous_output_repl_kbps", String.format(Locale.ROOT, "%.2f", st.replOutputPerSec.perSecond() / 1024.0));
        field(sb, "rejected_connections", st.rejectedConnections);
        field(sb, "sync_full", s.replication.syncFull);
        field(sb, "sync_partial_ok", s.replication.syncPartialOk);
        field(sb, "sync_partial_err", s.replication.syncPartialErr);
        field(sb, "expired_keys", s.keyspace.expiredKeys());
        field(sb, "expired_stale_perc", String.format(Locale.ROOT, "%.2f", s.keyspace.expiredStalePercent()));
        field(sb, "expired_time_cap_reached_count", s.keyspace.expireTimeCapReached());
        field(sb, "expire_cycle_cpu_milliseconds", s.keyspace.expireCycleMillis());
        field(sb, "evicted_keys", s.keyspace.evictedKeys());
        field(sb, "evicted_clients", st.evictedClients);
        field(sb, "total_eviction_exceeded_time", s.maxMemory.exceededTotalMs());
        field(sb, "current_eviction_exceeded_time", s.maxMemory.exceededCurrentMs());
        field(sb, "keyspace_hits", s.keyspace.keyspaceHits());
        field(sb, "keyspace_misses", s.keyspace.keyspaceMisses());
        field(sb, "pubsub_channels", s.pubsub.channelCount());
        field(sb, "pubsub_patterns", s.pubsub.patternCount());
        field(sb, "pubsubshard_channels", s.pubsub.shardChannelCount());
        field(sb, "latest_fork_usec", s.snapshotter == null ? 0 : s.snapshotter.latestForkMicros());
        field(sb, "total_forks", s.snapshotter == null ? 0 : s.snapshotter.totalForks());
        field(sb, "migrate_cached_sockets", s.migrateSockets.size());
        field(sb, "slave_expires_tracked_keys", s.keyspace.replicaKeysWithExpire());
        // No active defragmentation: the collector compacts the heap (activedefrag is refused).
        field(sb, "active_defrag_hits", 0);
        field(sb, "active_defrag_misses", 0);
        field(sb, "active_defrag_key_hits", 0);
        field(sb, "active_defrag_key_misses", 0);
        field(sb, "total_active_defrag_time", 0);
        field(sb, "current_active_defrag_time", 0);
        field(sb, "tracking_total_keys", s.tracking.totalKeys());
        field(sb, "tracking_total_items", s.tracking.totalItems());
        field(sb, "tracking_total_prefixes", s.tracking.totalPrefixes());
        field(sb, "unexpected_error_replies", st.unexpectedErrorReplies);
        field(sb, "total_error_replies", st.totalErrorReplies);
        field(sb, "dump_payload_sanitizations", st.dumpPayloadSanitizations);
        field(sb, "total_reads_processed", st.totalReadsProcessed);
        field(sb, "total_writes_processed", st.totalWritesProcessed);
        // With io-threads, every socket read and write is done by an I/O thread.
        field(sb, "io_threaded_reads_processed", s.ioThreads > 1 ? st.totalReadsProcessed : 0);
        field(sb, "io_threaded_writes_processed", s.ioThreads > 1 ? st.totalWritesProcessed : 0);
        field(sb, "reply_buffer_shrinks", st.replyBufferShrinks);
        field(sb, "reply_buffer_expands", st.replyBufferExpands);
    }

    private static void replication(ServerContext s, StringBuilder sb) {
        io.lodestone.replication.Replication r = s.replication;
        io.lodestone.replication.ReplicationStream st = r.stream;
        sb.append("# Replication\r\n");
        io.lodestone.replication.MasterLink link = s.masterLink;
        if (link != null && link.isReplica()) {
            field(sb, "role", "slave");
            replicaFields(s, link, sb);
        } else {
            field(sb, "role", "master");
        }
        java.util.List<io.lodestone.replication.ReplicaPeer> peers = st.replicas();
        field(sb, "connected_slaves", peers.size());
        if (r.minReplicasToWrite > 0 && r.minReplicasMaxLag > 0) field(sb, "min_slaves_good_slaves", r.goodReplicas());
        long now = System.currentTimeMillis();
        for (int i = 0; i < peers.size(); i++) {
            io.lodestone.replication.ReplicaPeer p = peers.get(i);
            sb.append("slave").append(i).append(":ip=").append(p.ip()).append(",port=").append(p.listeningPort)
                    .append(",state=").append(p.state.infoName).append(",offset=").append(p.ackOffset)
                    .append(",lag=").append((now - p.ackTimeMs) / 1000).append("\r\n");
        }
        field(sb, "master_failover_state", s.failover.state().infoName);
        field(sb, "master_replid", st.replid());
        field(sb, "master_replid2", st.replid2());
        field(sb, "master_repl_offset", st.offset());
        field(sb, "second_repl_offset", st.secondOffset());
        io.lodestone.replication.Backlog b = st.backlog();
        field(sb, "repl_backlog_active", b == null ? 0 : 1);
        field(sb, "repl_backlog_size", b == null ? st.backlogSize() : b.size());
        field(sb, "repl_backlog_first_byte_offset", b == null ? 0 : b.firstByteOffset());
        field(sb, "repl_backlog_histlen", b == null ? 0 : b.histlen());
    }


    /** The replica block of INFO replication, in Redis 7.0's order. */
    private static void replicaFields(ServerContext s, io.lodestone.replication.MasterLink link, StringBuilder sb) {
        field(sb, "master_host", link.masterHost());
        field(sb, "master_port", link.masterPort());
        field(sb, "master_link_status", link.linkUp() ? "up" : "down");
        field(sb, "master_last_io_seconds_ago", link.lastIoSecondsAgo());
        field(sb, "master_sync_in_progress", link.syncInProgress() ? 1 : 0);
        field(sb, "slave_read_repl_offset", link.readReplOffset());
        field(sb, "slave_repl_offset", link.replOffset());
        if (link.syncInProgress()) {
            long size = link.transferSize(), read = link.transferRead();
            field(sb, "master_sync_total_bytes", size);
            field(sb, "master_sync_read_bytes", read);
            field(sb, "master_sync_left_bytes", size - read);
            field(sb, "master_sync_perc", String.format(Locale.ROOT, "%.2f", size > 0 ? 100.0 * read / size : 0.0));
            field(sb, "master_sync_last_io_seconds_ago", link.transferLastIoSecondsAgo());
        }
        if (!link.linkUp()) field(sb, "master_link_down_since_seconds", link.downSinceSeconds());
        field(sb, "slave_priority", s.config.getInt("replica-priority"));
        field(sb, "slave_read_only", s.repl.replicaReadOnly ? 1 : 0);
        field(sb, "replica_announced", s.config.getBool("replica-announced") ? 1 : 0);
    }

    private static void cpu(StringBuilder sb) {
        var os = ManagementFactory.getOperatingSystemMXBean();
        double total = 0;
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) total = sun.getProcessCpuTime() / 1e9;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double user = threads.getCurrentThreadUserTime() / 1e9;
        double mainTotal = threads.getCurrentThreadCpuTime() / 1e9;
        sb.append("# CPU\r\n");
        // The JVM reports process CPU as one figure; system time is what remains after user time.
        field(sb, "used_cpu_sys", String.format(Locale.ROOT, "%.6f", Math.max(0, total - user)));
        field(sb, "used_cpu_user", String.format(Locale.ROOT, "%.6f", user));
        field(sb, "used_cpu_sys_children", "0.000000");
        field(sb, "used_cpu_user_children", "0.000000");
        field(sb, "used_cpu_sys_main_thread", String.format(Locale.ROOT, "%.6f", Math.max(0, mainTotal - user)));
        field(sb, "used_cpu_user_main_thread", String.format(Locale.ROOT, "%.6f", user));
    }

    private static void commandStats(ServerContext s, StringBuilder sb) {
        sb.append("# Commandstats\r\n");
        for (CommandSpec top : s.commands.allSpecs()) {
            List<CommandSpec> specs = new ArrayList<>();
            specs.add(top);
            specs.addAll(top.subcommands().values());
            for (CommandSpec c : specs) {
                if (c.calls == 0 && c.rejectedCalls == 0 && c.failedCalls == 0) continue;
                sb.append("cmdstat_").append(c.fullName()).append(":calls=").append(c.calls)
                        .append(",usec=").append(c.usec)
                        .append(",usec_per_call=").append(String.format(Locale.ROOT, "%.2f", c.calls == 0 ? 0.0 : (double) c.usec / c.calls))
                        .append(",rejected_calls=").append(c.rejectedCalls)
                        .append(",failed_calls=").append(c.failedCalls).append("\r\n");
            }
        }
    }

    /** Redis's fillPercentileDistributionLatencies: the configured percentiles of each command, in usec. */
    private static void latencyStats(ServerContext s, StringBuilder sb) {
        sb.append("# Latencystats\r\n");
        List<Double> percentiles = s.config.latencyTrackingInfoPercentiles();
        for (CommandSpec top : s.commands.allSpecs()) {
            List<CommandSpec> specs = new ArrayList<>();
            specs.add(top);
            specs.addAll(top.subcommands().values());
            for (CommandSpec c : specs) {
                if (c.latency == null || c.latency.count() == 0) continue;
                sb.append("latency_percentiles_usec_").append(c.fullName()).append(':');
                for (int i = 0; i < percentiles.size(); i++) {
                    if (i > 0) sb.append(',');
                    double p = percentiles.get(i);
                    sb.append('p').append(io.lodestone.config.RedisNumbers.formatPercentile(p)).append('=')
                            .append(String.format(Locale.ROOT, "%.3f", c.latency.valueAtPercentile(p) / 1000.0));
                }
                sb.append("\r\n");
            }
        }
    }

    private static void errorStats(ServerContext s, StringBuilder sb) {
        sb.append("# Errorstats\r\n");
        for (Map.Entry<String, Long> e : s.stats.errorCounts.entrySet()) {
            sb.append("errorstat_").append(e.getKey()).append(":count=").append(e.getValue()).append("\r\n");
        }
    }

    private static void keyspace(ServerContext s, StringBuilder sb) {
        sb.append("# Keyspace\r\n");
        for (int i = 0; i < s.keyspace.databases(); i++) {
            Database db = s.keyspace.db(i);
            if (db.size() == 0) continue;
            sb.append("db").append(i).append(":keys=").append(db.size()).append(",expires=").append(db.expiresSize())
                    .append(",avg_ttl=").append(db.avgTtl()).append("\r\n");
        }
    }

    static String human(long n) {
        if (n < 1024) return n + "B";
        String[] units = {"K", "M", "G", "T", "P"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f%s", v, units[u]);
    }
}
