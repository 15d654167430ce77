package io.lodestone.persistence.aof;

import io.lodestone.persistence.AtomicFileOutput;
import io.lodestone.persistence.ChecksummedOutput;
import io.lodestone.persistence.Loading;
import io.lodestone.persistence.SnapshotEncoder;
import io.lodestone.persistence.SnapshotOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.persistence.rdb.RdbEncoder;
import io.lodestone.store.Keyspace;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * The append-only file of Redis 7.0 (aof.c): a directory holding a manifest, one BASE file (the
 * dataset at the last rewrite, RDB or commands) and INCR files (the writes since), with the state
 * machine around it - start-up loading and opening, BGREWRITEAOF and automatic rewrites, turning AOF
 * on (which first writes a base: WAIT_REWRITE) and off at run time, shutdown.
 *
 * <p>Everything here runs on the command thread. The rewrite's base is produced by a {@link BaseWriter}
 * in the background; when it finishes, {@link #rewriteDone} installs it: temp file renamed to the next
 * base name, the covered INCR files and the old base turned into history, the new manifest written
 * atomically, history deleted. Log lines and INFO fields are Redis's.
 */
public final class AppendOnlyFile {
    public enum State { OFF, ON, WAIT_REWRITE }

    /** Fatal at start-up: the reason was logged, the server exits with status 1. */
    public static final class FatalException extends Exception {
        public FatalException(String message) {
            super(message);
        }
    }

    // Settings, kept in step with the config by the server.
    /** The working directory ({@code dir}); the AOF directory and rewrite temp files live under it. */
    public Supplier<Path> workDir = () -> Path.of(".");
    public String dirName = "appendonlydir";
    public String fileName = "appendonly.aof";
    public boolean useRdbPreamble = true;
    public boolean loadTruncated = true;
    public boolean disableAutoGc;
    public long rewritePercentage = 100;
    public long rewriteMinSize = 64L * 1024 * 1024;
    public boolean rdbCompression = true;
    public boolean rdbChecksum = true;

    public final AofWriter writer = new AofWriter();
    private State state = State.OFF;
    private AofManifest manifest = new AofManifest();
    private BaseWriter baseWriter;

    // Rewrite bookkeeping (INFO persistence).
    private boolean rewriteInProgress;
    private boolean rewriteScheduled;
    private long rewriteTimeStart = -1;
    private long rewriteTimeLast = -1;
    private boolean lastBgrewriteOk = true;
    private long rewrites;
    private long consecutiveFailures;
    private long rewriteBaseSize;
    private int nextDelayMinutes;
    private long nextRewriteTime;
    private String tempBase;

    public AppendOnlyFile() {
        writer.childActive = () -> rewriteInProgress || (baseWriter != null && baseWriter.busy());
    }

    private void state(State s) {
        state = s;
    }

    public void baseWriter(BaseWriter w) {
        this.baseWriter = w;
    }

    public State state() {
        return state;
    }

    /** appendonly yes in the config at start-up: the AOF is on (the files are opened later). */
    public void enableAtStartup() {
        state(State.ON);
    }

    public Path dir() {
        return workDir.get().resolve(dirName);
    }

    public AofManifest manifest() {
        return manifest;
    }

    /** The bytes a load of the manifest's BASE and INCR files reads (INFO loading_total_bytes). */
    public long manifestBytes() {
        long total = 0;
        java.util.List<AofManifest.Info> files = new java.util.ArrayList<>(manifest.incr());
        if (manifest.base() != null) files.add(manifest.base());
        for (AofManifest.Info i : files) total += Loading.sizeOf(dir().resolve(i.fileName()));
        return total;
    }

    // ---------------------------------------------------------------- the write path

    /** A write effect (feedAppendOnlyFile): buffered when AOF is on or its first rewrite is running. */
    /** Whether {@link #feed} would write an effect: the AOF is on, or being created by a rewrite. */
    public boolean takesEffects() {
        return state == State.ON || (state == State.WAIT_REWRITE && rewriteInProgress);
    }

    public void feed(int db, byte[][] argv, int argc) {
        if (takesEffects()) writer.feed(db, argv, argc);
    }

    /** Called before replies leave the server: what they acknowledge is written (and fsynced with always). */
    public void beforeReplies() {
        if (state != State.OFF) writer.flush(false);
    }

    /** Whether writes must be refused (MISCONF) because the AOF cannot be written. */
    public boolean writeError() {
        return state != State.OFF && writer.lastWriteFailed();
    }

    public String lastWriteError() {
        return writer.lastWriteError;
    }

    // ---------------------------------------------------------------- start-up

    /** Reads the manifest if the directory and file exist (aofLoadManifestFromDisk); fatal if invalid. */
    public void loadManifestFromDisk() throws FatalException {
        manifest = new AofManifest();
        Path dir = dir();
        if (!Files.isDirectory(dir)) {
            Log.debug("The AOF directory " + dirName + " doesn't exist");
            return;
        }
        String name = fileName + ".manifest";
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Log.debug("The AOF manifest file " + name + " doesn't exist");
            return;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            Log.warning("Fatal error: can't open the AOF manifest file " + file + " for reading: " + AofLoader.reason(e));
            throw new FatalException("manifest");
        }
        try {
            manifest = AofManifest.parse(content);
        } catch (AofManifest.FormatException e) {
            Log.warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
            if (e.line != null) {
                Log.warning("Reading the manifest file, at line " + e.lineNumber + "\n");
                Log.warning(">>> '" + e.line + "'\n");
            }
            Log.warning(e.getMessage() + "\n");
            throw new FatalException(e.getMessage());
        }
    }

    /**
     * Loads the dataset from the AOF (loadAppendOnlyFiles), first moving an old-style single AOF
     * file of {@code dir} into the AOF directory when there is one to upgrade. The state is OFF
     * meanwhile so that replayed commands are not appended again.
     */
    public AofLoader.Status load(AofReplay replay) throws FatalException {
        Path old = workDir.get().resolve(fileName);
        if (Files.isRegularFile(old)) {
            AofManifest.Info b = manifest.base();
            if (!Files.isDirectory(dir()) || manifest.isEmpty()
                    || (b != null && manifest.incr().isEmpty() && b.fileName().equals(fileName)
                    && !Files.exists(dir().resolve(fileName)))) {
                upgradePrepare();
            }
        }
        if (manifest.isEmpty()) return AofLoader.Status.NOT_EXIST;
        State saved = state;
        state = State.OFF;
        try {
            AofLoader loader = new AofLoader(dir(), replay, loadTruncated);
            loader.appendFileName = fileName;
            AofLoader.Status st = loader.loadAll(manifest);
            if (st == AofLoader.Status.OK || st == AofLoader.Status.TRUNCATED) {
                writer.currentSize = loader.totalSize;
                rewriteBaseSize = loader.baseSize;
                writer.fsyncOffset = writer.currentSize;
            }
            return st;
        } finally {
            state = saved;
        }
    }

    /** aofUpgradePrepare: an old {@code appendonly.aof} becomes the base of a new manifest. */
    private void upgradePrepare() throws FatalException {
        Path dir = dir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            Log.warning("Can't open or create append-only dir " + dirName + ": " + AofLoader.reason(e));
            throw new FatalException("dir");
        }
        manifest.setUpgradedBase(fileName);
        if (!persistManifest(manifest)) throw new FatalException("manifest");
        try {
            Files.move(workDir.get().resolve(fileName), dir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.warning("Error trying to move the old AOF file " + fileName + " into dir " + dirName + ": "
                    + AofLoader.reason(e));
            throw new FatalException("upgrade");
        }
        Log.notice("Successfully migrated an old-style AOF file (" + fileName + ") into the AOF directory ("
                + dirName + ").");
    }

    /**
     * aofOpenIfNeededOnServerStart: with AOF on, creates the directory, writes a first BASE when there
     * is nothing yet (the dataset is empty then, so it is written at once), opens the last INCR file
     * for appending (a new one if none) and writes the manifest.
     */
    public void openOnServerStart(Keyspace ks) throws FatalException {
        if (state != State.ON) return;
        Path dir = dir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            Log.warning("Can't open or create append-only dir " + dirName + ": " + AofLoader.reason(e));
            throw new FatalException("dir");
        }
        int incrCount = manifest.incr().size();
        if (manifest.base() == null && incrCount == 0) {
            String base = manifest.newBaseName(fileName, useRdbPreamble);
            if (!rewriteNow(ks, dir.resolve(base))) throw new FatalException("base");
            Log.notice("Creating AOF base file " + base + " on server start");
        }
        String name = manifest.lastIncrName(fileName);
        FileChannel ch;
        try {
            ch = FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE);
        } catch (IOException e) {
            Log.warning("Can't open the append-only file " + name + ": " + AofLoader.reason(e));
            throw new FatalException("open");
        }
        if (!persistManifest(manifest)) throw new FatalException("manifest");
        long size;
        try {
            size = ch.size();
        } catch (IOException e) {
            size = 0;
        }
        writer.open(ch, size);
        writer.lastFsyncSec = AofWriter.nowSec();
        Log.notice((incrCount > 0 ? "Opening" : "Creating") + " AOF incr file " + name + " on server start");
    }

    /**
     * rewriteAppendOnlyFile: writes the whole dataset to {@code target} synchronously (temp file,
     * fsync, rename). Used when the dataset is empty (start-up), so it costs nothing.
     */
    private boolean rewriteNow(Keyspace ks, Path target) {
        Path tmp = workDir.get().resolve("temp-rewriteaof-" + Log.pid() + ".aof");
        try {
            SnapshotOutput out = new AtomicFileOutput(target, tmp);
            if (useRdbPreamble) out = new ChecksummedOutput(out, rdbChecksum);
            Snapshotter.writeNow(ks, baseEncoder(useRdbPreamble), out);
            return true;
        } catch (IOException | RuntimeException e) {
            Log.warning("Write error writing append only file on disk: " + e.getMessage());
            return false;
        }
    }

    /** The encoder of a base file: RDB with aof-base 1, or commands. */
    SnapshotEncoder baseEncoder(boolean rdb) {
        if (!rdb) return new AofCommandEncoder(writer.timestampEnabled);
        Runtime rt = Runtime.getRuntime();
        return new RdbEncoder(rdbCompression, rt.totalMemory() - rt.freeMemory(), true);
    }

    // ---------------------------------------------------------------- manifest on disk

    /** persistAofManifest: temp file, fsync, rename, fsync of the directory. False after logging. */
    boolean persistManifest(AofManifest am) {
        if (!am.dirty) return true;
        Path dir = dir();
        String name = fileName + ".manifest";
        String tmpName = "temp-" + fileName + ".manifest";
        Path tmp = dir.resolve(tmpName);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(am.format().getBytes(StandardCharsets.ISO_8859_1)));
            try {
                ch.force(false);
            } catch (IOException e) {
                Log.warning("Fail to fsync the temp AOF file " + tmpName + ": " + AofLoader.reason(e) + ".");
                return false;
            }
        } catch (IOException e) {
            Log.warning("Can't open the AOF manifest file " + tmpName + ": " + AofLoader.reason(e));
            return false;
        }
        try {
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Log.warning("Error trying to rename the temporary AOF manifest file " + tmpName + " into " + name + ": "
                    + AofLoader.reason(e));
            return false;
        }
        fsyncDir(dir);
        am.dirty = false;
        return true;
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not every platform can fsync a directory
        }
    }

    /** aofDelHistoryFiles: deletes the history files and writes the manifest without them. */
    public void delHistoryFiles() {
        if (disableAutoGc || manifest.history().isEmpty()) return;
        for (AofManifest.Info i : manifest.history()) {
            Log.notice("Removing the history file " + i.fileName() + " in the background");
            unlinkQuietly(dir().resolve(i.fileName()));
        }
        manifest.clearHistory();
        persistManifest(manifest);
    }

    private static void unlinkQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // as bg_unlink: a file that cannot be removed is left behind
        }
    }

    // ---------------------------------------------------------------- rewrite

    private String tempIncrName() {
        return "temp-" + fileName + ".incr";
    }

    /**
     * openNewIncrAofForAppend: under ON a new INCR file goes into a copy of the manifest that is
     * written before anything changes; under WAIT_REWRITE writes go to a temporary INCR file until the
     * first base exists.
     */
    private boolean openNewIncrForAppend() {
        if (state == State.OFF) return true;
        AofManifest temp = null;
        String name;
        if (state == State.WAIT_REWRITE) {
            name = tempIncrName();
        } else {
            temp = manifest.copy();
            name = temp.newIncrName(fileName);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(dir().resolve(name), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            Log.warning("Can't open the append-only file " + name + ": " + AofLoader.reason(e));
            return false;
        }
        if (temp != null && !persistManifest(temp)) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the manifest error is reported
            }
            return false;
        }
        Log.notice("Creating AOF incr file " + name + " on background rewrite");
        writer.switchTo(ch);
        if (temp != null) manifest = temp;
        return true;
    }

    /** aofRewriteLimited: after 3 consecutive failures automatic rewrites back off 1, 2, 4... 60 minutes. */
    private boolean rewriteLimited() {
        if (consecutiveFailures < 3) {
            nextDelayMinutes = 0;
            nextRewriteTime = 0;
            return false;
        }
        long now = AofWriter.nowSec();
        if (nextRewriteTime != 0) {
            if (now < nextRewriteTime) return true;
            nextRewriteTime = 0;
            return false;
        }
        nextDelayMinutes = nextDelayMinutes == 0 ? 1 : Math.min(60, nextDelayMinutes * 2);
        nextRewriteTime = now + nextDelayMinutes * 60L;
        Log.warning("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in "
                + nextDelayMinutes + " minutes");
        return true;
    }

    private boolean busy() {
        return rewriteInProgress || (baseWriter != null && baseWriter.busy());
    }

    /** rewriteAppendOnlyFileBackground: false (after logging) if the rewrite cannot start. */
    public boolean rewriteBackground() {
        if (busy() || baseWriter == null) return false;
        try {
            Files.createDirectories(dir());
        } catch (IOException e) {
            Log.warning("Can't open or create append-only dir " + dirName + ": " + AofLoader.reason(e));
            lastBgrewriteOk = false;
            return false;
        }
        writer.forceSelect();
        writer.flush(true);
        if (!openNewIncrForAppend()) {
            lastBgrewriteOk = false;
            return false;
        }
        rewrites++;
        rewriteInProgress = true;
        String error = baseWriter.start(workDir.get(), useRdbPreamble, this::rewriteDone);
        if (error != null) {
            rewriteInProgress = false;
            lastBgrewriteOk = false;
            Log.warning("Can't rewrite append only file in background: " + error);
            return false;
        }
        tempBase = baseWriter.tempBase().getFileName().toString();
        Log.notice("Background append only file rewriting started by pid " + baseWriter.childPid());
        rewriteScheduled = false;
        rewriteTimeStart = AofWriter.nowSec();
        return true;
    }

    /** What BGREWRITEAOF answers: the status text, or an error starting with "ERR ". */
    public String bgrewriteCommand(boolean inExec) {
        if (rewriteInProgress) return "ERR Background append only file rewriting already in progress";
        if (busy() || inExec) {
            rewriteScheduled = true;
            consecutiveFailures = 0;
            return "Background append only file rewriting scheduled";
        }
        if (rewriteBackground()) return "Background append only file rewriting started";
        return "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
    }

    /** backgroundRewriteDoneHandler: installs the new base, or records the failure. */
    void rewriteDone(BaseWriter.Outcome outcome) {
        if (!rewriteInProgress) return;
        rewriteInProgress = false;
        Path temp = workDir.get().resolve(tempBase);
        if (outcome.ok()) {
            Log.notice("Background AOF rewrite terminated with success");
            installRewrite(temp);
        } else {
            lastBgrewriteOk = false;
            consecutiveFailures++;
            if (outcome.bySignal() != 0) {
                Log.warning("Background AOF rewrite terminated by signal " + outcome.bySignal());
            } else {
                Log.warning("Background AOF rewrite terminated with error");
            }
        }
        unlinkQuietly(temp);
        if (state == State.WAIT_REWRITE) {
            writer.discardBuffer();
            Log.notice("Removing the temp incr aof file " + tempIncrName() + " in the background");
            unlinkQuietly(dir().resolve(tempIncrName()));
        }
        rewriteTimeLast = AofWriter.nowSec() - rewriteTimeStart;
        rewriteTimeStart = -1;
        if (state == State.WAIT_REWRITE) rewriteScheduled = true;
    }

    private void installRewrite(Path temp) {
        AofManifest am = manifest.copy();
        String baseName = am.newBaseName(fileName, useRdbPreamble);
        Path basePath = dir().resolve(baseName);
        try {
            Files.move(temp, basePath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Log.warning("Error trying to rename the temporary AOF base file " + tempBase + " into " + basePath + ": "
                    + AofLoader.reason(e));
            lastBgrewriteOk = false;
            consecutiveFailures++;
            return;
        }
        Log.notice("Successfully renamed the temporary AOF base file " + tempBase + " into " + baseName);
        Path newIncrPath = null;
        if (state == State.WAIT_REWRITE) {
            String tempIncr = tempIncrName();
            String newIncr = am.newIncrName(fileName);
            newIncrPath = dir().resolve(newIncr);
            try {
                Files.move(dir().resolve(tempIncr), newIncrPath, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Log.warning("Error trying to rename the temporary AOF incr file " + dir().resolve(tempIncr) + " into "
                        + newIncrPath + ": " + AofLoader.reason(e));
                unlinkQuietly(basePath);
                lastBgrewriteOk = false;
                consecutiveFailures++;
                return;
            }
            Log.notice("Successfully renamed the temporary AOF incr file " + tempIncr + " into " + newIncr);
        }
        am.markRewrittenIncrAsHistory(writer.channel() != null);
        if (!persistManifest(am)) {
            unlinkQuietly(basePath);
            if (newIncrPath != null) unlinkQuietly(newIncrPath);
            lastBgrewriteOk = false;
            consecutiveFailures++;
            return;
        }
        manifest = am;
        if (writer.channel() != null) {
            writer.forceSelect();
            long baseSize;
            try {
                baseSize = Files.size(basePath);
            } catch (IOException e) {
                baseSize = 0;
            }
            writer.currentSize = baseSize + writer.lastIncrSize;
            rewriteBaseSize = writer.currentSize;
            writer.fsyncOffset = writer.currentSize;
            writer.lastFsyncSec = AofWriter.nowSec();
        }
        delHistoryFiles();
        lastBgrewriteOk = true;
        consecutiveFailures = 0;
        Log.notice("Background AOF rewrite finished successfully");
        if (state == State.WAIT_REWRITE) state(State.ON);
    }

    /** killAppendOnlyChild: stops a rewrite in progress and removes its temp file. */
    private void killRewrite() {
        if (!rewriteInProgress) return;
        Log.notice("Killing running AOF rewrite child: " + baseWriter.childPid());
        baseWriter.cancel();
        rewriteInProgress = false;
        if (tempBase != null) unlinkQuietly(workDir.get().resolve(tempBase));
        rewriteTimeStart = -1;
    }

    // ---------------------------------------------------------------- run time on / off

    /** startAppendOnly (CONFIG SET appendonly yes): false if the first rewrite cannot start. */
    public boolean start(boolean inExec) {
        if (state != State.OFF) return true;
        state(State.WAIT_REWRITE);
        if (baseWriter != null && baseWriter.busy() && !rewriteInProgress) {
            rewriteScheduled = true;
            Log.warning("AOF was enabled but there is already another background operation. An AOF background was"
                    + " scheduled to start when possible.");
        } else if (inExec) {
            rewriteScheduled = true;
            Log.warning("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
        } else {
            if (rewriteInProgress) {
                Log.warning("AOF was enabled but there is already an AOF rewriting in background. Stopping background"
                        + " AOF and starting a rewrite now.");
                killRewrite();
            }
            if (!rewriteBackground()) {
                state(State.OFF);
                Log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation."
                        + " Check the above logs for more info about the error.");
                return false;
            }
        }
        writer.lastFsyncSec = AofWriter.nowSec();
        if (writer.lastWriteFailed()) {
            Log.warning("AOF reopen, just ignore the last error.");
            writer.resetWriteError();
        }
        return true;
    }

    /** stopAppendOnly (CONFIG SET appendonly no). */
    public void stop() {
        if (state == State.OFF) return;
        writer.closeSynced();
        state(State.OFF);
        rewriteScheduled = false;
        writer.lastIncrSize = 0;
        killRewrite();
        writer.discardBuffer();
    }

    /**
     * The AOF part of Redis's shutdown: a rewrite in progress is stopped (refused while the first base
     * is being written, unless forced), the buffer written and the file fsynced. Returns false when
     * the shutdown must not proceed.
     */
    public boolean prepareForShutdown(boolean force) {
        if (rewriteInProgress) {
            if (state == State.WAIT_REWRITE) {
                if (!force) {
                    Log.warning("Writing initial AOF, can't exit.");
                    return false;
                }
                Log.warning("Writing initial AOF. Exit anyway.");
            }
            Log.warning("There is a child rewriting the AOF. Killing it!");
            killRewrite();
        }
        if (state != State.OFF) {
            Log.notice("Calling fsync() on the AOF file.");
            writer.flush(true);
            try {
                writer.fsyncNow();
            } catch (IOException e) {
                Log.warning("Fail to fsync the AOF file: " + AofLoader.reason(e) + ".");
            }
        }
        return true;
    }

    /** appendfsync changed: pending background fsyncs finish first when it becomes always. */
    public void fsyncPolicy(int policy) {
        if (policy == AofWriter.FSYNC_ALWAYS && writer.fsyncPolicy != AofWriter.FSYNC_ALWAYS) writer.drainFsyncs();
        writer.fsyncPolicy = policy;
    }

    // ---------------------------------------------------------------- cron

    /** serverCron's AOF duties: scheduled and automatic rewrites, postponed flushes, write errors. */
    public void cron() {
        if (!busy() && rewriteScheduled && !rewriteLimited()) rewriteBackground();
        if (state == State.ON && !busy() && rewritePercentage > 0 && writer.currentSize > rewriteMinSize) {
            long base = rewriteBaseSize > 0 ? rewriteBaseSize : 1;
            long growth = writer.currentSize * 100 / base - 100;
            if (growth >= rewritePercentage && !rewriteLimited()) {
                Log.notice("Starting automatic rewriting of AOF on " + growth + "% growth");
                rewriteBackground();
            }
        }
        if (state != State.OFF) writer.flush(false);
    }

    /** A rewrite scheduled while a BGSAVE ran can start now (called when the snapshotter is free). */
    public void snapshotterFree() {
        if (rewriteScheduled && !busy() && !rewriteLimited()) rewriteBackground();
    }

    public boolean rewriteInProgress() {
        return rewriteInProgress;
    }

    public boolean rewriteScheduled() {
        return rewriteScheduled;
    }

    // ---------------------------------------------------------------- INFO

    /** The aof_* lines of INFO persistence, as name/value pairs in Redis's order. */
    public void info(java.util.function.BiConsumer<String, Object> field) {
        field.accept("aof_enabled", state != State.OFF ? 1 : 0);
        field.accept("aof_rewrite_in_progress", rewriteInProgress ? 1 : 0);
        field.accept("aof_rewrite_scheduled", rewriteScheduled ? 1 : 0);
        field.accept("aof_last_rewrite_time_sec", rewriteTimeLast);
        field.accept("aof_current_rewrite_time_sec", rewriteTimeStart == -1 ? -1 : AofWriter.nowSec() - rewriteTimeStart);
        field.accept("aof_last_bgrewrite_status", lastBgrewriteOk ? "ok" : "err");
        field.accept("aof_rewrites", rewrites);
        field.accept("aof_rewrites_consecutive_failures", consecutiveFailures);
        field.accept("aof_last_write_status", writer.lastWriteOk ? "ok" : "err");
        field.accept("aof_last_cow_size", 0);
    }

    /** The block INFO adds when AOF is on. */
    public void infoEnabled(java.util.function.BiConsumer<String, Object> field) {
        if (state == State.OFF) return;
        field.accept("aof_current_size", writer.currentSize);
        field.accept("aof_base_size", rewriteBaseSize);
        field.accept("aof_pending_rewrite", rewriteScheduled ? 1 : 0);
        field.accept("aof_buffer_length", writer.bufferLength());
        field.accept("aof_pending_bio_fsync", writer.pendingFsyncs());
        field.accept("aof_delayed_fsync", writer.delayedFsync);
    }

    /** For tests: the file currently appended to. */
    Path currentIncrPath() {
        if (manifest.incr().isEmpty()) return null;
        return dir().resolve(manifest.incr().get(manifest.incr().size() - 1).fileName());
    }
}
