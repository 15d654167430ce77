package io.lodestone.server;

import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
import io.lodestone.persistence.RdbPersistence;
import io.lodestone.persistence.aof.SnapshotBaseWriter;
import io.lodestone.config.Config;
import io.lodestone.util.Log;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.unix.UnixChannel;

import java.util.concurrent.CompletableFuture;
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
    /** io-threads above 1: the loops that do the sockets' reads and writes; null otherwise. */
    private final EventLoopGroup ioLoops;
    private final Listeners listeners;
    private final ServerCron cron;
    private final Shutdown shutdown;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final OomScoreAdj oomScoreAdj;
    /** The TLS contexts (tls-port listeners, the TLS link to a master); configured by {@link #configureTls}. */
    private final io.lodestone.tls.Tls tls = new io.lodestone.tls.Tls();
    private volatile boolean shuttingDown;
    private final io.lodestone.security.Acl acl;

    /**
     * The users of the config file's {@code user} lines, or of the aclfile (Redis's
     * ACLLoadUsersAtStartup): null, or why the server must not start.
     */
    String loadUsers() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (java.util.List<String> line : config.users()) {
            String error = io.lodestone.security.AclFile.validate(acl, line, names);
            if (error != null) return error;
            names.add(line.get(0));
        }
        return io.lodestone.security.AclFile.loadAtStartup(acl, config.users());
    }

    /** Stack of the command thread (reserved address space; touched only as deep as calls go). */
    private static final long COMMAND_THREAD_STACK = 64L << 20;

    public Lodestone(Config config) {
        this.config = config;
        this.server = new ServerContext(config);
        this.acl = new io.lodestone.security.Acl(server);
        server.access = acl; // before any client: each starts as the default user
        this.dispatcher = new Dispatcher(server);
        boolean epoll = Epoll.isAvailable();
        this.acceptor = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        // The command thread gets a deep stack: a script's reply is converted recursively, and Lua lets a
        // script nest tables until its own stack limit (Redis answers "reached lua stack limit" there).
        java.util.concurrent.ThreadFactory commandThread = r -> new io.netty.util.concurrent.FastThreadLocalThread(
                null, r, "lodestone-command", COMMAND_THREAD_STACK);
        this.loop = epoll ? new EpollEventLoopGroup(1, commandThread) : new NioEventLoopGroup(1, commandThread);
        // Redis counts the main thread among its io-threads: N means N - 1 threads beside it.
        int ioThreads = config.getInt("io-threads");
        this.ioLoops = ioThreads <= 1 ? null
                : epoll ? new EpollEventLoopGroup(ioThreads - 1) : new NioEventLoopGroup(ioThreads - 1);
        server.ioThreads = ioThreads <= 1 ? 1 : ioThreads;
        server.host = this;
        server.busyMode = new BusyScriptResponder(server, () -> {
            closeListeners(); // a client connecting now is refused, as by an exited Redis
            Log.warning("Redis is now ready to exit, bye bye...");
            System.exit(0);
        });
        listeners = new Listeners(config, acceptor, loop, ioLoops, server, dispatcher, tls);
        shutdown = new Shutdown(server, this::stop);
        cron = new ServerCron(server, loop, shutdown);
        server.snapshotter = new io.lodestone.persistence.Snapshotter(server.keyspace, loop.next());
        server.rdb = new RdbPersistence(server.keyspace, server.snapshotter, server.loading, new RdbHost(server));
        server.snapshotter.whenFree(() -> {
            if (!server.rdb.startScheduled()) server.aof.snapshotterFree();
        });
        server.replication = new io.lodestone.replication.Replication(server.snapshotter, server.rdb::newEncoder,
                server.rdb::path, server.rdb::hasSavePoints);
        oomScoreAdj = new OomScoreAdj(config);
        // A background save's child takes its own oom-score-adj class, as Redis's forked child does.
        io.lodestone.persistence.ChildFileOutput.onChildStarted(oomScoreAdj::applyToChild);
        Commands.registerAll(server);
        for (java.util.List<String> r : config.renameCommands()) server.commands.rename(r.get(0), r.get(1));
        server.blocking.timers = (delayMs, task) -> {
            ScheduledFuture<?> f = loop.next().schedule(task, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        server.addPropagation(ServerContext.PROPAGATE_REPL, server.replication::feed, server.replication::takesEffects);
        server.masterLink = new io.lodestone.replication.MasterLink(server.replication, clientBootstrap(),
                new MasterClientHost(server, dispatcher, oomScoreAdj, tls), server.rdb::path);
        ConfigBindings.bind(config, server, listeners, cron, shutdown, this::execute, this::feedAof, oomScoreAdj);
        io.lodestone.config.ReplicaOf replicaOf = config.replicaOf();
        String oomError = oomScoreAdj.apply(replicaOf != null ? OomScoreAdj.REPLICA : OomScoreAdj.PRIMARY);
        if (oomError != null) io.lodestone.util.Log.warning(oomError);
        if (replicaOf != null) server.masterLink.configure(replicaOf.host(), replicaOf.port());
        server.aof.baseWriter(new SnapshotBaseWriter(server.aof, server.snapshotter));
        if (config.getBool("appendonly")) server.aof.enableAtStartup();
    }

    public ServerContext context() {
        return server;
    }

    private boolean aofFed;

    /** The AOF receives the write effects, in the same order as replicas (registered once). */
    private void feedAof() {
        if (aofFed) return;
        aofFed = true;
        server.addPropagation(ServerContext.PROPAGATE_AOF, server.aof::feed, server.aof::takesEffects);
    }

    /**
     * The replica's link to its master. One 16 KB read per readiness event: a heavy stream is applied
     * in small steps between other clients' requests, instead of megabytes at a time that would leave
     * the replica's own clients waiting (measured: worst PING on a loaded replica from seconds to
     * about 0.2 s). Level-triggered, as the server's own sockets: with Netty's default (edge) each
     * further 16 KB waited for a re-read task, and a 268 MB full-sync payload took 13.6 s to arrive
     * (2.0 s level-triggered; redis-cli --rdb takes 0.4 s from the same master).
     */
    private io.netty.bootstrap.Bootstrap clientBootstrap() {
        io.netty.bootstrap.Bootstrap b = new io.netty.bootstrap.Bootstrap()
                .group(loop)
                .channel(Epoll.isAvailable() ? io.netty.channel.epoll.EpollSocketChannel.class
                        : io.netty.channel.socket.nio.NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new io.netty.channel.FixedRecvByteBufAllocator(16 * 1024).maxMessagesPerRead(1));
        if (Epoll.isAvailable()) {
            b.option(io.netty.channel.epoll.EpollChannelOption.EPOLL_MODE, io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED);
        }
        return b;
    }

    /**
     * Binds every address of the {@code bind} setting on the {@code port} setting. Returns an error
     * text (and binds nothing) on failure.
     */
    public String listen() {
        return listeners.listen();
    }

    /**
     * Builds the TLS contexts when tls-port, tls-replication or tls-cluster asks for TLS (Redis's
     * tlsConfigure in main()); false (logged) when they cannot be built and the server must exit.
     */
    public boolean configureTls() {
        return TlsBindings.configureAtStart(config, tls);
    }

    /** Binds the {@code tls-port} listeners, if any. Returns an error text on failure. */
    public String listenTls() {
        return listeners.listenTls();
    }

    /** Whether anything listens (TCP, TLS or the unix socket): Redis exits when nothing does. */
    public boolean listening() {
        return listeners.listening();
    }

    /** Listens on the {@code unixsocket} setting, if any. Returns an error text on failure. */
    public String listenUnix() {
        return listeners.listenUnix();
    }

    /** Starts cron at the configured hz (Redis's serverCron). */
    public void startCron() {
        cron.start();
    }

    /** Runs a task on the command thread. */
    public void execute(Runnable r) {
        loop.execute(r);
    }

    public void awaitStop() throws InterruptedException {
        stopped.join();
    }

    /** Closes listeners and clients and stops the event loops (a shutdown: the unix socket file goes too). */
    public void stop() {
        stop(true);
    }

    /**
     * {@code unlinkUnixSocket} false: the process ends on a fatal error, where Redis exits at once, leaving
     * the unix socket file and logging nothing more (the suite reads the error as the log's last line).
     */
    public void stop(boolean unlinkUnixSocket) {
        if (shuttingDown) return;
        shuttingDown = true;
        server.masterLink.shuttingDown = true;
        cron.stop();
        listeners.close(unlinkUnixSocket);
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (ioLoops != null) ioLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> stopped.complete(null));
    }

    /**
     * SIGTERM/SIGINT: noted, and acted upon by cron on the command thread, as Redis's serverCron does.
     * While the data set loads at start-up cron does not run yet, so the command thread acts at once.
     */
    public void signalShutdown(String signal) {
        shutdown.signal(signal);
        if (!cron.running()) execute(shutdown::cron);
    }

    /** Puts the server in the loading state before it listens (the command thread serves no one yet). */
    public void beginStartupLoading() {
        server.loading.begin(0);
    }

    /**
     * Loads the data set from the AOF or the RDB ({@link StartupLoading}); called once the server
     * listens, so that clients get -LOADING meanwhile. False (logged) when the server must exit.
     */
    public boolean loadDataFromDisk() {
        CompletableFuture<Boolean> loaded = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            try {
                loaded.complete(new StartupLoading(server, loop.next(), this::feedAof).load());
            } catch (Throwable t) {
                loaded.completeExceptionally(t);
            }
        }, "loading");
        // A shutdown while loading (SIGTERM, SHUTDOWN) ends the process without waiting for the rest of
        // the file, as Redis exits from its loading loop: the loader is a daemon and is left behind.
        loader.setDaemon(true);
        loader.start();
        stopped.thenRun(() -> loaded.complete(false));
        return loaded.join();
    }

    /** Whether a shutdown was asked for (a signal during loading ends the start-up, not with an error). */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    @Override
    public void shutdown(io.lodestone.command.Client c, int flags) {
        shutdown.command(c, flags);
    }

    @Override
    public boolean abortShutdown() {
        return shutdown.abort();
    }

    @Override
    public void appendInfo(String section, StringBuilder sb) {
    }

    /** The socket's file descriptor where the transport exposes it (epoll), else a stable pseudo number. */
    static int fdOf(Channel ch) {
        if (ch instanceof UnixChannel u) return u.fd().intValue();
        return Math.abs(ch.id().hashCode() % 100000);
    }

    private void closeListeners() {
        listeners.close(true);
    }

}
