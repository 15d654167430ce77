package io.lodestone.command;

import io.lodestone.store.Database;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
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
    /** The client being served again: its handler's block() call keeps its place instead of queueing. */
    private Client reexecuting;
    /** The ready key the client being served is served from. */
    private byte[] servingKey;
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

    /**
     * Blocks the current client on {@code keys} of its database until one is ready or until
     * {@code deadlineMs} (unix ms; 0 waits forever), when {@code onTimeout} writes the reply.
     * The handler must not reply after calling this.
     */
    public void block(Client c, List<byte[]> keys, long deadlineMs, Consumer<Client> onTimeout) {
        if (c == reexecuting) {
            reblocked = true;
            return;
        }
        List<ByteBuffer> ks = new ArrayList<>(keys.size());
        for (byte[] k : keys) ks.add(ByteBuffer.wrap(k));
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        BlockedState st = new BlockedState(c.dbIndex(), ks, deadlineMs, onTimeout, c.cmd, argv);
        c.blocked = st;
        blockedClients++;
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.computeIfAbsent(st.db, d -> new HashMap<>());
        for (ByteBuffer k : ks) {
            ArrayDeque<Client> q = byKey.computeIfAbsent(k, x -> new ArrayDeque<>());
            if (!q.contains(c)) q.addLast(c);
        }
        if (deadlineMs > 0) {
            long delay = Math.max(0, deadlineMs - System.currentTimeMillis());
            st.cancelTimer = timers.schedule(delay, () -> timeout(c, st));
        }
    }

    /**
     * While {@code c} runs again because a key it waits on became ready: that key, else null.
     * Redis serves a waiter from the ready key alone (in the order keys became ready), so a
     * handler serving several keys should look at this one only.
     */
    public byte[] servingKey(Client c) {
        return c == reexecuting ? servingKey : null;
    }

    private static final String TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
    private static final BigDecimal LONG_DOUBLE_MAX = new BigDecimal("1.18973149535723176502e4932");
    private static final BigDecimal LONG_DOUBLE_MIN = new BigDecimal("3.64519953188247460253e-4951");
    private static final BigDecimal TWO_63 = new BigDecimal(BigInteger.ONE.shiftLeft(63));
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final java.util.regex.Pattern DECIMAL =
            java.util.regex.Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    /**
     * Parses a blocking timeout in seconds into a deadline (unix ms); 0 means forever. As Redis 7.0's
     * getTimeoutFromObjectOrReply: the number is read as a long double (so 1e400 is a number, 1e5000
     * is not), multiplied by 1000 and rounded up, and converted to a 64-bit integer - where anything
     * out of range (infinities too) becomes LLONG_MIN, hence "timeout is negative". A tiny negative
     * timeout rounds up to 0 and waits forever.
     */
    public static long deadline(byte[] arg, long nowMs) {
        BigDecimal ms = timeoutMillis(arg);
        long t;
        if (ms == null || ms.compareTo(TWO_63) >= 0 || ms.compareTo(TWO_63.negate()) < 0) t = Long.MIN_VALUE;
        else t = ms.longValueExact();
        if (t < 0) throw new CommandError("ERR timeout is negative");
        if (t > 0 && t > Long.MAX_VALUE - nowMs) throw new CommandError("ERR timeout is out of range");
        return t == 0 ? 0 : nowMs + t;
    }

    /** ceil(seconds * 1000) exactly, or null for an infinity; throws when it is not a long double. */
    private static BigDecimal timeoutMillis(byte[] arg) {
        if (arg.length >= 5 * 1024) throw new CommandError(TIMEOUT_NOT_FLOAT); // Redis's MAX_LONG_DOUBLE_CHARS
        double d;
        try {
            d = Args.parseDouble(arg, TIMEOUT_NOT_FLOAT);
        } catch (CommandError e) {
            // Out of a double's range, but perhaps not of a long double's.
            BigDecimal v = plainDecimal(arg);
            if (v == null || v.abs().compareTo(LONG_DOUBLE_MAX) > 0) throw e;
            if (v.signum() != 0 && v.abs().compareTo(LONG_DOUBLE_MIN) < 0) throw e;
            return v.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
        }
        if (Double.isInfinite(d)) return null;
        BigDecimal v = plainDecimal(arg);
        if (v == null) v = new BigDecimal(d); // hex floats are exact in binary
        return v.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
    }

    /** The value of a decimal literal ([+-]digits[.digits][e[+-]digits]), or null for anything else. */
    private static BigDecimal plainDecimal(byte[] arg) {
        String t = new String(arg, java.nio.charset.StandardCharsets.US_ASCII);
        if (!DECIMAL.matcher(t).matches()) return null;
        try {
            return new BigDecimal(t.startsWith("+") ? t.substring(1) : t);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** Called by the keyspace when a key may now serve waiters. Cheap when nobody waits. */
    void keyReady(Database db, byte[] key) {
        if (blockedClients == 0) return;
        Map<ByteBuffer, ArrayDeque<Client>> byKey = waiting.get(db.id());
        if (byKey == null) return;
        ByteBuffer k = ByteBuffer.wrap(key);
        if (byKey.containsKey(k)) ready.add(new ReadyKey(db.id(), k));
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
        // Each waiter present now gets one try, in order; stop when the key is gone.
        for (Client c : new ArrayList<>(queue)) {
            if (db.lookupNoTouch(key) == null) break;
            if (c.blocked == null) continue;
            BlockedState st = c.blocked;
            reexecuting = c;
            servingKey = key;
            reblocked = false;
            c.argv = st.argv;
            c.argc = st.argv.length;
            server.beginCall();
            try {
                dispatcher.call(c, st.cmd);
            } finally {
                server.endCall();
                reexecuting = null;
                servingKey = null;
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
        if (st == null) return false;
        unblock(c);
        if (error) c.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
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
