package io.lodestone.command;

import io.lodestone.config.ClientBufferLimit;
import io.lodestone.config.ClientOutputBufferLimits;
import io.lodestone.util.Log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every connected client by id, in connection order (CLIENT LIST, KILL, INFO clients, timeouts), and the
 * owner of what clients cost in memory: each client's accounted memory (Redis's getClientMemoryUsage,
 * {@link Client#memoryUsage}), their sums per client type kept incrementally, the output buffer limits of
 * the normal and pubsub classes (client-output-buffer-limit), client eviction (maxmemory-clients, CLIENT
 * NO-EVICT) and the cron work on clients' buffers (Redis's clientsCron: query and reply buffer resizing,
 * the recent peaks INFO shows). Touched by the command thread only.
 *
 * <p>A client's memory is re-measured when it may have changed: after a read, after a command, after its
 * output is flushed, and by cron (output drains to the socket without telling us); a client that leaves
 * takes its last measure out of the sums. Replicas are not accounted here: their output is the shared
 * replication buffer ({@code ReplicationStream.bufferMemory()}, INFO's mem_clients_slaves).
 */
public final class ClientRegistry {
    private final Map<Long, Client> clients = new LinkedHashMap<>();
    private final Stats stats;
    /**
     * Redis creates its two script clients (EVAL's and FUNCTION's Lua engines) at start-up with ids
     * 1 and 2, so the first connection gets 3; tools and tests rely on that, so ids start there.
     */
    private long nextId = 3;

    /** Client types as accounted (Redis's CLIENT_TYPE_*, replicas left out). */
    static final byte TYPE_NONE = 0, TYPE_NORMAL = 1, TYPE_PUBSUB = 2, TYPE_MASTER = 3;
    /** Accounted memory of normal, pubsub and master clients (Redis's stat_clients_type_memory). */
    private long normalMemory, pubsubMemory, masterMemory;

    /** maxmemory-clients as configured: bytes, or a percentage of maxmemory when negative; 0: off. */
    private long maxmemoryClients;
    private long maxmemory;
    /** The eviction threshold those two give (Redis's getClientEvictionLimit); 0: no eviction. */
    private long evictionLimit;

    /** client-output-buffer-limit of the normal and pubsub classes. */
    public volatile ClientBufferLimit normalOutputLimit = ClientOutputBufferLimits.DEFAULTS.normal();
    public volatile ClientBufferLimit pubsubOutputLimit = ClientOutputBufferLimits.DEFAULTS.pubsub();

    /** DEBUG REPLYBUFFER PEAK-RESET-TIME (ms; negative: never) and RESIZING. */
    public long replyBufferPeakResetMs = DEFAULT_PEAK_RESET_MS;
    public boolean replyBufferResizing = true;
    /** Redis's reply_buffer_peak_reset_time default. */
    public static final long DEFAULT_PEAK_RESET_MS = 5000;

    /** Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS: the largest input and output buffers of each of the last 8 seconds. */
    private static final int PEAK_SLOTS = 8;
    private final long[] peakInput = new long[PEAK_SLOTS];
    private final long[] peakOutput = new long[PEAK_SLOTS];

    public ClientRegistry(Stats stats) {
        this.stats = stats;
    }

    public long nextId() {
        return nextId++;
    }

    public void add(Client c) {
        clients.put(c.id, c);
        c.registered = true;
        updateMemory(c);
    }

    public void remove(Client c) {
        if (clients.remove(c.id) == null) return;
        c.registered = false;
        account(c, TYPE_NONE, 0);
    }

    public Client get(long id) {
        return clients.get(id);
    }

    public int size() {
        return clients.size();
    }

    public Collection<Client> all() {
        return clients.values();
    }

    // ---- Memory ----------------------------------------------------------------------------------

    /**
     * Redis's mem_clients_normal: the memory of every client that is not a replica (normal, pubsub and
     * the master client), as {@link Client#memoryUsage} measures it: query buffer, arguments, output
     * buffers (the reply buffer and what waits in the socket's outbound queue), the client's own
     * structures, its transaction, watched keys, subscriptions and tracking prefixes. Kept
     * incrementally (each client's measure is replaced when it is re-measured: after a read, a command,
     * a flush, by cron, and taken out when it leaves), so reading it is O(1); used_memory and the
     * maxmemory check read it before commands. Replicas' output is the shared replication buffer and
     * is not counted here (ReplicationStream.bufferMemory()).
     */
    public long normalClientsMemory() {
        return normalMemory + pubsubMemory + masterMemory;
    }

    /** Re-measures {@code c} and replaces its share of the sums (Redis's updateClientMemUsage). */
    public void updateMemory(Client c) {
        if (!c.registered) return;
        byte type = accountedType(c);
        account(c, type, type == TYPE_NONE ? 0 : c.memoryUsage());
    }

    private static byte accountedType(Client c) {
        if (c.replicaPeer != null) return TYPE_NONE;
        if (c.isMaster) return TYPE_MASTER;
        return c.subscriptions.mode ? TYPE_PUBSUB : TYPE_NORMAL;
    }

    private void account(Client c, byte type, long memory) {
        switch (c.accountedType) {
            case TYPE_NORMAL -> normalMemory -= c.accountedMemory;
            case TYPE_PUBSUB -> pubsubMemory -= c.accountedMemory;
            case TYPE_MASTER -> masterMemory -= c.accountedMemory;
            default -> { }
        }
        switch (type) {
            case TYPE_NORMAL -> normalMemory += memory;
            case TYPE_PUBSUB -> pubsubMemory += memory;
            case TYPE_MASTER -> masterMemory += memory;
            default -> { }
        }
        c.accountedType = type;
        c.accountedMemory = memory;
    }

    // ---- Output buffer limits ----------------------------------------------------------------------

    /**
     * Redis's closeClientOnOutputBufferLimitReached: when {@code c}'s output buffer (CLIENT LIST omem)
     * is past its class's hard limit, or has stayed past the soft limit for longer than its seconds,
     * the client is logged and closed with its pending output dropped. Replicas have limits of their own
     * (Replication); the master client is exempt. Returns whether it was closed.
     */
    public boolean closeOnOutputLimit(Client c, long nowSeconds) {
        if (c.conn == null || c.replicaPeer != null || c.isMaster || !c.registered) return false;
        ClientBufferLimit limit = c.subscriptions.mode ? pubsubOutputLimit : normalOutputLimit;
        if (!c.outputLimitReached(limit, nowSeconds)) return false;
        closeForOutputLimit(c);
        return true;
    }

    private static void closeForOutputLimit(Client c) {
        Log.warning("Client " + io.lodestone.command.connection.ClientCommand.describe(c, c).strip()
                + " scheduled to be closed ASAP for overcoming of output buffer limits.");
        c.conn.closeNow();
    }

    // ---- Client eviction (maxmemory-clients) -----------------------------------------------------

    /** CONFIG SET maxmemory-clients: bytes, or minus a percentage of maxmemory. */
    public void maxmemoryClients(long value) {
        maxmemoryClients = value;
        evictionLimit = evictionLimit(maxmemoryClients, maxmemory);
    }

    /** CONFIG SET maxmemory (a percentage in maxmemory-clients follows it). */
    public void maxmemory(long value) {
        maxmemory = value;
        evictionLimit = evictionLimit(maxmemoryClients, maxmemory);
    }

    /**
     * Redis's getClientEvictionLimit: maxmemory-clients in bytes, or its percentage of maxmemory (none
     * without maxmemory); never below 128 KB, so that a bad setting cannot cut every client off.
     */
    static long evictionLimit(long maxmemoryClients, long maxmemory) {
        long limit;
        if (maxmemoryClients < 0 && maxmemory != 0) {
            double bytes = maxmemory >= 0 ? maxmemory : (maxmemory >>> 1) * 2.0; // unsigned
            limit = (long) Math.min(Long.MAX_VALUE, bytes * -(double) maxmemoryClients / 100);
        } else if (maxmemoryClients > 0) {
            limit = maxmemoryClients;
        } else {
            return 0;
        }
        return Math.max(limit, 128 * 1024);
    }

    /** The eviction threshold in force (0: none). */
    public long evictionLimit() {
        return evictionLimit;
    }

    /**
     * Redis's evictClients: while normal and pubsub clients together use at least the eviction limit,
     * the evictable client that uses most (not a replica, the master or a NO-EVICT one) is disconnected
     * and counted in INFO's evicted_clients. Cheap when under the limit.
     */
    public void evictClients() {
        long limit = evictionLimit;
        if (limit == 0) return;
        while (normalMemory + pubsubMemory >= limit) {
            Client victim = null;
            for (Client c : clients.values()) {
                if (c.noEvict || c.accountedType == TYPE_MASTER || c.accountedType == TYPE_NONE || c.conn == null) continue;
                if (victim == null || c.accountedMemory > victim.accountedMemory) victim = c;
            }
            if (victim == null) return;
            Log.verbose("Evicting client: " + io.lodestone.command.connection.ClientCommand.describe(victim, victim).strip());
            stats.evictedClients++;
            victim.evicted = true;
            victim.conn.closeNow();
            remove(victim); // (closeNow removes it; a connection that does not is taken out here)
        }
    }

    /**
     * Redis's evictClients in processCommand, after the ACL check: returns true when {@code c} itself was
     * evicted, and its command must not run.
     */
    public boolean evictBeforeCommand(Client c) {
        if (evictionLimit == 0 || normalMemory + pubsubMemory < evictionLimit) return false;
        evictClients();
        return c.evicted;
    }

    /** CONFIG SET maxmemory-clients or maxmemory, CLIENT NO-EVICT OFF: every client re-measured, then eviction. */
    public void remeasureAndEvict() {
        for (Client c : clients.values()) updateMemory(c);
        evictClients();
    }

    // ---- Cron ---------------------------------------------------------------------------------------

    /**
     * Redis's clientsCron for each client: the query buffer and the reply buffer resized, the recent
     * peaks of input and output buffers tracked, the memory re-measured, the output limits checked
     * (a soft limit runs out without traffic); then clients are evicted if they use too much.
     */
    public void cron(long nowMs) {
        long nowSeconds = nowMs / 1000;
        int slot = (int) (nowSeconds % PEAK_SLOTS);
        int zero = (slot + 1) % PEAK_SLOTS;
        peakInput[zero] = 0;
        peakOutput[zero] = 0;
        List<Client> over = null;
        for (Client c : clients.values()) {
            if (c.conn == null) continue;
            c.conn.resizeQueryBuffer(nowMs - c.lastInteractionMs > 2000);
            if (replyBufferResizing) {
                int change = c.reply.resizeBuffer(nowMs, replyBufferPeakResetMs);
                if (change < 0) stats.replyBufferShrinks++;
                else if (change > 0) stats.replyBufferExpands++;
            }
            long in = c.conn.queryBufferLength() + c.conn.queryBufferFree() + c.conn.argvMemory();
            long out = c.outputMemory();
            if (in > peakInput[slot]) peakInput[slot] = in;
            if (out > peakOutput[slot]) peakOutput[slot] = out;
            updateMemory(c);
            ClientBufferLimit limit = c.subscriptions.mode ? pubsubOutputLimit : normalOutputLimit;
            if (c.replicaPeer == null && !c.isMaster && c.outputLimitReached(limit, nowSeconds)) {
                if (over == null) over = new ArrayList<>();
                over.add(c);
            }
        }
        if (over != null) {
            for (Client c : over) closeForOutputLimit(c);
        }
        evictClients();
    }

    /** INFO clients client_recent_max_input_buffer: the largest query buffer of the last seconds. */
    public long recentMaxInputBuffer() {
        long max = 0;
        for (long v : peakInput) max = Math.max(max, v);
        return max;
    }

    /** INFO clients client_recent_max_output_buffer: the largest output buffer of the last seconds. */
    public long recentMaxOutputBuffer() {
        long max = 0;
        for (long v : peakOutput) max = Math.max(max, v);
        return max;
    }
}
