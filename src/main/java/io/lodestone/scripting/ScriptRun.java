package io.lodestone.scripting;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.ServerContext;

/**
 * One script invocation (Redis's scriptRunCtx, script.c): who called, the client its commands run as,
 * what the script may do, and the checks each {@code redis.call} passes (scriptCall) before the
 * dispatcher runs the command.
 *
 * <p>The commands run inside the caller's call: their effects are grouped with it and go to replicas
 * and the AOF as one MULTI/EXEC when there are several (Redis 7.0 replicates scripts by effects).
 */
final class ScriptRun {
    /**
     * Run flags (Redis's SCRIPT_* run flags that Lodestone acts on; allow-cross-slot comes with the
     * cluster; whether it is EVAL or a function is the engine's isEval).
     */
    static final int READ_ONLY = 1, ALLOW_OOM = 2;

    final ServerContext server;
    /** The client that sent EVAL/FCALL. */
    final Client caller;
    /** The client the script's commands run as (Redis's lua_client). */
    final Client scriptClient;
    /** "f_&lt;sha&gt;" or the function's name, for errors and the slow-script log. */
    final String funcName;
    /** The caller's command (FUNCTION STATS shows it). */
    byte[][] callerArgv;
    int flags;
    /**
     * Redis's SCRIPT_WRITE_DIRTY: the script ran a write command, so it may not be killed and later
     * writes skip the checks on the server's state. Read by SCRIPT KILL on the busy responder's thread.
     */
    volatile boolean writeDirty;
    /** When the script started; a Lua debugger session restarts it after each stop, as Redis does. */
    long startNanos = System.nanoTime();

    ScriptRun(ServerContext server, Client caller, Client scriptClient, String funcName, int flags) {
        this.server = server;
        this.caller = caller;
        this.scriptClient = scriptClient;
        this.funcName = funcName;
        this.flags = flags;
        scriptClient.select(caller.dbIndex());
        scriptClient.reply.protocol(2); // scripts start in RESP2; redis.setresp changes it
        scriptClient.user = caller.user;
        scriptClient.authenticated = true;
        scriptClient.propagationMask = ServerContext.PROPAGATE_ALL;
        scriptClient.denyBlocking = true;
        scriptClient.isMaster = caller.isMaster;
        scriptClient.scriptCaller = caller;
    }

    boolean is(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Redis's scriptCall: runs {@code argv} as the script's client. Returns null when the command ran
     * (its reply is in the script client's output), else the error that kept it from running.
     */
    String call(byte[][] argv, int argc) {
        Client c = scriptClient;
        CommandSpec cmd = server.commands.lookupCommand(argv, argc);
        if (cmd == null) {
            // A command Lodestone does not implement: refused as Redis would refuse it here, if it would.
            String name = Args.str(argv[0]).toLowerCase(java.util.Locale.ROOT);
            CommandSpec known = server.commands.spec(name);
            if (known != null && argc > 1 && known.hasSubcommands()) {
                known = server.commands.spec(name + "|" + Args.str(argv[1]).toLowerCase(java.util.Locale.ROOT));
            }
            if (known != null && known.is(CommandSpec.NOSCRIPT) && !server.scriptDisableDenyScript) {
                return reject(known, "This Redis command is not allowed from script");
            }
            return reject(null, "Unknown Redis command called from script");
        }
        if (!cmd.arityOk(argc) || !cmd.hasHandler()) {
            return reject(cmd, "Wrong number of args calling Redis command from script");
        }
        c.argv = argv;
        c.argc = argc;
        c.cmd = c.lastCmd = cmd;
        if (cmd.is(CommandSpec.NOSCRIPT) && !server.scriptDisableDenyScript) {
            return reject(cmd, "This Redis command is not allowed from script");
        }
        if (server.replication.isReplica && !server.replication.masterLinkUp && !server.repl.replicaServeStaleData
                && !cmd.is(CommandSpec.STALE)) {
            return reject(cmd, "Can not execute the command on a stale replica");
        }
        String denied = server.access.denyInScript(c, cmd, argv, argc);
        if (denied != null) return reject(cmd, denied);
        String writeDenied = verifyWrite(cmd);
        if (writeDenied != null) return reject(cmd, writeDenied);
        if (deniedForMemory(cmd)) return reject(cmd, "-" + io.lodestone.command.Errors.OOM);
        if (cmd.is(CommandSpec.WRITE)) writeDirty = true;
        server.dispatcher.call(c, cmd);
        return null;
    }

    /**
     * A command the script may not run: counted as Redis's afterErrorReply counts it (an error that
     * starts with "-CODE" under its code, any other under ERR) and as a rejected call.
     */
    private String reject(CommandSpec cmd, String error) {
        // Redis's incrCommandStatsOnError: the error is the rejected command's, not the script's call.
        server.stats.countRejection(error.startsWith("-") ? error.substring(1) : "ERR " + error);
        if (cmd != null) cmd.rejectedCalls++;
        return error;
    }

    /** Redis's scriptVerifyWriteCommandAllow. */
    private String verifyWrite(CommandSpec cmd) {
        if (is(READ_ONLY) && (cmd.is(CommandSpec.WRITE) || cmd.is(CommandSpec.MAY_REPLICATE))) {
            return "Write commands are not allowed from read-only scripts.";
        }
        if (!cmd.is(CommandSpec.WRITE) || writeDirty) return null;
        // Redis's mustObeyClient: the master and the AOF wrote this once already
        boolean obey = caller.isMaster || caller.isAofClient();
        if (server.replication.isReplica && server.repl.replicaReadOnly && !obey) {
            return "-READONLY You can't write against a read only replica.";
        }
        if ((!server.rdb.lastBgsaveOk() || server.aof.writeError()) && !obey) {
            String denial = server.diskErrorDenial();
            if (denial != null) return "-" + denial;
        }
        if (server.replication.tooFewGoodReplicas()) return "-NOREPLICAS Not enough good replicas to write.";
        return null;
    }

    /**
     * Redis's scriptVerifyOOM: over maxmemory when the script started, a command that may add data is
     * refused unless the script allows it or already wrote (it cannot stop half-way then).
     */
    private boolean deniedForMemory(CommandSpec cmd) {
        return !is(ALLOW_OOM) && server.maxMemory.maxmemory != 0 && !caller.isMaster && !caller.isAofClient()
                && !writeDirty && server.preCommandOom && cmd.is(CommandSpec.DENYOOM);
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
