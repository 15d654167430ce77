package io.lodestone.command.persistence;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.ServerContext;
import io.lodestone.persistence.aof.AofLoader;
import io.lodestone.persistence.aof.AofReplay;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.protocol.Reply;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loading the dataset from the AOF (Redis's loadAppendOnlyFiles with its fake AOF client), the one
 * path start-up and DEBUG LOADAOF share. The loading state is on throughout, so nothing expires
 * while later commands of the files may still change a TTL, nothing is propagated, and the commands
 * are not counted.
 *
 * <p>At start-up the files are read and parsed on the starting thread while the command thread keeps
 * answering clients (-LOADING): commands reach the command thread in batches, in file order, and run
 * there like any client's; an RDB base is parsed on the starting thread and adopted on the command
 * thread. DEBUG LOADAOF runs it all on the command thread, as Redis blocks for it.
 */
public final class AofLoading implements AofReplay {
    /** Commands per hand-off to the command thread, and hand-offs in flight (bounds the memory held). */
    private static final int BATCH_COMMANDS = 1024;
    private static final int BATCH_BYTES = 1 << 20;
    private static final int BATCHES_IN_FLIGHT = 4;

    private final ServerContext server;
    private final Client client;
    /** The command thread, or null when this already runs on it. */
    private final Executor commandThread;
    private List<byte[][]> batch = new ArrayList<>();
    private long batchBytes;
    private final Semaphore inFlight = new Semaphore(BATCHES_IN_FLIGHT);
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private AofLoading(ServerContext server, Executor commandThread) {
        this.server = server;
        this.commandThread = commandThread;
        this.client = new Client(Client.AOF_CLIENT_ID, server, new Reply(UnpooledByteBufAllocator.DEFAULT, m -> { }), null);
        client.authenticated = true;
    }

    /** Replays the AOF on the command thread (the manifest already read), inside the loading state. */
    public static AofLoader.Status load(ServerContext server) throws AppendOnlyFile.FatalException {
        server.loading.begin(server.aof.manifestBytes());
        try {
            return server.aof.load(new AofLoading(server, null));
        } finally {
            server.loading.end();
        }
    }

    /**
     * Start-up: replays the AOF from the calling thread, running its commands on {@code commandThread}.
     * The caller has put the server in the loading state. Returns when every command has run.
     */
    public static AofLoader.Status loadAtStartup(ServerContext server, Executor commandThread)
            throws AppendOnlyFile.FatalException {
        AofLoading replay = new AofLoading(server, commandThread);
        AofLoader.Status st = server.aof.load(replay);
        replay.drain();
        if (replay.failure.get() != null) {
            Log.warning("Unrecoverable error replaying the append only file: " + replay.failure.get());
            return AofLoader.Status.FAILED;
        }
        return st;
    }

    /**
     * DEBUG LOADAOF: the data set is emptied and loaded again from the AOF files. The reload is not a
     * change: nothing is propagated, and, as Redis resets server.dirty, no change is left to save. A
     * failed load is an error reply (newer Redis), not an exit (Redis 7.0): the files are untouched.
     */
    public static void debugLoadAof(Client c) {
        ServerContext s = c.server;
        if (s.aof.state() == AppendOnlyFile.State.ON) s.aof.writer.flush(true);
        long dirty = s.keyspace.dirty;
        s.keyspace.flushAll();
        s.keyspace.functions().clear(); // emptyData: the files recreate the libraries too
        AofLoader.Status st;
        try {
            s.aof.loadManifestFromDisk();
            s.aof.delHistoryFiles();
            st = load(s);
        } catch (AppendOnlyFile.FatalException e) {
            st = AofLoader.Status.FAILED;
        } finally {
            s.keyspace.dirty = dirty; // the reload is not a write: nothing to propagate
            s.rdb.forgetChanges();
        }
        if (st != AofLoader.Status.OK && st != AofLoader.Status.EMPTY) {
            throw new CommandError("ERR Error trying to load the AOF files, check server logs.");
        }
        Log.warning("Append Only File loaded by DEBUG LOADAOF");
        c.reply.ok();
    }

    /** An RDB base (or preamble) keeps keys whose TTL passed: a later command of the files may change it. */
    @Override
    public long loadRdb(Path file) throws Exception {
        var r = server.rdb.read(file, true);
        onCommandThread(() -> server.rdb.adopt(r));
        drain();
        return r.end();
    }

    @Override
    public boolean execute(byte[][] argv) {
        if (server.commands.lookup(argv[0]) == null) return false;
        if (commandThread == null) {
            run(argv);
            return true;
        }
        batch.add(argv);
        for (byte[] a : argv) batchBytes += a.length;
        if (batch.size() >= BATCH_COMMANDS || batchBytes >= BATCH_BYTES) flushBatch();
        return true;
    }

    @Override
    public void reset() {
        onCommandThread(() -> {
            if (client.multi != null) server.dispatcher.discardTransaction(client);
            client.select(0);
        });
    }

    private void run(byte[][] argv) {
        client.argv = argv;
        client.argc = argv.length;
        server.dispatcher.process(client);
        client.argv = null;
        ByteBuf out = client.reply.take();
        if (out != null) out.release();
    }

    private void flushBatch() {
        if (batch.isEmpty()) return;
        List<byte[][]> commands = batch;
        batch = new ArrayList<>();
        batchBytes = 0;
        onCommandThread(() -> {
            for (byte[][] argv : commands) run(argv);
        });
    }

    /** Runs {@code task} on the command thread after everything handed over before it. */
    private void onCommandThread(Runnable task) {
        if (commandThread == null) {
            task.run();
            return;
        }
        flushBatch();
        inFlight.acquireUninterruptibly();
        CompletableFuture<Void> done = new CompletableFuture<>();
        commandThread.execute(() -> {
            try {
                if (failure.get() == null) task.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                inFlight.release();
                done.complete(null);
            }
        });
        last = done;
    }

    /** Waits until the command thread ran everything handed over. */
    private void drain() {
        if (commandThread == null) return;
        flushBatch();
        last.join();
    }
}
