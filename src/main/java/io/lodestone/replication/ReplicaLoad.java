package io.lodestone.replication;

import io.lodestone.persistence.Loading;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.util.Log;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Loading a full sync's payload (Redis's end of readSyncBulkPayload): the RDB is parsed into a new
 * keyspace on a background thread, then handed over on the command thread in one step (Redis's swapdb
 * behaviour, for every mode: a failed load leaves the old data in place).
 *
 * <p>What clients see meanwhile is Redis's: the loading state ({@code loading:1}, {@code -LOADING} to
 * commands without the loading flag), except that a replica loading with repl-diskless-load swapdb a
 * payload of the history it already has (same replication id: its data is an older point of the same
 * data set) keeps serving its old data ({@code async_loading:1}). A diskless payload is loaded as it
 * arrives in Redis, so the state starts with the transfer ({@link #begin}); a disk one when it is complete.
 *
 * <p>Owned by the command thread; only the parsing runs on the background thread.
 */
final class ReplicaLoad {
    /** What the background parse produced: the loaded data, or why it failed. */
    record Outcome(RdbFileLoader.Result loaded, Exception error, boolean fromDisk) {
    }

    private final Replication replication;
    private final ReplicationStream stream;
    private final MasterLink.Host host;
    /** Set while the payload is parsed on the background thread. */
    private boolean loading;
    /** Set while clients see the loading state (from {@link #begin} to the hand-over or cancel). */
    private boolean shown;

    ReplicaLoad(Replication replication, MasterLink.Host host) {
        this.replication = replication;
        this.stream = replication.stream;
        this.host = host;
    }

    boolean inProgress() {
        return loading;
    }

    /** Whether the loading state is shown (the transfer of a diskless payload, or the parse). */
    boolean begun() {
        return shown;
    }

    /**
     * Redis's startLoading for a replica: "Loading DB in memory", and the loading state, in the
     * background ({@code async}: old data still served) or not; {@code bytes} is what will be read (0
     * when unknown).
     */
    void begin(boolean async, long bytes) {
        Log.notice("MASTER <-> REPLICA sync: Loading DB in memory");
        shown = true;
        host.loading(true, async, bytes);
    }

    /** Redis's stopLoading. */
    private void end() {
        if (shown) host.loading(false, false, 0);
        shown = false;
    }

    /** The link was dropped: what the background thread produces will be ignored. */
    void cancel() {
        end();
        loading = false;
    }

    /** Parses {@code payload} on a background thread; {@code done} then runs on {@code commandThread}. */
    void start(PayloadTransfer.Payload payload, Executor commandThread, Consumer<Outcome> done) {
        loading = true;
        long bytes = payload.file() != null ? Loading.sizeOf(payload.file()) : payload.image().length;
        if (!shown) begin(false, bytes);
        RdbFileLoader loader = host.loader();
        int dbs = host.databases();
        Thread t = new Thread(() -> {
            RdbFileLoader.Result r = null;
            Exception error = null;
            try {
                long now = System.currentTimeMillis();
                r = payload.file() != null ? loader.load(payload.file(), dbs, now) : loader.load(payload.image(), dbs, now);
            } catch (Exception | OutOfMemoryError e) {
                error = e instanceof Exception ex ? ex : new IOException(e.toString());
            }
            Outcome outcome = new Outcome(r, error, payload.file() != null);
            commandThread.execute(() -> done.accept(outcome));
        }, "lodestone-repl-load");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Back on the command thread, on the link that started the load: the loaded data becomes the data
     * set, and the stream's history the master's ({@code replid} up to {@code offset}). False (logged)
     * when the load failed, with the old data in place.
     */
    boolean handOver(Outcome o, boolean swapdb, String replid, long offset) {
        loading = false;
        end();
        if (o.error() != null) {
            Log.warning("Failed trying to load the MASTER synchronization DB from " + (o.fromDisk() ? "disk" : "socket")
                    + ", check server logs. (" + o.error().getMessage() + ")");
            return false;
        }
        // Redis's replicationAttachToNewMaster: our replicas must resync with us, the old history is gone.
        replication.disconnectReplicas();
        stream.freeBacklog();
        if (swapdb) {
            Log.notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
        } else {
            Log.notice("MASTER <-> REPLICA sync: Flushing old data");
        }
        host.adopt(o.loaded());
        if (swapdb) {
            Log.notice("MASTER <-> REPLICA sync: Discarding old DB in background");
        }
        stream.adoptMasterHistory(replid, offset);
        Log.notice("MASTER <-> REPLICA sync: Finished with success");
        return true;
    }
}
