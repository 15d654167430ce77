package io.lodestone.server;

import io.lodestone.command.ServerContext;
import io.lodestone.command.persistence.AofLoading;
import io.lodestone.persistence.aof.AofLoader;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.util.Log;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Redis's loadDataFromDisk and the AOF steps around it in main(), run by the thread that starts the
 * server once it listens: clients connected meanwhile get -LOADING (INFO, CONFIG, SHUTDOWN... answer),
 * as from a loading redis-server. The AOF manifest is read; with {@code appendonly yes} the dataset
 * comes from the AOF, else from {@code dir}/{@code dbfilename} if it exists. Files are read and parsed
 * on this thread; everything that touches the live data set runs on the command thread. The loading
 * state ends in the same command-thread step that opens the AOF for appending and starts feeding it,
 * so no write can come between the two.
 */
final class StartupLoading {
    private final ServerContext server;
    private final Executor commandThread;
    /** Registers the AOF as a receiver of the write stream. */
    private final Runnable feedAof;

    StartupLoading(ServerContext server, Executor commandThread, Runnable feedAof) {
        this.server = server;
        this.commandThread = commandThread;
        this.feedAof = feedAof;
    }

    /** Loads the data set; false (after logging why) when the server must exit. */
    boolean load() {
        AppendOnlyFile aof = server.aof;
        try {
            aof.loadManifestFromDisk();
            boolean fromAof = aof.state() == AppendOnlyFile.State.ON;
            long total = fromAof ? aof.manifestBytes() : server.rdb.fileSize();
            onCommandThread(() -> server.loading.begin(total)); // again, now that the size is known
            long start = System.nanoTime();
            if (fromAof) {
                AofLoader.Status st = AofLoading.loadAtStartup(server, commandThread);
                if (st == AofLoader.Status.FAILED || st == AofLoader.Status.OPEN_ERR) return false;
                if (st != AofLoader.Status.NOT_EXIST) {
                    Log.notice(String.format(Locale.ROOT, "DB loaded from append only file: %.3f seconds",
                            (float) ((System.nanoTime() - start) / 1e9)));
                }
            } else {
                RdbFileLoader.Result r = server.rdb.readAtStartup();
                if (r != null) onCommandThread(() -> server.rdb.adoptAtStartup(r, start));
            }
            return onCommandThread(() -> {
                try {
                    aof.openOnServerStart(server.keyspace);
                    aof.delHistoryFiles();
                } catch (AppendOnlyFile.FatalException e) {
                    return false;
                }
                if (aof.state() != AppendOnlyFile.State.OFF) feedAof.run();
                server.loading.end();
                return true;
            });
        } catch (AppendOnlyFile.FatalException | java.io.IOException e) {
            return false;
        } catch (RuntimeException e) {
            // The command thread stopped under us (a shutdown while loading) or a bug: not a usable data set.
            Log.warning("Loading stopped: " + e);
            return false;
        }
    }

    private void onCommandThread(Runnable task) {
        onCommandThread(() -> {
            task.run();
            return null;
        });
    }

    private <T> T onCommandThread(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        commandThread.execute(() -> {
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.join();
    }
}
