package io.lodestone.command;

import io.lodestone.protocol.Reply;
import io.lodestone.store.Keyspace;

/**
 * The gate every command passes (Redis's processCommand) and the call itself (Redis's call()).
 *
 * <p>Checks run in Redis's order - existence, arity, protected commands, authentication, the RESP2
 * Pub/Sub context, MULTI queueing - so that a request breaking several rules gets the same error as
 * from Redis. Handlers therefore only parse their own arguments. After the call come statistics and
 * propagation: a call that changed data (the keyspace's dirty counter moved) is propagated once, as
 * its effect if the handler rewrote it.
 */
public final class Dispatcher {
    private final ServerContext server;
    private final Keyspace keyspace;

    public Dispatcher(ServerContext server) {
        this.server = server;
        this.keyspace = server.keyspace;
        server.dispatcher = this;
    }

    private static String unknownSubcommand(CommandSpec cmd, byte[] sub) {
        return "ERR unknown subcommand '" + clip(Args.str(sub)) + "'. Try " + cmd.name.toUpperCase(java.util.Locale.ROOT) + " HELP.";
    }

    /**
     * The refusal a command gets before any other check: an unknown command or subcommand, or a wrong
     * number of arguments (the busy responder answers it before -BUSY, as Redis does); null if none.
     */
    public String lookupRefusal(byte[][] argv, int argc) {
        CommandSpec cmd = server.commands.lookup(argv[0]);
        if (cmd == null) return unknownCommand(argv, argc);
        if (!cmd.subcommands.isEmpty() && argc >= 2) {
            CommandSpec sub = CommandTable.lookupSub(cmd, argv[1]);
            if (sub == null) return unknownSubcommand(cmd, argv[1]);
            cmd = sub;
        }
        return !cmd.arityOk(argc) || cmd.handler == null ? Errors.wrongArity(cmd.fullName) : null;
    }

    /** Runs one command from {@code c.argv[0..c.argc)}. */
    public void process(Client c) {
        byte[][] argv = c.argv;
        int argc = c.argc;
        CommandTable table = server.commands;
        CommandSpec cmd = table.lookup(argv[0]);
        c.lastInteractionMs = keyspace.tick();
        if (cmd == null) {
            reject(c, null, unknownCommand(argv, argc));
            return;
        }
        if (!cmd.subcommands.isEmpty() && argc >= 2) {
            CommandSpec sub = CommandTable.lookupSub(cmd, argv[1]);
            if (sub == null) {
                reject(c, null, unknownSubcommand(cmd, argv[1]));
                return;
            }
            cmd = sub;
        }
        c.cmd = c.lastCmd = cmd;
        // Redis keeps client-side caching metadata within tracking-table-max-keys before each command.
        if (server.tracking.clients() > 0) server.tracking.limitUsedSlots();
        if (!cmd.arityOk(argc) || cmd.handler == null) {
            reject(c, cmd, Errors.wrongArity(cmd.fullName));
            return;
        }
        if (cmd.is(CommandSpec.PROTECTED) && !protectedAllowed(c, cmd)) {
            boolean debug = cmd.fullName.startsWith("debug");
            reject(c, cmd, "ERR " + (debug ? "DEBUG" : "MODULE") + " command not allowed. If the "
                    + (debug ? "enable-debug-command" : "enable-module-command")
                    + " option is set to \"local\", you can run it from a local connection, otherwise you need to"
                    + " set this option in the configuration file, and then restart the server.");
            return;
        }
        if (!c.authenticated && !cmd.is(CommandSpec.NO_AUTH) && server.authRequired()) {
            reject(c, cmd, Errors.NOAUTH);
            return;
        }
        if (c.multi != null && cmd.is(CommandSpec.NO_MULTI) && !isTransactionControl(cmd)) {
            reject(c, cmd, "ERR Command not allowed inside a transaction");
            return;
        }
        String denied = server.access.deny(c, cmd, argv, argc);
        if (denied != null) {
            reject(c, cmd, denied);
            return;
        }
        if (server.clients.evictBeforeCommand(c)) return; // Redis's evictClients: it may have been this client
        if (server.maxMemory.maxmemory != 0 && refusedForMemory(c, cmd)) return;
        // Redis's mustObeyClient: what the master or the AOF sends was accepted once already.
        boolean obey = c.isMaster || c.isAofClient();
        if ((!server.rdb.lastBgsaveOk() || server.aof.writeError()) && !obey) {
            // Redis refuses writes (and PING, so monitoring notices) while it cannot persist them.
            String denial = server.diskErrorDenial();
            if (denial != null && (isWrite(c, cmd) || cmd.fullName.equals("ping"))) {
                reject(c, cmd, denial);
                return;
            }
        }
        if (server.replication.tooFewGoodReplicas() && isWrite(c, cmd)) {
            reject(c, cmd, "NOREPLICAS Not enough good replicas to write.");
            return;
        }
        boolean replica = server.replication.isReplica;
        if (replica && server.repl.replicaReadOnly && !obey && isWrite(c, cmd)) {
            reject(c, cmd, "READONLY You can't write against a read only replica.");
            return;
        }
        // RESP2 has no out-of-band messages, so a subscribed connection carries only Pub/Sub traffic.
        if (c.subscriptions.mode && c.reply.protocol() == 2 && !allowedWhileSubscribed(cmd)) {
            reject(c, cmd, "ERR Can't execute '" + cmd.fullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE"
                    + " / PING / QUIT / RESET are allowed in this context");
            return;
        }
        if (replica && !server.replication.masterLinkUp && !server.repl.replicaServeStaleData && denyStale(c, cmd)) {
            reject(c, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
            return;
        }
        if (server.loading.active() && !c.isAofClient() && denyLoading(c, cmd)) {
            reject(c, cmd, "LOADING Redis is loading the dataset in memory");
            return;
        }
        // A replica loading its master's payload in the background still serves its old data, but not
        // the commands that would act on the data set being replaced (Redis's CMD_NO_ASYNC_LOADING).
        if (server.loading.asyncLoading() && denyAsyncLoading(c, cmd)) {
            reject(c, cmd, "LOADING Redis is loading the dataset in memory");
            return;
        }
        // A replica's link only acknowledges; a replica is never paused, so it may not use the data.
        if ((c.replicaPeer != null || c.monitor) && (ClientPause.mayReplicate(c, cmd) || isWrite(c, cmd) || isRead(c, cmd))) {
            reject(c, cmd, "ERR Replica can't interact with the keyspace");
            return;
        }
        // Last check, as in Redis: a paused client's command is held whole, then checked again.
        if (server.pause.postpones(c, cmd)) {
            server.pause.postpone(c);
            return;
        }
        if (c.multi != null) {
            if (!isTransactionControl(cmd)) {
                c.multi.commands.add(new MultiState.Queued(cmd, java.util.Arrays.copyOf(argv, argc)));
                c.reply.raw(Reply.QUEUED);
                return;
            }
        }
        server.beginCall();
        try {
            call(c, cmd);
        } finally {
            server.endCall(!cmd.is(CommandSpec.TOUCHES_ARBITRARY_KEYS));
        }
        c.woff = server.replication.stream.offset();
        server.tracking.afterCommand(c, cmd);
        server.blocking.serveReadyKeys(this);
    }

    /**
     * Redis's maxmemory step of processCommand: evicts what it must, then refuses a command that may
     * add data (denyoom, or anything queued in MULTI but EXEC, DISCARD, QUIT and RESET) when memory
     * stays over the limit. Returns true when the command was refused.
     */
    private boolean refusedForMemory(Client c, CommandSpec cmd) {
        boolean oom = server.maxMemory.performEvictions() == MaxMemory.EVICT_FAIL;
        server.preCommandOom = oom;
        // What the master or the AOF sends was accepted once already: refusing it would lose a write.
        if (!oom || c.isMaster || c.isAofClient()) return false;
        boolean reject = isDenyOom(c, cmd);
        if (c.multi != null) {
            switch (cmd.fullName) {
                case "exec", "discard", "quit", "reset" -> { }
                default -> reject = true;
            }
        }
        if (!reject) return false;
        reject(c, cmd, Errors.OOM);
        return true;
    }

    /** Redis's is_denyoom_command: the flag, or an EXEC whose queue holds such a command. */
    private static boolean isDenyOom(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.DENYOOM, c.argv, c.argc)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) if (q.cmd().is(CommandSpec.DENYOOM, q.argv(), q.argv().length)) return true;
        return false;
    }

    /** Redis's is_write_command: a write, or an EXEC whose queue holds one. */
    private static boolean isWrite(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.WRITE, c.argv, c.argc)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) if (q.cmd().is(CommandSpec.WRITE, q.argv(), q.argv().length)) return true;
        return false;
    }

    /** Redis's is_read_command: a read-only command, or an EXEC queueing one. */
    private static boolean isRead(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.READONLY)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) if (q.cmd().is(CommandSpec.READONLY)) return true;
        return false;
    }

    /** Redis's is_denystale_command: no STALE flag, or an EXEC queueing a command without it. */
    private static boolean denyStale(Client c, CommandSpec cmd) {
        if (!cmd.is(CommandSpec.STALE, c.argv, c.argc)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) if (!q.cmd().is(CommandSpec.STALE, q.argv(), q.argv().length)) return true;
        return false;
    }

    /**
     * Redis's is_denyloading_command: no LOADING flag, or an EXEC queueing a command without it. Also
     * refused here, unlike Redis: commands that would persist, replace or ship the half-loaded data
     * set (a loader thread is filling it), which Redis can only half-run between its load's events.
     */
    private static boolean denyLoading(Client c, CommandSpec cmd) {
        if (!cmd.is(CommandSpec.LOADING) || replacesDataset(cmd, c.argv, c.argc)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) {
            if (!q.cmd().is(CommandSpec.LOADING) || replacesDataset(q.cmd(), q.argv(), q.argv().length)) return true;
        }
        return false;
    }

    /** Redis's is_deny_async_loading_command: the flag, or an EXEC queueing a command with it. */
    private static boolean denyAsyncLoading(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.NO_ASYNC_LOADING)) return true;
        if (!cmd.fullName.equals("exec") || c.multi == null) return false;
        for (MultiState.Queued q : c.multi.commands) if (q.cmd().is(CommandSpec.NO_ASYNC_LOADING)) return true;
        return false;
    }

    private static boolean replacesDataset(CommandSpec cmd, byte[][] argv, int argc) {
        return switch (cmd.name) {
            case "save", "bgsave", "bgrewriteaof", "replicaof", "slaveof", "sync", "psync" -> true;
            // DEBUG LOG, SLEEP, OBJECT... answer while loading, as in Redis; these change the data set.
            case "debug" -> argc > 1 && (Args.is(argv[1], "reload") || Args.is(argv[1], "loadaof")
                    || Args.is(argv[1], "populate"));
            default -> false;
        };
    }

    /** What a RESP2 client in Pub/Sub mode may still run. */
    private static boolean allowedWhileSubscribed(CommandSpec cmd) {
        return switch (cmd.fullName) {
            case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe",
                    "quit", "reset" -> true;
            default -> false;
        };
    }

    /** Commands that act on the transaction itself and so run at once inside MULTI. */
    private static boolean isTransactionControl(CommandSpec cmd) {
        return switch (cmd.fullName) {
            case "exec", "discard", "multi", "watch", "quit", "reset" -> true;
            default -> false;
        };
    }

    /** Executes a command that passed every check; accounts and propagates it. */
    public void call(Client c, CommandSpec cmd) {
        Reply reply = c.reply;
        Stats stats = server.stats;
        // Redis's incrCommandStatsOnError: a call failed if error replies were written since the
        // last call began or ended, so an EXEC is not failed by the failure of a command it ran.
        stats.errorsMark = stats.totalErrorReplies;
        c.redactedArgs = 0;
        long dirtyBefore = keyspace.dirty;
        // A blocked client being served runs its command again: Redis counted the call when it
        // blocked, so only the time and a failure are added now.
        boolean served = c.blocked != null;
        c.propagateArgv = null;
        c.forcedPropagation = 0;
        Tracking tracking = server.tracking;
        tracking.beginCall(c);
        long start = System.nanoTime();
        try {
            cmd.handler.call(c);
        } catch (CommandError e) {
            reply.error(e.getMessage());
        } finally {
            tracking.endCall(c, cmd);
        }
        long duration = System.nanoTime() - start;
        // Redis runs the AOF's commands without call(): they are not counted.
        if (!c.isAofClient()) {
            if (!served) cmd.calls++;
            cmd.usec += duration / 1000;
            if (stats.latencyTracking) {
                if (cmd.latency == null) cmd.latency = new LatencyHistogram();
                cmd.latency.record(duration);
            }
            // EXEC is SKIP_SLOWLOG: the commands it ran are logged one by one.
            if (!cmd.is(CommandSpec.SKIP_SLOWLOG)) server.slowlog.push(c, c.argv, c.argc, duration / 1000);
            server.latency.addSampleIfNeeded(cmd.is(CommandSpec.FAST) ? "fast-command" : "command", duration / 1_000_000);
            if (stats.totalErrorReplies != stats.errorsMark) cmd.failedCalls++;
            if (!served) stats.totalCommandsProcessed++;
        }
        stats.errorsMark = stats.totalErrorReplies;
        if (server.monitors.active && !served && !c.isAofClient()) server.monitors.afterCall(c, cmd);
        int target = keyspace.dirty != dirtyBefore && !cmd.is(CommandSpec.READONLY) ? ServerContext.PROPAGATE_ALL : 0;
        target |= c.forcedPropagation;
        target &= c.propagationMask;
        c.forcedPropagation = 0;
        if (target != 0 && server.hasPropagation()) {
            byte[][] p = c.propagateArgv;
            if (p == null) server.propagate(c.dbIndex(), c.argv, c.argc, target);
            else if (p.length > 0) server.propagate(c.dbIndex(), p, p.length, target);
        }
    }

    private void reject(Client c, CommandSpec cmd, String error) {
        if (cmd != null) cmd.rejectedCalls++;
        if (cmd != null && "exec".equals(cmd.fullName)) {
            // Redis answers a refused EXEC by discarding the transaction, inside MULTI or not.
            discardTransaction(c);
            c.reply.error("EXECABORT Transaction discarded because of: "
                    + (error.startsWith("ERR ") ? error.substring(4) : error));
            return;
        }
        // A refused command inside MULTI dooms the transaction (Redis's flagTransaction).
        if (c.multi != null) c.multi.aborted = true;
        c.reply.error(error);
    }

    /** Ends a transaction without running it: queue dropped, keys unwatched. */
    public void discardTransaction(Client c) {
        c.multi = null;
        server.watches.unwatchAll(c);
    }

    private boolean protectedAllowed(Client c, CommandSpec cmd) {
        String mode = cmd.fullName.startsWith("debug") ? server.security.enableDebugCommand : "no";
        return "yes".equals(mode) || ("local".equals(mode) && c.conn != null && c.conn.isLocal());
    }

    /** Redis's text: the name and up to 128 characters of quoted arguments. */
    static String unknownCommand(byte[][] argv, int argc) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argc && args.length() < 128; i++) {
            String a = Args.cString(argv[i]);
            int room = 128 - args.length();
            args.append('\'').append(a.length() > room ? a.substring(0, room) : a).append("' ");
        }
        return "ERR unknown command '" + clip(Args.cString(argv[0])) + "', with args beginning with: " + args;
    }

    private static String clip(String s) {
        return s.length() > 128 ? s.substring(0, 128) : s;
    }
}
