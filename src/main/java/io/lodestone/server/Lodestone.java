package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
import io.lodestone.command.persistence.AofLoading;
import io.lodestone.persistence.RdbPersistence;
import io.lodestone.persistence.aof.AofLoader;
import io.lodestone.persistence.aof.AofWriter;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.persistence.aof.SnapshotBaseWriter;
import io.lodestone.config.Config;
import io.lodestone.util.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.UnixChannel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The running server. One event-loop thread (the "command thread") reads requests, executes
 * commands and writes replies for every connection; cron runs on that same thread. Nothing else
 * touches the keyspace, so every write has one place in one total order, with no locks
 * (docs/ARCHITECTURE.md). A second small loop only accepts connections and binds listeners, so the
 * command thread can rebind (CONFIG SET port) without waiting on itself.
 */
public final class Lodestone implements ServerContext.Host {
    private final ServerContext server;
    private final Config config;
    private final Dispatcher dispatcher;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loop;
    private List<Channel> listeners = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ScheduledFuture<?> cron;
    private volatile boolean shuttingDown;

    public Lodestone(Config config) {
        this.config = config;
        this.server = new ServerContext(config);
        this.dispatcher = new Dispatcher(server);
        boolean epoll = Epoll.isAvailable();
        this.acceptor = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        this.loop = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        server.host = this;
        server.snapshotter = new io.lodestone.persistence.Snapshotter(server.keyspace, loop.next());
        server.rdb = new RdbPersistence(server.keyspace, server.snapshotter, server.loading, new RdbHost(server));
        server.replication = new io.lodestone.replication.Replication(server.snapshotter, server.rdb::newEncoder,
                server.rdb::path);
        server.executable = ProcessHandle.current().info().command().orElse("");
        Commands.registerAll(server);
        server.blocking.timers = (delayMs, task) -> {
            ScheduledFuture<?> f = loop.next().schedule(task, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        watchConfig();
        server.addPropagation(server.replication::feed);
        server.masterLink = new io.lodestone.replication.MasterLink(server.replication, clientBootstrap(),
                new MasterClientHost(server, dispatcher), server.rdb::path);
        watchReplication();
        io.lodestone.config.ReplicaOf replicaOf = config.replicaOf();
        if (replicaOf != null) server.masterLink.configure(replicaOf.host(), replicaOf.port());
        server.aof.baseWriter(new SnapshotBaseWriter(server.aof, server.snapshotter));
        if (config.getBool("appendonly")) server.aof.enableAtStartup();
    }

    public ServerContext context() {
        return server;
    }

    /** Keeps the hot-path copies of settings in step with the config, and applies run-time changes. */
    private void watchConfig() {
        config.watchString("requirepass", v -> server.requirePass = v == null ? null
                : new String(v.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1));
        config.watchLong("proto-max-bulk-len", v -> server.protoMaxBulkLen = v);
        config.watchLong("client-query-buffer-limit", v -> server.clientQueryBufferLimit = v);
        config.watchLong("hash-max-listpack-entries", v -> server.hashMaxListpackEntries = v);
        config.watchLong("hash-max-listpack-value", v -> server.hashMaxListpackValue = v);
        config.watchLong("set-max-intset-entries", v -> server.setMaxIntsetEntries = v);
        config.watchLong("zset-max-listpack-entries", v -> server.zsetMaxListpackEntries = v);
        config.watchLong("zset-max-listpack-value", v -> server.zsetMaxListpackValue = v);
        config.watchLong("list-max-listpack-size", v -> server.listMaxListpackSize = v);
        config.watchLong("list-compress-depth", v -> server.listCompressDepth = v);
        config.watchLong("hll-sparse-max-bytes", v -> server.hllSparseMaxBytes = v);
        server.notifyKeyspaceEvents = config.notifyKeyspaceEvents();
        config.addListener("notify-keyspace-events", (c, p) -> server.notifyKeyspaceEvents = c.notifyKeyspaceEvents());
        config.watchLong("maxclients", v -> server.maxClients = (int) Math.min(Integer.MAX_VALUE, v));
        config.watchLong("timeout", v -> server.clientTimeoutSeconds = v);
        config.watchBool("protected-mode", v -> server.protectedMode = v);
        watchEnum("enable-debug-command", v -> server.enableDebugCommand = v);
        config.watchInt("port", v -> server.port = v);
        watchEnum("loglevel", Log::level);
        watchEnum("maxmemory-policy", v -> server.maxmemoryPolicy = v);
        config.watchInt("hz", v -> {
            server.hz = v;
            if (cron != null) startCron();
        });
        Config.ApplyHook rebind = c -> rebind();
        config.onApply("port", rebind);
        config.onApply("bind", rebind);
        watchRdb();
        watchAof();
    }

    /** RDB persistence's settings. */
    private void watchRdb() {
        RdbPersistence rdb = server.rdb;
        rdb.file = () -> config.resolvePath(config.getString("dbfilename"));
        config.watchBool("rdbcompression", v -> rdb.compression = v);
        config.watchBool("rdbchecksum", v -> rdb.checksum = v);
        config.watchBool("stop-writes-on-bgsave-error", v -> rdb.stopWritesOnBgsaveError = v);
        rdb.savePoints = config.saveRules();
        config.addListener("save", (c, p) -> rdb.savePoints = c.saveRules());
        config.watchLong("rdb-key-save-delay", v -> server.snapshotter.keySaveDelayMicros = v);
        config.watchLong("key-load-delay", v -> rdb.keyLoadDelayMicros = v);
    }

    /** The AOF's settings, and CONFIG SET appendonly turning it on (a first rewrite) or off. */
    private void watchAof() {
        AppendOnlyFile aof = server.aof;
        aof.workDir = () -> config.resolvePath("");
        watchEnum("appendfsync", v -> aof.fsyncPolicy(switch (v) {
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
        config.watchBool("rdbcompression", v -> aof.rdbCompression = v);
        config.watchBool("rdbchecksum", v -> aof.rdbChecksum = v);
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
                feedAof();
                if (!aof.start(false)) return "Unable to turn on AOF. Check server logs.";
            }
            return null;
        });
    }

    private boolean aofFed;

    /** The AOF receives the write effects, in the same order as replicas (registered once). */
    private void feedAof() {
        if (aofFed) return;
        aofFed = true;
        server.addPropagation(server.aof::feed);
    }

    /** Replication settings, applied at run time as CONFIG SET changes them. */
    private void watchReplication() {
        io.lodestone.replication.Replication r = server.replication;
        config.watchBool("repl-diskless-sync", v -> r.disklessSync = v);
        config.watchInt("repl-diskless-sync-delay", v -> r.disklessSyncDelaySeconds = v);
        config.watchInt("repl-diskless-sync-max-replicas", v -> r.disklessSyncMaxReplicas = v);
        config.watchInt("repl-ping-replica-period", v -> r.pingPeriodSeconds = v);
        config.watchInt("repl-timeout", v -> r.timeoutSeconds = v);
        config.watchInt("min-replicas-to-write", v -> r.minReplicasToWrite = v);
        config.watchInt("min-replicas-max-lag", v -> r.minReplicasMaxLag = v);
        config.watchLong("repl-backlog-ttl", v -> r.backlogTtlSeconds = v);
        config.watchLong("repl-backlog-size", v -> execute(() -> r.stream.backlogSize((int) Math.min(Integer.MAX_VALUE, v))));
        Runnable limits = () -> {
            io.lodestone.config.ClientBufferLimit l = config.clientOutputBufferLimits().replica();
            r.outputHardLimit = l.hardLimitBytes();
            r.outputSoftLimit = l.softLimitBytes();
            r.outputSoftSeconds = l.softLimitSeconds();
        };
        limits.run();
        config.addListener("client-output-buffer-limit", (c, p) -> limits.run());
        watchReplicaSide();
    }

    /** The replica side's settings. */
    private void watchReplicaSide() {
        io.lodestone.replication.MasterLink l = server.masterLink;
        config.watchString("masterauth", v -> l.masterAuth = v == null || v.isEmpty() ? null : v);
        config.watchString("masteruser", v -> l.masterUser = v == null || v.isEmpty() ? null : v);
        config.watchString("replica-announce-ip", v -> l.announceIp = v == null || v.isEmpty() ? null : v);
        config.watchInt("replica-announce-port", v -> l.announcePort = v);
        config.watchInt("port", v -> l.listeningPort = v);
        config.watchInt("repl-timeout", v -> l.timeoutSeconds = v);
        watchEnum("repl-diskless-load", v -> l.disklessLoad = v);
        config.watchBool("replica-read-only", v -> server.replicaReadOnly = v);
        config.watchBool("replica-serve-stale-data", v -> server.replicaServeStaleData = v);
    }

    /** A client bootstrap on the command loop (the link with our master). */
    /**
     * The replica's link to its master. One 16 KB read per readiness event: a heavy stream is applied
     * in small steps between other clients' requests, instead of megabytes at a time that would leave
     * the replica's own clients waiting (measured: worst PING on a loaded replica from seconds to
     * about 0.2 s).
     */
    private io.netty.bootstrap.Bootstrap clientBootstrap() {
        return new io.netty.bootstrap.Bootstrap()
                .group(loop)
                .channel(Epoll.isAvailable() ? io.netty.channel.epoll.EpollSocketChannel.class
                        : io.netty.channel.socket.nio.NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new io.netty.channel.FixedRecvByteBufAllocator(16 * 1024).maxMessagesPerRead(1));
    }

    private void watchEnum(String name, java.util.function.Consumer<String> consumer) {
        consumer.accept(config.getEnum(name));
        config.addListener(name, (c, p) -> consumer.accept(c.getEnum(name)));
    }

    private ServerBootstrap bootstrap() {
        Class<? extends ServerChannel> channel =
                Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, loop)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, config.getInt("tcp-backlog"))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, config.getInt("tcp-keepalive") > 0)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ClientHandler(server, dispatcher));
                    }
                });
        if (Epoll.isAvailable()) {
            // Level-triggered, as Redis: a read that returns less than asked for ends the batch,
            // instead of the extra read-until-EAGAIN system call edge-triggered mode needs.
            b.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
        return b;
    }

    /**
     * Binds every address of the {@code bind} setting on the {@code port} setting ("-" marks an
     * address that may be unavailable). Returns an error text (and binds nothing) on failure.
     */
    public String listen() {
        List<Channel> bound = new ArrayList<>();
        int port = config.getInt("port");
        if (port == 0) return null; // port 0: no TCP listener, as in Redis
        ServerBootstrap b = bootstrap();
        for (String raw : config.bindAddresses()) {
            boolean optional = raw.startsWith("-");
            String addr = optional ? raw.substring(1) : raw;
            String host = switch (addr) {
                case "*" -> "0.0.0.0";
                case "::*" -> "::";
                default -> addr;
            };
            try {
                bound.add(b.bind(host, port).sync().channel());
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                if (optional || unsupportedFamily(reason)) {
                    // "-::*" after "*" usually collides with the dual-stack IPv4 wildcard: not worth a notice.
                    Log.verbose("Could not create server TCP listening socket " + addr + ":" + port + ": " + reason);
                    continue;
                }
                Log.warning("Warning: Could not create server TCP listening socket " + addr + ":" + port
                        + ": bind: " + reason);
                for (Channel ch : bound) ch.close();
                return "Unable to listen on this port";
            }
        }
        if (bound.isEmpty()) return "Unable to listen on this port";
        listeners = bound;
        return null;
    }

    private static boolean unsupportedFamily(String reason) {
        return reason.contains("Address family not supported") || reason.contains("Protocol family unavailable");
    }

    /** CONFIG SET port/bind: the new listeners replace the old ones only if all of them bound. */
    private String rebind() {
        List<Channel> old = listeners;
        for (Channel ch : old) ch.close().syncUninterruptibly();
        String error = listen();
        if (error != null) {
            listeners = old;
            // Put the previous listeners back; the config itself is rolled back by CONFIG SET.
            return error;
        }
        return null;
    }

    /** (Re)starts cron at the configured hz: active expiry, incremental rehashing, client timeouts. */
    public void startCron() {
        if (cron != null) cron.cancel(false);
        long period = Math.max(1, 1000 / Math.max(1, server.hz));
        cron = loop.next().scheduleAtFixedRate(this::cron, period, period, TimeUnit.MILLISECONDS);
    }

    private void cron() {
        try {
            // Redis gives the slow expire cycle 25% of a cron period.
            long budget = TimeUnit.MILLISECONDS.toNanos(Math.max(1, 250 / Math.max(1, server.hz)));
            server.keyspace.activeExpireCycle(budget);
            server.keyspace.cron();
            server.aof.cron();
            clientsCron();
            server.rdb.cron();
            replicationCron();
            server.flushPendingWrites(); // keyspace events of keys that expired in the cycle
        } catch (Throwable t) {
            Log.warning("cron failed: " + t);
        }
    }

    private long lastReplicationCronMs;

    /** Redis runs replicationCron once a second; output limits and diskless delays are checked every tick. */
    private void replicationCron() {
        io.lodestone.replication.Replication r = server.replication;
        long now = System.currentTimeMillis();
        if (now - lastReplicationCronMs >= 1000) {
            lastReplicationCronMs = now;
            server.masterLink.cron();
            r.cron();
        }
        r.checkOutputLimits();
        r.maybeStartSync();
    }

    private void clientsCron() {
        long timeout = server.clientTimeoutSeconds;
        if (timeout <= 0) return;
        long now = System.currentTimeMillis();
        List<Client> idle = new ArrayList<>();
        for (Client c : server.clients.all()) {
            if (c.subscriptions.mode) continue; // subscribers are idle by nature: Redis never times them out
            if (c.isMaster || c.replicaPeer != null) continue; // replication links have their own timeout
            // A client blocked in BLPOP & co. is waiting, not idle (Redis exempts it too).
            if (c.blocked == null && now - c.lastInteractionMs > timeout * 1000) idle.add(c);
        }
        for (Client c : idle) {
            Log.verbose("Closing idle client");
            c.conn.closeNow();
        }
    }

    /** Runs a task on the command thread. */
    public void execute(Runnable r) {
        loop.execute(r);
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Closes listeners and clients and stops the event loops. */
    public void stop() {
        if (shuttingDown) return;
        shuttingDown = true;
        server.masterLink.shuttingDown = true;
        if (cron != null) cron.cancel(false);
        for (Channel ch : listeners) ch.close();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> stopped.countDown());
    }

    /** SIGTERM/SIGINT: shut down from the command thread, as Redis's serverCron does. */
    public void signalShutdown(String signal) {
        execute(() -> {
            Log.warning("Received " + signal + " scheduling shutdown...");
            shutdown(false, false, false, false, false);
        });
    }

    /**
     * Loads the data set from the AOF or the RDB ({@link StartupLoading}); called once the server
     * listens, so that clients get -LOADING meanwhile. False (logged) when the server must exit.
     */
    public boolean loadDataFromDisk() {
        return new StartupLoading(server, loop.next(), this::feedAof).load();
    }

    /** Whether a shutdown was asked for (a signal during loading ends the start-up, not with an error). */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    @Override
    public String shutdown(boolean save, boolean nosave, boolean now, boolean force, boolean abort) {
        if (abort) return "ERR No shutdown in progress.";
        Log.warning("User requested shutdown...");
        // Never save a half-loaded data set over the file it is being loaded from (Redis's shutdownCommand).
        if (server.loading.active()) {
            save = false;
            nosave = true;
        }
        if (server.rdb.bgsaveInProgress()) {
            Log.warning("There is a child saving an .rdb. Killing it!");
            server.rdb.abortBgsave();
        }
        if (!server.aof.prepareForShutdown(force)) return "ERR Errors trying to SHUTDOWN. Check logs.";
        if ((server.rdb.hasSavePoints() && !nosave) || save) {
            Log.notice("Saving the final RDB snapshot before exiting.");
            if (!server.rdb.save()) {
                if (!force) {
                    Log.warning("Error trying to save the DB, can't exit.");
                    return "ERR Errors trying to SHUTDOWN. Check logs.";
                }
                Log.warning("Error trying to save the DB. Exit anyway.");
            }
        }
        Log.warning("Redis is now ready to exit, bye bye...");
        stop();
        return null;
    }

    @Override
    public void appendInfo(String section, StringBuilder sb) {
    }

    /** The socket's file descriptor where the transport exposes it (epoll), else a stable pseudo number. */
    static int fdOf(Channel ch) {
        if (ch instanceof UnixChannel u) return u.fd().intValue();
        return Math.abs(ch.id().hashCode() % 100000);
    }
}
