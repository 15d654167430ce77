package io.lodestone.command.persistence;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.command.dump.DumpCommands;
import io.lodestone.config.SaveRule;
import io.lodestone.persistence.AtomicFileOutput;
import io.lodestone.persistence.ChecksummedOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.persistence.rdb.RdbEncoder;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.persistence.rdb.RdbFileWriter;
import io.lodestone.persistence.rdb.RdbFormatException;
import io.lodestone.store.Keyspace;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * RDB persistence as Redis's rdb.c and serverCron do it: SAVE, BGSAVE [SCHEDULE], LASTSAVE, the
 * {@code save <seconds> <changes>} points, loading at start-up and DEBUG RELOAD.
 *
 * <p>SAVE writes on the command thread, as Redis's SAVE blocks. BGSAVE takes a point-in-time
 * {@link Snapshotter snapshot} written in the background while commands keep running; where Redis
 * has one fork child at a time, Lodestone has one snapshot at a time, and the same rules follow
 * (BGSAVE while an AOF rewrite runs must be scheduled, and the other way round).
 */
public final class PersistenceCommands {
    /** Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds before a save point retries a failed BGSAVE. */
    static final int BGSAVE_RETRY_DELAY = 5;
    /** {@link Snapshotter.Job#purpose()} of an RDB BGSAVE. */
    public static final String PURPOSE_RDB = "rdb";

    private PersistenceCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("save", PersistenceCommands::save);
        t.handle("bgsave", PersistenceCommands::bgsave);
        t.handle("lastsave", c -> c.reply.integer(c.server.lastSaveTime));
        AofCommands.register(t);
    }

    static void save(Client c) {
        if (rdbSaveInProgress(c.server)) throw new CommandError("ERR Background save already in progress");
        if (!save(c.server)) throw new CommandError("ERR");
        c.reply.ok();
    }

    /** BGSAVE [SCHEDULE], replies and rules of Redis 7.0's bgsaveCommand. */
    static void bgsave(Client c) {
        boolean schedule = false;
        if (c.argc > 1) {
            if (c.argc == 2 && Args.is(c.argv[1], "schedule")) schedule = true;
            else throw new CommandError("ERR syntax error");
        }
        ServerContext s = c.server;
        if (rdbSaveInProgress(s)) {
            throw new CommandError("ERR Background save already in progress");
        } else if (s.snapshotter.inProgress() || c.inExec) {
            if (!schedule && !c.inExec) {
                throw new CommandError("ERR Another child process is active (AOF?): can't BGSAVE right now. "
                        + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
            }
            s.bgsaveScheduled = true;
            c.reply.simple("Background saving scheduled");
        } else if (bgsaveStart(s)) {
            c.reply.simple("Background saving started");
        } else {
            throw new CommandError("ERR");
        }
    }

    /** True while a BGSAVE (not another kind of snapshot) runs. */
    public static boolean rdbSaveInProgress(ServerContext s) {
        Snapshotter.Job job = s.snapshotter == null ? null : s.snapshotter.current();
        return job != null && PURPOSE_RDB.equals(job.purpose());
    }

    /** The RDB file of the current settings: {@code dir}/{@code dbfilename}. */
    public static Path rdbPath(ServerContext s) {
        return s.config.resolvePath(s.config.getString("dbfilename"));
    }

    private static long usedMemory() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * Redis's rdbPopulateSaveInfo: the replication aux fields an RDB carries ({@code repl-stream-db},
     * {@code repl-id}, {@code repl-offset}) - on a master with a backlog, or a replica with a master or a
     * cached one - so that a restarted replica can continue with PSYNC; null when there is no history.
     */
    static String[] replicationSaveInfo(ServerContext s) {
        var r = s.replication;
        if (r == null) return null;
        int db;
        if (!r.isReplica && r.stream.backlog() != null) {
            db = Math.max(0, r.stream.selectedDb());
        } else if (r.isReplica && s.masterLink != null && s.masterLink.streamDb() >= 0) {
            db = s.masterLink.streamDb();
        } else {
            return null;
        }
        return new String[]{Integer.toString(db), r.stream.replid(), Long.toString(r.stream.offset())};
    }

    /** Redis's rdbSave: writes the file on this thread, updates the bookkeeping, logs as Redis; false on failure. */
    public static boolean save(ServerContext s) {
        RdbFileWriter w = new RdbFileWriter(s.config.getBool("rdbcompression"), s.config.getBool("rdbchecksum"),
                usedMemory());
        String[] repl = replicationSaveInfo(s);
        if (repl != null) w.aux("repl-stream-db", repl[0]).aux("repl-id", repl[1]).aux("repl-offset", repl[2]);
        try {
            w.save(s.keyspace, rdbPath(s));
        } catch (IOException | RuntimeException e) {
            Log.warning("Write error saving DB on disk: " + e.getMessage());
            return false;
        }
        Log.notice("DB saved on disk");
        s.dirtyAtLastSave = s.keyspace.dirty;
        s.lastSaveTime = System.currentTimeMillis() / 1000;
        s.rdbSaves++;
        s.lastBgsaveOk = true;
        return true;
    }

    /** Redis's rdbSaveBackground: starts a BGSAVE; false (logged) when the file cannot be opened. */
    public static boolean bgsaveStart(ServerContext s) {
        s.dirtyBeforeBgsave = s.keyspace.dirty;
        s.lastBgsaveTry = System.currentTimeMillis() / 1000;
        Path target = rdbPath(s);
        AtomicFileOutput file;
        try {
            file = new AtomicFileOutput(target, AtomicFileOutput.tempFor(target, "temp-bg-"));
        } catch (IOException e) {
            Log.warning("Failed opening the temp RDB file " + target.getFileName() + " (in server root dir "
                    + target.toAbsolutePath().getParent() + ") for saving: " + e.getMessage());
            s.lastBgsaveOk = false;
            return false;
        }
        RdbEncoder encoder = new RdbEncoder(s.config.getBool("rdbcompression"), usedMemory(), false);
        String[] repl = replicationSaveInfo(s);
        if (repl != null) encoder.aux("repl-stream-db", repl[0]).aux("repl-id", repl[1]).aux("repl-offset", repl[2]);
        s.snapshotter.start(PURPOSE_RDB, encoder, new ChecksummedOutput(file, s.config.getBool("rdbchecksum")),
                job -> bgsaveDone(s, job));
        Log.notice("Background saving started");
        return true;
    }

    /** Redis's backgroundSaveDoneHandlerDisk. */
    private static void bgsaveDone(ServerContext s, Snapshotter.Job job) {
        s.lastBgsaveTimeSec = job.durationNanos() / 1_000_000_000L;
        s.lastSnapshotEarlyBytes = job.earlyBytes();
        if (job.error() == null) {
            Log.notice(String.format(Locale.ROOT, "DB saved on disk: %d keys, %.2f MB written ahead of the walk",
                    job.keys(), job.earlyBytes() / 1048576.0));
            Log.notice("Background saving terminated with success");
            s.dirtyAtLastSave = s.dirtyBeforeBgsave;
            s.lastSaveTime = System.currentTimeMillis() / 1000;
            s.lastBgsaveOk = true;
            s.rdbSaves++;
        } else if (job.aborted()) {
            // Cancelled on purpose (FLUSHALL, SHUTDOWN, DEBUG RELOAD): like a child killed by Redis, not an error.
            Log.warning("Background saving terminated by signal 10");
        } else {
            Log.warning("Write error saving DB on disk: " + job.error());
            Log.warning("Background saving error");
            s.lastBgsaveOk = false;
        }
    }

    /** Redis's killRDBChild: cancels a BGSAVE in progress (the file is not written). */
    public static void abortBgsave(ServerContext s) {
        if (rdbSaveInProgress(s)) s.snapshotter.abort();
    }

    /** Redis's flushAllDataAndResetRDB, after the data is gone: no stale BGSAVE, and an empty dump when saving. */
    public static void afterFlushAll(ServerContext s) {
        abortBgsave(s);
        if (s.hasSavePoints) save(s);
    }

    /**
     * serverCron's persistence part: starts a scheduled BGSAVE, or one required by a save point, when no
     * snapshot is running.
     */
    public static void cron(ServerContext s) {
        if (s.snapshotter == null || s.snapshotter.inProgress()) return;
        long now = System.currentTimeMillis() / 1000;
        boolean mayRetry = now - s.lastBgsaveTry > BGSAVE_RETRY_DELAY || s.lastBgsaveOk;
        if (s.bgsaveScheduled && mayRetry) {
            s.bgsaveScheduled = false;
            bgsaveStart(s);
            return;
        }
        long changes = s.keyspace.dirty - s.dirtyAtLastSave;
        for (SaveRule r : s.config.saveRules()) {
            if (changes >= r.changes() && now - s.lastSaveTime > r.seconds() && mayRetry) {
                Log.notice(r.changes() + " changes in " + r.seconds() + " seconds. Saving...");
                bgsaveStart(s);
                return;
            }
        }
    }

    /**
     * Loads {@code file} into a new keyspace and, when it is complete and valid, makes it the data
     * set (Redis's rdbLoad, logging as Redis). Returns false after logging why; nothing changes then.
     */
    public static boolean loadRdb(ServerContext s, Path file) {
        return loadRdbResult(s, file) != null;
    }

    private static RdbFileLoader.Result loadRdbResult(ServerContext s, Path file) {
        long start = System.nanoTime();
        try {
            // A replica keeps keys whose TTL passed: its master sends their DEL (Redis's rdbLoad when not a master).
            boolean replica = s.masterLink != null && s.masterLink.isReplica();
            RdbFileLoader.Result r = new RdbFileLoader(DumpCommands.limits(s), s.config.getBool("rdbchecksum"))
                    .keepExpired(replica)
                    .load(file, s.keyspace.databases(), System.currentTimeMillis());
            if (r.redisVer() != null) Log.notice("Loading RDB produced by version " + r.redisVer());
            if (r.ctime() >= 0) {
                Log.notice("RDB age " + Math.max(0, System.currentTimeMillis() / 1000 - r.ctime()) + " seconds");
            }
            if (r.usedMem() >= 0) {
                Log.notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb",
                        r.usedMem() / 1024.0 / 1024.0));
            }
            s.keyspace.adopt(r.keyspace());
            s.lastLoadKeysLoaded = r.keysLoaded();
            s.lastLoadKeysExpired = r.keysExpired();
            Log.notice("Done loading RDB, keys loaded: " + r.keysLoaded() + ", keys expired: " + r.keysExpired() + ".");
            Log.notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds", (System.nanoTime() - start) / 1e9));
            return r;
        } catch (RdbFormatException | IOException e) {
            Log.warning("Fatal error loading the DB (" + file + "): " + e.getMessage());
            return null;
        } catch (RuntimeException | OutOfMemoryError e) {
            Log.warning("Fatal error loading the DB (" + file + "): " + e);
            return null;
        }
    }

    /** Redis's loadDataFromDisk for the RDB: nothing to do when the file does not exist. */
    public static boolean loadAtStartup(ServerContext s) {
        Path file = rdbPath(s);
        if (!Files.exists(file)) return true;
        RdbFileLoader.Result r = loadRdbResult(s, file);
        if (r == null) return false;
        // A replica restarts from the history its RDB recorded: the first PSYNC can continue from there.
        RdbFileLoader.ReplInfo info = r.repl();
        if (info != null && info.complete() && s.masterLink != null && s.masterLink.isReplica()) {
            s.masterLink.restoreFromRdb(info.replid(), info.offset(), info.streamDb());
        }
        return true;
    }

    /**
     * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless NOSAVE), empties the data set (unless
     * NOFLUSH) and loads the file back. With NOFLUSH the loaded keys are added to the data set; a key
     * present in both is an error unless MERGE, which lets the file's value win.
     */
    public static void debugReload(Client c) {
        boolean flush = true, save = true, merge = false;
        for (int j = 2; j < c.argc; j++) {
            if (Args.is(c.argv[j], "merge")) merge = true;
            else if (Args.is(c.argv[j], "noflush")) flush = false;
            else if (Args.is(c.argv[j], "nosave")) save = false;
            else throw new CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        }
        ServerContext s = c.server;
        if (save && !save(s)) throw new CommandError("ERR");
        Path file = rdbPath(s);
        RdbFileLoader.Result r;
        try {
            r = new RdbFileLoader(DumpCommands.limits(s), s.config.getBool("rdbchecksum"))
                    .load(file, s.keyspace.databases(), System.currentTimeMillis());
        } catch (RdbFormatException | IOException e) {
            Log.warning("Error loading the DB (" + file + "): " + e.getMessage());
            throw new CommandError("ERR Error trying to load the RDB dump, check server logs.");
        }
        if (flush) {
            abortBgsave(s);
            s.keyspace.adopt(r.keyspace());
        } else if (!mergeInto(s.keyspace, r.keyspace(), merge)) {
            throw new CommandError("ERR Error trying to load the RDB dump, check server logs.");
        }
        Log.warning("DB reloaded by DEBUG RELOAD");
        c.reply.ok();
    }

    /** Adds every key of {@code loaded} to {@code live}; false (nothing added) on a duplicate unless {@code replace}. */
    private static boolean mergeInto(Keyspace live, Keyspace loaded, boolean replace) {
        for (int i = 0; i < loaded.databases(); i++) {
            io.lodestone.store.Database src = loaded.db(i), dst = live.db(i);
            boolean[] dup = {false};
            if (!replace) src.forEach(e -> dup[0] |= dst.peek(e.key()) != null);
            if (dup[0]) {
                Log.warning("RDB has duplicated keys in DB " + i);
                return false;
            }
        }
        for (int i = 0; i < loaded.databases(); i++) {
            io.lodestone.store.Database dst = live.db(i);
            loaded.db(i).forEach(e -> {
                io.lodestone.store.KeyEntry n = dst.set(e.key(), e.value(), false);
                if (e.expireAt() != io.lodestone.store.KeyEntry.NO_EXPIRE) dst.setExpire(n, e.expireAt());
            });
        }
        return true;
    }
}
