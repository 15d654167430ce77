package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.ClientPause;
import io.lodestone.command.ServerContext;
import io.lodestone.config.ConfigRegistry;
import io.lodestone.persistence.AtomicFileOutput;
import io.lodestone.replication.Replication;
import io.lodestone.replication.ReplicaPeer;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis 7.0's shutdown (prepareForShutdown, finishShutdown, abortShutdown in server.c). SHUTDOWN, or
 * SIGTERM/SIGINT noticed by cron, first gives lagging replicas up to {@code shutdown-timeout} seconds to
 * acknowledge the whole stream - writes are paused meanwhile and the replicas are asked for an ACK -
 * then kills a snapshot in progress, flushes the AOF, saves the final RDB when there are save points
 * (or SAVE was asked), and stops. A failure (the save, an initial AOF rewrite) cancels it: the server
 * goes on and every client blocked in SHUTDOWN gets an error. NOW skips the wait, FORCE goes on past
 * failures, ABORT cancels a shutdown that waits.
 *
 * <p>Runs on the command thread, except {@link #signal}, which the JVM calls on a thread of its own.
 */
final class Shutdown {
    static final String ERROR = "ERR Errors trying to SHUTDOWN. Check logs.";

    private final ServerContext server;
    /** Closes listeners and clients and stops the event loops: the process then exits. */
    private final Runnable stop;
    // Settings: written by the config bindings.
    volatile int timeoutSeconds;
    volatile int onSigint;
    volatile int onSigterm;
    /** A signal asked for a shutdown that cron has not started yet (Redis's shutdown_asap). */
    private volatile boolean asap;
    private volatile String lastSignal;
    private int flags;
    /** Clients blocked in SHUTDOWN while it waits for replicas. */
    private final List<Client> blocked = new ArrayList<>();

    Shutdown(ServerContext server, Runnable stop) {
        this.server = server;
        this.stop = stop;
    }

    /** Whether a shutdown waits for replicas (Redis's isShutdownInitiated). */
    boolean initiated() {
        return server.process.shutdownDeadlineMs != 0;
    }

    /**
     * SIGTERM or SIGINT (Redis's sigShutdownHandler): noted for cron, which shuts down in a safe place. A
     * second SIGINT means now: the process exits at once, leaving no temp file of a save in progress.
     */
    void signal(String name) {
        if (asap && name.equals("SIGINT")) {
            Log.warning("You insist... exiting now.");
            removeTempRdb();
            Runtime.getRuntime().halt(1); // not a clean shutdown: exit with an error, at once
        }
        Log.warning(server.loading.active() ? "Received shutdown signal during loading, scheduling shutdown."
                : "Received " + name + " scheduling shutdown...");
        lastSignal = name;
        asap = true;
    }

    /** The SHUTDOWN command: {@code c} is blocked until the shutdown finishes or fails. */
    void command(Client c, int shutdownFlags) {
        server.blocking.block(c, List.of(), 0, w -> { });
        blocked.add(c);
        if (prepare(shutdownFlags)) stop.run();
    }

    /** SHUTDOWN ABORT (Redis's abortShutdown): false when no shutdown waits or was asked for. */
    boolean abort() {
        if (initiated()) {
            cancel();
        } else if (asap) {
            asap = false; // a signal asked, cron has not acted yet
            lastSignal = null;
        } else {
            return false;
        }
        Log.notice("Shutdown manually aborted.");
        return true;
    }

    /** Every cron tick: a signal's shutdown starts, a waiting one ends when replicas caught up or time is up. */
    void cron() {
        if (asap && !initiated()) {
            int f = "SIGINT".equals(lastSignal) ? onSigint : "SIGTERM".equals(lastSignal) ? onSigterm : 0;
            if (prepare(f)) stop.run();
        } else if (initiated()) {
            if (System.currentTimeMillis() >= server.process.shutdownDeadlineMs || readyToShutdown()) {
                if (finish()) stop.run();
            }
        }
    }

    /**
     * Redis's prepareForShutdown: true when the server may exit now; false when it waits for replicas
     * (cron finishes it) or failed (logged, the blocked clients got an error).
     */
    private boolean prepare(int shutdownFlags) {
        if (initiated()) return false; // already waiting: the caller waits with it
        // Never save a half-loaded data set over the file it is being loaded from.
        if (server.loading.active()) {
            shutdownFlags = (shutdownFlags & ~ConfigRegistry.SHUTDOWN_SAVE) | ConfigRegistry.SHUTDOWN_NOSAVE;
        }
        flags = shutdownFlags;
        Log.warning("User requested shutdown...");
        if ((flags & ConfigRegistry.SHUTDOWN_NOW) == 0 && timeoutSeconds != 0 && !readyToShutdown()) {
            server.process.shutdownDeadlineMs = System.currentTimeMillis() + timeoutSeconds * 1000L;
            if (server.pause.type() == ClientPause.Type.OFF) server.replication.sendGetack();
            // Writes wait, so the replicas can catch up with an offset that no longer moves.
            server.pause.pause(ClientPause.Purpose.SHUTDOWN, ClientPause.Type.WRITE, Long.MAX_VALUE);
            Log.notice("Waiting for replicas before shutting down.");
            return false;
        }
        return finish();
    }

    /** Whether every replica acknowledged the whole stream (Redis's isReadyToShutdown). */
    private boolean readyToShutdown() {
        long offset = server.replication.stream.offset();
        for (ReplicaPeer r : server.replication.stream.replicas()) if (r.ackOffset != offset) return false;
        return true;
    }

    /** Redis's finishShutdown: true when the server may exit; false (logged, cancelled) on failure. */
    private boolean finish() {
        boolean force = (flags & ConfigRegistry.SHUTDOWN_FORCE) != 0;
        logReplicas();
        Replication repl = server.replication;
        if (server.rdb.bgsaveInProgress() || fullSyncSnapshotInProgress()) {
            Log.warning("There is a child saving an .rdb. Killing it!");
            if (server.rdb.bgsaveInProgress()) server.rdb.abortBgsave();
            else server.snapshotter.abort();
        }
        if (!server.aof.prepareForShutdown(force)) return failed();
        boolean save = (flags & ConfigRegistry.SHUTDOWN_SAVE) != 0;
        boolean nosave = (flags & ConfigRegistry.SHUTDOWN_NOSAVE) != 0;
        if ((server.rdb.hasSavePoints() && !nosave) || save) {
            Log.notice("Saving the final RDB snapshot before exiting.");
            if (!server.rdb.save()) {
                if (!force) {
                    Log.warning("Error trying to save the DB, can't exit.");
                    return failed();
                }
                Log.warning("Error trying to save the DB. Exit anyway.");
            }
        }
        repl.flush(); // best effort: the replicas get what they are still due before the sockets close
        Log.warning("Redis is now ready to exit, bye bye...");
        return true;
    }

    /** A full sync's snapshot counts as Redis's RDB child: the shutdown kills it too. */
    private boolean fullSyncSnapshotInProgress() {
        var job = server.snapshotter.current();
        return job != null && Replication.PURPOSE.equals(job.purpose());
    }

    /** Each replica behind the master, then how many are in sync. */
    private void logReplicas() {
        List<ReplicaPeer> replicas = server.replication.stream.replicas();
        if (replicas.isEmpty()) return;
        long offset = server.replication.stream.offset();
        long now = System.currentTimeMillis();
        int lagging = 0;
        for (ReplicaPeer r : replicas) {
            if (r.ackOffset == offset) continue;
            lagging++;
            long lag = r.state == ReplicaPeer.State.ONLINE ? (now - r.ackTimeMs) / 1000 : 0;
            Log.warning("Lagging replica " + r.ip() + ":" + r.listeningPort + " reported offset "
                    + (offset - r.ackOffset) + " behind master, lag=" + lag + ", state=" + r.state.infoName + ".");
        }
        Log.notice((replicas.size() - lagging) + " of " + replicas.size() + " replicas are in sync when shutting down.");
    }

    private boolean failed() {
        Log.warning("Errors trying to shut down the server. Check the logs for more information.");
        cancel();
        return false;
    }

    /** Redis's cancelShutdown: writes go on, and every client blocked in SHUTDOWN gets the error. */
    private void cancel() {
        asap = false;
        lastSignal = null;
        flags = 0;
        server.process.shutdownDeadlineMs = 0;
        for (Client c : blocked) {
            if (c.blocked == null) continue; // disconnected meanwhile
            server.blocking.unblock(c);
            c.reply.error(ERROR);
            server.wake(c);
            c.conn.resume();
        }
        blocked.clear();
        server.pause.unpause(ClientPause.Purpose.SHUTDOWN);
    }

    /** Redis's rdbRemoveTempFile: the temp file of a save this process is writing (SAVE, shutdown). */
    private void removeTempRdb() {
        try {
            Files.deleteIfExists(AtomicFileOutput.tempFor(server.rdb.path(), "temp-"));
        } catch (IOException | RuntimeException e) {
            // exiting anyway
        }
    }
}
