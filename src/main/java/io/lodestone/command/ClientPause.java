package io.lodestone.command;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis's client pause (pauseClients / unpauseClients): CLIENT PAUSE, and later SHUTDOWN and FAILOVER
 * waiting for replicas, each a purpose with its own type and end. The pause in force is the most
 * restrictive purpose's. While it lasts:
 * <ul>
 *   <li>a command it covers (every command for ALL; for WRITE, a write, a may-replicate command such
 *       as PUBLISH or PFCOUNT, or an EXEC queueing one) is postponed: the client waits, counted in
 *       blocked_clients, and its command runs again from the start when the pause is lifted. The
 *       clients of our replicas are never paused; the master client is, so a paused replica reads
 *       its master's stream without applying it;</li>
 *   <li>the data set stays as it is: keys whose time has passed read as missing but are neither
 *       deleted on access nor by active expiry ({@link io.lodestone.store.Keyspace#paused}), and WAIT's
 *       REPLCONF GETACK is sent when the pause ends.</li>
 * </ul>
 */
public final class ClientPause {
    /** Who asked for a pause: each lifts its own. */
    public enum Purpose { CLIENT_COMMAND, SHUTDOWN, FAILOVER }

    /** In Redis's order of restrictiveness. */
    public enum Type { OFF, WRITE, ALL }

    private final ServerContext server;
    private final Type[] types = new Type[Purpose.values().length];
    private final long[] ends = new long[Purpose.values().length];
    private Type type = Type.OFF;
    private long end;
    private final ArrayDeque<Client> postponed = new ArrayDeque<>();
    private Runnable cancelTimer;

    ClientPause(ServerContext server) {
        this.server = server;
        java.util.Arrays.fill(types, Type.OFF);
    }

    /** Pauses for {@code purpose} until {@code endMs} (unix ms); a pause already on is only extended. */
    public void pause(Purpose purpose, Type t, long endMs) {
        int p = purpose.ordinal();
        if (types[p] == Type.OFF) {
            types[p] = t;
            ends[p] = endMs;
        } else {
            types[p] = t.compareTo(types[p]) > 0 ? t : types[p];
            ends[p] = Math.max(ends[p], endMs);
        }
        update();
    }

    public void unpause(Purpose purpose) {
        types[purpose.ordinal()] = Type.OFF;
        update();
    }

    /** The pause in force, after lifting any whose time has come (checkClientPauseTimeoutAndReturnIfPaused). */
    public Type type() {
        if (type != Type.OFF && end < System.currentTimeMillis()) update();
        return type;
    }

    /** Whether {@code cmd} from {@code c} must wait for the pause to end (Redis's processCommand). */
    boolean postpones(Client c, CommandSpec cmd) {
        if (type == Type.OFF || c.replicaPeer != null || c.monitor) return false;
        Type t = type();
        return t == Type.ALL || (t == Type.WRITE && mayReplicate(c, cmd));
    }

    /** Holds the client's current command until the pause ends; its connection reads nothing meanwhile. */
    void postpone(Client c) {
        server.blocking.postpone(c);
        postponed.addLast(c);
    }

    /** Postponed clients (CLIENT LIST and INFO count them as blocked). */
    public int postponedClients() {
        return postponed.size();
    }

    /**
     * Redis's updateClientPauseTypeAndEndTime: the most restrictive live purpose wins; when the pause
     * becomes less restrictive, every postponed client runs its command again (and may wait again).
     */
    private void update() {
        Type old = type;
        long now = System.currentTimeMillis();
        Type t = Type.OFF;
        long e = 0;
        for (int i = 0; i < types.length; i++) {
            if (types[i] == Type.OFF) continue;
            if (ends[i] < now) {
                types[i] = Type.OFF;
            } else if (types[i].compareTo(t) > 0) {
                t = types[i];
                e = ends[i];
            } else if (types[i] == t) {
                e = Math.max(e, ends[i]);
            }
        }
        type = t;
        end = e;
        server.keyspace.paused(t != Type.OFF);
        // WAIT's REPLCONF GETACK waits for the end too, so the replication offset stays put (Redis's beforeSleep).
        if (server.replication != null) server.replication.clientsPaused = t != Type.OFF;
        if (cancelTimer != null) {
            cancelTimer.run();
            cancelTimer = null;
        }
        if (t != Type.OFF) {
            // Lift the pause on time even when no command arrives to notice it.
            cancelTimer = server.blocking.timers.schedule(Math.max(0, e - now + 1), () -> type());
        }
        if (t.compareTo(old) < 0) releasePostponed();
    }

    /** unblockPostponedClients: in arrival order, each command starts over from the dispatcher's checks. */
    private void releasePostponed() {
        List<Client> clients = new ArrayList<>(postponed);
        postponed.clear();
        for (Client c : clients) {
            Blocking.BlockedState st = c.blocked;
            if (st == null || !st.postponed) continue; // disconnected meanwhile
            server.blocking.unblock(c);
            c.conn.reprocess(st.argv, st.argv.length);
        }
    }

    /** Redis's is_may_replicate_command: a write or may-replicate command, or an EXEC queueing one. */
    static boolean mayReplicate(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.WRITE | CommandSpec.MAY_REPLICATE, c.argv, c.argc)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) {
            if (q.cmd().is(CommandSpec.WRITE | CommandSpec.MAY_REPLICATE, q.argv(), q.argv().length)) return true;
        }
        return false;
    }
}
