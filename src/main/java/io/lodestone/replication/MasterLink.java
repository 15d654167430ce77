package io.lodestone.replication;

import io.lodestone.persistence.ByteSink;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.protocol.RequestDecoder;
import io.lodestone.util.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The replica side of replication (Redis's replication.c, replica half): the link with our master.
 *
 * <p>States as Redis's {@code repl_state}: NONE (we are a master), CONNECT (a connection is due; cron
 * makes it within a second), CONNECTING, HANDSHAKE (PING, AUTH, REPLCONF listening-port / ip-address /
 * capa, PSYNC), TRANSFER (receiving the RDB payload of a full sync, then loading it) and CONNECTED
 * (the master's stream is applied). The link is a Netty client channel on the command event loop, so
 * the state machine and the commands it applies need no locks.
 *
 * <p>Full sync: the payload ({@code $<len>} or diskless {@code $EOF:<mark>}) goes to a temp file that
 * becomes {@code dbfilename} (repl-diskless-load disabled, as Redis) or to memory (swapdb, on-empty-db
 * with an empty data set). It is parsed on a background thread into a new keyspace while the server
 * keeps serving its old data (the master link stops reading meanwhile); the loaded keyspace is then
 * adopted on the command thread in one step. This is Redis's swapdb behaviour for every mode: a failed
 * load leaves the old data in place.
 *
 * <p>The stream: each command is executed through the {@link Host} as the master client, and once it
 * is fully processed (after EXEC for a transaction, as Redis's reploff) its bytes are forwarded
 * verbatim into our own {@link ReplicationStream} ({@link ReplicationStream#feedRaw}), so sub-replicas
 * and the backlog see the master's stream with the master's offsets and replid. A lost link keeps the
 * master's id and offset as the cached master, so the next PSYNC continues where we stopped.
 *
 * <p>Owned by the command thread; only the payload parsing runs on a background thread.
 */
public final class MasterLink {
    /** Redis's repl_state, with the names ROLE prints. */
    public enum State {
        NONE("none"), CONNECT("connect"), CONNECTING("connecting"), HANDSHAKE("handshake"), TRANSFER("sync"),
        CONNECTED("connected");

        public final String roleName;

        State(String roleName) {
            this.roleName = roleName;
        }
    }

    /** What the link needs from the server (implemented by the server package). */
    public interface Host {
        /** Executes one command of the master's stream as the master client (replies are dropped). */
        void execute(byte[][] argv, int argc);

        /** Whether the master client is between MULTI and EXEC (its offset advances at EXEC). */
        boolean inTransaction();

        /** The master client connected (true, on {@code channel}) or went away (false). */
        void masterClient(boolean connected, Channel channel, int db);

        /** The database the master client has selected. */
        int masterDb();

        /** End of a batch of the master's stream: replicas, woken clients and the AOF get their output. */
        void afterBatch();

        /** A loader configured as the server's (limits, rdbchecksum), keeping expired keys. */
        RdbFileLoader loader();

        int databases();

        long totalKeys();

        /** Before a disk payload replaces dbfilename: a BGSAVE writing that file is cancelled (Redis kills the child). */
        void beforeDiskLoad();

        /** Makes the loaded data the data set (command thread), with the RDB's log lines and counters. */
        void adopt(RdbFileLoader.Result loaded);

        /** The server became a replica (true) or a master (false): read-only rules, expiry, blocked clients. */
        void roleChanged(boolean replica);

        /** The port our clients connect to (REPLCONF listening-port, unless replica-announce-port). */
        int listeningPort();
    }

    private static final int MARK_LEN = 40;

    private final Replication replication;
    private final ReplicationStream stream;
    private final Bootstrap bootstrap;
    private final Host host;
    /** dir/dbfilename: where a disk-loaded payload ends up. */
    private final Supplier<Path> rdbPath;

    // Settings: written by the server's config bindings at start and on every change (no defaults
    // here). repl-timeout is the master side's (Replication.timeoutSeconds), our port the Host's.
    public volatile String masterAuth;
    public volatile String masterUser;
    public volatile String announceIp;
    public volatile int announcePort;
    /** repl-diskless-load: "disabled", "on-empty-db" or "swapdb". */
    public volatile String disklessLoad;

    private String masterHost;
    private int masterPort;
    private State state = State.NONE;
    /** Handshake step (which reply we wait for). */
    private Step step;
    private Channel channel;
    /** Bumped whenever the link is dropped: callbacks of an older attempt are ignored. */
    private long generation;
    /** Unix ms of the last byte of the handshake or transfer (Redis's repl_transfer_lastio). */
    private long transferLastIoMs;
    /** Since when the link is down (ms), 0 if it never was up (Redis's repl_down_since). */
    private long downSinceMs;
    /** Bytes received on the link not yet used (lines of the handshake, the start of the stream). */
    private ByteBuf input;

    // The master client while CONNECTED (Redis's server.master).
    private boolean masterUp;
    private long reploff;
    private long readReploff;
    private long lastInteractionMs;
    private RequestDecoder decoder;
    /** Bytes of the commands applied but not yet counted (a transaction until its EXEC). */
    private final ByteSink applied = new ByteSink(4096);
    /** A pre-PSYNC master (answered SYNC): no ACKs. */
    private boolean prePsync;

    // The cached master (Redis's server.cached_master): what we know of our history to PSYNC with.
    private boolean cached;
    private String cachedReplid;
    private long cachedReploff;
    private int cachedDb;

    // The transfer (full sync).
    private String initialReplid;
    private long initialOffset;
    /** Whether the {@code $} header of the payload was read. */
    private boolean headerRead;
    /** The payload size ({@code $<len>}); with an {@link #eofMark}, 0 until the mark is seen. */
    private long transferSize;
    private long transferRead;
    private byte[] eofMark;
    private final byte[] lastBytes = new byte[MARK_LEN];
    private boolean diskless;
    private ByteSink memPayload;
    private FileChannel tempFile;
    private Path tempPath;
    /** Set while the payload is parsed on the background thread. */
    private boolean loading;

    private enum Step { PING, AUTH, PORT, IP, CAPA, PSYNC }

    public MasterLink(Replication replication, Bootstrap bootstrap, Host host, Supplier<Path> rdbPath) {
        this.replication = replication;
        this.stream = replication.stream;
        this.bootstrap = bootstrap;
        this.host = host;
        this.rdbPath = rdbPath;
    }

    // ---- What INFO, ROLE and the commands see ----------------------------------------------------

    public String masterHost() {
        return masterHost;
    }

    public int masterPort() {
        return masterPort;
    }

    public State state() {
        return state;
    }

    public boolean isReplica() {
        return masterHost != null;
    }

    /** master_link_status: up only when connected. */
    public boolean linkUp() {
        return state == State.CONNECTED;
    }

    /** master_last_io_seconds_ago: -1 without a master client. */
    public int lastIoSecondsAgo() {
        return masterUp ? (int) ((System.currentTimeMillis() - lastInteractionMs) / 1000) : -1;
    }

    /** slave_repl_offset (the master client's, or the cached one's; Redis starts from 1). */
    public long replOffset() {
        return masterUp ? reploff : cached ? cachedReploff : 1;
    }

    /** slave_read_repl_offset. */
    public long readReplOffset() {
        return masterUp ? readReploff : cached ? cachedReploff : 1;
    }

    /** The offset ROLE shows: the master client's, or -1. */
    public long roleOffset() {
        return masterUp ? reploff : -1;
    }

    public boolean syncInProgress() {
        return state == State.TRANSFER;
    }

    public long transferSize() {
        return transferSize;
    }

    public long transferRead() {
        return transferRead;
    }

    public int transferLastIoSecondsAgo() {
        return (int) ((System.currentTimeMillis() - transferLastIoMs) / 1000);
    }

    /** master_link_down_since_seconds: -1 if the link was never up. */
    public long downSinceSeconds() {
        return downSinceMs == 0 ? -1 : (System.currentTimeMillis() - downSinceMs) / 1000;
    }

    /**
     * The database of the stream for an RDB's {@code repl-stream-db} (Redis's rdbPopulateSaveInfo on a
     * replica): the master client's, else the cached master's; -1 when we have neither.
     */
    public int streamDb() {
        if (masterUp) return host.masterDb();
        if (cached) return cachedDb;
        return -1;
    }

    // ---- REPLICAOF -------------------------------------------------------------------------------

    /** Redis's replicationSetMaster: answered at once, the link is built in the background. */
    public void setMaster(String h, int p) {
        boolean wasMaster = masterHost == null;
        masterHost = null;
        if (masterUp) dropMaster();
        cancelHandshake(false);
        masterHost = h;
        masterPort = p;
        becomeReplica();
        if (wasMaster) {
            discardCachedMaster();
            cacheMasterUsingMyself();
        }
        state = State.CONNECT;
        Log.notice("Connecting to MASTER " + masterHost + ":" + masterPort);
        connect();
    }

    /**
     * replicaof in the config file at start-up: the link is made by cron; a cached master comes from the
     * RDB ({@link #restoreFromRdb}).
     */
    public void configure(String h, int p) {
        masterHost = h;
        masterPort = p;
        becomeReplica();
        state = State.CONNECT;
    }

    /**
     * Start-up of a replica whose RDB holds {@code repl-id}, {@code repl-offset} and
     * {@code repl-stream-db}: that history becomes the cached master, so the first PSYNC can continue.
     */
    public void restoreFromRdb(String replid, long offset, int db) {
        if (masterHost == null) return;
        stream.adoptMasterHistory(replid, offset);
        cached = true;
        cachedReplid = replid;
        cachedReploff = offset;
        cachedDb = db;
    }

    /** Redis's replicationUnsetMaster (REPLICAOF NO ONE). */
    public void unsetMaster() {
        if (masterHost == null) return;
        masterHost = null;
        Log.role('M');
        if (masterUp) dropMaster();
        discardCachedMaster();
        cancelHandshake(false);
        String old = stream.replid();
        stream.shiftReplicationId(ReplicationStream.newReplid());
        Log.warning("Setting secondary replication ID to " + old + ", valid up to offset: " + stream.secondOffset()
                + ". New replication ID is " + stream.replid());
        replication.disconnectReplicas();
        state = State.NONE;
        stream.forceSelect();
        downSinceMs = 0;
        replication.isReplica = false;
        replication.masterLinkUp = false;
        Log.role('M');
        host.roleChanged(false);
    }

    private void becomeReplica() {
        replication.isReplica = true;
        replication.masterLinkUp = false;
        Log.role('S');
        host.roleChanged(true);
    }

    // ---- Cached master ---------------------------------------------------------------------------

    /** Redis's replicationCacheMasterUsingMyself: our own history, so a promoted replica can PSYNC us partially. */
    private void cacheMasterUsingMyself() {
        Log.notice("Before turning into a replica, using my own master parameters to synthesize a cached master: "
                + "I may be able to synchronize with the new master with just a partial transfer.");
        cached = true;
        cachedReplid = stream.replid();
        cachedReploff = stream.offset();
        cachedDb = 0;
    }

    private void discardCachedMaster() {
        if (!cached) return;
        Log.notice("Discarding previously cached master state.");
        cached = false;
    }

    // ---- Connecting and the handshake --------------------------------------------------------------

    /** Redis's connectWithMaster. */
    /** The server is exiting: links that drop from now on are not re-established. */
    public volatile boolean shuttingDown;

    private void connect() {
        if (shuttingDown) return;
        long gen = ++generation;
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, replication.timeoutSeconds * 1000L))
                .handler(new Handler(gen));
        ChannelFuture f;
        try {
            f = b.connect(masterHost, masterPort);
        } catch (RuntimeException e) {
            Log.warning("Unable to connect to MASTER: " + e.getMessage());
            return;
        }
        channel = f.channel();
        transferLastIoMs = System.currentTimeMillis();
        state = State.CONNECTING;
        Log.notice("MASTER <-> REPLICA sync started");
        f.addListener(done -> {
            if (gen != generation) return;
            if (!done.isSuccess()) {
                Throwable t = done.cause();
                String why = t instanceof ConnectException ? "Connection refused" : String.valueOf(t.getMessage());
                Log.warning("Error condition on socket for SYNC: " + why);
                closeLink();
                state = State.CONNECT;
            }
        });
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final long gen;

        Handler(long gen) {
            this.gen = gen;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (gen != generation) {
                ctx.close();
                return;
            }
            Log.notice("Non blocking connect for SYNC fired the event.");
            state = State.HANDSHAKE;
            step = Step.PING;
            transferLastIoMs = System.currentTimeMillis();
            send(ctx.channel(), "PING");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (gen != generation) return;
                received(in);
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (gen == generation && masterUp) host.afterBatch();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (gen == generation) linkClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void send(Channel ch, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        ByteSink out = new ByteSink(64);
        ReplicationStream.appendCommand(out, argv, argv.length);
        ch.writeAndFlush(Unpooled.wrappedBuffer(out.buf, 0, out.len), ch.voidPromise());
    }

    /** Bytes from the master, in whatever state we are. */
    private void received(ByteBuf in) {
        if (state == State.CONNECTED && masterUp && input == null) {
            applyStream(in);
            return;
        }
        if (input == null) input = Unpooled.buffer(Math.max(256, in.readableBytes()));
        input.writeBytes(in);
        process();
    }

    /** Works through {@link #input} until more bytes are needed or the state stops consuming. */
    private void process() {
        while (input != null && input.isReadable()) {
            if (state == State.HANDSHAKE) {
                String line = readLine();
                if (line == null) return;
                transferLastIoMs = System.currentTimeMillis();
                if (!handshakeReply(line)) return;
            } else if (state == State.TRANSFER) {
                if (loading) return;
                if (!transfer()) return;
            } else if (state == State.CONNECTED && masterUp) {
                ByteBuf rest = input;
                input = null;
                applyStream(rest);
                rest.release();
                return;
            } else {
                return;
            }
        }
        if (input != null && !input.isReadable()) {
            input.release();
            input = null;
        }
    }

    /** A line without its CRLF (or LF), or null when it is not complete yet. */
    private String readLine() {
        int lf = input.indexOf(input.readerIndex(), input.writerIndex(), (byte) '\n');
        if (lf < 0) return null;
        int end = lf;
        if (end > input.readerIndex() && input.getByte(end - 1) == '\r') end--;
        String line = input.toString(input.readerIndex(), end - input.readerIndex(), StandardCharsets.ISO_8859_1);
        input.readerIndex(lf + 1);
        return line;
    }

    /** One reply of the handshake (Redis's syncWithMaster); false when the link was dropped or paused. */
    private boolean handshakeReply(String reply) {
        Channel ch = channel;
        switch (step) {
            case PING -> {
                if (reply.startsWith("-") && !reply.startsWith("-NOAUTH") && !reply.startsWith("-NOPERM")
                        && !reply.startsWith("-ERR operation not permitted")) {
                    Log.warning("Error reply to PING from master: '" + reply + "'");
                    return handshakeFailed();
                }
                Log.notice("Master replied to PING, replication can continue...");
                String auth = masterAuth;
                if (auth != null) {
                    String user = masterUser;
                    if (user != null) send(ch, "AUTH", user, auth);
                    else send(ch, "AUTH", auth);
                }
                int port = announcePort != 0 ? announcePort : host.listeningPort();
                send(ch, "REPLCONF", "listening-port", Integer.toString(port));
                if (announceIp != null) send(ch, "REPLCONF", "ip-address", announceIp);
                send(ch, "REPLCONF", "capa", "eof", "capa", "psync2");
                step = auth != null ? Step.AUTH : Step.PORT;
            }
            case AUTH -> {
                if (reply.startsWith("-")) {
                    Log.warning("Unable to AUTH to MASTER: " + reply);
                    return handshakeFailed();
                }
                step = Step.PORT;
            }
            case PORT -> {
                if (reply.startsWith("-")) {
                    Log.notice("(Non critical) Master does not understand REPLCONF listening-port: " + reply);
                }
                step = announceIp != null ? Step.IP : Step.CAPA;
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
                sendPsync(ch);
                step = Step.PSYNC;
            }
            case PSYNC -> {
                return psyncReply(reply);
            }
        }
        return true;
    }

    /** Redis's slaveTryPartialResynchronization, the sending half. */
    private void sendPsync(Channel ch) {
        if (cached) {
            String offset = Long.toString(cachedReploff + 1);
            Log.notice("Trying a partial resynchronization (request " + cachedReplid + ":" + offset + ").");
            send(ch, "PSYNC", cachedReplid, offset);
        } else {
            Log.notice("Partial resynchronization not possible (no cached master)");
            send(ch, "PSYNC", "?", "-1");
        }
    }

    /** The reading half: +FULLRESYNC, +CONTINUE, or an error. */
    private boolean psyncReply(String reply) {
        if (reply.isEmpty()) return true; // a newline keeps the link alive while the master prepares
        if (reply.startsWith("+FULLRESYNC")) {
            String[] parts = reply.split(" ");
            if (parts.length >= 3 && parts[1].length() == MARK_LEN) {
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
            return startTransfer();
        }
        if (reply.startsWith("+CONTINUE")) {
            String newId = reply.length() >= 10 ? reply.substring(9).trim() : "";
            Log.notice("Successful partial resynchronization with master.");
            if (newId.length() == MARK_LEN && !newId.equals(cachedReplid)) {
                // The master changed history (it was promoted): ours continues under the old id as replid2.
                stream.shiftReplicationId(newId);
                Log.warning("Master replication ID changed to " + newId);
                replication.disconnectReplicas();
            }
            resurrectCachedMaster();
            return true;
        }
        if (reply.startsWith("-NOMASTERLINK") || reply.startsWith("-LOADING")) {
            Log.notice("Master is currently unable to PSYNC but should be in the future: " + reply);
            return handshakeFailed();
        }
        if (reply.startsWith("-ERR")) {
            Log.notice("Master does not support PSYNC or is in error state (reply: " + reply + ")");
        } else {
            Log.warning("Unexpected reply to PSYNC from master: " + reply);
        }
        // A master from before PSYNC: the old protocol, a full sync without ids.
        Log.notice("Retrying with SYNC...");
        send(channel, "SYNC");
        prePsync = true;
        initialReplid = ReplicationStream.newReplid();
        initialOffset = 0;
        return startTransfer();
    }

    /** Redis's replicationResurrectCachedMaster: the cached master becomes the master again. */
    private void resurrectCachedMaster() {
        cached = false;
        stream.createBacklog();
        Log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        masterConnected(cachedReploff, cachedDb);
    }

    private boolean handshakeFailed() {
        closeLink();
        state = State.CONNECT;
        return false;
    }

    // ---- The transfer ----------------------------------------------------------------------------

    private boolean startTransfer() {
        state = State.TRANSFER;
        headerRead = false;
        transferSize = -1;
        transferRead = 0;
        eofMark = null;
        Arrays.fill(lastBytes, (byte) 0);
        transferLastIoMs = System.currentTimeMillis();
        diskless = "swapdb".equals(disklessLoad) || ("on-empty-db".equals(disklessLoad) && host.totalKeys() == 0);
        if (!diskless) {
            Path target = rdbPath.get();
            tempPath = target.resolveSibling("temp-" + System.currentTimeMillis() / 1000 + "." + Log.pid() + ".rdb");
            try {
                tempFile = FileChannel.open(tempPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                Log.warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + e.getMessage());
                tempPath = null;
                return handshakeFailed();
            }
        }
        return true;
    }

    /** Reads the payload header and bytes (Redis's readSyncBulkPayload); false when more bytes are needed. */
    private boolean transfer() {
        transferLastIoMs = System.currentTimeMillis();
        if (!headerRead) {
            String line = readLine();
            if (line == null) return false;
            if (line.startsWith("-")) {
                Log.warning("MASTER aborted replication with an error: " + line.substring(1));
                return transferFailed();
            }
            if (line.isEmpty()) return true; // keep-alive newline
            if (!line.startsWith("$")) {
                Log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '" + line
                        + "'), are you sure the host and port are right?");
                return transferFailed();
            }
            String where = diskless ? "to parser" : "to disk";
            if (line.startsWith("$EOF:") && line.length() >= 5 + MARK_LEN) {
                eofMark = line.substring(5, 5 + MARK_LEN).getBytes(StandardCharsets.ISO_8859_1);
                transferSize = 0;
                Log.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF " + where);
            } else {
                try {
                    transferSize = Long.parseLong(line.substring(1));
                } catch (NumberFormatException e) {
                    transferSize = -1;
                }
                if (transferSize < 0 || (diskless && transferSize > Integer.MAX_VALUE - 8)) {
                    Log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '" + line
                            + "'), are you sure the host and port are right?");
                    return transferFailed();
                }
                Log.notice("MASTER <-> REPLICA sync: receiving " + transferSize + " bytes from master " + where);
            }
            headerRead = true;
            if (diskless) memPayload = new ByteSink((int) Math.min(Math.max(transferSize, 64 * 1024), 64 << 20));
            return true;
        }
        int n = input.readableBytes();
        if (eofMark == null) n = (int) Math.min(n, transferSize - transferRead);
        if (n > 0) {
            byte[] chunk = new byte[n];
            input.readBytes(chunk);
            if (!writePayload(chunk)) return transferFailed();
            transferRead += n;
            if (eofMark != null) {
                updateLastBytes(chunk);
                if (eofMark != null && transferRead >= MARK_LEN && Arrays.equals(lastBytes, eofMark)) {
                    transferSize = transferRead;
                }
            }
        }
        boolean done = eofMark != null ? transferSize > 0 && transferRead == transferSize : transferRead == transferSize;
        if (!done) return false;
        return payloadComplete();
    }

    private void updateLastBytes(byte[] chunk) {
        if (chunk.length >= MARK_LEN) {
            System.arraycopy(chunk, chunk.length - MARK_LEN, lastBytes, 0, MARK_LEN);
        } else {
            System.arraycopy(lastBytes, chunk.length, lastBytes, 0, MARK_LEN - chunk.length);
            System.arraycopy(chunk, 0, lastBytes, MARK_LEN - chunk.length, chunk.length);
        }
    }

    private boolean writePayload(byte[] chunk) {
        if (diskless) {
            memPayload.put(chunk, 0, chunk.length);
            return true;
        }
        try {
            ByteBuffer bb = ByteBuffer.wrap(chunk);
            while (bb.hasRemaining()) tempFile.write(bb);
            return true;
        } catch (IOException e) {
            Log.warning("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA"
                    + " synchronization: " + e.getMessage());
            return false;
        }
    }

    /** The whole payload is here: it is parsed in the background, then adopted on this thread. */
    private boolean payloadComplete() {
        final byte[] image;
        final Path file;
        if (diskless) {
            int len = memPayload.len - (eofMark != null ? MARK_LEN : 0);
            image = memPayload.buf.length == len ? memPayload.buf : Arrays.copyOf(memPayload.buf, len);
            memPayload = null;
            file = null;
        } else {
            image = null;
            try {
                if (eofMark != null) tempFile.truncate(transferRead - MARK_LEN);
                tempFile.force(true);
                tempFile.close();
            } catch (IOException e) {
                Log.warning("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: "
                        + e.getMessage());
                return transferFailed();
            }
            tempFile = null;
            host.beforeDiskLoad();
            Path target = rdbPath.get();
            try {
                Files.move(tempPath, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Log.warning("Failed trying to rename the temp DB into " + target.getFileName()
                        + " in MASTER <-> REPLICA synchronization: " + e.getMessage());
                return transferFailed();
            }
            tempPath = null;
            file = target;
        }
        discardCachedMaster();
        Log.notice("MASTER <-> REPLICA sync: Loading DB in memory");
        loading = true;
        channel.config().setAutoRead(false); // the stream waits in the socket while we load
        long gen = generation;
        RdbFileLoader loader = host.loader();
        int dbs = host.databases();
        boolean fromDisk = file != null;
        Thread t = new Thread(() -> {
            RdbFileLoader.Result r = null;
            Exception error = null;
            try {
                long now = System.currentTimeMillis();
                r = file != null ? loader.load(file, dbs, now) : loader.load(image, dbs, now);
            } catch (Exception | OutOfMemoryError e) {
                error = e instanceof Exception ex ? ex : new IOException(e.toString());
            }
            RdbFileLoader.Result result = r;
            Exception failure = error;
            channel.eventLoop().execute(() -> loaded(gen, result, failure, fromDisk));
        }, "lodestone-repl-load");
        t.setDaemon(true);
        t.start();
        return false;
    }

    /** Back on the command thread with the parsed payload (Redis's end of readSyncBulkPayload). */
    private void loaded(long gen, RdbFileLoader.Result r, Exception error, boolean fromDisk) {
        if (gen != generation) return; // the link was dropped or retargeted meanwhile
        loading = false;
        if (error != null) {
            Log.warning("Failed trying to load the MASTER synchronization DB from " + (fromDisk ? "disk" : "socket")
                    + ", check server logs. (" + error.getMessage() + ")");
            transferFailed();
            return;
        }
        // Redis's replicationAttachToNewMaster: our replicas must resync with us, the old history is gone.
        replication.disconnectReplicas();
        stream.freeBacklog();
        if (diskless && "swapdb".equals(disklessLoad)) {
            Log.notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
        } else {
            Log.notice("MASTER <-> REPLICA sync: Flushing old data");
        }
        host.adopt(r);
        if (diskless && "swapdb".equals(disklessLoad)) {
            Log.notice("MASTER <-> REPLICA sync: Discarding old DB in background");
        }
        stream.adoptMasterHistory(initialReplid, initialOffset);
        Log.notice("MASTER <-> REPLICA sync: Finished with success");
        masterConnected(initialOffset, 0);
        // The master streams after a diskless sync once we ACK (Redis sends the first ACK at once).
        if (eofMark != null) sendAck();
        if (channel != null && channel.isActive()) channel.config().setAutoRead(true);
        if (input != null && input.isReadable()) {
            process();
            if (masterUp) host.afterBatch();
        }
    }

    private boolean transferFailed() {
        cancelHandshake(true);
        return false;
    }

    private void abortTransfer() {
        loading = false;
        memPayload = null;
        if (tempFile != null) {
            try {
                tempFile.close();
            } catch (IOException ignored) {
                // being deleted anyway
            }
            tempFile = null;
        }
        if (tempPath != null) {
            try {
                Files.deleteIfExists(tempPath);
            } catch (IOException ignored) {
                // left for the next start
            }
            tempPath = null;
        }
    }

    /** Redis's cancelReplicationHandshake; returns whether a handshake or transfer was cancelled. */
    private boolean cancelHandshake(boolean reconnect) {
        if (state == State.TRANSFER) {
            abortTransfer();
            closeLink();
            state = State.CONNECT;
        } else if (state == State.CONNECTING || state == State.HANDSHAKE) {
            closeLink();
            state = State.CONNECT;
        } else {
            return false;
        }
        if (!reconnect || masterHost == null) return true;
        Log.notice("Reconnecting to MASTER " + masterHost + ":" + masterPort + " after failure");
        connect();
        return true;
    }

    /** Closes the socket of the link; its callbacks are ignored from now on. */
    private void closeLink() {
        generation++;
        Channel ch = channel;
        channel = null;
        if (ch != null) ch.close();
        if (input != null) {
            input.release();
            input = null;
        }
    }

    // ---- Connected: the master's stream ----------------------------------------------------------

    /** Redis's replicationCreateMasterClient: the link carries the stream from {@code offset}. */
    private void masterConnected(long offset, int db) {
        masterUp = true;
        reploff = offset;
        readReploff = offset;
        lastInteractionMs = System.currentTimeMillis();
        applied.len = 0;
        decoder = new RequestDecoder(new StreamSink(), channel.alloc());
        state = State.CONNECTED;
        replication.masterLinkUp = true;
        host.masterClient(true, channel, db);
    }

    private final class StreamSink implements RequestDecoder.Sink {
        @Override
        public void command(byte[][] argv, int argc) {
            ReplicationStream.appendCommand(applied, argv, argc);
            host.execute(argv, argc);
            if (!masterUp) return;
            if (host.inTransaction()) return;
            // Fully processed: counted, and forwarded to our replicas and backlog byte for byte.
            stream.feedRaw(applied.buf, 0, applied.len);
            reploff += applied.len;
            applied.len = 0;
        }

        @Override
        public boolean authRequired() {
            return false;
        }

        @Override
        public long maxBulkLength() {
            return Long.MAX_VALUE;
        }

        @Override
        public long maxQueryBuffer() {
            return Long.MAX_VALUE;
        }

        @Override
        public boolean stopped() {
            return !masterUp;
        }
    }

    private void applyStream(ByteBuf in) {
        int n = in.readableBytes();
        readReploff += n;
        lastInteractionMs = System.currentTimeMillis();
        String error = decoder.decode(in);
        if (error != null && masterUp) {
            Log.warning("Protocol error from MASTER: " + error + ". Closing the link.");
            Channel ch = channel;
            if (ch != null) ch.close();
        }
    }

    /** REPLCONF ACK with the offset processed (Redis's replicationSendAck); at GETACK and every second. */
    public void sendAck() {
        if (!masterUp || prePsync || channel == null) return;
        send(channel, "REPLCONF", "ACK", Long.toString(reploff));
    }

    /** The master client is freed: cached, so that the next PSYNC continues (Redis's replicationCacheMaster). */
    private void dropMaster() {
        Log.warning("Connection with master lost.");
        Log.notice("Caching the disconnected master state.");
        cached = true;
        cachedReplid = stream.replid();
        cachedReploff = reploff;
        cachedDb = host.masterDb();
        masterUp = false;
        if (decoder != null) {
            decoder.release();
            decoder = null;
        }
        applied.len = 0;
        host.masterClient(false, null, 0);
        closeLink();
        // Redis's replicationHandleMasterDisconnection.
        state = State.CONNECT;
        downSinceMs = System.currentTimeMillis();
        replication.masterLinkUp = false;
        if (masterHost != null && !shuttingDown) {
            Log.notice("Reconnecting to MASTER " + masterHost + ":" + masterPort);
            connect();
        }
    }

    /** The socket closed under us. */
    private void linkClosed() {
        if (masterUp) {
            dropMaster();
        } else if (state == State.TRANSFER) {
            Log.warning("I/O error trying to sync with MASTER: connection lost");
            transferFailed();
        } else if (state == State.CONNECTING || state == State.HANDSHAKE) {
            Log.warning("Master closed the connection during the SYNC handshake");
            closeLink();
            state = State.CONNECT;
        }
    }

    /** Closes the link with the master (CLIENT KILL TYPE master): it is cached and reconnected. */
    public void killMaster() {
        if (masterUp && channel != null) channel.close();
    }

    // ---- Cron ------------------------------------------------------------------------------------

    /** Every second (Redis's replicationCron, replica part). */
    public void cron() {
        if (masterHost == null) return;
        long now = System.currentTimeMillis();
        long timeoutMs = replication.timeoutSeconds * 1000L;
        if ((state == State.CONNECTING || state == State.HANDSHAKE) && now - transferLastIoMs > timeoutMs) {
            Log.warning("Timeout connecting to the MASTER...");
            cancelHandshake(true);
        }
        if (state == State.TRANSFER && !loading && now - transferLastIoMs > timeoutMs) {
            Log.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                    + "'repl-timeout' parameter in redis.conf to a larger value.");
            cancelHandshake(true);
        }
        if (state == State.CONNECTED && masterUp && now - lastInteractionMs > timeoutMs) {
            Log.warning("MASTER timeout: no data nor PING received...");
            dropMaster();
        }
        if (state == State.CONNECT) {
            Log.notice("Connecting to MASTER " + masterHost + ":" + masterPort);
            connect();
        }
        if (loading && channel != null) {
            // Redis's replicationSendNewlineToMaster: the master must not time us out while we load.
            channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[]{'\n'}), channel.voidPromise());
        }
        sendAck();
    }
}
