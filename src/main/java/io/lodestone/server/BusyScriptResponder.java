package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.protocol.RequestDecoder;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What Redis's processEventsWhileBlocked does for a script past busy-reply-threshold: other clients
 * are answered while the script runs. The script runs on the command thread, which Netty's event loop
 * cannot be re-entered from, so a thread of its own serves the connections meanwhile, reading and
 * writing their sockets directly: Netty is not touching them, since its only thread is inside the
 * script.
 *
 * <p>It answers SCRIPT KILL / FUNCTION KILL (the script is told), FUNCTION STATS, SHUTDOWN NOSAVE (the process exits
 * without saving, as Redis does), QUIT, MULTI and DISCARD (the client's transaction state changes
 * when the script ends), EXEC with Redis's EXECABORT, and -BUSY to everything else (which dooms an
 * open transaction). A request it does not answer
 * that way (the commands Redis lets through while busy, such as AUTH or MULTI, or anything it cannot
 * parse) stops it serving that connection: that request and all after it are given back, as
 * received, to the connection's own decoder when the script ends, to run in order then. Connections
 * it cannot serve safely (TLS, replicas, a request half received, replies not yet
 * sent) wait for the script, as do connections accepted meanwhile. The master link's stream is
 * read and kept meanwhile, and run once the script is over. Error statistics of its -BUSY
 * replies are counted when the script ends, on the command thread.
 */
final class BusyScriptResponder implements ServerContext.BusyMode {
    private static final long POLL_NANOS = 2_000_000;

    private final ServerContext server;
    private final Runnable shutdownNoSave;
    private volatile boolean running;
    private Thread thread;
    private List<Served> served = List.of();
    /**
     * The master link while a script is busy: its stream is read and kept, not run (Redis's
     * processInputBuffer stops at a master's input while busy), so that the master can go on sending,
     * and it is handed to the link, in order, once the script is over.
     */
    private io.netty.channel.Channel masterChannel;
    private FileDescriptor masterFd;
    private ByteArrayOutputStream masterStream;

    /**
     * Replicas' links while busy: what they send (REPLCONF ACK) is read and held, and one that hangs
     * up is dropped at once, from the script's hook, as Redis's processEventsWhileBlocked drops it.
     */
    private static final class HeldLink {
        final ClientHandler handler;
        final FileDescriptor fd;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile boolean gone;

        HeldLink(ClientHandler handler, FileDescriptor fd) {
            this.handler = handler;
            this.fd = fd;
        }
    }

    private List<HeldLink> replicaLinks = List.of();
    /** Work for the command thread, run from the script's hook. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> commandThreadTasks = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Connections accepted during the script, from the acceptor's thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Served> acceptedQueue = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** What the responder read and wrote on a connection accepted during a script, for its handler. */
    record Held(byte[] unanswered, byte[] unwritten, boolean quit) {
    }

    static final io.netty.util.AttributeKey<Held> HELD = io.netty.util.AttributeKey.valueOf("lodestone.busy.held");

    /**
     * Connections accepted and not yet registered with Netty: registration is a task of the command
     * loop, so one accepted while a script runs waits for it, busy or not yet. When the script turns
     * busy they are served too (Redis accepts them from processEventsWhileBlocked).
     */
    private final java.util.Set<io.netty.channel.Channel> unregistered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A new connection (the acceptor's thread): served now if a script is busy, else remembered. */
    void accepted(io.netty.channel.Channel child) {
        if (!(child instanceof io.netty.channel.unix.UnixChannel)) return;
        unregistered.add(child);
        // whoever removes it (this thread, or enter() on the command thread) serves it
        if (running && unregistered.remove(child)) adopt(child);
    }

    /** Netty registered the connection (its handler is active): it is the handler's from now on. */
    void registered(io.netty.channel.Channel ch) {
        unregistered.remove(ch);
    }

    /** Serves a connection Netty has not registered yet, as a new client (RESP2). */
    private void adopt(io.netty.channel.Channel child) {
        Served s = new Served(null, ((io.netty.channel.unix.UnixChannel) child).fd(), false);
        s.accepted = child;
        acceptedQueue.add(s);
    }

    /** Commands that run on the command thread, from the script's hook (see {@link #runPending}). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pending> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A command waiting for the command thread, and its reply once run. */
    private static final class Pending {
        final Client client;
        final byte[][] argv;
        final java.util.concurrent.CompletableFuture<byte[]> reply = new java.util.concurrent.CompletableFuture<>();

        Pending(Client client, byte[][] argv) {
            this.client = client;
            this.argv = argv;
        }
    }

    /**
     * The commands Redis lets through while busy that act on the connection's own state (HELLO, AUTH,
     * RESET, WATCH, UNWATCH): they run on the command thread, from inside the script's hook, as Redis
     * runs them from processEventsWhileBlocked, and never wake blocked clients meanwhile.
     */
    private static final java.util.Set<String> ON_COMMAND_THREAD = java.util.Set.of("hello", "auth", "reset", "watch", "unwatch");

    BusyScriptResponder(ServerContext server, Runnable shutdownNoSave) {
        this.server = server;
        this.shutdownNoSave = shutdownNoSave;
    }

    /** One connection served while busy. */
    private static final class Served {
        /** The connection's handler; null for one accepted during the script (see {@link #adopt}). */
        final ClientHandler handler;
        /** A connection accepted during the script: not registered with Netty until it is over. */
        io.netty.channel.Channel accepted;
        /** QUIT was answered: the connection closes once the script is over. */
        boolean quit;
        final FileDescriptor fd;
        /** Bytes read and not yet answered. */
        final ByteArrayOutputStream unanswered = new ByteArrayOutputStream();
        /** Reply bytes not yet written. */
        ByteBuffer unwritten = ByteBuffer.allocate(0);
        /** Stopped: a request it leaves to the connection, the peer gone, or QUIT answered. */
        boolean stopped;
        /** The client's transaction as the responder changed it: applied on the command thread at the end. */
        final boolean wasInMulti;
        boolean inMulti;
        boolean discarded;
        boolean aborted;

        Served(ClientHandler handler, FileDescriptor fd, boolean inMulti) {
            this.handler = handler;
            this.fd = fd;
            this.wasInMulti = this.inMulti = inMulti;
        }
    }

    @Override
    public void enter(ServerContext.BusyScript script, Client caller) {
        // Replies already made (to commands run before the script in this batch) go out first, as
        // Redis's processEventsWhileBlocked writes them: a client waiting for one must not wait for the
        // script, and a connection with nothing left to send can be served.
        for (Client c : server.clients.all()) {
            if (c != caller && c.conn != null) c.conn.flushOutput();
        }
        List<Served> list = new ArrayList<>();
        for (Client c : server.clients.all()) {
            if (c == caller || !(c.conn instanceof ClientHandler h)) continue;
            FileDescriptor fd = h.busyServableFd();
            if (fd != null) list.add(new Served(h, fd, c.multi != null));
        }
        served = list;
        List<HeldLink> links = new ArrayList<>();
        for (Client c : server.clients.all()) {
            if (c.isMaster && c.conn instanceof MasterClientHost.MasterConnection mc) holdMasterStream(mc.channel());
            if (c.replicaPeer != null && c.conn instanceof ClientHandler h) {
                io.netty.channel.Channel ch = h.channel();
                if (ch.isActive() && ch instanceof io.netty.channel.unix.UnixChannel u && ch.config().isAutoRead()
                        && ch.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null) {
                    ch.config().setAutoRead(false);
                    links.add(new HeldLink(h, u.fd()));
                }
            }
        }
        replicaLinks = links;
        outcomes.clear();
        running = true;
        for (io.netty.channel.Channel ch : unregistered) {
            if (unregistered.remove(ch) && ch.isOpen()) adopt(ch);
        }
        thread = new Thread(() -> serve(script), "lodestone-busy-script");
        thread.setDaemon(true);
        thread.start();
    }

    /** Takes over reading the master link's socket while busy, if it is one the responder can read. */
    private void holdMasterStream(io.netty.channel.Channel ch) {
        if (!ch.isActive() || !(ch instanceof io.netty.channel.unix.UnixChannel u)) return;
        if (ch.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null || !ch.config().isAutoRead()) return;
        // No read by Netty either until the held stream has been handed over: order is kept.
        ch.config().setAutoRead(false);
        masterChannel = ch;
        masterFd = u.fd();
        masterStream = new ByteArrayOutputStream();
    }

    /** Reads what the master sent meanwhile (the responder's thread). */
    private void readMasterStream(ByteBuffer buf) {
        // closed: the link sees it once the script is over
        if (masterFd != null && !drain(masterFd, buf, masterStream)) masterFd = null;
    }

    /**
     * Reads what {@code fd} has now into {@code into}, until a read comes back short; false when the
     * peer has closed it (or reading failed).
     */
    private static boolean drain(FileDescriptor fd, ByteBuffer buf, ByteArrayOutputStream into) {
        try {
            while (true) {
                buf.clear();
                int n = fd.read(buf, 0, buf.capacity());
                if (n < 0) return false;
                if (n == 0) return true;
                byte[] chunk = new byte[n];
                buf.get(0, chunk);
                into.write(chunk, 0, n);
                if (n < buf.capacity()) return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Hands the held stream to the link after the script's command is done, then lets Netty read again. */
    private void releaseMasterStream() {
        io.netty.channel.Channel ch = masterChannel;
        if (ch == null) return;
        byte[] held = masterStream.toByteArray();
        masterChannel = null;
        masterFd = null;
        masterStream = null;
        ch.eventLoop().execute(() -> {
            if (held.length > 0 && ch.isActive()) {
                ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(held));
                ch.pipeline().fireChannelReadComplete();
            }
            ch.config().setAutoRead(true);
        });
    }

    /** Reads what replicas sent; one that hung up is dropped by the command thread at the next hook. */
    private void readReplicaLinks(ByteBuffer buf) {
        for (HeldLink l : replicaLinks) {
            if (l.gone || drain(l.fd, buf, l.bytes)) continue;
            l.gone = true;
            commandThreadTasks.add(() -> {
                l.handler.detach();
                l.handler.channel().close();
            });
        }
    }

    /** Hands the replicas' held bytes to their connections, which read again. */
    private void releaseReplicaLinks() {
        for (HeldLink l : replicaLinks) {
            io.netty.channel.Channel ch = l.handler.channel();
            byte[] held = l.bytes.toByteArray();
            if (!l.gone && held.length > 0) l.handler.takeBackFromResponder(held, new byte[0]);
            if (ch.isActive()) ch.config().setAutoRead(true);
        }
        replicaLinks = List.of();
    }

    @Override
    public void leave() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runPending(); // what the script's last hook did not run
        releaseMasterStream();
        releaseReplicaLinks();
        for (Outcome o : outcomes) {
            if (o.error() != null) server.stats.countError(o.error());
            if (o.cmd() == null) continue;
            if (o.rejected()) {
                o.cmd().rejectedCalls++;
            } else {
                o.cmd().calls++;
                if (o.error() != null) o.cmd().failedCalls++;
            }
        }
        outcomes.clear();
        List<Served> all = new ArrayList<>(served);
        for (Served a; (a = acceptedQueue.poll()) != null; ) all.add(a); // accepted as the script ended
        for (Served s : all) {
            byte[] unwrittenBytes = new byte[s.unwritten.remaining()];
            s.unwritten.duplicate().get(unwrittenBytes);
            if (s.handler == null) {
                // its handler takes these when Netty registers it, after this script's command
                s.accepted.attr(HELD).set(new Held(s.unanswered.toByteArray(), unwrittenBytes, s.quit));
                continue;
            }
            Client c = s.handler.client();
            // As Redis's rejectCommand: EXEC or DISCARD ended the transaction, MULTI opened one, and a
            // command refused inside one dooms it.
            if (s.discarded || (s.wasInMulti && !s.inMulti)) server.dispatcher.discardTransaction(c);
            if (s.inMulti && c.multi == null) c.multi = new io.lodestone.command.MultiState();
            if (s.inMulti && s.aborted) c.multi.aborted = true;
            s.handler.takeBackFromResponder(s.unanswered.toByteArray(), unwrittenBytes);
            if (s.quit) c.conn.closeAfterReply();
        }
        served = List.of();
        server.flushPendingWrites();
    }

    private void serve(ServerContext.BusyScript script) {
        ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
        while (running) {
            readMasterStream(buf);
            readReplicaLinks(buf);
            for (Served a; (a = acceptedQueue.poll()) != null; ) {
                List<Served> more = new ArrayList<>(served);
                more.add(a);
                served = more;
            }
            for (Served s : served) {
                if (!s.stopped) {
                    try {
                        readAndAnswer(s, buf, script);
                        write(s);
                    } catch (IOException e) {
                        s.stopped = true; // the peer is gone: Netty sees it after the script
                    }
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void readAndAnswer(Served s, ByteBuffer buf, ServerContext.BusyScript script) throws IOException {
        buf.clear();
        int n = s.fd.read(buf, 0, buf.capacity());
        if (n <= 0) {
            if (n < 0) s.stopped = true;
            return;
        }
        byte[] chunk = new byte[n];
        buf.get(0, chunk);
        s.unanswered.write(chunk, 0, n);
        // Parse from the first unanswered byte each time: what is left is exactly what was received.
        byte[] pending = s.unanswered.toByteArray();
        ByteBuf in = Unpooled.wrappedBuffer(pending);
        int[] answeredUpTo = {0};
        RequestDecoder decoder = new RequestDecoder(new RequestDecoder.Sink() {
            @Override
            public void command(byte[][] argv, int argc) {
                if (s.stopped) return;
                byte[] reply = answer(argv, argc, script, s);
                if (reply == null) {
                    s.stopped = true;
                    return;
                }
                append(s, reply);
                answeredUpTo[0] = in.readerIndex();
            }

            @Override
            public boolean authRequired() {
                return false;
            }

            @Override
            public long maxBulkLength() {
                return server.limits.protoMaxBulkLen;
            }

            @Override
            public long maxQueryBuffer() {
                return server.limits.clientQueryBufferLimit;
            }

            @Override
            public boolean stopped() {
                return s.stopped;
            }
        }, UnpooledByteBufAllocator.DEFAULT);
        String error = decoder.decode(in);
        decoder.release();
        if (error != null) s.stopped = true; // the connection's own decoder answers it, later
        s.unanswered.reset();
        s.unanswered.write(pending, answeredUpTo[0], pending.length - answeredUpTo[0]);
    }

    /**
     * What a reply given while busy counts, applied on the command thread when the script ends: a
     * command refused (rejected_calls) or run (calls, failed_calls if its reply was an error), and the
     * error in the error statistics.
     */
    private record Outcome(io.lodestone.command.CommandSpec cmd, String error, boolean rejected) {
    }

    private final List<Outcome> outcomes = new ArrayList<>();

    /** Records {@code reply} (a line, "+..." or "-...") as {@code cmd}'s outcome and returns it as bytes. */
    private byte[] counted(io.lodestone.command.CommandSpec cmd, String reply, boolean rejected) {
        outcomes.add(new Outcome(cmd, reply.startsWith("-") ? reply.substring(1) : null, rejected));
        return line(reply);
    }

    /** The reply to one request while busy, or null to leave it (and the rest) to the connection. */
    private byte[] answer(byte[][] argv, int argc, ServerContext.BusyScript script, Served s) {
        String name = new String(argv[0], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        String sub = argc > 1 ? new String(argv[1], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT) : "";
        io.lodestone.command.CommandSpec cmd = server.commands.lookupCommand(argv, argc);
        // Refused before anything else, as by the dispatcher: an unknown command, a wrong arity.
        String refusal = server.dispatcher.lookupRefusal(argv, argc);
        if (refusal != null) return counted(cmd, "-" + refusal, true);
        boolean authenticated = s.handler != null && s.handler.client().authenticated;
        if (!authenticated && server.authRequired() && !cmd.is(io.lodestone.command.CommandSpec.NO_AUTH)) {
            return counted(cmd, "-" + io.lodestone.command.Errors.NOAUTH, true);
        }
        if ((name.equals("script") || name.equals("function")) && sub.equals("kill") && argc == 2) {
            return counted(cmd, script.kill(name.equals("script")), false);
        }
        if (name.equals("function") && sub.equals("stats") && argc == 2) {
            // The client's protocol is not changing meanwhile: HELLO waits for the script.
            byte[] reply = script.functionStats(s.handler == null ? 2 : s.handler.client().reply.protocol());
            String error = reply[0] == '-' ? new String(reply, 1, reply.length - 3, StandardCharsets.ISO_8859_1) : null;
            outcomes.add(new Outcome(cmd, error, false));
            return reply;
        }
        if (name.equals("shutdown") && argc == 2 && sub.equals("nosave")) {
            Log.warning("User requested shutdown while a script was busy, without saving");
            shutdownNoSave.run();
            return null;
        }
        if (name.equals("quit") && argc == 1) {
            s.stopped = true;
            s.quit = true;
            return counted(cmd, "+OK", false);
        }
        // Checked before -BUSY too, as processCommand does: a stale replica, a load in progress.
        var repl = server.replication;
        if (repl.isReplica && !repl.masterLinkUp && !server.repl.replicaServeStaleData
                && !cmd.is(io.lodestone.command.CommandSpec.STALE)) {
            return counted(cmd, "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true);
        }
        if (server.loading.active() && !cmd.is(io.lodestone.command.CommandSpec.LOADING)) {
            return counted(cmd, "-LOADING Redis is loading the dataset in memory", true);
        }
        // What changes the state of a client accepted during the script waits for its handler.
        if (s.handler == null && (cmd == null || cmd.is(io.lodestone.command.CommandSpec.ALLOW_BUSY))) return null;
        String busy = "-" + script.busyError();
        // The transaction commands change only the client's MULTI state, which is kept here and
        // applied when the script ends.
        if (name.equals("multi") && argc == 1) {
            if (s.inMulti) return counted(cmd, "-ERR MULTI calls can not be nested", false);
            s.inMulti = true;
            s.aborted = false;
            return counted(cmd, "+OK", false);
        }
        if (name.equals("discard") && argc == 1) {
            if (!s.inMulti) return counted(cmd, "-ERR DISCARD without MULTI", false);
            s.inMulti = false;
            s.discarded = true;
            return counted(cmd, "+OK", false);
        }
        if (name.equals("exec") && argc == 1) {
            // Refused, as Redis refuses EXEC while busy: the transaction is discarded.
            s.inMulti = false;
            s.discarded = true;
            return counted(cmd, "-EXECABORT Transaction discarded because of: " + busy.substring(1), true);
        }
        if (ON_COMMAND_THREAD.contains(name) && !s.inMulti) return onCommandThread(s, java.util.Arrays.copyOf(argv, argc));
        if (cmd == null || cmd.is(io.lodestone.command.CommandSpec.ALLOW_BUSY)) return null;
        if (s.inMulti) s.aborted = true;
        return counted(cmd, busy, true);
    }

    /**
     * Hands a command to the command thread and waits for its reply; null when the script ended first
     * (the connection then runs it, in order, after the script).
     */
    private byte[] onCommandThread(Served s, byte[][] argv) {
        Pending p = new Pending(s.handler.client(), argv);
        pending.add(p);
        while (true) {
            try {
                return p.reply.get(POLL_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // leave() runs on the command thread, after which nothing runs the queue: if the
                // command is still in it, it was not run.
                if (!running && pending.remove(p)) return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return line("-ERR " + e.getCause());
            }
        }
    }

    @Override
    public void runPending() {
        for (Runnable task; (task = commandThreadTasks.poll()) != null; ) task.run();
        Pending p;
        while ((p = pending.poll()) != null) {
            try {
                p.reply.complete(execute(p.client, p.argv));
            } catch (RuntimeException e) {
                p.reply.completeExceptionally(e);
            }
        }
    }

    /** Runs one command for {@code c} with the dispatcher's checks that apply to these commands. */
    private byte[] execute(Client c, byte[][] argv) {
        io.lodestone.command.CommandSpec cmd = server.commands.lookupCommand(argv, argv.length);
        c.argv = argv;
        c.argc = argv.length;
        try {
            if (!cmd.arityOk(argv.length)) {
                c.reply.error(io.lodestone.command.Errors.wrongArity(cmd.fullName()));
            } else if (!c.authenticated && !cmd.is(io.lodestone.command.CommandSpec.NO_AUTH) && server.authRequired()) {
                c.reply.error(io.lodestone.command.Errors.NOAUTH);
            } else {
                String denied = server.access.deny(c, cmd, argv, argv.length);
                if (denied != null) c.reply.error(denied);
                else server.dispatcher.call(c, cmd);
            }
        } finally {
            c.argv = null;
            c.argc = 0;
        }
        ByteBuf out = c.reply.take();
        if (out == null) return new byte[0];
        try {
            byte[] b = new byte[out.readableBytes()];
            out.readBytes(b);
            return b;
        } finally {
            out.release();
        }
    }

    private static byte[] line(String s) {
        return (s + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void append(Served s, byte[] reply) {
        ByteBuffer b = ByteBuffer.allocate(s.unwritten.remaining() + reply.length);
        b.put(s.unwritten).put(reply).flip();
        s.unwritten = b;
    }

    private static void write(Served s) throws IOException {
        if (!s.unwritten.hasRemaining()) return;
        ByteBuffer direct = ByteBuffer.allocateDirect(s.unwritten.remaining());
        direct.put(s.unwritten.duplicate()).flip();
        int n = s.fd.write(direct, 0, direct.limit());
        if (n > 0) s.unwritten.position(s.unwritten.position() + n);
    }
}
