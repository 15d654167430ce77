package io.lodestone.command;

import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.pubsub.Subscriber;
import io.lodestone.pubsub.Subscriptions;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;

import java.util.List;

/**
 * A client's state as the dispatcher and handlers see it: the arguments of the command being run,
 * the reply writer, the selected database, authentication. One per connection; touched only by the
 * thread that executes commands.
 */
public final class Client implements Subscriber {
    /** Redis's CLIENT_ID_AOF: the client AOF files are replayed with (it runs while loading, unaccounted). */
    public static final long AOF_CLIENT_ID = Long.MAX_VALUE;

    public final long id;
    public final ServerContext server;
    public final Reply reply;
    public final Connection conn;
    /** The current command's arguments; valid only during the call. */
    public byte[][] argv;
    public int argc;
    /** The command being executed (or last executed). */
    public CommandSpec cmd;
    public CommandSpec lastCmd;
    private Database db;
    public boolean authenticated;
    /** The ACL user this connection runs as (the default user until AUTH or HELLO AUTH). */
    public AccessControl.User user;
    public String name;
    public String libName;
    public String libVersion;
    public final long createdMs;
    public long lastInteractionMs;
    /** CLIENT NO-EVICT. */
    public boolean noEvict;
    /** When set, the dispatcher propagates this instead of argv (effects, not requests). */
    public byte[][] propagateArgv;
    /** Targets the current call propagates to even without a change (Redis's CLIENT_FORCE_REPL/AOF). */
    public int forcedPropagation;
    /**
     * Where this client's calls may propagate at all (Redis's CMD_CALL_PROPAGATE_AOF/REPL call
     * flags): everywhere, except for a script that narrowed it with redis.set_repl.
     */
    public int propagationMask = ServerContext.PROPAGATE_ALL;
    /** Redis's CLIENT_DENY_BLOCKING: a script's client, whose blocking commands answer at once. */
    public boolean denyBlocking;
    /** Redis's CLIENT_SCRIPT: the client scripts run their commands as. */
    public boolean isScript;
    /** For the script client, while a script runs: the client that called it (Redis's script_caller). */
    public Client scriptCaller;
    public boolean closing;
    /** CLIENT REPLY OFF: no replies at all. */
    public boolean replyOff;
    /** CLIENT REPLY SKIP: the next command's reply is dropped (replySkipNext becomes replySkip). */
    public boolean replySkipNext;
    public boolean replySkip;

    // ---- Transactions (MULTI/EXEC/WATCH) ----
    /** Non-null between MULTI and EXEC/DISCARD. */
    public MultiState multi;
    /** Set while EXEC runs the queued commands: they must not block. */
    public boolean inExec;
    /** SCRIPT DEBUG SYNC: this client's next EVAL runs in a Lua debugger session (Redis's CLIENT_LUA_DEBUG_SYNC). */
    public boolean luaDebug;
    /** A watched key changed since WATCH: EXEC fails. */
    public boolean dirtyCas;
    /** Keys this client watches, or null. */
    List<Watches.WatchedKey> watched;

    // ---- Blocking commands ----
    /**
     * Arguments of the current call that hold secrets (bit j for argv[j]): the slow log shows them
     * as "(redacted)" (Redis's redactClientCommandArgument). Cleared when a call begins.
     */
    public long redactedArgs;

    public void redactArgument(int j) {
        if (j < 64) redactedArgs |= 1L << j;
    }

    /** In MONITOR mode (Redis's CLIENT_MONITOR, with CLIENT_SLAVE): on the list of command.Monitors. */
    public boolean monitor;

    /** CLIENT TRACKING settings; null until tracking is first turned on. */
    public Tracking.State tracking;

    /** Non-null while blocked (BLPOP...): the connection reads no further commands until served. */
    public Blocking.BlockedState blocked;
    /** Queued for an output flush by another client's command (pub/sub, unblocking). */
    boolean pendingWrite;

    // ---- Pub/Sub ----
    /** Channels, patterns and shard channels this client listens to, and its Pub/Sub mode. */
    public final Subscriptions subscriptions = new Subscriptions();
    /**
     * When the output buffer went over its class's soft limit (unix seconds), 0 while under it (Redis's
     * obuf_soft_limit_reached_time).
     */
    public long outputSoftLimitSince;

    // Replication (command.replication): what a replica said in its handshake, and its link once it synced.
    public int replListeningPort;
    public String replAnnouncedIp;
    public boolean replCapaEof;
    public boolean replCapaPsync2;
    /** REPLCONF rdb-filter-only: the replica wants the snapshot without keys (redis-cli --replica). */
    public boolean replRdbExcludeData;
    /** ... and without the function libraries (a filter list without "functions"). */
    public boolean replRdbExcludeFunctions;
    /** The master client of a replica (Redis's CLIENT_MASTER): it obeys, bypassing READONLY, MISCONF... */
    public boolean isMaster;
    /** Set when the connection became a replica (SYNC/PSYNC). */
    public io.lodestone.replication.ReplicaPeer replicaPeer;
    /** The replication offset right after this client's last command (Redis's woff): what WAIT waits for. */
    public long woff;
    /** Replies of writes are held for replicas' acks (min-replicas-ack): on the AckedWrites list. */
    public boolean holdsReplies;
    /** WAIT in progress: the offset and the number of replicas awaited. */
    public long waitOffset;
    public long waitReplicas;

    // ---- Memory (ClientRegistry) ----
    /** In the registry: its memory is accounted. */
    boolean registered;
    /** The type and memory last accounted for this client (Redis's last_memory_type/usage). */
    byte accountedType;
    long accountedMemory;
    /** Disconnected by client eviction (maxmemory-clients). */
    boolean evicted;

    /**
     * What Lodestone's own structures for a connection take beyond the buffers (the client, its handler,
     * decoder and reply writer, the channel and its pipeline): an estimate, as Redis counts sizeof(client).
     */
    static final long CLIENT_STRUCT_BYTES = 2048;
    /** Per watched key, subscription, pattern and tracking prefix: the entries that hold it (estimates). */
    static final long WATCHED_KEY_BYTES = 64, SUBSCRIPTION_BYTES = 48, TRACKING_PREFIX_BYTES = 64;

    /**
     * Redis's getClientMemoryUsage (CLIENT LIST tot-mem): the output buffer ({@link #outputMemory}), the
     * query buffer allocated, the reply buffer, the arguments in hand, the queued transaction, and the
     * client's own structures with its watched keys, subscriptions and tracking prefixes. Reads fields
     * only: it runs after every command.
     */
    public long memoryUsage() {
        long mem = CLIENT_STRUCT_BYTES + reply.bufferSize() + outputMemory();
        Connection k = conn;
        if (k != null) mem += k.queryBufferLength() + k.queryBufferFree() + k.argvMemory() + 8L * k.argvCount();
        if (multi != null) mem += multi.memory();
        List<Watches.WatchedKey> w = watched;
        if (w != null) mem += WATCHED_KEY_BYTES * w.size();
        Subscriptions s = subscriptions;
        if (s.mode) mem += SUBSCRIPTION_BYTES * (s.channelCount() + s.patternCount() + s.shardChannelCount());
        if (tracking != null) mem += TRACKING_PREFIX_BYTES * tracking.prefixes.size();
        return mem;
    }

    /**
     * Redis's getClientOutputBufferMemoryUsage (CLIENT LIST omem): a replica's share of the replication
     * buffer; for others the output beyond the reply buffer's first {@link Reply#bufferSize} bytes (the
     * rest of a batch, what waits in the socket's outbound queue, replies held for replicas' acks).
     */
    public long outputMemory() {
        if (conn == null) return 0;
        if (replicaPeer != null) return server.replication.stream.outputBytes(replicaPeer);
        return conn.outputListBytes();
    }

    /**
     * Whether the output is past its class's hard limit: the client will be closed after this command, so a
     * command producing a huge reply stops early (Redis's checks of CLIENT_CLOSE_ASAP in KEYS, HRANDFIELD).
     */
    public boolean outputPastHardLimit() {
        if (conn == null || replicaPeer != null || isMaster) return false;
        io.lodestone.config.ClientBufferLimit l = subscriptions.mode ? server.clients.pubsubOutputLimit
                : server.clients.normalOutputLimit;
        return l.hardLimitBytes() != 0 && Long.compareUnsigned(outputMemory(), l.hardLimitBytes()) >= 0;
    }

    /**
     * Redis's checkClientOutputBufferLimits against {@code limit}: the hard limit applies at once; the soft
     * limit only once the output has stayed above it for more than its seconds (the clock starts at the
     * first check that finds it above, and stops at the first that finds it below). Zero disables a limit.
     */
    public boolean outputLimitReached(io.lodestone.config.ClientBufferLimit limit, long nowSeconds) {
        if (limit.hardLimitBytes() == 0 && limit.softLimitBytes() == 0) return false;
        long used = outputMemory();
        boolean hard = limit.hardLimitBytes() != 0 && Long.compareUnsigned(used, limit.hardLimitBytes()) >= 0;
        boolean soft = limit.softLimitBytes() != 0 && Long.compareUnsigned(used, limit.softLimitBytes()) >= 0;
        if (soft) {
            if (outputSoftLimitSince == 0) {
                outputSoftLimitSince = nowSeconds;
                soft = false;
            } else if (nowSeconds - outputSoftLimitSince <= limit.softLimitSeconds()) {
                soft = false;
            }
        } else {
            outputSoftLimitSince = 0;
        }
        return soft || hard;
    }

    /** The client that replays AOF files: exempt from -LOADING, not counted in commandstats. */
    public boolean isAofClient() {
        return id == AOF_CLIENT_ID;
    }

    public Client(long id, ServerContext server, Reply reply, Connection conn) {
        this.id = id;
        this.server = server;
        this.reply = reply;
        this.conn = conn;
        this.db = server.keyspace.db(0);
        this.createdMs = System.currentTimeMillis();
        this.lastInteractionMs = createdMs;
        this.authenticated = !server.authRequired();
        this.user = server.access.defaultUser();
    }

    @Override
    public Subscriptions subscriptions() {
        return subscriptions;
    }

    /** Redis's getClientType: "master", "slave", "pubsub" in Pub/Sub mode, else "normal". */
    public String type() {
        if (isMaster) return "master";
        if (replicaPeer != null) return "slave";
        return subscriptions.mode ? "pubsub" : "normal";
    }

    public Database db() {
        return db;
    }

    public int dbIndex() {
        return db.id();
    }

    public void select(int index) {
        this.db = server.keyspace.db(index);
    }

    public byte[] arg(int i) {
        return argv[i];
    }

    /** Whether the current command may block (not inside MULTI/EXEC or a script). */
    public boolean canBlock() {
        return multi == null && !inExec && !denyBlocking;
    }

    /** Number of keys this client watches (CLIENT LIST watch=). */
    public int watchedCount() {
        return watched == null ? 0 : watched.size();
    }

    // ---- Keys of a type (Redis's lookupKeyRead/lookupKeyWrite followed by checkType) ----

    /**
     * The value at {@code key} in the selected database when it is a {@code type}, null when there is
     * no such key, WRONGTYPE otherwise. Counts a keyspace hit or miss, as a read does.
     */
    public <T> T lookupRead(byte[] key, Class<T> type) {
        KeyEntry e = db.lookupRead(key);
        return e == null ? null : checkType(e, type);
    }

    /**
     * {@link #lookupRead} for a command that changes the value in place: no hit or miss is counted,
     * and a running snapshot takes the entry first.
     */
    public <T> T lookupWrite(byte[] key, Class<T> type) {
        KeyEntry e = db.lookupWrite(key);
        return e == null ? null : checkType(e, type);
    }

    /** {@link #lookupWrite} for a command that replaces the value or reads the entry's flags: the entry. */
    public KeyEntry lookupWriteEntry(byte[] key, Class<?> type) {
        KeyEntry e = db.lookupWrite(key);
        if (e != null && !(e.isInline() ? type.isAssignableFrom(byte[].class) : type.isInstance(e.value()))) {
            throw Errors.wrongType();
        }
        return e;
    }

    /** Redis's checkType: the entry's value as a {@code type}, or WRONGTYPE. */
    @SuppressWarnings("unchecked")
    public static <T> T checkType(KeyEntry e, Class<T> type) {
        Object v = e.value();
        if (!type.isInstance(v)) throw Errors.wrongType();
        return (T) v;
    }

    // ---- Counting changes and telling of them ----
    // Redis's server.dirty: the dispatcher propagates a call that counted a change, and save points
    // and INFO count them. Commands count through these methods only.

    /** Counts {@code changes} changes to the data (Redis's {@code server.dirty += changes}). */
    public void dirty(long changes) {
        server.keyspace.dirty += changes;
    }

    /**
     * The usual bookkeeping after a command changed {@code key} in place: WATCHers see it, a
     * keyspace event is published, and the change is counted.
     */
    public void changed(int eventClass, String event, byte[] key) {
        changed(eventClass, event, key, 1);
    }

    /** {@link #changed} for a call that made {@code changes} changes to the key (HSET of three fields: 3). */
    public void changed(int eventClass, String event, byte[] key, long changes) {
        db.signalModifiedKey(key);
        server.notifyKeyspaceEvent(eventClass, event, key, db.id());
        dirty(changes);
    }

    /**
     * Redis's listElementsRemoved, which t_hash, t_set and t_zset repeat by hand: after a command took
     * {@code changes} elements out of the value at {@code key}, its event is published, then the key
     * goes with a "del" event when {@code emptied}, WATCHers see the change, and the changes count.
     */
    public void elementsRemoved(int eventClass, String event, byte[] key, boolean emptied, long changes) {
        notifyKeyspaceEvent(eventClass, event, key);
        if (emptied) deleteEmptied(key);
        db.signalModifiedKey(key);
        dirty(changes);
    }

    /**
     * A hash, set, list or sorted set the command emptied: its key goes, with Redis's "del" event
     * (after the command's own). Its elements' removal was counted by the command.
     */
    public void deleteEmptied(byte[] key) {
        db.delete(key);
        notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "del", key);
    }

    /**
     * Deletes {@code key} as a change of its own (DEL, or a STORE whose result is empty): when it
     * existed, WATCHers see it, "del" is published and one change counts. Returns whether it existed.
     */
    public boolean deleteKey(byte[] key) {
        return deleteKey(key, false);
    }

    /** Deletes a key as DEL does, or lazily as UNLINK does; true if it existed. */
    public boolean deleteKey(byte[] key, boolean lazy) {
        if (!db.delete(key, lazy)) return false;
        changed(KeyspaceEvents.GENERIC, "del", key);
        return true;
    }

    /** A keyspace event about {@code key} in the selected database, without the rest of {@link #changed}. */
    public void notifyKeyspaceEvent(int eventClass, String event, byte[] key) {
        server.notifyKeyspaceEvent(eventClass, event, key, db.id());
    }

    private static final byte[][] NO_PROPAGATION = new byte[0][];

    /** The command's own arguments are not an effect (EXEC: the queued commands propagated themselves). */
    public void preventPropagation() {
        this.propagateArgv = NO_PROPAGATION;
    }

    /**
     * Redis's forceCommandPropagation: the call is propagated to {@code target} (a mask of
     * ServerContext.PROPAGATE_*) though it changed no data: PUBLISH to replicas, FLUSHALL of empty
     * databases to both (it still empties a replica's).
     */
    public void forcePropagation(int target) {
        this.forcedPropagation |= target;
    }

    /** Propagate {@code args} (the command's effect) instead of what the client sent. */
    public void rewritePropagation(byte[]... args) {
        this.propagateArgv = args;
    }
}
