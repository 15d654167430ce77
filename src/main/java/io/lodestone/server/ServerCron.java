package io.lodestone.server;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.replication.Replication;
import io.lodestone.util.Log;
import io.netty.channel.EventLoopGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Redis's serverCron: {@code hz} times a second, on the command thread, active expiry, incremental
 * rehashing, the AOF's and the RDB save points' periodic work, client timeouts, replication's cron and
 * the shutdown (a signal's, or one waiting for replicas); then the output this produced (keyspace events
 * of expired keys) is flushed.
 */
final class ServerCron {
    private final ServerContext server;
    private final EventLoopGroup loop;
    private final Shutdown shutdown;
    private ScheduledFuture<?> task;
    private long lastReplicationCronMs;

    ServerCron(ServerContext server, EventLoopGroup loop, Shutdown shutdown) {
        this.server = server;
        this.loop = loop;
        this.shutdown = shutdown;
    }

    boolean running() {
        return task != null;
    }

    /** (Re)starts cron at the configured hz. */
    void start() {
        if (task != null) task.cancel(false);
        long period = Math.max(1, 1000 / Math.max(1, server.process.hz));
        task = loop.next().scheduleAtFixedRate(this::run, period, period, TimeUnit.MILLISECONDS);
    }

    /** CONFIG SET hz: a running cron takes the new period. */
    void hzChanged() {
        if (task != null) start();
    }

    void stop() {
        if (task != null) task.cancel(false);
    }

    private void run() {
        if (server.process.cronPaused) return; // DEBUG PAUSE-CRON, as Redis's serverCron skips its work
        try {
            // Redis gives the slow expire cycle 25% of a cron period.
            long budget = TimeUnit.MILLISECONDS.toNanos(Math.max(1, 250 / Math.max(1, server.process.hz)));
            long start = System.nanoTime();
            server.keyspace.activeExpireCycle(budget);
            server.latency.addSampleIfNeeded("expire-cycle", (System.nanoTime() - start) / 1_000_000);
            server.keyspace.cron();
            if (server.tracking.clients() > 0) server.tracking.limitUsedSlots();
            server.aof.cron();
            clientsCron();
            server.rdb.cron();
            server.migrateSockets.closeIdle();
            replicationCron();
            shutdown.cron();
            server.stats.sampleRates(System.currentTimeMillis(), server.masterLink.bytesReceived,
                    server.replication.stream.bytesSent());
            server.maxMemory.cron();
            server.flushPendingWrites(); // keyspace events of keys that expired in the cycle
        } catch (Throwable t) {
            Log.warning("cron failed: " + t);
        }
    }

    /** Redis runs replicationCron once a second; output limits and diskless delays are checked every tick. */
    private void replicationCron() {
        Replication r = server.replication;
        long now = System.currentTimeMillis();
        if (now - lastReplicationCronMs >= 1000) {
            lastReplicationCronMs = now;
            server.masterLink.cron();
            r.cron();
        }
        r.checkOutputLimits();
        r.maybeStartSync();
        server.failover.update();
    }

    /**
     * Redis's clientsCron: every client's buffers resized, memory re-measured and output limits checked,
     * then eviction (ClientRegistry.cron); and normal clients idle for longer than {@code timeout} closed.
     */
    private void clientsCron() {
        server.clients.cron(System.currentTimeMillis());
        long timeout = server.limits.clientTimeoutSeconds;
        if (timeout <= 0) return;
        long now = System.currentTimeMillis();
        List<Client> idle = new ArrayList<>();
        for (Client c : server.clients.all()) {
            if (c.subscriptions.mode) continue; // subscribers are idle by nature: Redis never times them out
            if (c.isMaster || c.replicaPeer != null || c.monitor) continue; // replication links have their own timeout
            // A client blocked in BLPOP & co. is waiting, not idle (Redis exempts it too).
            if (c.blocked == null && now - c.lastInteractionMs > timeout * 1000) idle.add(c);
        }
        for (Client c : idle) {
            Log.verbose("Closing idle client");
            c.conn.closeNow();
        }
    }
}
