package io.lodestone.persistence;

import io.lodestone.store.Keyspace;

import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The server's loading state (Redis's {@code server.loading} and {@code async_loading}), the one
 * owner every loading path goes through: the RDB or AOF read at start-up, DEBUG RELOAD and DEBUG
 * LOADAOF, and a replica adopting its master's payload.
 *
 * <p>While {@link #active() loading}: nothing expires (the keyspace's flag, set here only), nothing
 * is propagated to replicas or the AOF, and clients get {@code -LOADING}
 * for every command without Redis's {@code loading} flag (the dispatcher). {@link #asyncLoading()} is
 * a replica parsing its master's payload in the background while it keeps serving the old data.
 *
 * <p>Owned by the command thread; a background loader reports its progress through the volatile
 * byte counter only.
 */
public final class Loading {
    private final Keyspace keyspace;
    private boolean active;
    private boolean async;
    private long startTimeSec;
    private long startNanos;
    private long totalBytes;
    private volatile long loadedBytes;
    private long rdbUsedMem;

    public Loading(Keyspace keyspace) {
        this.keyspace = keyspace;
    }

    /** Redis's startLoading: {@code totalBytes} is what the loader will read (0 if unknown). */
    public void begin(long totalBytes) {
        active = true;
        keyspace.loading(true);
        start(totalBytes);
    }

    /** Redis's stopLoading. */
    public void end() {
        active = false;
        keyspace.loading(false);
    }

    /** A replica's background load of its master's payload began (INFO async_loading:1); data keeps being served. */
    public void beginAsync(long totalBytes) {
        async = true;
        start(totalBytes);
    }

    public void endAsync() {
        async = false;
    }

    private void start(long total) {
        startTimeSec = System.currentTimeMillis() / 1000;
        startNanos = System.nanoTime();
        totalBytes = total;
        loadedBytes = 0;
        rdbUsedMem = 0;
    }

    /** The bytes a load of {@code file} will read (0 if it cannot be read: the loader then says why). */
    public static long sizeOf(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Bytes read so far (any thread). */
    public void progress(long bytes) {
        loadedBytes = bytes;
    }

    /** The {@code used-mem} of the RDB being loaded (INFO loading_rdb_used_mem). */
    public void rdbUsedMem(long bytes) {
        rdbUsedMem = Math.max(0, bytes);
    }

    public boolean active() {
        return active;
    }

    public boolean asyncLoading() {
        return async;
    }

    /** INFO persistence's first two fields. */
    public void info(BiConsumer<String, Object> field) {
        field.accept("loading", active ? 1 : 0);
        field.accept("async_loading", async ? 1 : 0);
    }

    /** The progress fields INFO persistence ends with while loading (Redis prints them only then). */
    public void progressInfo(BiConsumer<String, Object> field) {
        if (!active && !async) return;
        long loaded = loadedBytes;
        double perc = totalBytes > 0 ? 100.0 * loaded / totalBytes : 0;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long eta = loaded == 0 ? 1 : (long) ((totalBytes - loaded) / (loaded / Math.max(elapsed, 1e-3)));
        field.accept("loading_start_time", startTimeSec);
        field.accept("loading_total_bytes", totalBytes);
        field.accept("loading_rdb_used_mem", rdbUsedMem);
        field.accept("loading_loaded_bytes", loaded);
        field.accept("loading_loaded_perc", String.format(Locale.ROOT, "%.2f", perc));
        field.accept("loading_eta_seconds", Math.max(0, eta));
    }
}
