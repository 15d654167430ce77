package io.lodestone.command;

import java.util.ArrayList;
import java.util.List;

/**
 * CLIENT PAUSE (Redis 7.0's pauseClients / unpauseClients): until a deadline, commands of the paused
 * kind - every command (ALL) or those that may change data or the replication stream (WRITE: the
 * write and may-replicate flags) - are postponed: the client blocks, and its command is processed
 * again from the start when the pause ends. Replicas and the master client are not paused.
 *
 * <p>While a pause lasts the data set and the replication offset stay as they are: no key expires
 * (a read still sees an expired key as gone), and WAIT's REPLCONF GETACK waits for the end. A pause
 * given while one lasts keeps the more restrictive kind and the later deadline.
 *
 * <p>Owned by the command thread.
 */
public final class ClientPause {
    /** Redis's pause types, from least to most restrictive. */
    public enum Type { OFF, WRITE, ALL }

    private final ServerContext server;
    private Type type = Type.OFF;
    /** Unix ms when the pause ends. */
    private long endMs;
    private Runnable cancelTimer;
    /** Postponed clients, in the order they arrived (Redis's paused_clients list). */
    private final List<Client> postponed = new ArrayList<>();

    ClientPause(ServerContext server) {
        this.server = server;
    }

    /** Whether any pause is in effect (a timer ends it at its deadline). */
    public boolean active() {
        return type != Type.OFF;
    }

    /** CLIENT PAUSE: pauses {@code type} commands until {@code endMs} (unix ms). */
    public void pause(long endMs, Type type) {
        if (type.compareTo(this.type) > 0) this.type = type;
        if (endMs > this.endMs) this.endMs = endMs;
        applyToServer();
        if (cancelTimer != null) cancelTimer.run();
        long delay = Math.max(0, this.endMs - System.currentTimeMillis());
        cancelTimer = server.blocking.timers.schedule(delay, this::unpause);
    }

    /**
     * CLIENT UNPAUSE, or the deadline passed. The postponed clients run their commands, in order, in
     * a task of their own: after the command that ended the pause, as Redis serves unblocked clients.
     */
    public void unpause() {
        if (type == Type.OFF) return;
        type = Type.OFF;
        endMs = 0;
        if (cancelTimer != null) {
            cancelTimer.run();
            cancelTimer = null;
        }
        applyToServer();
        List<Client> waiting = new ArrayList<>(postponed);
        postponed.clear();
        if (!waiting.isEmpty()) server.blocking.timers.schedule(0, () -> resume(waiting));
    }

    private void resume(List<Client> waiting) {
        for (Client c : waiting) {
            byte[][] argv = Blocking.postponedArgv(c);
            server.blocking.unblock(c);
            if (argv == null || c.closing) continue;
            c.argv = argv;
            c.argc = argv.length;
            server.dispatcher.process(c);
            c.argv = null;
            server.wake(c);
            c.conn.resume();
        }
        server.flushPendingWrites();
    }

    /**
     * Redis's processCommand check: whether {@code cmd} from {@code c} must wait for the end of the
     * pause. {@code mayReplicate}: the command (or an EXEC's queue) may write or feed the stream.
     */
    boolean mustPostpone(Client c, boolean mayReplicate) {
        if (c.replicaPeer != null || c.isMaster || c.isAofClient() || !active()) return false;
        return type == Type.ALL || mayReplicate;
    }

    /** Postpones the command {@code c} is running (see {@link #mustPostpone}). */
    void postpone(Client c) {
        server.blocking.postpone(c);
        postponed.add(c);
    }

    /** A postponed client went away. */
    public void forget(Client c) {
        postponed.remove(c);
    }

    /** What the keyspace and replication do differently while paused. */
    private void applyToServer() {
        boolean on = type != Type.OFF;
        server.keyspace.expiryPaused(on);
        if (server.replication != null) server.replication.clientsPaused = on;
    }
}
