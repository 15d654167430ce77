package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.nio.charset.StandardCharsets;

/**
 * The handshake with a master (Redis's syncWithMaster and slaveTryPartialResynchronization): PING,
 * AUTH when {@code masterauth} is set, REPLCONF listening-port / ip-address / capa, then PSYNC with the
 * {@link CachedMaster}'s history (SYNC for a master from before PSYNC). The commands after PING are
 * pipelined; their replies come back one line each, in order, and {@link #reply} reads them.
 *
 * <p>It only speaks the protocol: what a reply leads to is the {@link MasterLink}'s to do.
 */
final class Handshake {
    /** What a reply of the handshake leads to. */
    enum Result {
        /** Wait for the next reply. */
        NEXT,
        /** The link is to be closed and retried. */
        FAILED,
        /** A payload follows ({@link #initialReplid()}, {@link #initialOffset()}): a full sync. */
        FULL_RESYNC,
        /** The stream continues from the cached master (under {@link #newReplid()} if not null). */
        CONTINUE
    }

    /** Which reply we wait for. */
    private enum Step { PING, AUTH, PORT, IP, CAPA, PSYNC }

    private final MasterLink link;
    private final CachedMaster cachedMaster;
    private Step step;

    // What the PSYNC reply said (Redis's master_replid / master_initial_offset).
    private String initialReplid;
    private long initialOffset;
    private String newReplid;
    /** A pre-PSYNC master (answered SYNC): it takes no ACKs. */
    private boolean prePsync;

    Handshake(MasterLink link, CachedMaster cachedMaster) {
        this.link = link;
        this.cachedMaster = cachedMaster;
    }

    /** True once PSYNC (or SYNC) went out: its reply decides the sync. */
    boolean psyncSent() {
        return step == Step.PSYNC;
    }

    /** The history of the payload that follows +FULLRESYNC. */
    String initialReplid() {
        return initialReplid;
    }

    long initialOffset() {
        return initialOffset;
    }

    /** After +CONTINUE: the master's new replid when it changed history (it was promoted), else null. */
    String newReplid() {
        return newReplid;
    }

    boolean prePsync() {
        return prePsync;
    }

    /** The connection is up: the first step. */
    void start(Channel ch) {
        step = Step.PING;
        send(ch, "PING");
    }

    /** One reply of the handshake (Redis's syncWithMaster), a line without its CRLF. */
    Result reply(String reply, Channel ch) {
        switch (step) {
            case PING -> {
                if (reply.startsWith("-") && !reply.startsWith("-NOAUTH") && !reply.startsWith("-NOPERM")
                        && !reply.startsWith("-ERR operation not permitted")) {
                    Log.warning("Error reply to PING from master: '" + reply + "'");
                    return Result.FAILED;
                }
                Log.notice("Master replied to PING, replication can continue...");
                String auth = link.masterAuth;
                String user = link.masterUser;
                if (auth == null && reply.startsWith("-NOAUTH")) {
                    // Redis fails here (every later step gets NOAUTH); a master and replica sharing one
                    // requirepass without masterauth is common enough to just work.
                    String own = link.ownPassword.get();
                    if (own != null && !own.isEmpty()) {
                        auth = own;
                        user = null;
                        Log.notice("Master requires authentication and masterauth is not set: "
                                + "authenticating with this server's own requirepass.");
                    }
                }
                if (auth != null) {
                    if (user != null) send(ch, "AUTH", user, auth);
                    else send(ch, "AUTH", auth);
                }
                int port = link.announcePort != 0 ? link.announcePort : link.listeningPort();
                String announceIp = link.announceIp;
                send(ch, "REPLCONF", "listening-port", Integer.toString(port));
                if (announceIp != null) send(ch, "REPLCONF", "ip-address", announceIp);
                send(ch, "REPLCONF", "capa", "eof", "capa", "psync2");
                step = auth != null ? Step.AUTH : Step.PORT;
            }
            case AUTH -> {
                if (reply.startsWith("-")) {
                    Log.warning("Unable to AUTH to MASTER: " + reply);
                    return Result.FAILED;
                }
                step = Step.PORT;
            }
            case PORT -> {
                if (reply.startsWith("-")) {
                    Log.notice("(Non critical) Master does not understand REPLCONF listening-port: " + reply);
                }
                step = link.announceIp != null ? Step.IP : Step.CAPA;
            }
            case IP -> {
                if (reply.startsWith("-")) {
                    Log.notice("(Non critical) Master does not understand REPLCONF ip-address: " + reply);
                }
                step = Step.CAPA;
            }
            case CAPA -> {
                if (reply.startsWith("-")) {
                    Log.notice("(Non critical) Master does not understand REPLCONF capa: " + reply);
                }
                String[] psync = cachedMaster.psyncArguments();
                if (link.failoverPending()) {
                    psync = java.util.Arrays.copyOf(psync, psync.length + 1);
                    psync[psync.length - 1] = "FAILOVER";
                }
                send(ch, psync);
                step = Step.PSYNC;
            }
            case PSYNC -> {
                return psyncReply(reply, ch);
            }
        }
        return Result.NEXT;
    }

    /** Redis's slaveTryPartialResynchronization, the reading half: +FULLRESYNC, +CONTINUE, or an error. */
    private Result psyncReply(String reply, Channel ch) {
        if (reply.isEmpty()) return Result.NEXT; // a newline keeps the link alive while the master prepares
        if (reply.startsWith("+FULLRESYNC")) {
            String[] parts = reply.split(" ");
            if (parts.length >= 3 && parts[1].length() == PayloadTransfer.MARK_LEN) {
                initialReplid = parts[1];
                try {
                    initialOffset = Long.parseLong(parts[2]);
                } catch (NumberFormatException e) {
                    initialOffset = -1;
                }
                Log.notice("Full resync from master: " + initialReplid + ":" + initialOffset);
            } else {
                Log.warning("Master replied with wrong +FULLRESYNC syntax.");
                initialReplid = ReplicationStream.NO_REPLID;
                initialOffset = -1;
            }
            prePsync = false;
            return Result.FULL_RESYNC;
        }
        if (reply.startsWith("+CONTINUE")) {
            String id = reply.length() >= 10 ? reply.substring(9).trim() : "";
            Log.notice("Successful partial resynchronization with master.");
            newReplid = id.length() == PayloadTransfer.MARK_LEN && !id.equals(cachedMaster.replid()) ? id : null;
            return Result.CONTINUE;
        }
        if (link.failoverPending() && reply.startsWith("-")) {
            Log.notice("Failover target answered PSYNC with an error: " + reply);
            return Result.FAILED;
        }
        if (reply.startsWith("-NOMASTERLINK") || reply.startsWith("-LOADING")) {
            Log.notice("Master is currently unable to PSYNC but should be in the future: " + reply);
            return Result.FAILED;
        }
        if (reply.startsWith("-ERR")) {
            Log.notice("Master does not support PSYNC or is in error state (reply: " + reply + ")");
        } else {
            Log.warning("Unexpected reply to PSYNC from master: " + reply);
        }
        // A master from before PSYNC: the old protocol, a full sync without ids.
        Log.notice("Retrying with SYNC...");
        send(ch, "SYNC");
        prePsync = true;
        initialReplid = ReplicationStream.newReplid();
        initialOffset = 0;
        return Result.FULL_RESYNC;
    }

    /** Writes one command to the master. */
    static void send(Channel ch, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        ByteSink out = new ByteSink(64);
        ReplicationStream.appendCommand(out, argv, argv.length);
        ch.writeAndFlush(Unpooled.wrappedBuffer(out.buf, 0, out.len), ch.voidPromise());
    }

    /** The longest line a master may send (Redis's PROTO_IOBUF_LEN buffer for syncReadLine). */
    static final int MAX_LINE = 16 * 1024;

    /**
     * A line of {@code in} without its CRLF (or LF), consumed; null (nothing consumed) when it is not
     * complete. As Redis's syncReadLine, a line longer than {@link #MAX_LINE} is cut there: a master
     * that never sends a newline gets its bytes judged as a line, not buffered without end.
     */
    static String readLine(ByteBuf in) {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() < MAX_LINE) return null;
            String cut = in.toString(in.readerIndex(), MAX_LINE, StandardCharsets.ISO_8859_1);
            in.skipBytes(MAX_LINE);
            return cut;
        }
        int end = lf;
        if (end > in.readerIndex() && in.getByte(end - 1) == '\r') end--;
        String line = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(lf + 1);
        return line;
    }
}
