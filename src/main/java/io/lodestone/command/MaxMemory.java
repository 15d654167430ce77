package io.lodestone.command;

import io.lodestone.store.Eviction;

/**
 * The maxmemory directive (Redis's evict.c, the server side): the memory the server counts as used,
 * whether it is over the limit, and the eviction that brings it back under.
 *
 * <p><b>Used memory</b> is an accounted figure, not the JVM heap's occupancy, which moves with every
 * collection: the data's bytes as its structures compute them ({@code Keyspace.memory()}: records,
 * values, tables), the clients' buffers, the replication buffer, the AOF buffer, the script and
 * function caches (not the Lua states: Redis's Lua allocates outside its count too), plus
 * {@link #STARTUP} for the server's own fixed structures. It rises and falls
 * with what the server holds, exactly as Redis's allocator-counted used_memory does, so a limit means
 * the same on both; docs/ARCHITECTURE.md ("Memory accounting") says how close it is to the heap.
 *
 * <p>{@link #performEvictions} runs before every command (the dispatcher), from CONFIG SET maxmemory
 * and from its own task while an eviction cycle had to stop at its time limit
 * ({@code maxmemory-eviction-tenacity}), as Redis's evictionTimeProc.
 */
public final class MaxMemory {
    /** performEvictions: memory is fine, or evicting cannot happen now. */
    public static final int EVICT_OK = 0;
    /** Over the limit, with evictions going on in the background task. */
    public static final int EVICT_RUNNING = 1;
    /** Over the limit with nothing (more) to evict: commands that add data are refused. */
    public static final int EVICT_FAIL = 2;

    /**
     * The server's fixed structures (command table, configuration, shared replies, the event loop's
     * buffers), which are not accounted one by one: Redis 7.0 reports about 0.9 MB at start.
     */
    public static final long STARTUP = 1 << 20;

    private final ServerContext server;
    /** maxmemory in bytes; 0 for no limit. */
    public volatile long maxmemory;
    public volatile Eviction.Policy policy = Eviction.Policy.NOEVICTION;
    public volatile int samples = 5;
    public volatile int tenacity = 10;
    /** lazyfree-lazy-eviction: evictions propagate as UNLINK rather than DEL. */
    public volatile boolean lazyEviction;
    private boolean procRunning;
    private long peak;
    /** Redis's stat_total_eviction_exceeded_time (ms) and when the current excess began (ns, 0 if none). */
    private long exceededTotalMs, exceededSinceNanos;
    /** Runs the background eviction task on the command thread; set by the server. */
    public java.util.function.Consumer<Runnable> commandThread = Runnable::run;

    MaxMemory(ServerContext server) {
        this.server = server;
    }

    /** Redis's overMaxmemoryAfterAlloc: whether {@code more} bytes would take used memory past maxmemory. */
    public boolean overAfterAlloc(long more) {
        long limit = maxmemory;
        if (limit == 0) return false;
        long used = used();
        if (used + more <= limit) return false;
        used -= Math.min(used, notCountedForEvict());
        return used + more > limit;
    }

    /** used_memory: every accounted byte (see the class comment). */
    public long used() {
        long used = STARTUP + server.keyspace.memory() + server.clients.normalClientsMemory()
                + replicationBuffer() + server.aof.writer.bufferLength();
        // The script caches count; the Lua states do not, as in Redis, whose Lua allocates outside zmalloc.
        ServerContext.ScriptingInfo sc = server.scripting;
        if (sc != null) used += sc.evalScriptsMemory() + sc.functionsMemory();
        if (used > peak) peak = used;
        return used;
    }

    /** used_memory_peak: the most {@link #used} has been (as of the last time it was computed). */
    public long peak() {
        return Math.max(peak, used());
    }

    public void resetPeak() {
        peak = 0;
    }

    /** Cron: keeps the peak current between commands. */
    public void cron() {
        used();
    }

    /** INFO stats total_eviction_exceeded_time: ms spent over maxmemory, the current stretch included. */
    public long exceededTotalMs() {
        return exceededTotalMs + exceededCurrentMs();
    }

    /** INFO stats current_eviction_exceeded_time. */
    public long exceededCurrentMs() {
        return exceededSinceNanos == 0 ? 0 : (System.nanoTime() - exceededSinceNanos) / 1_000_000;
    }

    public void resetStats() {
        exceededTotalMs = 0;
        if (exceededSinceNanos != 0) exceededSinceNanos = System.nanoTime();
    }

    /** Redis's update_metrics of performEvictions: times the stretches spent over the limit. */
    private int metered(int result) {
        if (result != EVICT_OK) {
            if (exceededSinceNanos == 0) exceededSinceNanos = System.nanoTime();
        } else if (exceededSinceNanos != 0) {
            exceededTotalMs += (System.nanoTime() - exceededSinceNanos) / 1_000_000;
            exceededSinceNanos = 0;
        }
        return result;
    }

    private long replicationBuffer() {
        return server.replication == null ? 0 : server.replication.stream.bufferMemory();
    }

    /**
     * Redis's freeMemoryGetNotCountedMemory (mem_not_counted_for_evict): the replication buffer beyond
     * the backlog's size and the AOF buffer. Evicting writes DELs into both, so counting them would
     * feed an eviction loop.
     */
    public long notCountedForEvict() {
        long overhead = 0;
        if (server.replication != null) {
            long buffer = server.replication.stream.bufferMemory(), backlog = server.replication.stream.backlogSize();
            if (buffer > backlog) overhead += buffer - backlog;
        }
        return overhead + server.aof.writer.bufferLength();
    }

    /**
     * Redis's getMaxmemoryState: bytes to free to get back under maxmemory, or 0 when under it (or
     * with no limit).
     */
    public long toFree() {
        long limit = maxmemory;
        if (limit == 0) return 0;
        long used = used();
        if (used <= limit) return 0;
        used -= Math.min(used, notCountedForEvict());
        return used <= limit ? 0 : used - limit;
    }

    /** Redis's isSafeToPerformEvictions. */
    private boolean safeToEvict() {
        if (server.loading.active()) return false;
        // A replica is its master's copy: by default it leaves evictions to the master.
        if (server.replication != null && server.replication.isReplica && server.repl.replicaIgnoreMaxmemory) return false;
        // While clients are paused the data set stays as it is: no expiry, no eviction.
        return server.pause.type() == ClientPause.Type.OFF;
    }

    /** Redis's evictionTimeLimitUs: the time one call may spend evicting, from the tenacity. */
    private long timeLimitNanos() {
        int t = tenacity;
        if (t <= 10) return 50_000L * t;
        if (t < 100) return (long) (500.0 * Math.pow(1.15, t - 10.0)) * 1000;
        return Long.MAX_VALUE;
    }

    /**
     * Redis's performEvictions: evicts keys until used memory is under maxmemory, the policy forbids
     * it, or the time limit passes (then the background task goes on). Returns {@link #EVICT_OK},
     * {@link #EVICT_RUNNING} or {@link #EVICT_FAIL}.
     */
    public int performEvictions() {
        if (maxmemory == 0 || !safeToEvict()) return EVICT_OK;
        long toFree = toFree();
        if (toFree == 0) return metered(EVICT_OK);
        Eviction.Policy p = policy;
        if (p == Eviction.Policy.NOEVICTION) return metered(EVICT_FAIL);
        long start = System.nanoTime(), limit = timeLimitNanos();
        long freed = 0;
        int keys = 0;
        int result = EVICT_OK;
        while (freed < toFree) {
            long t0 = System.nanoTime();
            long bytes = server.keyspace.eviction.evictOne(p, samples);
            if (bytes < 0) {
                result = EVICT_FAIL;
                break;
            }
            server.latency.addSampleIfNeeded("eviction-del", (System.nanoTime() - t0) / 1_000_000);
            freed += bytes;
            keys++;
            if (keys % 16 == 0) {
                if (server.replication != null) server.replication.flush();
                if (System.nanoTime() - start > limit) {
                    startEvictionTask();
                    result = EVICT_RUNNING;
                    break;
                }
            }
        }
        if (result == EVICT_OK && procRunning) result = EVICT_RUNNING;
        server.latency.addSampleIfNeeded("eviction-cycle", (System.nanoTime() - start) / 1_000_000);
        return metered(result);
    }

    /** Redis's startEvictionTimeProc: goes on evicting from the event loop until done. */
    public void startEvictionTask() {
        if (procRunning) return;
        procRunning = true;
        commandThread.accept(this::evictionTask);
    }

    /** One run of the background task: performEvictions schedules the next one if it runs out of time. */
    private void evictionTask() {
        procRunning = false;
        server.keyspace.tick();
        performEvictions();
        server.flushPendingWrites();
    }
}
