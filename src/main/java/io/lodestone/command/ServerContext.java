package io.lodestone.command;

import io.lodestone.config.Config;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.pubsub.PubSub;
import io.lodestone.store.Database;
import io.lodestone.store.Keyspace;

import java.util.ArrayList;
import java.util.List;

/**
 * The server as commands see it (Redis's global {@code server}): the keyspace, the command table,
 * clients, counters, the settings commands consult, and where write effects are propagated.
 * Settings are grouped by owner ({@link ProcessInfo}, {@link Security}, {@link Limits},
 * {@link EncodingLimits}, {@link ReplicationState}); the config bindings (server/ConfigBindings)
 * write them. Owned by the command thread; the transport and cron run on that same thread.
 */
public final class ServerContext {
    public final Config config;
    public final Keyspace keyspace;
    public final CommandTable commands;
    public final Stats stats = new Stats();
    public final ClientRegistry clients = new ClientRegistry(stats);
    /** MIGRATE's connections to target instances (INFO migrate_cached_sockets). */
    public final io.lodestone.command.dump.MigrateSockets migrateSockets = new io.lodestone.command.dump.MigrateSockets();
    /** Run id, start time, port, hz: what INFO server reports. */
    public final ProcessInfo process;
    /** requirepass, protected-mode, enable-debug-command. */
    public final Security security = new Security();
    /** maxclients, timeout, proto-max-bulk-len, client-query-buffer-limit, maxmemory-policy. */
    public final Limits limits = new Limits();
    /** Thresholds of the compact encodings. */
    public final EncodingLimits encodings = new EncodingLimits();
    /** replica-read-only, replica-serve-stale-data, clients blocked in WAIT. */
    public final ReplicationState repl = new ReplicationState();
    /** Targets of an effect (Redis's PROPAGATE_AOF and PROPAGATE_REPL): a bit mask. */
    public static final int PROPAGATE_AOF = 1, PROPAGATE_REPL = 2, PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL;
    private final List<Propagation> propagation = new ArrayList<>();
    private final List<Integer> propagationTargets = new ArrayList<>();
    private final List<java.util.function.BooleanSupplier> propagationActive = new ArrayList<>();
    /** Effects of the top-level call in progress, sent when it ends (wrapped in MULTI/EXEC if several). */
    private final List<byte[][]> pendingEffects = new ArrayList<>();
    private final List<Integer> pendingEffectDbs = new ArrayList<>();
    private final List<Integer> pendingEffectTargets = new ArrayList<>();
    private int callDepth;
    /**
     * An EXEC is running its queue (Redis's server.in_exec): what would start background work
     * (CONFIG SET appendonly yes, BGSAVE, BGREWRITEAOF) schedules it for after the transaction.
     */
    public boolean inExec;
    /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may run commands flagged noscript. */
    public boolean scriptDisableDenyScript;
    /** The scripting engine as INFO sees it; null until scripting registers. */
    public ScriptingInfo scripting;

    /**
     * Serves other clients while a script runs past busy-reply-threshold (Redis's
     * processEventsWhileBlocked): implemented by the server, which owns the connections; null in
     * embedded servers without one.
     */
    public BusyMode busyMode;

    /** A script running too long, as the clients that ask to kill it see it. */
    public interface BusyScript {
        /** SCRIPT KILL ({@code eval}) or FUNCTION KILL from another client: the reply, "+OK" or an error line. */
        String kill(boolean eval);

        /** Whether it is an EVAL script (else a function). */
        boolean isEval();

        /** Redis's -BUSY text for it (without the dash): it names SCRIPT KILL or FUNCTION KILL. */
        String busyError();

        /**
         * FUNCTION STATS while the script runs (called on the busy responder's thread): the reply in
         * RESP {@code protocol}, with the running function; Redis's -BUSY error while an EVAL script runs.
         */
        byte[] functionStats(int protocol);
    }

    /** See {@link #busyMode}. */
    public interface BusyMode {
        /** Called on the command thread, from inside the script, when it passes the threshold. */
        void enter(BusyScript script, Client caller);

        /** Called on the command thread when the script has ended. */
        void leave();

        /**
         * Called on the command thread from inside the script (its hook): runs the commands other
         * clients sent that Redis lets through while busy and that must run there (HELLO, AUTH...).
         */
        void runPending();
    }

    /** What INFO shows of scripting (implemented by scripting.Scripting). */
    public interface ScriptingInfo {
        /** used_memory_vm_eval: EVAL's Lua state. */
        long evalVmMemory();

        /** used_memory_scripts_eval: the script cache. */
        long evalScriptsMemory();

        int cachedScripts();

        /** used_memory_vm_functions: FUNCTION's Lua state. */
        long functionsVmMemory();

        /** used_memory_functions: the libraries and their functions. */
        long functionsMemory();

        int functionCount();

        int libraryCount();
    }
    public final Watches watches = new Watches();
    public final Blocking blocking = new Blocking(this);
    /** SLOWLOG: calls slower than slowlog-log-slower-than. */
    public final SlowLog slowlog = new SlowLog();
    /** LATENCY: events slower than latency-monitor-threshold. */
    public final LatencyMonitor latency = new LatencyMonitor();
    /** maxmemory: used memory as accounted, evictions, the OOM state. */
    public final MaxMemory maxMemory = new MaxMemory(this);
    /**
     * Redis's pre_command_oom_state: whether memory was over maxmemory with nothing to evict when the
     * running command started. Scripts check it (a script's own stack must not count).
     */
    public boolean preCommandOom;
    /** CLIENT TRACKING: client-side caching invalidations. */
    public final Tracking tracking = new Tracking(this);
    /** MONITOR's clients, fed by Dispatcher.call. */
    public final Monitors monitors = new Monitors(this);
    /** CLIENT PAUSE, and the pauses of SHUTDOWN and FAILOVER. */
    public final ClientPause pause = new ClientPause(this);
    /** FAILOVER's state (Redis's server.failover_state and its target). */
    public final io.lodestone.command.replication.Failover failover = new io.lodestone.command.replication.Failover(this);
    /** min-replicas-ack: replies of writes held until replicas acknowledged them. */
    public final io.lodestone.command.replication.AckedWrites ackedWrites = new io.lodestone.command.replication.AckedWrites(this);
    /** The ACL (security.Acl), installed at start before any client exists. */
    public AccessControl access;
    /** Set by the dispatcher: EXEC and served blocked clients run commands through it. */
    public Dispatcher dispatcher;
    /** Clients that received output from another client's command and need a flush. */
    private final List<Client> pendingWrites = new ArrayList<>();
    private boolean flushQueued;
    /** Channels, patterns and shard channels with their subscribers. */
    public final PubSub<Client> pubsub = new PubSub<>();
    /** Publishes keyspace notifications (installed by the Pub/Sub family); none until then. */
    public KeyspaceNotifier notifier = (type, event, key, db) -> { };
    /** notify-keyspace-events flags (config.KeyspaceEvents bits), written by the config bindings. */
    public int notifyKeyspaceEvents;
    /** io-threads as configured: above 1, client sockets are read and written by I/O loops. */
    public int ioThreads = 1;

    /** Actions the server (transport, process) performs on behalf of commands. */
    public interface Host {
        /**
         * SHUTDOWN with Redis's flags (config.ConfigRegistry.SHUTDOWN_*): blocks {@code c} until the
         * server exits, or replies the error when the shutdown fails.
         */
        void shutdown(Client c, int flags);

        /** SHUTDOWN ABORT: false when no shutdown is waiting or asked for. */
        boolean abortShutdown();

        /** Server-level facts INFO reports but commands cannot see (memory, cpu, network). */
        void appendInfo(String section, StringBuilder sb);
    }

    public Host host;

    /** Replication: the stream, the backlog, the replicas; set by the server. */
    public io.lodestone.replication.Replication replication;
    /** The replica side: the link with our master (REPLICAOF); set by the server. */
    public io.lodestone.replication.MasterLink masterLink;
    /** Point-in-time snapshots (BGSAVE, AOF rewrite, full sync); set by the server, which owns the loop. */
    public io.lodestone.persistence.Snapshotter snapshotter;
    /** RDB persistence: SAVE, BGSAVE, save points, loading an RDB; set by the server. */
    public io.lodestone.persistence.RdbPersistence rdb;
    /** Whether a dataset is being loaded (Redis's server.loading): -LOADING, no expiry, no propagation. */
    public final io.lodestone.persistence.Loading loading;

    /**
     * Redis's writeCommandsDeniedByDiskError: the -MISCONF error write commands (and PING) get while
     * the last BGSAVE failed (with stop-writes-on-bgsave-error and save points) or the AOF cannot be
     * written; null when writes are allowed.
     */
    public String diskErrorDenial() {
        String rdbDenial = rdb.writeDenial();
        if (rdbDenial != null) return rdbDenial;
        if (aof.writeError()) return "MISCONF Errors writing to the AOF file: " + aof.lastWriteError();
        return null;
    }

    /** The append-only file (off unless appendonly yes); its buffer is written before replies leave. */
    public final AppendOnlyFile aof = new AppendOnlyFile();

    public ServerContext(Config config) {
        this.config = config;
        this.keyspace = new Keyspace(config.getInt("databases"));
        this.loading = new io.lodestone.persistence.Loading(keyspace);
        this.commands = new CommandTable();
        this.process = new ProcessInfo(config.configFile().map(Object::toString).orElse(null));
        keyspace.listener(new KeyspaceHooks());
        keyspace.growthAllowed = bytes -> !maxMemory.overAfterAlloc(bytes);
    }

    /** What the command layer does when keys change: WATCH, blocked clients, propagation of expiry. */
    private final class KeyspaceHooks implements Keyspace.Listener {
        private final byte[] del = {'D', 'E', 'L'};
        private final byte[] unlink = {'U', 'N', 'L', 'I', 'N', 'K'};

        @Override
        public void keyExpired(Database db, byte[] key) {
            // WATCHers were told by the removal itself (keyModified): once, as Redis touches once.
            tracking.keyChanged(key);
            notifyKeyspaceEvent(KeyspaceEvents.EXPIRED, "expired", key, db.id());
            // Keys the server deletes by itself reach AOF and replicas as DEL, in the same total order.
            if (!propagation.isEmpty()) propagate(db.id(), new byte[][]{del, key}, 2);
        }

        @Override
        public void keyModified(Database db, byte[] key) {
            watches.touch(db, key);
            tracking.keyChanged(key);
            blocking.keyDeleted(db, key);
        }

        @Override
        public void keyAdded(Database db, byte[] key) {
            notifyKeyspaceEvent(KeyspaceEvents.NEW, "new", key, db.id());
        }

        @Override
        public void keyEvicted(Database db, byte[] key) {
            notifyKeyspaceEvent(KeyspaceEvents.EVICTED, "evicted", key, db.id());
            if (!propagation.isEmpty()) propagate(db.id(), new byte[][]{maxMemory.lazyEviction ? unlink : del, key}, 2);
        }

        @Override
        public void keyMissed(Database db, byte[] key) {
            notifyKeyspaceEvent(KeyspaceEvents.KEY_MISS, "keymiss", key, db.id());
        }

        @Override
        public void keyReady(Database db, byte[] key) {
            blocking.keyReady(db, key);
        }

        @Override
        public void databaseEmptying(Database emptied, Database replacedWith) {
            watches.touchAllIn(emptied, replacedWith);
            blocking.databaseEmptied(emptied);
        }

        @Override
        public void databaseCleared(Database db) {
            tracking.flushed();
        }

        @Override
        public void databasesSwapped(Database a, Database b) {
            blocking.databasesSwapped(a, b);
        }
    }

    /** Publishes keyspace events (implemented by pub/sub). */
    public interface KeyspaceNotifier {
        void notify(int eventClass, String event, byte[] key, int db);
    }

    /** Redis's notifyKeyspaceEvent: published when notify-keyspace-events enables the class. */
    public void notifyKeyspaceEvent(int eventClass, String event, byte[] key, int db) {
        int flags = notifyKeyspaceEvents;
        if ((flags & eventClass) == 0 || (flags & (KeyspaceEvents.KEYSPACE | KeyspaceEvents.KEYEVENT)) == 0) return;
        notifier.notify(eventClass, event, key, db);
    }

    /** Queues a client whose output was written by someone else's command for the next flush. */
    public void wake(Client c) {
        if (c.pendingWrite) return;
        c.pendingWrite = true;
        pendingWrites.add(c);
    }

    /**
     * Redis's beforeSleep for the transport: called after each client's read batch, it queues one flush
     * of every woken client for after the event loop has read all the sockets that were ready. Replies
     * to many clients then leave together, so their readers are woken once per loop iteration, not once
     * per client.
     */
    public void flushAfterReads(java.util.concurrent.Executor loop) {
        if (flushQueued) return;
        flushQueued = true;
        loop.execute(() -> {
            flushQueued = false;
            flushPendingWrites();
        });
    }

    /** Flushes every woken client (called by the transport at the end of each read batch and timer). */
    public void flushPendingWrites() {
        tracking.broadcast(); // Redis's beforeSleep: BCAST invalidations gathered since the last flush
        if (replication != null) replication.flush();
        for (int i = 0; i < pendingWrites.size(); i++) {
            Client c = pendingWrites.get(i);
            c.pendingWrite = false;
            if (c.conn != null) c.conn.flushOutput();
        }
        pendingWrites.clear();
    }

    /** "master" or "replica", as HELLO names it. */
    public String roleName() {
        return replication != null && replication.isReplica ? "replica" : "master";
    }

    /**
     * The keyspace's expiry rule for this server's role (Redis's expireIfNeeded checks masterhost and
     * repl_slave_ro on every call): called when the role or replica-read-only changes.
     */
    public void updateExpiryRole() {
        keyspace.expiryRole(!replication.isReplica ? Keyspace.ExpiryRole.MASTER
                : repl.replicaReadOnly ? Keyspace.ExpiryRole.REPLICA : Keyspace.ExpiryRole.WRITABLE_REPLICA);
    }

    public boolean authRequired() {
        return access.authRequired();
    }

    /** Registers a receiver of every write effect. */
    public void addPropagation(Propagation p) {
        addPropagation(PROPAGATE_ALL, p);
    }

    /** Registers the receiver that is {@code target} (the AOF or the replication stream). */
    public void addPropagation(int target, Propagation p) {
        addPropagation(target, p, () -> true);
    }

    /**
     * A receiver that takes effects only while {@code active} says so (the AOF when on, the stream
     * while a backlog exists): with none active, writes skip propagation, as Redis's shouldPropagate.
     */
    public void addPropagation(int target, Propagation p, java.util.function.BooleanSupplier active) {
        propagation.add(p);
        propagationTargets.add(target);
        propagationActive.add(active);
    }

    private boolean anyReceiver(int target) {
        for (int i = 0; i < propagation.size(); i++) {
            if ((propagationTargets.get(i) & target) != 0 && propagationActive.get(i).getAsBoolean()) return true;
        }
        return false;
    }

    /**
     * Records one effect, in the one total order of writes. Effects of a top-level call (a command,
     * an EXEC, a served blocked client) are sent to the receivers when the call ends; several effects
     * go out wrapped in MULTI/EXEC so that replicas and the AOF apply them atomically, as Redis does.
     */
    public void propagate(int db, byte[][] argv, int argc) {
        propagate(db, argv, argc, PROPAGATE_ALL);
    }

    /** {@link #propagate(int, byte[][], int)} to some receivers only: PUBLISH goes to replicas alone. */
    public void propagate(int db, byte[][] argv, int argc, int target) {
        // Nothing is propagated while loading: what is loaded is already in the AOF or comes from the master.
        if (loading.active() || !anyReceiver(target)) return;
        byte[][] copy = argc == argv.length ? argv.clone() : java.util.Arrays.copyOf(argv, argc);
        if (callDepth == 0) {
            send(db, copy, target);
            return;
        }
        pendingEffects.add(copy);
        pendingEffectDbs.add(db);
        pendingEffectTargets.add(target);
    }

    /**
     * Whether effects of the current top-level call are held (an EXEC or script that already wrote):
     * they may name arrays a key now stores, which must then not be changed in place.
     */
    public boolean effectsHeld() {
        return !pendingEffects.isEmpty();
    }

    /** Starts a top-level call: its effects are held until {@link #endCall}. */
    public void beginCall() {
        callDepth++;
    }

    public void endCall() {
        endCall(true);
    }

    /**
     * Ends a top-level call. {@code atomic} false: its effects go out one by one, as Redis does for a
     * command that touches arbitrary keys run directly (SCAN and RANDOMKEY only delete keys they found
     * expired, like active expiry, so the DELs need no transaction).
     */
    public void endCall(boolean atomic) {
        if (--callDepth > 0 || pendingEffects.isEmpty()) return;
        int n = pendingEffects.size();
        boolean wrap = n > 1 && atomic;
        if (wrap) send(pendingEffectDbs.get(0), new byte[][]{MULTI}, PROPAGATE_ALL);
        for (int i = 0; i < n; i++) send(pendingEffectDbs.get(i), pendingEffects.get(i), pendingEffectTargets.get(i));
        if (wrap) send(pendingEffectDbs.get(n - 1), new byte[][]{EXEC}, PROPAGATE_ALL);
        pendingEffects.clear();
        pendingEffectDbs.clear();
        pendingEffectTargets.clear();
    }

    private static final byte[] MULTI = {'M', 'U', 'L', 'T', 'I'};
    private static final byte[] EXEC = {'E', 'X', 'E', 'C'};

    private void send(int db, byte[][] argv, int target) {
        for (int i = 0; i < propagation.size(); i++) {
            if ((propagationTargets.get(i) & target) != 0) propagation.get(i).propagate(db, argv, argv.length);
        }
    }

    public boolean hasPropagation() {
        return !propagation.isEmpty();
    }


    /**
     * A receiver of the write stream. The arrays are lent for the call only: a receiver encodes (or
     * copies) them before it returns, since a stored string may later be overwritten in place.
     */
    public interface Propagation {
        void propagate(int db, byte[][] argv, int argc);
    }
}
