package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.Connection;
import io.lodestone.command.Dispatcher;
import io.lodestone.command.ServerContext;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.protocol.Reply;
import io.lodestone.replication.MasterLink;
import io.lodestone.replication.ReplicaPeer;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.List;

/**
 * What the replica side ({@link MasterLink}) needs from the server: the master client (Redis's
 * {@code server.master}) that executes the master's stream through the {@link Dispatcher} like any
 * client, with its replies dropped and the checks a master client is exempt from skipped
 * ({@link Client#isMaster}); the loading of a full sync's payload; and the role change.
 */
final class MasterClientHost implements MasterLink.Host {
    private final ServerContext server;
    private final Dispatcher dispatcher;
    private Client master;
    private long lastErrors;
    private final OomScoreAdj oomScoreAdj;
    private final io.lodestone.tls.Tls tls;

    MasterClientHost(ServerContext server, Dispatcher dispatcher, OomScoreAdj oomScoreAdj, io.lodestone.tls.Tls tls) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.oomScoreAdj = oomScoreAdj;
        this.tls = tls;
    }

    @Override
    public boolean execute(byte[][] argv, int argc) {
        Client c = master;
        if (c == null) return true;
        c.argv = argv;
        c.argc = argc;
        server.keyspace.obeyingMaster = true;
        try {
            dispatcher.process(c);
        } finally {
            server.keyspace.obeyingMaster = false;
        }
        c.argv = null;
        // Held by a client pause: the stream waits at this command (the link re-runs it on release).
        if (c.blocked != null) return false;
        c.reply.discard();
        long errors = c.reply.errorCount();
        if (errors != lastErrors) {
            lastErrors = errors;
            logErrorToMaster(c.reply.lastError(), server.commands.lookup(argv[0]) == null || c.lastCmd == null
                    ? "<unknown>" : c.lastCmd.fullName());
        }
        return true;
    }

    /**
     * Redis's afterErrorReply for the master client: the replica and its master now disagree, so the
     * error and the newest 256 bytes of our backlog (what the master sent last) go to the log.
     */
    private void logErrorToMaster(String error, String command) {
        logUnexpectedError(server, "replica", "master", error, command);
        io.lodestone.replication.Backlog backlog = server.replication.stream.backlog();
        if (backlog != null && backlog.histlen() > 0) {
            byte[] tail = backlog.tail(256);
            Log.warning("Latest backlog is: '" + io.lodestone.util.SplitArgs.repr(
                    new String(tail, java.nio.charset.StandardCharsets.ISO_8859_1)) + "'");
        }
    }

    /**
     * Redis's afterErrorReply for a client of the replication link (our master, or one of our
     * replicas): such an error means the two sides disagree. Redis logs an ERR error by its message
     * alone and another code with its dash ('-WRONGTYPE ...').
     */
    static void logUnexpectedError(ServerContext server, String from, String to, String error, String command) {
        if (error == null) error = "";
        error = error.startsWith("ERR ") ? error.substring(4) : "-" + error;
        if (error.length() > 4096) error = error.substring(0, 4096);
        Log.warning("== CRITICAL == This " + from + " is sending an error to its " + to + ": '" + error
                + "' after processing the command '" + command + "'");
        server.stats.unexpectedErrorReplies++;
    }

    @Override
    public boolean inTransaction() {
        return master != null && master.multi != null;
    }

    @Override
    public void masterClient(boolean connected, Channel channel, int db, Runnable resume) {
        if (master != null) {
            Client old = master;
            master = null;
            server.clients.remove(old);
            server.blocking.unblock(old);
            if (old.multi != null) dispatcher.discardTransaction(old);
            server.watches.unwatchAll(old);
            ByteBuf kept = old.reply.take();
            if (kept != null) kept.release();
        }
        if (!connected) return;
        Client c = new Client(server.clients.nextId(), server, new Reply(UnpooledByteBufAllocator.DEFAULT, m -> { }),
                new MasterConnection(channel, resume));
        c.authenticated = true;
        c.isMaster = true;
        c.select(Math.max(0, Math.min(db, server.keyspace.databases() - 1)));
        lastErrors = 0;
        master = c;
        server.clients.add(c);
    }

    @Override
    public int masterDb() {
        return master == null ? 0 : master.dbIndex();
    }

    @Override
    public void afterBatch() {
        server.flushPendingWrites();
        server.aof.beforeReplies();
    }

    @Override
    public RdbFileLoader loader() {
        return server.rdb.loader(true);
    }

    @Override
    public int databases() {
        return server.keyspace.databases();
    }

    @Override
    public long totalKeys() {
        return server.keyspace.totalKeys();
    }

    @Override
    public void beforeDiskLoad() {
        if (server.rdb.bgsaveInProgress()) {
            Log.warning("Replica is about to load the RDB file received from the master, but there is a pending RDB"
                    + " child running. Killing process " + Log.pid() + " and removing its temp file to avoid any race");
            server.rdb.abortBgsave();
        }
    }

    @Override
    public void adopt(RdbFileLoader.Result loaded) {
        // Redis stops the AOF while it loads the master's data and starts it again with a rewrite.
        boolean aof = server.aof.state() != AppendOnlyFile.State.OFF;
        if (aof) server.aof.stop();
        server.rdb.adopt(loaded);
        if (aof) server.aof.start(false);
    }

    @Override
    public void loading(boolean on, boolean async, long bytes) {
        if (on && async) {
            server.loading.beginAsync(bytes);
        } else if (on) {
            server.loading.begin(bytes);
        } else {
            if (server.loading.asyncLoading()) server.loading.endAsync();
            if (server.loading.active()) server.loading.end();
        }
    }

    @Override
    public void roleChanged(boolean replica) {
        // A replica keeps keys whose TTL passed (its master sends the DEL) and only hides them.
        server.updateExpiryRole();
        oomScoreAdj.apply(replica ? OomScoreAdj.REPLICA : OomScoreAdj.PRIMARY);
        if (!replica) return;
        server.ackedWrites.roleChanged();
        // Redis's disconnectAllBlockedClients: their command belongs to the master we no longer are.
        List<Client> blocked = new ArrayList<>();
        for (Client c : server.clients.all()) if (c.blocked != null && !c.isMaster) blocked.add(c);
        for (Client c : blocked) {
            server.blocking.unblock(c);
            server.repl.waitingAcks.remove(c);
            c.reply.error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
            if (c.conn != null) c.conn.closeAfterReply();
        }
    }

    /** With tls-replication the master is told our TLS port, as Redis's replica does (when we have one). */
    @Override
    public int listeningPort() {
        int tlsPort = server.config.getInt("tls-port");
        return server.config.getBool("tls-replication") && tlsPort != 0 ? tlsPort : server.process.port;
    }

    @Override
    public io.netty.channel.ChannelHandler linkTls(Channel ch, String host, int port) {
        return server.config.getBool("tls-replication") ? tls.clientHandler(ch.alloc(), host, port) : null;
    }

    /** The master client's connection: the link's socket, written only by the link (REPLCONF ACK). */
    static final class MasterConnection implements Connection {
        private final Channel channel;
        private final Runnable resume;

        MasterConnection(Channel channel, Runnable resume) {
            this.channel = channel;
            this.resume = resume;
        }

        /** The link's socket (the busy responder reads the stream from it while a script runs). */
        Channel channel() {
            return channel;
        }

        @Override
        public String remoteAddress() {
            return ClientHandler.format(channel.remoteAddress());
        }

        @Override
        public String localAddress() {
            return ClientHandler.format(channel.localAddress());
        }

        @Override
        public int fd() {
            return Lodestone.fdOf(channel);
        }

        @Override
        public void closeAfterReply() {
            channel.close();
        }

        @Override
        public void closeNow() {
            channel.close(); // the link notices, caches the master and reconnects
        }

        @Override
        public long pendingOutputBytes() {
            return 0;
        }

        @Override
        public void flushOutput() {
        }

        @Override
        public void resume() {
        }

        /** The link keeps the held command and re-runs it itself, then goes on with the stream. */
        @Override
        public void reprocess(byte[][] argv, int argc) {
            channel.eventLoop().execute(resume);
        }

        @Override
        public boolean isLocal() {
            return true;
        }

        @Override
        public ReplicaPeer becomeReplica(long clientId, String addressIp) {
            return new ReplicaPeer(clientId, channel, addressIp);
        }
    }
}
