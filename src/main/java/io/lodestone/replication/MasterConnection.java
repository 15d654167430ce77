package io.lodestone.replication;

import io.lodestone.util.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * The socket to our master (Redis's {@code repl_transfer_s}, later the master client's connection): a
 * Netty client channel on the command event loop, whose events go to the {@link MasterLink}. Every
 * attempt has a generation and {@link #close} starts a new one, so the events of an older socket (a
 * late connect, its last reads, its close) and of work started for it are ignored.
 *
 * <p>With tls-replication the socket starts with the TLS handler the {@link MasterLink.Host} gives,
 * and the link counts as connected once the TLS handshake is done (Redis's connConnect of a TLS
 * connection calls back after the handshake), so the handshake's PING is the first thing encrypted.
 *
 * <p>Owned by the command thread.
 */
final class MasterConnection {
    private final Bootstrap bootstrap;
    private final MasterLink link;
    private final MasterLink.Host host;
    private Channel channel;
    private long generation;

    MasterConnection(Bootstrap bootstrap, MasterLink link, MasterLink.Host host) {
        this.bootstrap = bootstrap;
        this.link = link;
        this.host = host;
    }

    /** The socket of the current attempt, or null. */
    Channel channel() {
        return channel;
    }

    long generation() {
        return generation;
    }

    /** Starts connecting (a new generation); null (logged) when the attempt cannot even start. */
    ChannelFuture open(String host, int port, int timeoutSeconds) {
        long gen = ++generation;
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutSeconds * 1000L))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelHandler tls = MasterConnection.this.host.linkTls(ch, host, port);
                        if (tls != null) ch.pipeline().addLast("tls", tls);
                        ch.pipeline().addLast(new Handler(gen, tls != null));
                    }
                });
        ChannelFuture f;
        try {
            String source = link.bindSourceAddr;
            f = source == null ? b.connect(host, port)
                    : b.connect(new java.net.InetSocketAddress(host, port), new java.net.InetSocketAddress(source, 0));
        } catch (RuntimeException e) {
            Log.warning("Unable to connect to MASTER: " + e.getMessage());
            return null;
        }
        channel = f.channel();
        return f;
    }

    /** Closes the socket; its events are ignored from now on. */
    void close() {
        generation++;
        Channel ch = channel;
        channel = null;
        if (ch != null) ch.close();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final long gen;
        /** TLS: connected once the handshake completed, not when the TCP connect did. */
        private final boolean tls;

        Handler(long gen, boolean tls) {
            this.gen = gen;
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (gen != generation) {
                ctx.close();
                return;
            }
            if (!tls) link.connected(ctx.channel());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent e)) {
                ctx.fireUserEventTriggered(evt);
            } else if (gen != generation) {
                ctx.close();
            } else if (e.isSuccess()) {
                link.connected(ctx.channel());
            } else {
                Log.warning("Error condition on socket for SYNC: " + e.cause().getMessage());
                ctx.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (gen != generation) return;
                link.received(in);
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (gen == generation) link.readComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (gen == generation) link.closed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
