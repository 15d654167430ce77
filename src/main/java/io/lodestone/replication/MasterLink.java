package io.lodestone.replication;

import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.util.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.net.ConnectException;
import java.nio.file.Path;
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
 * <p>This class is the state machine: REPLICAOF, what each state does with the master's bytes,
 * timeouts (cron), and what INFO and ROLE see. Each step has its own owner, which it drives:
 * <ul>
 *   <li>{@link MasterConnection}: the socket, whose events of an older attempt are ignored;</li>
 *   <li>{@link Handshake}: the handshake's commands and replies, up to PSYNC's answer;</li>
 *   <li>{@link PayloadTransfer}: a full sync's payload ({@code $<len>} or {@code $EOF:<mark>}) into a
 *       temp file that becomes {@code dbfilename}, or into memory (repl-diskless-load);</li>
 *   <li>{@link ReplicaLoad}: the payload parsed on a background thread while the server keeps serving
 *       its old data (the link stops reading meanwhile), then adopted on the command thread in one step;</li>
 *   <li>{@link MasterStream}: the master client, which applies the stream, forwards it to our own
 *       replicas and backlog, and ACKs its offset;</li>
 *   <li>{@link CachedMaster}: the history kept when the link is lost (or taken from the RDB at
 *       start-up), so the next PSYNC continues where we stopped.</li>
 * </ul>
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
        /**
         * Executes one command of the master's stream as the master client (replies are dropped);
         * false when a client pause holds it, to be run again when the link is resumed.
         */
        boolean execute(byte[][] argv, int argc);

        /** Whether the master client is between MULTI and EXEC (its offset advances at EXEC). */
        boolean inTransaction();

        /** The master client connected (true, on {@code channel}) or went away (false). */
        void masterClient(boolean connected, Channel channel, int db, Runnable resume);

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

        /**
         * A payload of {@code bytes} (0: unknown) is being loaded, or no longer (Redis's startLoading and
         * stopLoading): clients get -LOADING, or with {@code async} keep being served (INFO async_loading).
         */
        void loading(boolean on, boolean async, long bytes);

        /** The server became a replica (true) or a master (false): read-only rules, expiry, blocked clients. */
        void roleChanged(boolean replica);

        /** The port our clients connect to (REPLCONF listening-port, unless replica-announce-port). */
        int listeningPort();

        /** tls-replication: the TLS handler a new link to host:port starts with, or null for plain TCP. */
        default io.netty.channel.ChannelHandler linkTls(Channel ch, String host, int port) {
            return null;
        }
    }

    private final Replication replication;
    private final ReplicationStream stream;
    private final Host host;

    // Settings: written by the server's config bindings at start and on every change (no defaults
    // here). repl-timeout is the master side's (Replication.timeoutSeconds), our port the Host's.
    public volatile String masterAuth;
    public volatile String masterUser;
    /**
     * This server's own requirepass: what the link authenticates with when the master demands a
     * password and masterauth is unset (the common "same requirepass everywhere" setup).
     */
    public volatile java.util.function.Supplier<String> ownPassword = () -> null;
    public volatile String announceIp;
    /** bind-source-addr: the local address the link to the master connects from, or null. */
    public volatile String bindSourceAddr;
    public volatile int announcePort;
    /** repl-diskless-load: "disabled", "on-empty-db" or "swapdb". */
    public volatile String disklessLoad;
    /** The server is exiting: links that drop from now on are not re-established. */
    public volatile boolean shuttingDown;

    private String masterHost;
    private int masterPort;
    private State state = State.NONE;
    /** Unix ms of the last byte of the handshake or transfer (Redis's repl_transfer_lastio). */
    private long transferLastIoMs;
    /** Since when the link is down (ms), 0 if it never was up (Redis's repl_down_since). */
    private long downSinceMs;
    /** Bytes received on the link not yet used (lines of the handshake, the start of the stream). */
    private ByteBuf input;

    // The steps of the link, one owner each.
    private final MasterConnection connection;
    private final CachedMaster cachedMaster = new CachedMaster();
    private final Handshake handshake;
    private final PayloadTransfer transfer;
    private final ReplicaLoad load;
    private final MasterStream master;

    public MasterLink(Replication replication, Bootstrap bootstrap, Host host, Supplier<Path> rdbPath) {
        this.replication = replication;
        this.stream = replication.stream;
        this.host = host;
        this.connection = new MasterConnection(bootstrap, this, host);
        this.handshake = new Handshake(this, cachedMaster);
        this.transfer = new PayloadTransfer(host, rdbPath);
        this.load = new ReplicaLoad(replication, host);
        this.master = new MasterStream(stream, host);
    }

    /** Our port, for REPLCONF listening-port (the server's: there is no second copy of the setting). */
    int listeningPort() {
        return host.listeningPort();
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
        return master.up() ? (int) ((System.currentTimeMillis() - master.lastInteractionMs()) / 1000) : -1;
    }

    /** slave_repl_offset (the master client's, or the cached one's; Redis starts from 1). */
    public long replOffset() {
        return master.up() ? master.reploff() : cachedMaster.present() ? cachedMaster.reploff() : 1;
    }

    /** slave_read_repl_offset. */
    public long readReplOffset() {
        return master.up() ? master.readReploff() : cachedMaster.present() ? cachedMaster.reploff() : 1;
    }

    /** The offset ROLE shows: the master client's, or -1. */
    public long roleOffset() {
        return master.up() ? master.reploff() : -1;
    }

    public boolean syncInProgress() {
        return state == State.TRANSFER;
    }

    public long transferSize() {
        return transfer.size();
    }

    public long transferRead() {
        return transfer.read();
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
        if (master.up()) return host.masterDb();
        if (cachedMaster.present()) return cachedMaster.db();
        return -1;
    }

    // ---- REPLICAOF -------------------------------------------------------------------------------

    /** Redis's replicationSetMaster: answered at once, the link is built in the background. */
    public void setMaster(String h, int p) {
        boolean wasMaster = masterHost == null;
        masterHost = null;
        if (master.up()) dropMaster();
        cancelHandshake(false);
        masterHost = h;
        masterPort = p;
        becomeReplica();
        if (wasMaster) {
            cachedMaster.discard();
            cachedMaster.cacheMyself(stream);
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
        cachedMaster.cache(replid, offset, db);
    }

    /** Redis's replicationUnsetMaster (REPLICAOF NO ONE). */
    public void unsetMaster() {
        failover = null;
        if (masterHost == null) return;
        masterHost = null;
        Log.role('M');
        if (master.up()) dropMaster();
        cachedMaster.discard();
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

    // ---- Connecting ------------------------------------------------------------------------------

    /** Redis's connectWithMaster. */
    private void connect() {
        if (shuttingDown) return;
        ChannelFuture f = connection.open(masterHost, masterPort, replication.timeoutSeconds);
        if (f == null) return;
        long gen = connection.generation();
        transferLastIoMs = System.currentTimeMillis();
        state = State.CONNECTING;
        Log.notice("MASTER <-> REPLICA sync started");
        f.addListener(done -> {
            if (gen != connection.generation()) return;
            if (!done.isSuccess()) {
                Throwable t = done.cause();
                String why = t instanceof ConnectException ? "Connection refused" : String.valueOf(t.getMessage());
                Log.warning("Error condition on socket for SYNC: " + why);
                closeLink();
                state = State.CONNECT;
            }
        });
    }

    /** The socket is connected: the handshake starts. */
    void connected(Channel ch) {
        Log.notice("Non blocking connect for SYNC fired the event.");
        state = State.HANDSHAKE;
        transferLastIoMs = System.currentTimeMillis();
        handshake.start(ch);
    }

    /** Bytes read from masters, handshake and transfer included (INFO total_net_repl_input_bytes). */
    public long bytesReceived;

    /** Bytes from the master, in whatever state we are. */
    void received(ByteBuf in) {
        bytesReceived += in.readableBytes();
        if (state == State.CONNECTED && master.up() && input == null) {
            master.apply(in);
            return;
        }
        if (input == null) input = Unpooled.buffer(Math.max(256, in.readableBytes()));
        input.writeBytes(in);
        process();
    }

    /** The end of a read batch: the effects of the stream applied in it are flushed. */
    void readComplete() {
        if (master.up()) host.afterBatch();
    }

    /** Works through {@link #input} until more bytes are needed or the state stops consuming. */
    private void process() {
        while (input != null && input.isReadable()) {
            if (state == State.HANDSHAKE) {
                String line = Handshake.readLine(input);
                if (line == null) return;
                transferLastIoMs = System.currentTimeMillis();
                if (!handshakeReply(line)) return;
            } else if (state == State.TRANSFER) {
                if (load.inProgress()) return;
                if (!transfer()) return;
            } else if (state == State.CONNECTED && master.up()) {
                ByteBuf rest = input;
                input = null;
                master.apply(rest);
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

    // ---- The handshake ---------------------------------------------------------------------------

    /** One reply of the handshake, acted upon; false when the link was dropped or paused. */
    private boolean handshakeReply(String line) {
        Handshake.Result result = handshake.reply(line, connection.channel());
        // A FAILOVER ends when the new master answers its PSYNC, whatever the answer (Redis's syncWithMaster).
        if (failover != null && result != Handshake.Result.NEXT && handshake.psyncSent()) {
            FailoverPsync f = failover;
            failover = null;
            if (result == Handshake.Result.FAILED) {
                f.rejected();
                return false;
            }
            f.accepted();
        }
        return switch (result) {
            case NEXT -> true;
            case FAILED -> handshakeFailed();
            case FULL_RESYNC -> startTransfer();
            case CONTINUE -> {
                partialResync();
                yield true;
            }
        };
    }

    /** What FAILOVER learns of the PSYNC it makes this server send to its target. */
    public interface FailoverPsync {
        /** The target answered +CONTINUE or +FULLRESYNC: it is the master now. */
        void accepted();

        /** The target refused: the caller turns this server back into a master. */
        void rejected();
    }

    private FailoverPsync failover;

    /**
     * FAILOVER's last step (Redis's replicationSetMaster in FAILOVER_IN_PROGRESS): replicate from the
     * target with {@code PSYNC <replid> <offset> FAILOVER}, which tells it to become a master first.
     */
    public void setMasterForFailover(String h, int p, FailoverPsync watcher) {
        setMaster(h, p);
        failover = watcher;
    }

    /** True while the PSYNC of a FAILOVER is still to be sent or answered. */
    boolean failoverPending() {
        return failover != null;
    }

    /** +CONTINUE: Redis's replicationResurrectCachedMaster, the cached master becomes the master again. */
    private void partialResync() {
        String newId = handshake.newReplid();
        if (newId != null) {
            // The master changed history (it was promoted): ours continues under the old id as replid2.
            stream.shiftReplicationId(newId);
            Log.warning("Master replication ID changed to " + newId);
            replication.disconnectReplicas();
        }
        cachedMaster.resurrect();
        stream.createBacklog();
        Log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        masterConnected(cachedMaster.reploff(), cachedMaster.db());
    }

    private boolean handshakeFailed() {
        closeLink();
        state = State.CONNECT;
        return false;
    }

    // ---- Full sync: the transfer, then the load ----------------------------------------------------

    private boolean startTransfer() {
        state = State.TRANSFER;
        transferLastIoMs = System.currentTimeMillis();
        if (!transfer.start(disklessLoad)) return handshakeFailed();
        return true;
    }

    /** Feeds {@link #input} to the transfer; false when more bytes are needed or the state changed. */
    private boolean transfer() {
        transferLastIoMs = System.currentTimeMillis();
        PayloadTransfer.Progress progress = transfer.read(input);
        // Redis reads a diskless payload straight into the loader: the load starts with its first byte.
        if (transfer.diskless() && transfer.headerRead() && !load.begun() && progress != PayloadTransfer.Progress.FAILED) {
            load.begin(asyncLoad(), Math.max(0, transfer.size()));
        }
        return switch (progress) {
            case NEED_MORE -> false;
            case AGAIN -> true;
            case FAILED -> transferFailed();
            case COMPLETE -> payloadComplete();
        };
    }

    /**
     * Redis 7.0's async loading: swapdb, and the master's replication id is ours (our data is an older
     * point of the same history), so the old data can be served while the new one loads.
     */
    private boolean asyncLoad() {
        return "swapdb".equals(disklessLoad) && stream.replid().equals(handshake.initialReplid());
    }

    /** The whole payload is here: it is parsed in the background, then adopted on this thread. */
    private boolean payloadComplete() {
        PayloadTransfer.Payload payload = transfer.finish();
        if (payload == null) return transferFailed();
        cachedMaster.discard();
        Channel ch = connection.channel();
        ch.config().setAutoRead(false); // the stream waits in the socket while we load
        long gen = connection.generation();
        load.start(payload, ch.eventLoop(), outcome -> {
            if (gen == connection.generation()) loaded(outcome); // else the link was dropped or retargeted meanwhile
        });
        return false;
    }

    /** Back on the command thread with the parsed payload (Redis's end of readSyncBulkPayload). */
    private void loaded(ReplicaLoad.Outcome outcome) {
        boolean swapdb = transfer.diskless() && "swapdb".equals(disklessLoad);
        if (!load.handOver(outcome, swapdb, handshake.initialReplid(), handshake.initialOffset())) {
            transferFailed();
            return;
        }
        masterConnected(handshake.initialOffset(), 0);
        // The master streams after a diskless sync once we ACK (Redis sends the first ACK at once).
        if (transfer.eofFramed()) sendAck();
        Channel ch = connection.channel();
        if (ch != null && ch.isActive()) ch.config().setAutoRead(true);
        if (input != null && input.isReadable()) {
            process();
            if (master.up()) host.afterBatch();
        }
    }

    private boolean transferFailed() {
        cancelHandshake(true);
        return false;
    }

    /** Redis's cancelReplicationHandshake; returns whether a handshake or transfer was cancelled. */
    private boolean cancelHandshake(boolean reconnect) {
        if (state == State.TRANSFER) {
            load.cancel();
            transfer.abort();
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

    /** Closes the socket of the link (its callbacks are ignored from now on) and drops unread bytes. */
    private void closeLink() {
        connection.close();
        if (input != null) {
            input.release();
            input = null;
        }
    }

    // ---- Connected: the master client ------------------------------------------------------------

    /** Redis's replicationCreateMasterClient: the link carries the stream from {@code offset}. */
    private void masterConnected(long offset, int db) {
        Channel ch = connection.channel();
        master.start(ch, offset);
        state = State.CONNECTED;
        replication.masterLinkUp = true;
        host.masterClient(true, ch, db, master::resume);
    }

    /** REPLCONF ACK with the offset processed (Redis's replicationSendAck); at GETACK and every second. */
    public void sendAck() {
        if (handshake.prePsync()) return; // a master from before PSYNC takes no ACKs
        master.sendAck();
    }

    /** The master client is freed: cached, so that the next PSYNC continues (Redis's replicationCacheMaster). */
    private void dropMaster() {
        Log.warning("Connection with master lost.");
        Log.notice("Caching the disconnected master state.");
        cachedMaster.cache(stream.replid(), master.reploff(), host.masterDb());
        master.stop();
        host.masterClient(false, null, 0, null);
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
    void closed() {
        if (master.up()) {
            dropMaster();
        } else if (state == State.TRANSFER) {
            if (transfer.diskless() && transfer.headerRead() && !load.inProgress()) {
                // Redis reads a diskless payload straight into its loader, which meets the end of the
                // socket as a short read; we hold the bytes, but say what Redis says.
                Log.warning("Internal error in RDB reading offset " + transfer.read() + ", function at rdb.c:0 ->"
                        + " Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming"
                        + " connection error, resuming operation.");
                Log.warning("Failed trying to load the MASTER synchronization DB from socket, check server logs.");
            } else {
                Log.warning("I/O error trying to sync with MASTER: connection lost");
            }
            transferFailed();
        } else if (state == State.CONNECTING || state == State.HANDSHAKE) {
            Log.warning("Master closed the connection during the SYNC handshake");
            closeLink();
            state = State.CONNECT;
        }
    }

    /** Closes the link with the master (CLIENT KILL TYPE master): it is cached and reconnected. */
    public void killMaster() {
        Channel ch = connection.channel();
        if (master.up() && ch != null) ch.close();
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
        if (state == State.TRANSFER && !load.inProgress() && now - transferLastIoMs > timeoutMs) {
            Log.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                    + "'repl-timeout' parameter in redis.conf to a larger value.");
            cancelHandshake(true);
        }
        if (state == State.CONNECTED && master.up() && now - master.lastInteractionMs() > timeoutMs) {
            Log.warning("MASTER timeout: no data nor PING received...");
            dropMaster();
        }
        if (state == State.CONNECT) {
            Log.notice("Connecting to MASTER " + masterHost + ":" + masterPort);
            connect();
        }
        Channel ch = connection.channel();
        if (load.inProgress() && ch != null) {
            // Redis's replicationSendNewlineToMaster: the master must not time us out while we load.
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{'\n'}), ch.voidPromise());
        }
        sendAck();
    }
}
