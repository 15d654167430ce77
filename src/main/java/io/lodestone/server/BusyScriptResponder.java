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
 * it cannot serve safely (TLS, replicas and the master link, a request half received, replies not yet
 * sent) wait for the script, as do connections accepted meanwhile. Error statistics of its -BUSY
 * replies are counted when the script ends, on the command thread.
 */
final class BusyScriptResponder implements ServerContext.BusyMode {
    private static final long POLL_NANOS = 2_000_000;

    private final ServerContext server;
    private final Runnable shutdownNoSave;
    private volatile boolean running;
    private Thread thread;
    private List<Served> served = List.of();
    private int busyReplies;
    private int execAborts;
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
        final ClientHandler handler;
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
        busyReplies = 0;
        execAborts = 0;
        running = true;
        thread = new Thread(() -> serve(script), "lodestone-busy-script");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void leave() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < busyReplies; i++) server.stats.countError("BUSY");
        for (int i = 0; i < execAborts; i++) server.stats.countError("EXECABORT");
        for (Served s : served) {
            Client c = s.handler.client();
            // As Redis's rejectCommand: EXEC or DISCARD ended the transaction, MULTI opened one, and a
            // command refused inside one dooms it.
            if (s.discarded || (s.wasInMulti && !s.inMulti)) server.dispatcher.discardTransaction(c);
            if (s.inMulti && c.multi == null) c.multi = new io.lodestone.command.MultiState();
            if (s.inMulti && s.aborted) c.multi.aborted = true;
            byte[] unwritten = new byte[s.unwritten.remaining()];
            s.unwritten.get(unwritten);
            s.handler.takeBackFromResponder(s.unanswered.toByteArray(), unwritten);
        }
        served = List.of();
        server.flushPendingWrites();
    }

    private void serve(ServerContext.BusyScript script) {
        ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
        while (running) {
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

    /** The reply to one request while busy, or null to leave it (and the rest) to the connection. */
    private byte[] answer(byte[][] argv, int argc, ServerContext.BusyScript script, Served s) {
        String name = new String(argv[0], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        String sub = argc > 1 ? new String(argv[1], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT) : "";
        if ((name.equals("script") || name.equals("function")) && sub.equals("kill") && argc == 2) {
            return line(script.kill(name.equals("script")));
        }
        if (name.equals("function") && sub.equals("stats") && argc == 2) {
            // The client's protocol is not changing meanwhile: HELLO waits for the script.
            return script.functionStats(s.handler.client().reply.protocol());
        }
        if (name.equals("shutdown") && argc == 2 && sub.equals("nosave")) {
            Log.warning("User requested shutdown while a script was busy, without saving");
            shutdownNoSave.run();
            return null;
        }
        if (name.equals("quit") && argc == 1) {
            s.stopped = true;
            return line("+OK");
        }
        String busy = script.isEval()
                ? "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
                : "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
        // The transaction commands change only the client's MULTI state, which is kept here and
        // applied when the script ends.
        if (name.equals("multi") && argc == 1) {
            if (s.inMulti) return line("-ERR MULTI calls can not be nested");
            s.inMulti = true;
            s.aborted = false;
            return line("+OK");
        }
        if (name.equals("discard") && argc == 1) {
            if (!s.inMulti) return line("-ERR DISCARD without MULTI");
            s.inMulti = false;
            s.discarded = true;
            return line("+OK");
        }
        if (name.equals("exec") && argc == 1) {
            // Refused, as Redis refuses EXEC while busy: the transaction is discarded.
            s.inMulti = false;
            s.discarded = true;
            execAborts++;
            return line("-EXECABORT Transaction discarded because of: " + busy);
        }
        if (ON_COMMAND_THREAD.contains(name) && !s.inMulti) return onCommandThread(s, java.util.Arrays.copyOf(argv, argc));
        io.lodestone.command.CommandSpec cmd = server.commands.lookupCommand(argv, argc);
        if (cmd == null || cmd.is(io.lodestone.command.CommandSpec.ALLOW_BUSY)) return null;
        busyReplies++;
        if (s.inMulti) s.aborted = true;
        return line("-" + busy);
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
