package io.lodestone.command;

import io.lodestone.store.Database;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): who waits on which key, in arrival order.
 *
 * <p>A handler that finds nothing to serve calls {@link #block} and replies nothing. When a key is
 * signalled ready (a push, a new key), the dispatcher calls {@link #serveReadyKeys} after the command
 * that made it ready: each client waiting on the key, first come first served, runs its command
 * again. If it finds data it replies and is unblocked; if not (another waiter took it) its handler
 * blocks again and it keeps its place. Timeouts reply with the handler's timeout reply.
 */
public final class Blocking {
    /** What a blocked client waits for. */
    public static final class BlockedState {
        final int db;
        final List<ByteBuffer> keys;
        /** Unix ms, or 0 for no timeout. */
        public final long deadlineMs;
        final Consumer<Client> onTimeout;
        final CommandSpec cmd;
        final byte[][] argv;
        /** Cancels the timeout timer. */
        Runnable cancelTimer;
        /** Waiting for a client pause to end (Redis's BLOCKED_POSTPONE), not for keys. */
        boolean postponed;
        /**
         * Served also when a key it waits on is deleted or replaced (XREADGROUP, which then fails as
         * Redis's unblockDeletedStreamReadgroupClients has it).
         */
        boolean wakeOnDeletion;

        BlockedState(int db, List<ByteBuffer> keys, long deadlineMs, Consumer<Client> onTimeout, CommandSpec cmd,
                     byte[][] argv) {
            this.db = db;
            this.keys = keys;
            this.deadlineMs = deadlineMs;
            this.onTimeout = onTimeout;
            this.cmd = cmd;
            this.argv = argv;
        }
    }

    /** How the server arms timers on the command thread; returns a canceller. */
    public interface Timers {
        Runnable schedule(long delayMs, Runnable task);
    }

    private final ServerContext server;
    private final Map<Integer, Map<ByteBuffer, ArrayDeque<Client>>> waiting = new HashMap<>();
    private final Set<ReadyKey> ready = new LinkedHashSet<>();
    private int blockedClients;
    /** Blocked clients that want to hear of their keys' deletion: while none, deletions cost nothing. */
    private int deletionWaiters;
    /** Blocked clients with a deadline (INFO clients_in_timeout_table). */
    private int timedClients;
    /** The client being served again: its handler's block() call keeps its place instead of queueing. */
    private Client reexecuting;
    /** The ready key {@link #reexecuting} is being served from. */
    private byte[] reexecutingKey;
    private boolean reblocked;
    public Timers timers = (delay, task) -> () -> { };

    private record ReadyKey(int db, ByteBuffer key) {
    }

    Blocking(ServerContext server) {
        this.server = server;
    }

    public int blockedClients() {
        return blockedClients;
    }

    /** Blocked clients waiting with a timeout (Redis's clients timeout table). */
    public int clientsInTimeoutTable() {
        return timedClients;
    }

    /**
     * While a blocked client's command runs again to be served: the key that became ready, which it
     * must be served from (Redis serves the ready key, not the first of the command's keys that has
     * data). Null when {@code c} is not being served, i.e. when its command runs as sent.
     */
    public byte[] servedKey(Client c) {
        return c == reexecuting ? reexecutingKey : null;
    }

    /**
     * Blocks the current client on {@code keys} of its database until one is ready or until
     * {@code deadlineMs} (unix ms; 0 waits forever), when {@code onTimeout} writes the reply.
     * The handler must not reply after calling this.
     */
    public void block(Client c, List<byte[]> keys, long deadlineMs, Consumer<Client> onTimeout) {
        block(c, keys, deadlineMs, onTimeout, false);
    }

    /**
     * {@link #block(Client, List, long, Consumer)}; with {@code wakeOnDeletion} the command also runs
     * again when a key it waits on is deleted, overwritten or flushed away (Redis 7.0 does this for
     * XREADGROUP alone), and must then reply.
     */
    public void block(Client c, List<byte[]> keys, long deadlineMs, Consumer<Client> onTimeout, boolean wakeOnDeletion) {
        if (c == reexecuting) {
            reblocked = true;
            return;
        }
        List<ByteBuffer> ks = new ArrayList<>(keys.size());
        for (byte[] k : keys) ks.add(ByteBuffer.wrap(k));
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        BlockedState st = new BlockedState(c.dbIndex(), ks, deadlineMs, onTimeout, c.cmd, argv);
        st.wakeOnDeletion = wakeOnDeletion;
        if (wakeOnDeletion) deletionWaiters++;
        c.blocked = st;
        blockedClients++;
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.computeIfAbsent(st.db, d -> new HashMap<>());
        for (ByteBuffer k : ks) {
            ArrayDeque<Client> q = byKey.computeIfAbsent(k, x -> new ArrayDeque<>());
            if (!q.contains(c)) q.addLast(c);
        }
        if (deadlineMs > 0) {
            timedClients++;
            long delay = Math.max(0, deadlineMs - System.currentTimeMillis());
            st.cancelTimer = timers.schedule(delay, () -> timeout(c, st));
        }
    }

    /** Blocks the current client until a client pause ends ({@link ClientPause}); it waits on no key. */
    void postpone(Client c) {
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        BlockedState st = new BlockedState(c.dbIndex(), List.of(), 0, x -> { }, c.cmd, argv);
        st.postponed = true;
        c.blocked = st;
        blockedClients++;
    }

    /**
     * Parses a blocking timeout in seconds (fractions allowed) into a deadline; 0 means forever.
     * Redis 7.0's getTimeoutFromObjectOrReply: {@code (long long) ceill(strtold(arg) * 1000)} in
     * x87 extended precision, so 0.0001 waits 1 ms, -0.0001 rounds to 0 (forever), and inf or
     * anything past the long range converts to LLONG_MIN ("timeout is negative"). A deadline past
     * the long range never comes, as Redis's overflowed sum never does.
     */
    public static long deadline(byte[] arg, long nowMs) {
        long ms;
        long whole = wholeSeconds(arg);
        if (whole >= 0) {
            ms = whole * 1000;
        } else {
            io.lodestone.util.LongDouble v = io.lodestone.util.LongDouble.parse(arg);
            if (v == null) throw new CommandError("ERR timeout is not a float or out of range");
            ms = v.multiply(1000).ceilToLongLong();
        }
        if (ms < 0) throw new CommandError("ERR timeout is negative");
        if (ms == 0) return 0;
        long at = nowMs + ms;
        return at < 0 ? 0 : at;
    }

    /** The common case, a small whole number of seconds ("0", "5"); -1 for anything else. */
    private static long wholeSeconds(byte[] arg) {
        int n = arg.length;
        if (n == 0 || n > 9 || (arg[0] == '0' && n > 1)) return -1;
        long v = 0;
        for (byte b : arg) {
            if (b < '0' || b > '9') return -1;
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /** Called by the keyspace when a key may now serve waiters. Cheap when nobody waits. */
    void keyReady(Database db, byte[] key) {
        if (blockedClients == 0) return;
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(db.id());
        if (byKey == null) return;
        ByteBuffer k = ByteBuffer.wrap(key);
        if (byKey.containsKey(k)) ready.add(new ReadyKey(db.id(), k));
    }

    /**
     * A key was deleted or its value replaced (Redis's signalDeletedKeyAsReady): waiters that must
     * hear of it are served. Cheap when nobody waits so.
     */
    void keyDeleted(Database db, byte[] key) {
        if (deletionWaiters > 0) keyReady(db, key);
    }

    /** FLUSHDB/FLUSHALL (Redis's scanDatabaseForDeletedStreams): every waited key of the database. */
    void databaseEmptied(Database db) {
        if (deletionWaiters == 0) return;
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(db.id());
        if (byKey != null) for (ByteBuffer k : byKey.keySet()) ready.add(new ReadyKey(db.id(), k));
    }

    /** SWAPDB: every key with waiters in either database may have become ready. */
    void databasesSwapped(Database a, Database b) {
        if (blockedClients == 0) return;
        for (Database db : new Database[]{a, b}) {
            Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(db.id());
            if (byKey != null) for (ByteBuffer k : byKey.keySet()) ready.add(new ReadyKey(db.id(), k));
        }
    }

    /** Serves clients waiting on keys made ready by the last command; loops while serving readies more. */
    public void serveReadyKeys(Dispatcher dispatcher) {
        int rounds = 0;
        while (!ready.isEmpty() && rounds++ < 1_000_000) {
            List<ReadyKey> batch = new ArrayList<>(ready);
            ready.clear();
            for (ReadyKey rk : batch) serveKey(dispatcher, rk);
        }
    }

    private void serveKey(Dispatcher dispatcher, ReadyKey rk) {
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(rk.db());
        if (byKey == null) return;
        ArrayDeque<Client> queue = byKey.get(rk.key());
        if (queue == null) return;
        byte[] key = new byte[rk.key().remaining()];
        rk.key().duplicate().get(key);
        Database db = server.keyspace.db(rk.db());
        // A fresh clock for each key, as Redis's handleClientsBlockedOnKeys updates its cached time: a
        // key that expired while the command that readied it ran (a transaction with DEBUG SLEEP)
        // serves nobody, and is deleted by the lookup below.
        server.keyspace.tick();
        // Each waiter present now gets one try, in order; once the key is gone, only those that
        // must hear of its deletion.
        for (Client c : new ArrayList<>(queue)) {
            if (c.blocked == null) continue;
            if (!c.blocked.wakeOnDeletion && db.lookupNoTouch(key) == null) continue;
            BlockedState st = c.blocked;
            reexecuting = c;
            reexecutingKey = key;
            reblocked = false;
            c.argv = st.argv;
            c.argc = st.argv.length;
            server.beginCall();
            try {
                dispatcher.call(c, st.cmd);
            } finally {
                server.endCall();
                reexecuting = null;
                reexecutingKey = null;
                c.argv = null;
            }
            if (!reblocked) {
                unblock(c);
                server.wake(c);
                c.conn.resume();
            }
        }
    }

    private void timeout(Client c, BlockedState st) {
        if (c.blocked != st) return;
        unblock(c);
        st.onTimeout.accept(c);
        server.wake(c);
        server.flushPendingWrites();
        c.conn.resume();
    }

    /** CLIENT UNBLOCK: ends the wait with the timeout reply, or with an UNBLOCKED error. */
    public boolean unblockByRequest(Client c, boolean error) {
        BlockedState st = c.blocked;
        // A client held by a pause has no timeout reply: only the end of the pause releases it.
        if (st == null || st.postponed) return false;
        unblock(c);
        if (error) {
            c.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
            st.cmd.failedCalls++; // Redis's updateStatsOnUnblock: the blocked command failed
        }
        else st.onTimeout.accept(c);
        server.wake(c);
        c.conn.resume();
        return true;
    }

    /** Removes the client from every wait list (served, timed out, or disconnected). */
    public void unblock(Client c) {
        BlockedState st = c.blocked;
        if (st == null) return;
        c.blocked = null;
        blockedClients--;
        if (st.wakeOnDeletion) deletionWaiters--;
        if (st.deadlineMs > 0) timedClients--;
        if (st.cancelTimer != null) st.cancelTimer.run();
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(st.db);
        if (byKey == null) return;
        for (ByteBuffer k : st.keys) {
            ArrayDeque<Client> q = byKey.get(k);
            if (q == null) continue;
            q.remove(c);
            if (q.isEmpty()) byKey.remove(k);
        }
        if (byKey.isEmpty()) waiting.remove(st.db);
    }
}
