package io.lodestone.persistence;

import io.lodestone.config.SaveRule;
import io.lodestone.persistence.rdb.RdbEncoder;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.persistence.rdb.RdbFileWriter;
import io.lodestone.persistence.rdb.RdbFormatException;
import io.lodestone.persistence.rdb.RdbValueReader;
import io.lodestone.persistence.rdb.ReplInfo;
import io.lodestone.persistence.rdb.SanitizeDumpPayload;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * RDB persistence, the one owner of its lifecycle (Redis's rdb.c and the RDB part of serverCron):
 * SAVE, BGSAVE and its scheduling, the {@code save <seconds> <changes>} points, the replication history
 * a file carries, loading at start-up and on DEBUG RELOAD, the adoption of any loaded RDB (an AOF's
 * preamble, a replica's full sync), and the bookkeeping INFO persistence shows.
 *
 * <p>SAVE writes on the command thread, as Redis's SAVE blocks. BGSAVE takes a point-in-time
 * {@link Snapshotter snapshot} written in the background while commands keep running; where Redis
 * has one fork child at a time, Lodestone has one snapshot at a time, and the same rules follow
 * (BGSAVE while an AOF rewrite runs must be scheduled). Every method runs on the command thread,
 * except {@link #read}, which a background loader may call.
 */
public final class RdbPersistence {
    /** {@link Snapshotter.Job#purpose()} of an RDB BGSAVE. */
    public static final String PURPOSE = "rdb";
    /** Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds before a save point retries a failed BGSAVE. */
    static final int BGSAVE_RETRY_DELAY = 5;

    /** What RDB persistence needs from the rest of the server. */
    public interface Host {
        /** The compact-encoding thresholds loaded values are built with. */
        RdbValueReader.Limits limits();

        /** Redis's rdbPopulateSaveInfo: the replication history a file written now carries, or null. */
        ReplInfo replicationInfo();

        /** Whether this server is a replica: it keeps keys whose TTL passed (its master sends the DEL). */
        boolean isReplica();

        /**
         * Start-up from an RDB (Redis 7.0's loadDataFromDisk): a replica caches its master from the
         * recorded history ({@code info}, null if none); a master continues its own and propagates the
         * deletion of the keys the load left out as expired, since its replicas still have them.
         */
        void restoreReplication(ReplInfo info, List<RdbFileLoader.Dropped> expired);
    }

    /** What BGSAVE did (Redis's bgsaveCommand replies). */
    public enum BgsaveOutcome { STARTED, SCHEDULED, ALREADY_IN_PROGRESS, OTHER_CHILD_ACTIVE, FAILED }

    private final Keyspace keyspace;
    private final Snapshotter snapshotter;
    private final Loading loading;
    private final Host host;

    // Settings, bound from the config by the server (rdbcompression, rdbchecksum, dir, dbfilename, save,
    // stop-writes-on-bgsave-error).
    public boolean compression;
    public boolean checksum;
    public Supplier<Path> dir;
    public String dbfilename;
    public List<SaveRule> savePoints = List.of();
    public boolean stopWritesOnBgsaveError;
    /** key-load-delay (hidden, for tests): microseconds slept per key loaded. */
    public volatile long keyLoadDelayMicros;
    /** sanitize-dump-payload: how deeply loaded values (files, RESTORE) are validated. */
    public volatile SanitizeDumpPayload sanitizeDumpPayload = SanitizeDumpPayload.NO;
    /**
     * DEBUG SET-SKIP-CHECKSUM-VALIDATION (Redis's server.skip_checksum_validation): neither a DUMP
     * payload's nor an RDB file's checksum is verified.
     */
    public volatile boolean skipChecksumValidation;

    // Bookkeeping, Redis's names: lastsave, dirty_before_bgsave, lastbgsave_status, lastbgsave_try,
    // rdb_save_time_last, rdb_bgsave_scheduled, stat_rdb_saves.
    /** Unix seconds of the last successful save (or of start-up). */
    private long lastSaveTime = System.currentTimeMillis() / 1000;
    /** keyspace.dirty when the last save succeeded: INFO reports the difference. */
    private long dirtyAtLastSave;
    /** keyspace.dirty when the BGSAVE in progress started. */
    private long dirtyBeforeBgsave;
    private long saves;
    /** rdb_last_bgsave_status: false after a failed BGSAVE, until a save succeeds. */
    private boolean lastBgsaveOk = true;
    /** Unix seconds of the last BGSAVE attempt (save points retry a failed one after 5 s). */
    private long lastBgsaveTry;
    private long lastBgsaveTimeSec = -1;
    private boolean bgsaveScheduled;
    /** Bytes serialized ahead of the walk by writes during the last BGSAVE (our rdb_last_cow_size). */
    private long lastCowSize;
    private long lastLoadKeysLoaded;
    private long lastLoadKeysExpired;

    public RdbPersistence(Keyspace keyspace, Snapshotter snapshotter, Loading loading, Host host) {
        this.keyspace = keyspace;
        this.snapshotter = snapshotter;
        this.loading = loading;
        this.host = host;
    }

    /** The RDB file of the current settings: {@code dir}/{@code dbfilename}. */
    public Path path() {
        return dir.get().resolve(dbfilename);
    }

    /** True while a BGSAVE (not another kind of snapshot) runs. */
    public boolean bgsaveInProgress() {
        Snapshotter.Job job = snapshotter.current();
        return job != null && PURPOSE.equals(job.purpose());
    }

    private static long usedMemory() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** A new encoder for a whole RDB of the current settings (BGSAVE, a replica's full sync). */
    public RdbEncoder newEncoder() {
        return new RdbEncoder(compression, usedMemory(), false);
    }

    /* ---------------------------------------------------------------- saving */

    /** Redis's rdbSave: writes the file on this thread, updates the bookkeeping, logs as Redis; false on failure. */
    public boolean save() {
        RdbFileWriter w = new RdbFileWriter(compression, checksum, usedMemory()).replication(host.replicationInfo())
                .keySaveDelay(snapshotter.keySaveDelayMicros);
        try {
            w.save(keyspace, path());
        } catch (IOException | RuntimeException e) {
            Log.warning("Write error saving DB on disk: " + e.getMessage());
            return false;
        }
        Log.notice("DB saved on disk");
        saveSucceeded(keyspace.dirty);
        return true;
    }

    private void saveSucceeded(long dirtyAtSave) {
        dirtyAtLastSave = dirtyAtSave;
        lastSaveTime = System.currentTimeMillis() / 1000;
        lastBgsaveOk = true;
        saves++;
    }

    /**
     * BGSAVE [SCHEDULE] by Redis 7.0's rules: one snapshot at a time, so with another one running (an
     * AOF rewrite, a full sync) it is only scheduled, when asked to or inside MULTI.
     */
    public BgsaveOutcome bgsave(boolean schedule, boolean inExec) {
        if (bgsaveInProgress()) return BgsaveOutcome.ALREADY_IN_PROGRESS;
        if (snapshotter.inProgress() || inExec) {
            if (!schedule && !inExec) return BgsaveOutcome.OTHER_CHILD_ACTIVE;
            bgsaveScheduled = true;
            return BgsaveOutcome.SCHEDULED;
        }
        return bgsaveStart() ? BgsaveOutcome.STARTED : BgsaveOutcome.FAILED;
    }

    /** Redis's rdbSaveBackground: starts a BGSAVE; false (logged) when the file cannot be opened. */
    public boolean bgsaveStart() {
        dirtyBeforeBgsave = keyspace.dirty;
        lastBgsaveTry = System.currentTimeMillis() / 1000;
        Path target = path();
        SnapshotOutput out;
        try {
            out = ChildFileOutput.open(pid -> target, pid -> AtomicFileOutput.tempFor(target, "temp-", pid));
        } catch (IOException e) {
            Log.warning("Failed opening the temp RDB file " + target.getFileName() + " (in server root dir "
                    + target.toAbsolutePath().getParent() + ") for saving: " + e.getMessage());
            lastBgsaveOk = false;
            return false;
        }
        RdbEncoder encoder = newEncoder().replication(host.replicationInfo());
        Snapshotter.Job job = snapshotter.start(PURPOSE, encoder, new ChecksummedOutput(out, checksum), this::bgsaveDone);
        Log.notice("Background saving started by pid " + job.childPid());
        return true;
    }

    /** Redis's backgroundSaveDoneHandlerDisk. */
    private void bgsaveDone(Snapshotter.Job job) {
        lastBgsaveTimeSec = job.durationNanos() / 1_000_000_000L;
        lastCowSize = job.earlyBytes();
        if (job.error() == null) {
            Log.notice(String.format(Locale.ROOT, "DB saved on disk: %d keys, %.2f MB written ahead of the walk",
                    job.keys(), job.earlyBytes() / 1048576.0));
            Log.notice("Background saving terminated with success");
            saveSucceeded(dirtyBeforeBgsave);
        } else if (job.aborted()) {
            // Cancelled on purpose (FLUSHALL, SHUTDOWN, DEBUG RELOAD): like a child killed by Redis, not an error.
            Log.warning("Background saving terminated by signal 10");
        } else if (job.childSignal() != 0) {
            Log.warning("Background saving terminated by signal " + job.childSignal());
            lastBgsaveOk = false;
        } else {
            Log.warning("Write error saving DB on disk: " + job.error());
            Log.warning("Background saving error");
            lastBgsaveOk = false;
        }
    }

    /** Redis's killRDBChild: cancels a BGSAVE in progress (the file is not written). */
    public void abortBgsave() {
        if (bgsaveInProgress()) snapshotter.abort();
    }

    /** Redis's flushAllDataAndResetRDB, after the data is gone: no stale BGSAVE, and an empty dump when saving. */
    public void afterFlushAll() {
        abortBgsave();
        if (!savePoints.isEmpty()) save();
    }

    /**
     * serverCron's RDB part: starts a scheduled BGSAVE, or one a save point requires, when no snapshot
     * is running.
     */
    public void cron() {
        if (snapshotter.inProgress() || loading.active()) return;
        long now = System.currentTimeMillis() / 1000;
        boolean mayRetry = now - lastBgsaveTry > BGSAVE_RETRY_DELAY || lastBgsaveOk;
        if (startScheduled()) return;
        long changes = keyspace.dirty - dirtyAtLastSave;
        for (SaveRule r : savePoints) {
            if (changes >= r.changes() && now - lastSaveTime > r.seconds() && mayRetry) {
                Log.notice(r.changes() + " changes in " + r.seconds() + " seconds. Saving...");
                bgsaveStart();
                return;
            }
        }
    }

    /** Starts a BGSAVE that waited for another snapshot, unless the last one failed moments ago. */
    public boolean startScheduled() {
        if (!bgsaveScheduled || snapshotter.inProgress() || loading.active()) return false;
        long now = System.currentTimeMillis() / 1000;
        if (now - lastBgsaveTry <= BGSAVE_RETRY_DELAY && !lastBgsaveOk) return false;
        bgsaveScheduled = false;
        bgsaveStart();
        return true;
    }

    /** Whether save points are configured (FLUSHALL saves then; MISCONF needs them). */
    public boolean hasSavePoints() {
        return !savePoints.isEmpty();
    }

    /**
     * Redis's {@code server.dirty = 0} after DEBUG LOADAOF: what was just reloaded from disk counts as
     * saved (rdb_changes_since_last_save 0, no save point fires for it).
     */
    public void forgetChanges() {
        dirtyAtLastSave = keyspace.dirty;
    }

    public boolean lastBgsaveOk() {
        return lastBgsaveOk;
    }

    public long lastSaveTime() {
        return lastSaveTime;
    }

    /**
     * The RDB half of Redis's writeCommandsDeniedByDiskError: the -MISCONF text writes get while the
     * last BGSAVE failed (with stop-writes-on-bgsave-error and save points), else null.
     */
    public String writeDenial() {
        if (lastBgsaveOk || !stopWritesOnBgsaveError || savePoints.isEmpty()) return null;
        return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
                + "Commands that may modify the data set are disabled, because this instance is configured to "
                + "report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
                + "Please check the Redis logs for details about the RDB error.";
    }

    /** INFO persistence's rdb_* fields, in Redis's order. */
    public void info(BiConsumer<String, Object> field) {
        Snapshotter.Job job = snapshotter.current();
        // Redis's RDB child: a BGSAVE or a full sync's snapshot (an AOF rewrite is the AOF's child).
        boolean rdbJob = job != null && !io.lodestone.persistence.aof.SnapshotBaseWriter.PURPOSE.equals(job.purpose());
        field.accept("rdb_changes_since_last_save", keyspace.dirty - dirtyAtLastSave);
        field.accept("rdb_bgsave_in_progress", rdbJob ? 1 : 0);
        field.accept("rdb_last_save_time", lastSaveTime);
        field.accept("rdb_last_bgsave_status", lastBgsaveOk ? "ok" : "err");
        field.accept("rdb_last_bgsave_time_sec", lastBgsaveTimeSec);
        field.accept("rdb_current_bgsave_time_sec", rdbJob ? job.elapsedSeconds() : -1);
        field.accept("rdb_saves", saves);
        field.accept("rdb_last_cow_size", lastCowSize);
        field.accept("rdb_last_load_keys_expired", lastLoadKeysExpired);
        field.accept("rdb_last_load_keys_loaded", lastLoadKeysLoaded);
    }

    /* --------------------------------------------------------------- loading */

    /**
     * A loader of the current settings. Keys whose TTL passed are kept by a replica (its master sends
     * the DEL) and by the RDB preamble of an AOF (later commands of the file may change the TTL); a
     * master reading a plain RDB drops them, as Redis's rdbLoad does.
     */
    public RdbFileLoader loader(boolean keepExpired) {
        // A file is a trusted source: only sanitize-dump-payload yes validates it deeply.
        return new RdbFileLoader(host.limits(), checksum && !skipChecksumValidation)
                .deep(sanitizeDumpPayload.deep(true))
                .keepExpired(keepExpired || host.isReplica())
                .keyLoadDelay(keyLoadDelayMicros)
                .progress(loading::progress);
    }

    /** Parses {@code file} into a new keyspace; safe on any thread (nothing live is touched). */
    public RdbFileLoader.Result read(Path file, boolean keepExpired) throws IOException, RdbFormatException {
        return loader(keepExpired).load(file, keyspace.databases(), System.currentTimeMillis());
    }

    /**
     * Makes a loaded RDB the data set, with Redis's log lines (start-up, an AOF preamble, DEBUG RELOAD, a
     * replica's full sync). The swap is one step on the command thread; the loading state covers it.
     */
    public void adopt(RdbFileLoader.Result r) {
        boolean outer = loading.active();
        if (!outer) loading.begin(0);
        try {
            if (r.redisVer() != null) Log.notice("Loading RDB produced by version " + r.redisVer());
            if (r.ctime() >= 0) {
                Log.notice("RDB age " + Math.max(0, System.currentTimeMillis() / 1000 - r.ctime()) + " seconds");
            }
            if (r.usedMem() >= 0) {
                Log.notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb", r.usedMem() / 1024.0 / 1024.0));
            }
            // The load replaces the libraries too (Redis's emptyData); they come first, as in the file.
            String error = keyspace.functions().restore(r.functions(), true, false);
            if (error != null) throw new IllegalStateException("Failed loading the RDB's function libraries: " + error);
            keyspace.adopt(r.keyspace());
            lastLoadKeysLoaded = r.keysLoaded();
            lastLoadKeysExpired = r.keysExpired();
            if (r.emptyKeysSkipped() > 0) {
                Log.warning("Done loading RDB, keys loaded: " + r.keysLoaded() + ", keys expired: " + r.keysExpired()
                        + ", empty keys skipped: " + r.emptyKeysSkipped() + ".");
            } else {
                Log.notice("Done loading RDB, keys loaded: " + r.keysLoaded() + ", keys expired: " + r.keysExpired() + ".");
            }
        } finally {
            if (!outer) loading.end();
        }
    }

    /**
     * Redis's loadDataFromDisk for the RDB, on the thread that starts the server while the command
     * thread answers -LOADING: the file parsed into a new keyspace, or null when there is no file.
     * Throws (after logging why) when the server must not start.
     */
    public RdbFileLoader.Result readAtStartup() throws IOException {
        Path path = path();
        if (!Files.exists(path)) return null;
        RdbFileLoader loader = loader(false).collectDropped();
        try {
            return loader.load(path, keyspace.databases(), System.currentTimeMillis());
        } catch (RdbFormatException e) {
            // Redis's rdbReportError for a file: the error, redis-check-rdb's account of it, then exit.
            Log.warning("Internal error in RDB reading offset " + e.offset() + " -> " + e.reason());
            loader.checkReport(e).forEach(Log::warning);
            Log.warning("Terminating server after rdb file reading failure.");
            throw new IOException(e);
        } catch (IOException e) {
            Log.warning("Fatal error loading the DB (" + path + "): " + e.getMessage());
            throw e;
        } catch (RuntimeException | OutOfMemoryError e) {
            Log.warning("Fatal error loading the DB (" + path + "): " + e);
            throw new IOException(e);
        }
    }

    /** The command thread's half of the start-up load: the data set, and the replication history it recorded. */
    public void adoptAtStartup(RdbFileLoader.Result r, long startNanos) {
        adopt(r);
        Log.notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds", (System.nanoTime() - startNanos) / 1e9));
        ReplInfo info = r.repl();
        host.restoreReplication(info != null && info.complete() ? info : null, r.dropped());
    }

    /** Bytes of the RDB file (0 if absent): INFO loading_total_bytes. */
    public long fileSize() {
        return Loading.sizeOf(path());
    }

    /**
     * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless NOSAVE), empties the data set (unless
     * NOFLUSH) and loads the file back. With NOFLUSH the loaded keys are added to the data set; a key
     * present in both is an error unless MERGE, which lets the file's value win. Returns Redis's error
     * text, or null when done.
     */
    public String debugReload(boolean flush, boolean save, boolean merge) {
        if (save && !save()) return "ERR";
        Path path = path();
        loading.begin(Loading.sizeOf(path));
        try {
            RdbFileLoader.Result r;
            try {
                r = read(path, false);
            } catch (RdbFormatException | IOException e) {
                Log.warning("Error loading the DB (" + path + "): " + e.getMessage());
                return "ERR Error trying to load the RDB dump, check server logs.";
            }
            String error = keyspace.functions().restore(r.functions(), flush, merge);
            if (error != null) {
                Log.warning("Failed loading library: " + error);
                return "ERR Error trying to load the RDB dump, check server logs.";
            }
            if (flush) {
                abortBgsave();
                keyspace.adopt(r.keyspace());
            } else if (!mergeInto(r.keyspace(), merge)) {
                return "ERR Error trying to load the RDB dump, check server logs.";
            }
        } finally {
            loading.end();
        }
        Log.warning("DB reloaded by DEBUG RELOAD");
        return null;
    }

    /** Adds every key of {@code loaded} to the data set; false (nothing added) on a duplicate unless {@code replace}. */
    private boolean mergeInto(Keyspace loaded, boolean replace) {
        for (int i = 0; i < loaded.databases(); i++) {
            Database src = loaded.db(i), dst = keyspace.db(i);
            boolean[] dup = {false};
            if (!replace) src.forEach(e -> dup[0] |= dst.peek(e.key()) != null);
            if (dup[0]) {
                Log.warning("RDB has duplicated keys in DB " + i);
                return false;
            }
        }
        for (int i = 0; i < loaded.databases(); i++) {
            Database dst = keyspace.db(i);
            loaded.db(i).forEach(e -> {
                KeyEntry n = dst.set(e.key(), e.value(), false);
                if (e.expireAt() != KeyEntry.NO_EXPIRE) dst.setExpire(n, e.expireAt());
            });
        }
        return true;
    }
}
