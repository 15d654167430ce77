package io.lodestone.server;

import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
import io.lodestone.config.Config;
import io.lodestone.tls.Tls;
import io.lodestone.util.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The listeners: TCP (Redis's listenToPort), one socket per address of {@code bind}, on {@code port},
 * the same for TLS on {@code tls-port} (Redis's tlsfd: an SslHandler in front of the same
 * {@link ClientHandler}), and the Unix domain socket of {@code unixsocket} (Redis's anetUnixServer).
 * The acceptor loop accepts; each connection then lives on the command loop with its
 * {@link ClientHandler}. CONFIG SET port, tls-port or bind replaces all listeners of that kind or none;
 * the Unix socket is fixed at start, as in Redis.
 *
 * <p>The Unix socket uses the transport the command loop runs: epoll's domain socket channel on
 * Linux (the loop is an epoll loop, and a channel must belong to a loop of its own transport), the
 * JDK 16+ {@link UnixDomainSocketAddress} through NIO elsewhere. Either way its clients are served
 * by the same single command thread as TCP clients, with no extra dependency.
 */
final class Listeners {
    private final Config config;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loop;
    /** The I/O loops TCP clients' sockets are served by (io-threads), or null: the command loop. */
    private final EventLoopGroup io;
    private final ServerContext server;
    private final Dispatcher dispatcher;
    private final Tls tls;
    private List<Channel> channels = new ArrayList<>();
    private List<Channel> tlsChannels = new ArrayList<>();
    private Channel unixChannel;
    private Path unixPath;
    /** The bind addresses the current listeners were opened for. */
    private List<String> boundAddresses = List.of();

    Listeners(Config config, EventLoopGroup acceptor, EventLoopGroup loop, EventLoopGroup io, ServerContext server,
              Dispatcher dispatcher, Tls tls) {
        this.config = config;
        this.tls = tls;
        this.acceptor = acceptor;
        this.loop = loop;
        this.io = io;
        this.server = server;
        this.dispatcher = dispatcher;
    }

    /** The TLS contexts the tls-port listeners use (server/TlsBindings configures them). */
    Tls tls() {
        return tls;
    }

    private ServerBootstrap bootstrap(boolean withTls) {
        Class<? extends ServerChannel> channel =
                Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, io != null ? io : loop)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, config.getInt("tcp-backlog"))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, config.getInt("tcp-keepalive") > 0)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                .childHandler(clientInitializer(io != null, withTls));
        if (!withTls && io == null) {
            // A connection accepted while a script is busy is served by the busy responder until then.
            b.handler(new BusyAccept());
        }
        if (Epoll.isAvailable()) {
            // Level-triggered, as Redis: a read that returns less than asked for ends the batch,
            // instead of the extra read-until-EAGAIN system call edge-triggered mode needs.
            b.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
        return b;
    }

    /** On a listener's socket, before Netty's acceptor: hands new connections to the busy responder. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class BusyAccept extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child && server.busyMode instanceof BusyScriptResponder r) {
                boolean denied = server.clients.size() >= server.limits.maxClients
                        || server.security.protectedMode && !server.authRequired()
                        && !ClientHandler.isLocal(child.remoteAddress());
                if (!denied) r.accepted(child);
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * With I/O threads ({@code offloaded}) the socket belongs to an I/O loop, which does its reads and
     * writes, and the client's handler is bound to the command loop: Netty hands each read batch to
     * the command thread and each write and flush back as one task, and everything the handler does
     * - decoding, commands, replies - stays on the one command thread.
     */
    private ChannelInitializer<Channel> clientInitializer(boolean offloaded, boolean withTls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (withTls) {
                    // On the socket's own loop: with I/O threads, encryption is theirs too.
                    ch.pipeline().addLast("tls", tls.serverHandler(ch.alloc()));
                    ch.pipeline().addLast(new AcceptErrors());
                }
                if (offloaded) ch.pipeline().addLast(loop, new ClientHandler(server, dispatcher));
                else ch.pipeline().addLast(new ClientHandler(server, dispatcher));
            }
        };
    }

    /**
     * Binds every address of the {@code bind} setting on the {@code port} setting ("-" marks an
     * address that may be unavailable). Returns an error text (and binds nothing) on failure.
     */
    String listen() {
        int port = config.getInt("port");
        if (port == 0) { // port 0: no TCP listener (TLS only, or a unix socket), as in Redis
            channels = new ArrayList<>();
            boundAddresses = config.bindAddresses();
            return null;
        }
        List<Channel> bound = bindAll(port, false, "TCP");
        if (bound == null) return "Unable to listen on this port";
        channels = bound;
        boundAddresses = config.bindAddresses();
        return null;
    }

    /** The same for TLS on {@code tls-port} (0: none), once the TLS contexts are configured. */
    String listenTls() {
        int port = config.getInt("tls-port");
        if (port == 0) return null;
        List<Channel> bound = bindAll(port, true, "TLS");
        if (bound == null) return "Unable to listen on this port";
        tlsChannels = bound;
        return null;
    }

    /** One listener per bind address on {@code port}; null (and nothing left bound) on failure. */
    private List<Channel> bindAll(int port, boolean withTls, String kind) {
        List<Channel> bound = new ArrayList<>();
        ServerBootstrap b = bootstrap(withTls);
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
                    Log.verbose("Could not create server " + kind + " listening socket " + addr + ":" + port + ": " + reason);
                    continue;
                }
                Log.warning("Warning: Could not create server TCP listening socket " + addr + ":" + port
                        + ": bind: " + reason);
                for (Channel ch : bound) ch.close();
                return null;
            }
        }
        // bind "" listens nowhere (clients can still use a unix socket); an address list that bound
        // nothing fails.
        if (bound.isEmpty() && !config.bindAddresses().isEmpty()) return null;
        return bound;
    }

    private static boolean unsupportedFamily(String reason) {
        return reason.contains("Address family not supported") || reason.contains("Protocol family unavailable");
    }

    /**
     * CONFIG SET port/bind: the new listeners replace the old ones only if all of them bound. Redis's
     * error names what changed: the addresses (applyBind) or else the port (changeListenPort).
     */
    String rebind() {
        List<Channel> old = channels;
        List<String> oldAddresses = boundAddresses;
        for (Channel ch : old) ch.close().syncUninterruptibly();
        String error = listen();
        if (error != null) {
            channels = old;
            // Put the previous listeners back; the config itself is rolled back by CONFIG SET.
            boolean addressesChanged = !config.bindAddresses().equals(oldAddresses);
            channels = listenAgain(old, false);
            return addressesChanged ? "Failed to bind to specified addresses." : error;
        }
        return null;
    }

    /**
     * CONFIG SET tls-port (Redis's applyTLSPort) and CONFIG SET bind (applyBind rebinds both kinds):
     * the TLS listeners are replaced by ones on the current tls-port and addresses, or stay as they
     * were. Returns Redis's error text on failure.
     */
    String rebindTls(boolean addressesChanged) {
        List<Channel> old = tlsChannels;
        for (Channel ch : old) ch.close().syncUninterruptibly();
        tlsChannels = new ArrayList<>();
        if (listenTls() == null) return null;
        tlsChannels = listenAgain(old, true);
        return addressesChanged ? "Failed to bind to specified addresses." : "Unable to listen on this port. Check server logs.";
    }

    /** After a failed rebind: listeners again on the addresses the closed ones had (those that still bind). */
    private List<Channel> listenAgain(List<Channel> closed, boolean tls) {
        List<Channel> restored = new ArrayList<>();
        ServerBootstrap b = bootstrap(tls);
        for (Channel ch : closed) {
            if (ch.localAddress() == null) continue;
            try {
                restored.add(b.bind(ch.localAddress()).sync().channel());
            } catch (Exception e) {
                Log.warning("Could not listen again on " + ch.localAddress() + ": " + e.getMessage());
            }
        }
        return restored;
    }

    /** Whether any TCP or TLS listener is open (Redis exits at start when nothing listens). */
    boolean listening() {
        return !channels.isEmpty() || !tlsChannels.isEmpty() || unixChannel != null;
    }

    /**
     * Ends a connection whose TLS handshake failed, with Redis's log line, instead of letting the
     * ClientHandler log it as an unexpected error: a plain-text client on the TLS port or a client
     * without an accepted certificate is an ordinary event.
     */
    private static final class AcceptErrors extends ChannelInboundHandlerAdapter {
        private boolean failed;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                failed = true;
                Throwable cause = e.cause();
                while (cause.getCause() != null && cause.getMessage() != null
                        && cause.getMessage().startsWith(cause.getCause().getClass().getName())) {
                    cause = cause.getCause();
                }
                Log.warning("Error accepting a client connection: " + cause.getMessage());
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // After a failed handshake the SslHandler reports the same failure again: logged once above.
            if (failed || cause instanceof javax.net.ssl.SSLException
                    || cause.getCause() instanceof javax.net.ssl.SSLException) {
                ctx.close();
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    /**
     * Listens on {@code unixsocket} when it is set (Redis removes a stale socket file first), with
     * {@code unixsocketperm} as the file's mode when it is not 0. Returns an error text on failure.
     */
    String listenUnix() {
        String path = config.getString("unixsocket");
        if (path == null || path.isEmpty()) return null;
        Path file = Path.of(path);
        boolean epoll = Epoll.isAvailable();
        SocketAddress address = epoll ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(file);
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, loop)
                .channel(epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, config.getInt("tcp-backlog"))
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                .childHandler(clientInitializer(false, false));
        try {
            Files.deleteIfExists(file);
            unixChannel = b.bind(address).sync().channel();
            unixPath = file;
            long perm = config.getLong("unixsocketperm");
            if (perm != 0) Files.setPosixFilePermissions(file, permissions(perm));
        } catch (Exception e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return null;
    }

    private static Set<PosixFilePermission> permissions(long mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1L << (bits.length - 1 - i))) != 0) out.add(bits[i]);
        }
        return out;
    }

    /** Stops accepting (shutdown); the Unix socket's file is removed, as Redis's prepareForShutdown does. */
    void close(boolean unlinkUnixSocket) {
        // closed before this returns: an exit right after must refuse new connections
        for (Channel ch : channels) ch.close().awaitUninterruptibly(1000);
        for (Channel ch : tlsChannels) ch.close().awaitUninterruptibly(1000);
        if (unixChannel != null) {
            unixChannel.close();
            unixChannel = null;
            if (!unlinkUnixSocket) return;
            Log.notice("Removing the unix socket file.");
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException e) {
                Log.warning("Error removing the unix socket file: " + e.getMessage());
            }
        }
    }
}
