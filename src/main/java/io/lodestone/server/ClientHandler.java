package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.Connection;
import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
import io.lodestone.protocol.Reply;
import io.lodestone.protocol.RequestDecoder;
import io.lodestone.replication.ReplicaPeer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One connection: bytes in, commands executed on this (the only) event-loop thread, replies out.
 *
 * <p>Every command of a read is executed as soon as it is decoded and its reply appended to one
 * buffer; the buffer is written and flushed once per read batch (at most every 64 KB), so a pipeline
 * of N commands costs one read and one write system call, not N.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter implements Connection, RequestDecoder.Sink {
    private static final int FLUSH_THRESHOLD = 64 * 1024;

    private final ServerContext server;
    private final Dispatcher dispatcher;
    private ChannelHandlerContext ctx;
    private Client client;
    private RequestDecoder decoder;
    private boolean closing;
    private boolean wrotePending;
    /** Output bytes taken from the reply buffer since the client connected (HeldReplies' positions). */
    private long taken;
    /** Output waiting for replicas' acks of a write (min-replicas-ack), or null. */
    private HeldReplies held;
    /** QUIT or an error ended the connection while output was held: close once it is released. */
    private boolean closeWhenReleased;

    ClientHandler(ServerContext server, Dispatcher dispatcher) {
        this.server = server;
        this.dispatcher = dispatcher;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (server.busyMode instanceof BusyScriptResponder r) r.registered(ctx.channel());
        server.stats.totalConnectionsReceived++;
        Reply reply = new Reply(ctx.alloc(), server.stats::countError, Reply.REPLY_CHUNK_BYTES);
        client = new Client(server.clients.nextId(), server, reply, this);
        decoder = new RequestDecoder(this, ctx.alloc());
        if (server.clients.size() >= server.limits.maxClients) {
            server.stats.rejectedConnections++;
            reply.error("ERR max number of clients reached");
            closeAfterReply();
            return;
        }
        if (server.security.protectedMode && !server.authRequired() && !isLocal()) {
            server.stats.rejectedConnections++;
            reply.error(PROTECTED_MODE_ERROR);
            closeAfterReply();
            return;
        }
        server.clients.add(client);
        // Accepted while a script was busy: what the busy responder read and wrote on it comes first.
        BusyScriptResponder.Held held = ctx.channel().attr(BusyScriptResponder.HELD).getAndSet(null);
        if (held != null) {
            takeBackFromResponder(held.unanswered(), held.unwritten());
            if (held.quit()) closeAfterReply();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            server.stats.netInputBytes += in.readableBytes();
            server.stats.totalReadsProcessed++;
            if (closing) return;
            String error = decoder.decode(in);
            if (error == null && decoder.pendingBytes() > server.limits.clientQueryBufferLimit) {
                // A blocked client that keeps sending: what waits in its query buffer is bounded too.
                error = RequestDecoder.QUERY_BUFFER_LIMIT;
            }
            if (error == RequestDecoder.QUERY_BUFFER_LIMIT) {
                io.lodestone.util.Log.warning("Closing client that reached max query buffer length: id="
                        + client.id + " addr=" + remoteAddress());
                closeNow();
            } else if (error != null && !closing) {
                client.reply.error(error);
                closeAfterReply();
            }
            if (!closing) {
                // Redis's updateClientMemUsageAndBucket after processInputBuffer: a big request still
                // arriving counts now; then clients are evicted if all of them use too much.
                server.clients.updateMemory(client);
                server.clients.evictClients();
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void command(byte[][] argv, int argc) {
        Client c = client;
        c.argv = argv;
        c.argc = argc;
        c.reply.silence(silenced(c));
        int mark = c.reply.pending();
        long errors = c.reply.errorCount();
        boolean holdWrites = server.ackedWrites.holdsWrites() && c.replicaPeer == null;
        long offsetBefore = holdWrites ? server.replication.stream.offset() : 0;
        dispatcher.process(c);
        c.argv = null;
        decoder.commandDone();
        if (closing) return; // evicted, or killed by its own command
        if (c.replicaPeer != null && c.reply.pending() > mark) {
            replicaReplied(c, errors);
            return;
        }
        if (holdWrites && server.replication.stream.offset() != offsetBefore) holdWrite(c, mark);
        // Redis checks the output buffer limits as replies are added: past them, the client is closed and
        // nothing more of its output leaves (what a pipeline answered before included, if still unflushed).
        if (server.clients.closeOnOutputLimit(c, server.keyspace.now / 1000)) return;
        server.clients.updateMemory(c);
        // Redis's resetClient: a CLIENT REPLY SKIP just run silences the next command only.
        c.replySkip = c.replySkipNext;
        c.replySkipNext = false;
        c.reply.silence(silenced(c));
        if (c.closing) {
            closeAfterReply();
        } else if (c.reply.pending() >= FLUSH_THRESHOLD) {
            writePending();
        }
    }

    /**
     * The command just run wrote to the replication stream and min-replicas-ack is on: its reply, at
     * [mark, pending) of the reply buffer, waits for the replicas to acknowledge the offset after it.
     */
    private void holdWrite(Client c, int mark) {
        long now = System.currentTimeMillis();
        if (held == null) held = new HeldReplies(ctx.alloc(), taken);
        long deadline = server.ackedWrites.deadline(now);
        held.hold(taken + mark, taken + c.reply.pending(), server.replication.stream.offset(), deadline);
        server.ackedWrites.held(c, deadline);
    }

    @Override
    public long releaseHeld(long confirmedOffset, long nowMs) {
        if (held == null) return -1;
        if (!closeWhenReleased && !ctx.channel().isActive()) return -1; // channelInactive frees it
        moveToHeld(client.reply.take());
        boolean[] wrote = {false};
        long next = held.release(confirmedOffset, nowMs, server.ackedWrites.timeoutError(), b -> {
            server.stats.netOutputBytes += b.readableBytes();
            ctx.write(b, ctx.voidPromise());
            wrote[0] = true;
        }, () -> server.stats.countError(server.ackedWrites.timeoutError()));
        if (wrote[0]) {
            server.aof.beforeReplies();
            ctx.flush();
        }
        if (next < 0) {
            held.free();
            held = null;
            if (closeWhenReleased) ctx.close();
        }
        return next;
    }

    private void moveToHeld(ByteBuf out) {
        if (out == null) return;
        taken += out.readableBytes();
        held.append(out);
    }

    /**
     * CLIENT REPLY OFF/SKIP drop the client's replies (not its pushes). Never a replica's: a reply
     * there is a fault it is disconnected for (see {@link #replicaReplied}).
     */
    private static boolean silenced(Client c) {
        return (c.replyOff || c.replySkip) && c.replicaPeer == null;
    }

    /**
     * Redis's check in _addReplyToBufferOrList: a replica's link carries the stream, never replies, so
     * a command of a replica that produced one (PING, or a refused GET) drops the replica.
     */
    private void replicaReplied(Client c, long errorsBefore) {
        String cmd = c.lastCmd == null ? "<unknown>" : c.lastCmd.fullName();
        io.lodestone.util.Log.warning("Replica generated a reply to command '" + cmd + "', disconnecting it: "
                + io.lodestone.command.connection.ClientCommand.describe(c, c).strip());
        if (c.reply.errorCount() != errorsBefore) {
            MasterClientHost.logUnexpectedError(server, "master", "replica", c.reply.lastError(), cmd);
        }
        ByteBuf dropped = c.reply.take();
        if (dropped != null) dropped.release();
        closeNow();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing) server.wake(client);
        server.flushAfterReads(ctx.executor());
    }

    @Override
    public void flushOutput() {
        if (closing) return;
        writePending();
        if (wrotePending) {
            wrotePending = false;
            server.aof.beforeReplies(); // nothing is acknowledged before the AOF has it
            ctx.flush();
            server.stats.totalWritesProcessed++;
        }
        server.clients.updateMemory(client); // (what the socket did not take stays in the outbound queue)
    }

    /**
     * Continues with requests that arrived while the client was blocked. Runs as a separate task so
     * that the command that unblocked us finishes first, as Redis serves unblocked clients after it.
     */
    @Override
    public void resume() {
        ctx.executor().execute(() -> {
            if (closing || client.blocked != null || !decoder.hasPending()) return;
            String error = decoder.decode(io.netty.buffer.Unpooled.EMPTY_BUFFER);
            if (error != null && !closing) {
                client.reply.error(error);
                closeAfterReply();
                return;
            }
            flushOutput();
            server.flushPendingWrites();
        });
    }

    private void writePending() {
        ByteBuf out = client.reply.take();
        if (out == null) return;
        if (held != null) {
            moveToHeld(out); // behind a write that waits for acks: replies leave in order
            return;
        }
        taken += out.readableBytes();
        server.stats.netOutputBytes += out.readableBytes();
        ctx.write(out, ctx.voidPromise());
        wrotePending = true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Reading goes on while replies wait, as in Redis: a client that writes a large pipeline before it
        // reads would otherwise deadlock against us. Output is bounded by client-output-buffer-limit
        // (unlimited for normal clients by default, as in Redis). A replica's socket is handed the
        // replication buffer only while it is writable: it gets the rest now.
        if (client != null && client.replicaPeer != null && ctx.channel().isWritable()) {
            server.replication.replicaWritable(client.replicaPeer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        detach();
        if (decoder != null) decoder.release();
        ByteBuf out = client == null ? null : client.reply.take();
        if (out != null) out.release();
        if (held != null) {
            held.free();
            held = null;
        }
    }

    private boolean detached;

    /**
     * The client leaves the server's tables (once): when the connection is gone, or earlier, when a
     * replica hangs up during a busy script (Redis frees it from processEventsWhileBlocked: a script
     * waiting for connected_slaves to drop sees it).
     */
    void detach() {
        if (detached) return;
        detached = true;
        if (client != null) {
            server.clients.remove(client);
            server.blocking.unblock(client);
            server.repl.waitingAcks.remove(client);
            server.ackedWrites.forget(client);
            if (client.replicaPeer != null) server.replication.replicaGone(client.replicaPeer);
            server.watches.unwatchAll(client);
            server.tracking.disable(client);
            server.monitors.remove(client);
            server.pubsub.unsubscribeAll(client);
        }
    }

    /** The connection's channel (the busy responder reads a replica's socket through it). */
    io.netty.channel.Channel channel() {
        return ctx.channel();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets are ordinary; anything else is logged, and only this client is closed.
        if (!(cause instanceof java.io.IOException)) {
            io.lodestone.util.Log.warning("Closing client after unexpected error: " + cause);
        }
        ctx.close();
    }

    // ---- RequestDecoder.Sink ---------------------------------------------------------------------

    @Override
    public boolean authRequired() {
        return !client.authenticated && server.authRequired();
    }

    @Override
    public long maxBulkLength() {
        return server.limits.protoMaxBulkLen;
    }

    @Override
    public void reprocess(byte[][] argv, int argc) {
        // A task of its own, queued in release order: clients run again in the order they waited.
        ctx.executor().execute(() -> {
            if (closing) return;
            command(argv, argc);
            if (!stopped()) {
                String error = decoder.decode(io.netty.buffer.Unpooled.EMPTY_BUFFER);
                if (error != null && !closing) {
                    client.reply.error(error);
                    closeAfterReply();
                    return;
                }
            }
            flushOutput();
            server.flushPendingWrites();
        });
    }

    @Override
    public long maxQueryBuffer() {
        return server.limits.clientQueryBufferLimit;
    }

    /** Redis's processInlineBuffer: a newline from a replica refreshes its ack time (it is loading). */
    @Override
    public void keepAlive() {
        if (client.replicaPeer != null) client.replicaPeer.ackTimeMs = System.currentTimeMillis();
    }

    @Override
    public boolean stopped() {
        return closing || client.closing || client.blocked != null;
    }

    // ---- Connection ------------------------------------------------------------------------------

    @Override
    public String remoteAddress() {
        return unixSocket() ? unixAddress() : format(ctx.channel().remoteAddress());
    }

    @Override
    public String localAddress() {
        return unixSocket() ? unixAddress() : format(ctx.channel().localAddress());
    }

    @Override
    public boolean unixSocket() {
        return ctx.channel() instanceof io.netty.channel.unix.DomainSocketChannel
                || ctx.channel() instanceof io.netty.channel.socket.nio.NioDomainSocketChannel;
    }

    /** Both ends of a Unix socket connection show as the socket's path with port 0, as in Redis. */
    private String unixAddress() {
        return server.config.getString("unixsocket") + ":0";
    }

    @Override
    public int fd() {
        return Lodestone.fdOf(ctx.channel());
    }

    @Override
    public void closeAfterReply() {
        if (closing) return;
        closing = true;
        server.clients.remove(client);
        if (held != null) {
            moveToHeld(client.reply.take());
            closeWhenReleased = true;
            return;
        }
        ByteBuf out = client.reply.take();
        server.aof.beforeReplies();
        if (out != null) {
            server.stats.netOutputBytes += out.readableBytes();
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.flush();
            ctx.close();
        }
    }

    @Override
    public void closeNow() {
        closing = true;
        server.clients.remove(client);
        server.pubsub.unsubscribeAll(client); // no message may reach it any more
        ctx.close();
    }

    /**
     * The socket, when a busy script's responder may serve this connection on another thread: a plain
     * (not TLS) socket with nothing pending either way, so that its next bytes start a request and
     * what is written goes out in order. Null otherwise (the client then waits for the script).
     */
    io.netty.channel.unix.FileDescriptor busyServableFd() {
        io.netty.channel.Channel ch = ctx.channel();
        if (closing || client.replicaPeer != null || client.isMaster || held != null) return null;
        if (!(ch instanceof io.netty.channel.unix.UnixChannel u)) return null;
        if (ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null) return null;
        if (!decoder.atRequestBoundary() || pendingOutputBytes() > 0) return null;
        return u.fd();
    }

    /**
     * The socket for the Lua debugger's SYNC sessions (see {@link Connection#rawSocket}): a plain
     * (not TLS) socket of a native transport, read and written through its file descriptor while the
     * command thread, Netty's only thread, is inside the script.
     */
    @Override
    public RawSocket rawSocket() {
        io.netty.channel.Channel ch = ctx.channel();
        if (closing || !(ch instanceof io.netty.channel.unix.UnixChannel u)) return null;
        if (ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null) return null;
        io.netty.channel.unix.FileDescriptor fd = u.fd();
        return new RawSocket() {
            private java.nio.ByteBuffer io;

            private java.nio.ByteBuffer io() {
                if (io == null) io = java.nio.ByteBuffer.allocateDirect(16 * 1024);
                return io.clear();
            }

            @Override
            public byte[] takeBuffered() {
                return decoder.takeUnread();
            }

            @Override
            public int read(byte[] b) {
                java.nio.ByteBuffer io = io();
                try {
                    int n = fd.read(io, 0, Math.min(b.length, io.capacity()));
                    if (n > 0) {
                        io.get(0, b, 0, n);
                        server.stats.netInputBytes += n;
                    }
                    return n;
                } catch (java.io.IOException e) {
                    return -1;
                }
            }

            @Override
            public int write(byte[] b, int off, int len) {
                java.nio.ByteBuffer io = io();
                int chunk = Math.min(len, io.capacity());
                io.put(b, off, chunk).flip();
                try {
                    int n = fd.write(io, 0, chunk);
                    if (n > 0) server.stats.netOutputBytes += n;
                    return n;
                } catch (java.io.IOException e) {
                    return -1;
                }
            }
        };
    }

    Client client() {
        return client;
    }

    /**
     * After a busy script: the bytes the responder read but did not answer go back ahead of whatever
     * arrives next, and what it could not write goes out now, before any later reply.
     */
    void takeBackFromResponder(byte[] unanswered, byte[] unwritten) {
        if (closing) return;
        if (unwritten.length > 0) ctx.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(unwritten));
        if (unanswered.length > 0) {
            decoder.hold(unanswered);
            resume();
        }
    }

    @Override
    public long queryBufferLength() {
        return decoder == null ? 0 : decoder.queryBufferLength();
    }

    @Override
    public long queryBufferFree() {
        return decoder == null ? 0 : decoder.queryBufferFree();
    }

    @Override
    public long argvMemory() {
        return decoder == null ? 0 : decoder.argvBytes();
    }

    @Override
    public int argvCount() {
        return decoder == null ? 0 : decoder.argc();
    }

    @Override
    public void resizeQueryBuffer(boolean idle) {
        if (decoder != null && !closing) decoder.resize(idle);
    }

    /** Redis's omem: the output beyond the reply buffer's first {@link Reply#bufferSize} bytes. */
    @Override
    public long outputListBytes() {
        return pendingOutputBytes() - client.reply.bufferUsed();
    }

    /** Redis's oll: the buffers waiting in the socket's outbound queue, and a reply batch that outgrew its buffer. */
    @Override
    public long outputListLength() {
        io.netty.channel.ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return (out == null ? 0 : out.size()) + (client.reply.pending() > client.reply.bufferSize() ? 1 : 0);
    }

    @Override
    public long pendingOutputBytes() {
        io.netty.channel.ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        long held = this.held == null ? 0 : this.held.bytes();
        return client.reply.pending() + held + (out == null ? 0 : out.totalPendingWriteBytes()); // null once closed
    }

    @Override
    public ReplicaPeer becomeReplica(long clientId, String addressIp) {
        return new ReplicaPeer(clientId, ctx.channel(), addressIp);
    }

    /**
     * Redis 7.0's islocalClient: the unix socket, or a peer whose address is exactly 127.0.0.1 or ::1.
     * Other loopback addresses (127.0.0.2) are not local to Redis, for protected mode and for
     * enable-debug-command local alike.
     */
    @Override
    public boolean isLocal() {
        return isLocal(ctx.channel().remoteAddress());
    }

    static boolean isLocal(SocketAddress a) {
        if (!(a instanceof InetSocketAddress isa) || isa.getAddress() == null) return true;
        // (Java shows an IPv4-mapped peer as an Inet4Address; the only IPv6 loopback is ::1)
        java.net.InetAddress ip = isa.getAddress();
        byte[] b = ip.getAddress();
        return ip.isLoopbackAddress() && (b.length == 16 || (b[1] == 0 && b[2] == 0 && b[3] == 1));
    }

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress isa) {
            String host = isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
            int pct = host.indexOf('%');
            if (pct >= 0) host = host.substring(0, pct);
            return host + ":" + isa.getPort();
        }
        return String.valueOf(a);
    }

    /** Redis 7.0.15's text, its "Setup a an" included. */
    static final String PROTECTED_MODE_ERROR = "DENIED Redis is running in protected mode because protected mode is"
            + " enabled and no password is set for the default user. In this mode connections are only accepted"
            + " from the loopback interface. If you want to connect from external computers to Redis you may adopt"
            + " one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET"
            + " protected-mode no' from the loopback interface by connecting to Redis from the same host the server"
            + " is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG"
            + " REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by"
            + " editing the Redis configuration file, and setting the protected mode option to 'no', and then"
            + " restarting the server. 3) If you started the server manually just for testing, restart it with the"
            + " '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only"
            + " need to do one of the above things in order for the server to start accepting connections from the"
            + " outside.";
}
