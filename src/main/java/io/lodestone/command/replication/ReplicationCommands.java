package io.lodestone.command.replication;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.replication.MasterLink;
import io.lodestone.replication.ReplicaPeer;
import io.lodestone.replication.Replication;
import io.lodestone.util.Log;

import java.util.ArrayList;
import java.util.List;

/**
 * The master side of replication's commands (Redis's replication.c): SYNC, PSYNC, REPLCONF, WAIT and
 * ROLE. A connection that sends SYNC or PSYNC becomes a replica: its replies stop (a replica expects
 * nothing but the stream) and {@link Replication} owns its socket from then on.
 */
public final class ReplicationCommands {
    private ReplicationCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("sync", ReplicationCommands::sync);
        t.handle("psync", ReplicationCommands::sync);
        t.handle("replconf", ReplicationCommands::replconf);
        t.handle("wait", ReplicationCommands::waitCommand);
        t.handle("role", ReplicationCommands::role);
        t.handle("failover", Failover::command);
        t.handle("replicaof", ReplicationCommands::replicaof);
        t.handle("slaveof", ReplicationCommands::replicaof);
    }

    /**
     * REPLICAOF host port | NO ONE (Redis's replicaofCommand): answered at once; the link with the new
     * master is built in the background ({@link MasterLink}).
     */
    static void replicaof(Client c) {
        ServerContext s = c.server;
        MasterLink link = s.masterLink;
        if (Args.is(c.argv[1], "no") && Args.is(c.argv[2], "one")) {
            if (link.isReplica()) {
                link.unsetMaster();
                setConfig(s, "no", "one");
                Log.notice("MASTER MODE enabled (user request from '" + clientInfo(c) + "')");
            }
        } else {
            if (c.replicaPeer != null || c.monitor) throw new CommandError("ERR Command is not valid when client is a replica.");
            long port;
            try {
                port = Args.parseLong(c.argv[2]);
            } catch (CommandError e) {
                throw new CommandError("ERR Invalid master port");
            }
            if (port < 0 || port > 65535) throw new CommandError("ERR Invalid master port");
            String host = Args.str(c.argv[1]);
            if (link.isReplica() && link.masterHost().equalsIgnoreCase(host) && link.masterPort() == port) {
                Log.notice("REPLICAOF would result into synchronization with the master we are already connected with."
                        + " No operation performed.");
                c.reply.simple("OK Already connected to specified master");
                return;
            }
            link.setMaster(host, (int) port);
            setConfig(s, host, Long.toString(port));
            Log.notice("REPLICAOF " + host + ":" + port + " enabled (user request from '" + clientInfo(c) + "')");
        }
        c.reply.ok();
    }

    /** Keeps CONFIG GET replicaof and CONFIG REWRITE in step with REPLICAOF. */
    private static void setConfig(ServerContext s, String a, String b) {
        try {
            s.config.setInternal("replicaof", a, b);
        } catch (IllegalArgumentException e) {
            // A host the config syntax refuses still works as a link; only the config line is not kept.
        }
    }

    /** Redis's catClientInfoString for log lines. */
    private static String clientInfo(Client c) {
        String d = io.lodestone.command.connection.ClientCommand.describe(c, c);
        return d.endsWith("\n") ? d.substring(0, d.length() - 1) : d;
    }

    /** SYNC, or PSYNC replid offset (Redis's syncCommand). */
    static void sync(Client c) {
        if (c.replicaPeer != null || c.monitor) return; // already a replica (or a monitor): ignored, as in Redis
        Replication r = c.server.replication;
        if (c.argc > 3 && Args.is(c.argv[0], "psync") && Args.is(c.argv[3], "failover")) {
            // A master hands over to us (its FAILOVER): same history, so we become the master and go on.
            if (!Args.str(c.argv[1]).equalsIgnoreCase(r.stream.replid())) {
                throw new CommandError("ERR PSYNC FAILOVER replid must match my replid.");
            }
            c.server.masterLink.unsetMaster();
            setConfig(c.server, "no", "one");
            Log.notice("MASTER MODE enabled (failover request from '" + clientInfo(c) + "')");
        }
        if (c.server.failover.state() != Failover.State.NO_FAILOVER) {
            throw new CommandError("NOMASTERLINK Can't SYNC while failing over");
        }
        if (r.isReplica && !r.masterLinkUp) {
            throw new CommandError("NOMASTERLINK Can't SYNC while not connected with my master");
        }
        boolean psync = Args.is(c.argv[0], "psync");
        String replid = null;
        long offset = -1;
        if (psync) {
            replid = Args.str(c.argv[1]);
            try {
                offset = Args.parseLong(c.argv[2]);
            } catch (CommandError e) {
                Log.warning("Replica " + c.conn.remoteAddress() + " asks for synchronization but with a wrong offset");
                throw e;
            }
        }
        // Replies to the handshake go out first: from here on the stream owns the socket.
        c.conn.flushOutput();
        c.replyOff = true;
        String addr = c.conn.remoteAddress();
        ReplicaPeer peer = c.conn.becomeReplica(c.id, addr.substring(0, Math.max(0, addr.lastIndexOf(':'))));
        peer.listeningPort = c.replListeningPort;
        peer.announcedIp = c.replAnnouncedIp;
        peer.capaEof = c.replCapaEof;
        peer.capaPsync2 = c.replCapaPsync2;
        peer.excludeData = c.replRdbExcludeData;
        peer.excludeFunctions = c.replRdbExcludeFunctions;
        c.replicaPeer = peer;
        r.sync(peer, replid, offset);
    }

    /** REPLCONF option value ... (Redis's replconfCommand). */
    static void replconf(Client c) {
        if (c.argc % 2 == 0) throw new CommandError("ERR syntax error");
        for (int j = 1; j < c.argc; j += 2) {
            byte[] opt = c.argv[j], val = c.argv[j + 1];
            if (Args.is(opt, "listening-port")) {
                c.replListeningPort = (int) Args.parseLong(val);
            } else if (Args.is(opt, "ip-address")) {
                if (val.length >= 46) {
                    throw new CommandError("ERR REPLCONF ip-address provided by replica instance is too long: "
                            + val.length + " bytes");
                }
                c.replAnnouncedIp = Args.str(val);
            } else if (Args.is(opt, "capa")) {
                // Capabilities this master does not know are ignored, as Redis does.
                if (Args.is(val, "eof")) c.replCapaEof = true;
                else if (Args.is(val, "psync2")) c.replCapaPsync2 = true;
            } else if (Args.is(opt, "ack")) {
                // Not replied: a replica reads nothing but the stream.
                ReplicaPeer peer = c.replicaPeer;
                if (peer == null) return;
                long offset;
                try {
                    offset = Args.parseLong(val);
                } catch (CommandError e) {
                    return;
                }
                c.server.replication.acked(peer, offset);
                serveWaiting(c.server);
                c.server.ackedWrites.acked();
                return;
            } else if (Args.is(opt, "getack")) {
                // Only our master's GETACK is answered (REPLCONF ACK on the link); anyone else gets nothing.
                if (c.isMaster && c.server.masterLink != null) c.server.masterLink.sendAck();
                return;
            } else if (Args.is(opt, "rdb-only")) {
                long v = Args.parseLong(val);
                if (v < 0 || v > 1) throw new CommandError("ERR value is out of range, must be positive");
            } else if (Args.is(opt, "rdb-filter-only")) {
                // Include filters for the snapshot: only "functions" exists; "" asks for no data at all.
                List<String> filters = io.lodestone.util.SplitArgs.split(Args.str(val));
                if (filters == null) throw new CommandError("ERR Missing rdb-filter-only values");
                boolean functions = false;
                for (String f : filters) {
                    if (!f.equalsIgnoreCase("functions")) {
                        throw new CommandError("ERR Unsupported rdb-filter-only option: " + f);
                    }
                    functions = true;
                }
                c.replRdbExcludeData = true;
                c.replRdbExcludeFunctions = !functions;
            } else {
                throw new CommandError("ERR Unrecognized REPLCONF option: " + Args.str(opt));
            }
        }
        c.reply.ok();
    }

    /** WAIT numreplicas timeout (Redis's waitCommand). */
    static void waitCommand(Client c) {
        ServerContext s = c.server;
        Replication r = s.replication;
        if (r.isReplica) {
            throw new CommandError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0"
                    + " if a replica is configured to be writable (which is not the default) writes to replicas are"
                    + " just local and are not propagated.");
        }
        long numreplicas = Args.parseLong(c.argv[1]);
        long timeout = parseTimeoutMillis(c.argv[2]);
        long offset = c.woff;
        int acked = r.countAcks(offset);
        if (acked >= numreplicas || !c.canBlock()) {
            c.reply.integer(acked);
            return;
        }
        c.waitOffset = offset;
        c.waitReplicas = numreplicas;
        s.repl.waitingAcks.add(c);
        long deadline = timeout == 0 ? 0 : s.keyspace.now + timeout;
        s.blocking.block(c, List.of(), deadline, w -> {
            w.server.repl.waitingAcks.remove(w);
            w.reply.integer(w.server.replication.countAcks(w.waitOffset));
        });
        r.requestAcks();
    }

    /** Redis's getTimeoutFromObjectOrReply in milliseconds. */
    private static long parseTimeoutMillis(byte[] arg) {
        long v;
        try {
            v = Args.parseLong(arg);
        } catch (CommandError e) {
            throw new CommandError("ERR timeout is not an integer or out of range");
        }
        if (v < 0) throw new CommandError("ERR timeout is negative");
        return v;
    }

    /** Redis's processClientsWaitingReplicas: WAITers whose offset enough replicas acknowledged. */
    static void serveWaiting(ServerContext s) {
        if (s.repl.waitingAcks.isEmpty()) return;
        for (Client w : new ArrayList<>(s.repl.waitingAcks)) {
            int acked = s.replication.countAcks(w.waitOffset);
            if (acked < w.waitReplicas) continue;
            s.repl.waitingAcks.remove(w);
            s.blocking.unblock(w);
            w.reply.integer(acked);
            s.wake(w);
            w.conn.resume();
        }
    }

    /** ROLE: master offset [[ip port offset]...], or slave host port state offset. */
    static void role(Client c) {
        Replication r = c.server.replication;
        MasterLink link = c.server.masterLink;
        if (link != null && link.isReplica()) {
            c.reply.array(5);
            c.reply.bulk("slave");
            c.reply.bulk(link.masterHost());
            c.reply.integer(link.masterPort());
            c.reply.bulk(link.state().roleName);
            c.reply.integer(link.roleOffset());
            return;
        }
        List<ReplicaPeer> online = new ArrayList<>();
        for (ReplicaPeer p : r.stream.replicas()) if (p.state == ReplicaPeer.State.ONLINE) online.add(p);
        c.reply.array(3);
        c.reply.bulk("master");
        c.reply.integer(r.stream.offset());
        c.reply.array(online.size());
        for (ReplicaPeer p : online) {
            c.reply.array(3);
            c.reply.bulk(p.ip());
            c.reply.bulk(Integer.toString(p.listeningPort));
            c.reply.bulk(Long.toString(p.ackOffset));
        }
    }
}
