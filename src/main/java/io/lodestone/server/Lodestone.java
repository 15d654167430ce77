package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
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
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.UnixChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The running server. One event-loop thread accepts connections, reads requests, executes commands
 * and writes replies; cron runs on that same thread. Nothing else touches the keyspace, so every
 * write has one place in one total order with no locks (see docs/ARCHITECTURE.md).
 */
public final class Lodestone implements ServerContext.Host {
    private static final byte[] DEL = {'D', 'E', 'L'};

    private final ServerContext server;
    private final Dispatcher dispatcher;
    private final EventLoopGroup loop;
    private final List<Channel> listeners = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ScheduledFuture<?> cron;
    private volatile boolean shuttingDown;

    public Lodestone(ServerContext server) {
        this.server = server;
        this.dispatcher = new Dispatcher(server);
        this.loop = Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        server.host = this;
        Commands.registerAll(server);
        // Keys the server deletes by itself reach AOF and replicas as DEL, in the same total order.
        server.keyspace.listener((db, key) -> {
            if (server.hasPropagation()) server.propagate(db.id(), new byte[][]{DEL, key}, 2);
        });
    }

    public ServerContext context() {
        return server;
    }

    /**
     * Binds every address of {@code bind} ("-" marks an address that may be unavailable).
     * Throws with Redis's message when the port cannot be bound.
     */
    public void listen(List<String> bind, int port, int backlog) throws Exception {
        boolean epoll = Epoll.isAvailable();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ClientHandler(server, dispatcher));
                    }
                });
        for (String raw : bind) {
            boolean optional = raw.startsWith("-");
            String addr = optional ? raw.substring(1) : raw;
            String host = switch (addr) {
                case "*" -> "0.0.0.0";
                case "::*" -> "::";
                default -> addr;
            };
            try {
                listeners.add(b.bind(host, port).sync().channel());
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                if (optional || (isAddressFamilyProblem(reason) && addr.contains(":"))) {
                    // "-::*" after "*" usually collides with the dual-stack IPv4 wildcard: not worth a notice.
                    Log.verbose("Warning: Could not create server TCP listening socket " + addr + ":" + port + ": " + reason);
                    continue;
                }
                Log.warning("Warning: Could not create server TCP listening socket " + addr + ":" + port + ": bind: " + reason);
                Log.warning("Failed listening on port " + port + " (TCP), aborting.");
                throw e;
            }
        }
        if (listeners.isEmpty()) {
            Log.warning("Failed listening on port " + port + " (TCP), aborting.");
            throw new IllegalStateException("no listening socket");
        }
    }

    private static boolean isAddressFamilyProblem(String reason) {
        return reason.contains("Address family not supported") || reason.contains("Cannot assign requested address")
                || reason.contains("Protocol family unavailable");
    }

    /** Starts cron: active expiry, incremental rehashing, client timeouts, hz times a second. */
    public void startCron() {
        long period = Math.max(1, 1000 / Math.max(1, server.hz));
        cron = loop.next().scheduleAtFixedRate(this::cron, period, period, TimeUnit.MILLISECONDS);
    }

    private void cron() {
        try {
            // Redis gives the slow expire cycle 25% of a cron period.
            long budget = TimeUnit.MILLISECONDS.toNanos(Math.max(1, 250 / Math.max(1, server.hz)));
            server.keyspace.activeExpireCycle(budget);
            server.keyspace.cron();
            clientsCron();
        } catch (Throwable t) {
            Log.warning("cron failed: " + t);
        }
    }

    private void clientsCron() {
        long timeout = server.clientTimeoutSeconds;
        if (timeout <= 0) return;
        long now = System.currentTimeMillis();
        List<Client> idle = new ArrayList<>();
        for (Client c : server.clients.all()) {
            if (now - c.lastInteractionMs > timeout * 1000) idle.add(c);
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

    /** Closes listeners and clients and stops the event loop. */
    public void stop() {
        if (shuttingDown) return;
        shuttingDown = true;
        if (cron != null) cron.cancel(false);
        for (Channel ch : listeners) ch.close();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> stopped.countDown());
    }

    @Override
    public String shutdown(boolean save, boolean nosave, boolean now, boolean force, boolean abort) {
        if (abort) return "ERR No shutdown in progress.";
        Log.warning("User requested shutdown...");
        Log.notice("Redis is now ready to exit, bye bye...");
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

    static boolean epoll() {
        return Epoll.isAvailable();
    }

    static Class<?> socketClass() {
        return Epoll.isAvailable() ? EpollSocketChannel.class : io.netty.channel.socket.nio.NioSocketChannel.class;
    }
}
