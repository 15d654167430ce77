package io.lodestone.server;

import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
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
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.util.ArrayList;
import java.util.List;

/**
 * The TCP listeners (Redis's listenToPort): one socket per address of {@code bind}, on {@code port}.
 * The acceptor loop accepts; each connection then lives on the command loop with its
 * {@link ClientHandler}. CONFIG SET port or bind replaces all of them or none.
 */
final class Listeners {
    private final Config config;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loop;
    private final ServerContext server;
    private final Dispatcher dispatcher;
    private List<Channel> channels = new ArrayList<>();
    /** The bind addresses the current listeners were opened for. */
    private List<String> boundAddresses = List.of();

    Listeners(Config config, EventLoopGroup acceptor, EventLoopGroup loop, ServerContext server, Dispatcher dispatcher) {
        this.config = config;
        this.acceptor = acceptor;
        this.loop = loop;
        this.server = server;
        this.dispatcher = dispatcher;
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
    String listen() {
        List<Channel> bound = new ArrayList<>();
        int port = config.getInt("port");
        if (port == 0) { // port 0: no TCP listener, as in Redis
            boundAddresses = config.bindAddresses();
            return null;
        }
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
        // bind "" listens nowhere (clients can still use a unix socket); an address list that bound
        // nothing fails.
        if (bound.isEmpty() && !config.bindAddresses().isEmpty()) return "Unable to listen on this port";
        channels = bound;
        boundAddresses = config.bindAddresses();
        return null;
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
            List<Channel> restored = new ArrayList<>();
            ServerBootstrap b = bootstrap();
            for (Channel ch : old) {
                if (ch.localAddress() == null) continue;
                try {
                    restored.add(b.bind(ch.localAddress()).sync().channel());
                } catch (Exception e) {
                    Log.warning("Could not listen again on " + ch.localAddress() + ": " + e.getMessage());
                }
            }
            channels = restored;
            return addressesChanged ? "Failed to bind to specified addresses." : error;
        }
        return null;
    }

    /** Stops accepting (shutdown). */
    void close() {
        for (Channel ch : channels) ch.close();
    }
}
