package io.lodestone.command.replication;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.ClientPause;
import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.replication.MasterLink;
import io.lodestone.replication.ReplicaPeer;
import io.lodestone.util.Log;

/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: Redis 6.2's coordinated switch of a master
 * with one of its replicas (replication.c's failoverCommand and updateFailoverStatus).
 *
 * <p>The master pauses writes, waits until the target (or any replica) has acknowledged its whole
 * stream, then becomes a replica of it with {@code PSYNC <replid> <offset> FAILOVER}; the target,
 * whose replid is the same, becomes a master on that request and continues the stream, so neither
 * side needs a full sync. The failover ends when the target answers the PSYNC; a refusal, a timeout
 * without FORCE or FAILOVER ABORT turn this server back into the master it was. INFO shows the
 * state as {@code master_failover_state}.
 */
public final class Failover {
    /** Redis's failover_state, with the names INFO prints. */
    public enum State {
        NO_FAILOVER("no-failover"), WAIT_FOR_SYNC("waiting-for-sync"), IN_PROGRESS("failover-in-progress");

        public final String infoName;

        State(String infoName) {
            this.infoName = infoName;
        }
    }

    private final ServerContext server;
    private State state = State.NO_FAILOVER;
    private String targetHost;
    private int targetPort;
    /** Unix ms after which the wait for the target ends; 0 for no timeout. */
    private long endTimeMs;
    private boolean force;

    public Failover(ServerContext server) {
        this.server = server;
    }

    public State state() {
        return state;
    }

    static void command(Client c) {
        c.server.failover.failoverCommand(c);
    }

    private void failoverCommand(Client c) {
        if (c.argc == 2 && Args.is(c.argv[1], "abort")) {
            if (state == State.NO_FAILOVER) throw new CommandError("ERR No failover in progress.");
            abort("Failover manually aborted");
            c.reply.ok();
            return;
        }
        long timeout = 0, port = 0;
        boolean forceFlag = false;
        String host = null;
        for (int j = 1; j < c.argc; j++) {
            if (Args.is(c.argv[j], "timeout") && j + 1 < c.argc && timeout == 0) {
                timeout = Args.parseLong(c.argv[j + 1]);
                if (timeout <= 0) throw new CommandError("ERR FAILOVER timeout must be greater than 0");
                j++;
            } else if (Args.is(c.argv[j], "to") && j + 2 < c.argc && host == null) {
                port = Args.parseLong(c.argv[j + 2]);
                host = Args.str(c.argv[j + 1]);
                j += 2;
            } else if (Args.is(c.argv[j], "force") && !forceFlag) {
                forceFlag = true;
            } else {
                throw Errors.syntax();
            }
        }
        if (state != State.NO_FAILOVER) throw new CommandError("ERR FAILOVER already in progress.");
        if (server.masterLink.isReplica()) throw new CommandError("ERR FAILOVER is not valid when server is a replica.");
        if (server.replication.stream.replicas().isEmpty()) {
            throw new CommandError("ERR FAILOVER requires connected replicas.");
        }
        if (forceFlag && (timeout == 0 || host == null)) {
            throw new CommandError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
        }
        if (host != null) {
            ReplicaPeer target = findReplica(host, port);
            if (target == null) throw new CommandError("ERR FAILOVER target HOST and PORT is not a replica.");
            if (target.state != ReplicaPeer.State.ONLINE) throw new CommandError("ERR FAILOVER target replica is not online.");
            targetHost = host;
            targetPort = (int) port;
            Log.notice("FAILOVER requested to " + host + ":" + port + ".");
        } else {
            Log.notice("FAILOVER requested to any replica.");
        }
        endTimeMs = timeout > 0 ? System.currentTimeMillis() + timeout : 0;
        force = forceFlag;
        state = State.WAIT_FOR_SYNC;
        // Writes wait (and replicas are asked for their offsets) until the switch is over.
        server.pause.pause(ClientPause.Purpose.FAILOVER, ClientPause.Type.WRITE, Long.MAX_VALUE);
        server.replication.requestAcks();
        c.reply.ok();
    }

    /** Redis's findReplica: the replica announced or connected from {@code host} and listening on {@code port}. */
    private ReplicaPeer findReplica(String host, long port) {
        for (ReplicaPeer r : server.replication.stream.replicas()) {
            if (r.ip().equalsIgnoreCase(host) && r.listeningPort == port) return r;
        }
        return null;
    }

    /**
     * Redis's updateFailoverStatus, run by cron and when a replica acknowledges: the timeout, then
     * whether the target (or, with none named, any replica) has all of the stream.
     */
    public void update() {
        if (state != State.WAIT_FOR_SYNC) return;
        long offset = server.replication.stream.offset();
        if (endTimeMs != 0 && endTimeMs <= System.currentTimeMillis()) {
            if (force) {
                Log.notice("FAILOVER to " + targetHost + ":" + targetPort + " time out exceeded, failing over.");
                switchTo();
            } else {
                abort("Replica never caught up before timeout");
            }
            return;
        }
        ReplicaPeer replica = null;
        if (targetHost != null) {
            replica = findReplica(targetHost, targetPort);
        } else {
            for (ReplicaPeer r : server.replication.stream.replicas()) {
                if (r.ackOffset == offset) {
                    replica = r;
                    targetHost = r.ip();
                    targetPort = r.listeningPort;
                    break;
                }
            }
        }
        if (replica != null && replica.ackOffset == offset) {
            Log.notice("Failover target " + targetHost + ":" + targetPort + " is synced, failing over.");
            switchTo();
        }
    }

    /** FAILOVER_IN_PROGRESS: this server becomes a replica of the target, asking it to take over. */
    private void switchTo() {
        state = State.IN_PROGRESS;
        server.masterLink.setMasterForFailover(targetHost, targetPort, new MasterLink.FailoverPsync() {
            @Override
            public void accepted() {
                clear();
            }

            @Override
            public void rejected() {
                abort("Failover target rejected psync request");
            }
        });
    }

    /** Redis's abortFailover: back to the master this server was, writes resumed. */
    private void abort(String why) {
        if (state == State.NO_FAILOVER) return;
        if (targetHost != null) Log.notice("FAILOVER to " + targetHost + ":" + targetPort + " aborted: " + why);
        else Log.notice("FAILOVER to any replica aborted: " + why);
        if (state == State.IN_PROGRESS) server.masterLink.unsetMaster();
        clear();
    }

    private void clear() {
        state = State.NO_FAILOVER;
        targetHost = null;
        targetPort = 0;
        endTimeMs = 0;
        force = false;
        server.pause.unpause(ClientPause.Purpose.FAILOVER);
    }
}
