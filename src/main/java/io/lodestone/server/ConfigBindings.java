package io.lodestone.server;

import io.lodestone.command.EncodingLimits;
import io.lodestone.command.Limits;
import io.lodestone.command.ProcessInfo;
import io.lodestone.command.ReplicationState;
import io.lodestone.command.Security;
import io.lodestone.command.ServerContext;
import io.lodestone.config.ClientBufferLimit;
import io.lodestone.config.Config;
import io.lodestone.persistence.RdbPersistence;
import io.lodestone.persistence.aof.AofWriter;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.persistence.rdb.SanitizeDumpPayload;
import io.lodestone.replication.MasterLink;
import io.lodestone.replication.Replication;
import io.lodestone.util.Log;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Each configuration parameter the server acts on, bound once to what it drives: the second half of
 * a row of Redis's {@code standardConfig} table. The first half - name, default, bounds, parsing -
 * is config/ConfigRegistry, which CONFIG GET/SET/REWRITE and the config file read; the config package
 * knows nothing of the server, so the field a parameter writes (Redis's {@code server.*} pointer) or
 * the function that applies it is named here, one line per parameter. The watch calls write the
 * configured value at once and after every change, so no target field has a default of its own.
 *
 * <p>A parameter nothing binds is accepted and stored but does nothing; Main logs it when a config
 * file uses it ({@link Config#acceptedButNotImplemented}).
 */
final class ConfigBindings {
    /** Parameters read with the Config getters where they are used: there is no copy to keep. */
    static final List<String> READ_WHERE_USED = List.of(
            "databases",                          // ServerContext: the number of databases, fixed at start
            "logfile", "always-show-logo",        // Main, at start
            "tcp-backlog", "tcp-keepalive",       // Listeners, when they bind
            "io-threads",                         // Lodestone at start: the I/O loops of client sockets
            "unixsocket", "unixsocketperm",       // Listeners, at start
            "replicaof",                          // Lodestone at start; REPLICAOF writes it
            "dir",                                // persistence: the files, resolved when used
            "lazyfree-lazy-server-del",           // RESTORE: DEL or UNLINK in the stream
            "lazyfree-lazy-expire",               // RdbHost: how keys a load drops as expired are propagated
            "replica-priority", "replica-announced", // INFO replication
            "enable-protected-configs",           // CONFIG SET itself (config/Config)
            "busy-reply-threshold",               // scripting: a running script's count hook
            "latency-tracking-info-percentiles"); // INFO latencystats

    private ConfigBindings() {
    }

    /**
     * Binds every parameter the server acts on. {@code listeners} rebind after CONFIG SET port/bind,
     * {@code cron} follows hz, {@code commandThread} runs what must not run on the caller's thread, and
     * {@code feedAof} makes the AOF a receiver of the write stream (CONFIG SET appendonly yes).
     */
    static void bind(Config config, ServerContext s, Listeners listeners, ServerCron cron, Shutdown shutdown,
                     Executor commandThread, Runnable feedAof, OomScoreAdj oom) {
        config.readWhereUsed(READ_WHERE_USED.toArray(String[]::new));

        // The process
        ProcessInfo process = s.process;
        config.watchInt("port", v -> process.port = v);
        Config.ApplyHook rebind = c -> listeners.rebind(); // one hook: a CONFIG SET of both rebinds once
        config.onApply("port", rebind);
        config.onApply("bind", rebind);
        config.watchInt("hz", v -> {
            process.hz = v;
            cron.hzChanged();
        });
        config.watchEnum("loglevel", Log::level);
        config.watchInt("shutdown-timeout", v -> shutdown.timeoutSeconds = v);
        config.watch("shutdown-on-sigint", c -> shutdown.onSigint = c.getEnumValue("shutdown-on-sigint"));
        config.watch("shutdown-on-sigterm", c -> shutdown.onSigterm = c.getEnumValue("shutdown-on-sigterm"));
        Config.ApplyHook oomHook = c -> oom.apply(s.replication.isReplica ? OomScoreAdj.REPLICA : OomScoreAdj.PRIMARY);
        config.onApply("oom-score-adj", oomHook);
        config.onApply("oom-score-adj-values", oomHook);
        config.watchBool("latency-tracking", v -> s.stats.latencyTracking = v);
        config.watchLong("slowlog-log-slower-than", v -> s.slowlog.slowerThanUs = v);
        config.watchLong("slowlog-max-len", v -> s.slowlog.maxLen = v);
        config.watchLong("latency-monitor-threshold", v -> s.latency.thresholdMs = v);
        config.watchLong("tracking-table-max-keys", v -> s.tracking.maxKeys = v);

        // Clients and what they may do
        Security security = s.security;
        io.lodestone.security.Acl acl = (io.lodestone.security.Acl) s.access;
        config.watchString("requirepass", v -> {
            security.requirePass = v == null ? null
                    : new String(v.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
            acl.defaultUserPassword(security.requirePass); // the default user's password
        });
        config.watchEnum("acl-pubsub-default", v -> acl.pubsubDefault(v.equals("allchannels")));
        config.watchLong("acllog-max-len", acl::logMaxLen);
        config.watchString("aclfile", acl::aclFile);
        // CONFIG REWRITE writes the users as user lines, unless they live in the aclfile.
        config.setUserRewriter(acl::userLinesForConfig);
        config.watchBool("protected-mode", v -> security.protectedMode = v);
        config.watchEnum("enable-debug-command", v -> security.enableDebugCommand = v);
        Limits limits = s.limits;
        config.watchLong("maxclients", v -> limits.maxClients = (int) Math.min(Integer.MAX_VALUE, v));
        config.watchLong("timeout", v -> limits.clientTimeoutSeconds = v);
        config.watchLong("proto-max-bulk-len", v -> limits.protoMaxBulkLen = v);
        config.watchLong("client-query-buffer-limit", v -> limits.clientQueryBufferLimit = v);
        config.watchEnum("maxmemory-policy", v -> {
            limits.maxmemoryPolicy = v;
            s.maxMemory.policy = io.lodestone.store.Eviction.Policy.of(v);
            s.keyspace.noSharedIntegers = s.maxMemory.maxmemory != 0 && s.maxMemory.policy.noSharedIntegers();
            s.keyspace.lfu(v.endsWith("-lfu"));
        });
        config.watchLong("maxmemory", v -> {
            s.maxMemory.maxmemory = v;
            s.keyspace.noSharedIntegers = v != 0 && s.maxMemory.policy.noSharedIntegers();
            // Redis's updateMaxmemory: evicting starts after the command that set it (an EXEC included).
            if (v != 0) commandThread.execute(s.maxMemory::startEvictionTask);
        });
        config.watchLong("maxmemory-samples", v -> s.maxMemory.samples = (int) v);
        config.watchLong("maxmemory-eviction-tenacity", v -> s.maxMemory.tenacity = (int) v);
        config.watchBool("lazyfree-lazy-eviction", v -> s.maxMemory.lazyEviction = v);
        config.watchBool("lazyfree-lazy-user-del", v -> limits.lazyfreeUserDel = v);
        config.watchBool("lazyfree-lazy-user-flush", v -> limits.lazyfreeUserFlush = v);
        config.watchBool("replica-ignore-maxmemory", v -> s.repl.replicaIgnoreMaxmemory = v);
        s.maxMemory.commandThread = commandThread::execute;
        config.watchLong("lfu-log-factor", s.keyspace::lfuLogFactor);
        config.watchLong("lfu-decay-time", s.keyspace::lfuDecayTime);
        config.watch("notify-keyspace-events", c -> s.notifyKeyspaceEvents = c.notifyKeyspaceEvents());

        // Encodings
        EncodingLimits enc = s.encodings;
        config.watchLong("hash-max-listpack-entries", v -> enc.hashMaxListpackEntries = v);
        config.watchLong("hash-max-listpack-value", v -> enc.hashMaxListpackValue = v);
        config.watchLong("set-max-intset-entries", v -> enc.setMaxIntsetEntries = v);
        config.watchLong("zset-max-listpack-entries", v -> enc.zsetMaxListpackEntries = v);
        config.watchLong("zset-max-listpack-value", v -> enc.zsetMaxListpackValue = v);
        config.watchLong("list-max-listpack-size", v -> enc.listMaxListpackSize = v);
        config.watchLong("list-compress-depth", v -> enc.listCompressDepth = v);
        config.watchLong("hll-sparse-max-bytes", v -> enc.hllSparseMaxBytes = v);
        config.watchLong("stream-node-max-bytes", v -> enc.streamNodeMaxBytes = v);
        config.watchLong("stream-node-max-entries", v -> enc.streamNodeMaxEntries = v);

        // RDB persistence (rdbcompression and rdbchecksum also shape an AOF's RDB base)
        RdbPersistence rdb = s.rdb;
        AppendOnlyFile aof = s.aof;
        rdb.dir = () -> config.resolvePath("");
        config.watchString("dbfilename", v -> rdb.dbfilename = v);
        config.watchBool("rdbcompression", v -> {
            rdb.compression = v;
            aof.rdbCompression = v;
        });
        config.watchBool("rdbchecksum", v -> {
            rdb.checksum = v;
            aof.rdbChecksum = v;
        });
        config.watchBool("stop-writes-on-bgsave-error", v -> rdb.stopWritesOnBgsaveError = v);
        config.watch("save", c -> rdb.savePoints = c.saveRules());
        config.watchLong("rdb-key-save-delay", v -> s.snapshotter.keySaveDelayMicros = v);
        config.watchLong("key-load-delay", v -> rdb.keyLoadDelayMicros = v);
        config.watchEnum("sanitize-dump-payload", v -> rdb.sanitizeDumpPayload = SanitizeDumpPayload.of(v));

        // The append-only file; CONFIG SET appendonly turns it on (a first rewrite) or off
        aof.workDir = () -> config.resolvePath("");
        config.watchEnum("appendfsync", v -> aof.fsyncPolicy(switch (v) {
            case "always" -> AofWriter.FSYNC_ALWAYS;
            case "no" -> AofWriter.FSYNC_NO;
            default -> AofWriter.FSYNC_EVERYSEC;
        }));
        config.watchString("appenddirname", v -> aof.dirName = v);
        config.watchString("appendfilename", v -> aof.fileName = v);
        config.watchBool("aof-use-rdb-preamble", v -> aof.useRdbPreamble = v);
        config.watchBool("aof-load-truncated", v -> aof.loadTruncated = v);
        config.watchBool("aof-timestamp-enabled", v -> aof.writer.timestampEnabled = v);
        config.watchBool("no-appendfsync-on-rewrite", v -> aof.writer.noFsyncOnRewrite = v);
        config.watchLong("auto-aof-rewrite-percentage", v -> aof.rewritePercentage = v);
        config.watchLong("auto-aof-rewrite-min-size", v -> aof.rewriteMinSize = v);
        config.watchBool("aof-disable-auto-gc", v -> {
            boolean wasDisabled = aof.disableAutoGc;
            aof.disableAutoGc = v;
            if (wasDisabled && !v) aof.delHistoryFiles();
        });
        config.onApply("appendonly", c -> {
            boolean on = c.getBool("appendonly");
            if (!on && aof.state() != AppendOnlyFile.State.OFF) {
                aof.stop();
            } else if (on && aof.state() == AppendOnlyFile.State.OFF) {
                feedAof.run();
                if (!aof.start(s.inExec)) return "Unable to turn on AOF. Check server logs.";
            }
            return null;
        });

        // Replication, master side (repl-timeout bounds the replica side too)
        Replication r = s.replication;
        config.watchBool("repl-diskless-sync", v -> r.disklessSync = v);
        config.watchInt("repl-diskless-sync-delay", v -> r.disklessSyncDelaySeconds = v);
        config.watchInt("repl-diskless-sync-max-replicas", v -> r.disklessSyncMaxReplicas = v);
        config.watchInt("repl-ping-replica-period", v -> r.pingPeriodSeconds = v);
        config.watchInt("repl-timeout", v -> r.timeoutSeconds = v);
        config.watchInt("min-replicas-to-write", v -> {
            r.minReplicasToWrite = v;
            r.refreshGoodReplicas();
        });
        config.watchInt("min-replicas-max-lag", v -> {
            r.minReplicasMaxLag = v;
            r.refreshGoodReplicas();
        });
        config.watchInt("min-replicas-ack", v -> s.ackedWrites.minReplicasAck = v);
        config.watchLong("min-replicas-ack-timeout", v -> s.ackedWrites.timeoutMs = v);
        config.watchLong("repl-backlog-ttl", v -> r.backlogTtlSeconds = v);
        config.watchLong("repl-backlog-size", v -> commandThread.execute(
                () -> r.stream.backlogSize((int) Math.min(Integer.MAX_VALUE, v))));
        // The replica class to replication; the normal and pubsub classes to the client registry (Publisher
        // reads them where it delivers).
        config.watch("client-output-buffer-limit", c -> {
            ClientBufferLimit l = c.clientOutputBufferLimits().replica();
            r.outputHardLimit = l.hardLimitBytes();
            r.outputSoftLimit = l.softLimitBytes();
            r.outputSoftSeconds = l.softLimitSeconds();
            s.clients.normalOutputLimit = c.clientOutputBufferLimits().normal();
            s.clients.pubsubOutputLimit = c.clientOutputBufferLimits().pubsub();
        });
        // Client eviction: maxmemory-clients in bytes or a percentage of maxmemory; a change re-measures
        // every client and evicts after the command that made it (Redis's applyClientMaxMemoryUsage).
        config.watchLong("maxmemory-clients", v -> {
            s.clients.maxmemoryClients(v);
            commandThread.execute(s.clients::remeasureAndEvict);
        });
        config.watchLong("maxmemory", v -> {
            s.clients.maxmemory(v);
            commandThread.execute(s.clients::remeasureAndEvict);
        });

        // Replication, replica side
        MasterLink link = s.masterLink;
        config.watchString("masterauth", v -> link.masterAuth = v == null || v.isEmpty() ? null : v);
        link.ownPassword = () -> s.security.requirePass; // requirepass, bound above, when masterauth is unset
        config.watchString("bind-source-addr", v -> link.bindSourceAddr = v == null || v.isEmpty() ? null : v);
        config.watchString("masteruser", v -> link.masterUser = v == null || v.isEmpty() ? null : v);
        config.watchString("replica-announce-ip", v -> link.announceIp = v == null || v.isEmpty() ? null : v);
        config.watchInt("replica-announce-port", v -> link.announcePort = v);
        config.watchEnum("repl-diskless-load", v -> link.disklessLoad = v);
        ReplicationState repl = s.repl;
        config.watchBool("replica-read-only", v -> {
            repl.replicaReadOnly = v;
            if (s.replication != null) s.updateExpiryRole();
        });
        config.watchBool("replica-serve-stale-data", v -> repl.replicaServeStaleData = v);
        TlsBindings.bind(config, listeners); // the tls-* parameters, tls-port's listeners
    }
}
