package io.lodestone.scripting;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.command.Subcommands;

import java.util.Locale;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's eval.c): the checks before a script runs
 * (scriptPrepareForRun), which depend on the flags its shebang declared, then the run itself.
 */
public final class EvalCommands {
    private static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";

    private EvalCommands() {
    }

    static void register(CommandTable t, EvalEngine engine) {
        t.handle("eval", c -> eval(engine, c, false, false));
        t.handle("evalsha", c -> eval(engine, c, true, false));
        t.handle("eval_ro", c -> eval(engine, c, false, true));
        t.handle("evalsha_ro", c -> eval(engine, c, true, true));
        t.flags("eval", (declared, argv, argc) -> evalFlags(engine, declared, argv, false));
        t.flags("eval_ro", (declared, argv, argc) -> evalFlags(engine, declared, argv, false));
        t.flags("evalsha", (declared, argv, argc) -> evalFlags(engine, declared, argv, true));
        t.flags("evalsha_ro", (declared, argv, argc) -> evalFlags(engine, declared, argv, true));
        t.handle("script|load", c -> {
            String[] error = new String[1];
            EvalEngine.Script s = engine.create(c.argv[2], error);
            if (s == null) throw new CommandError("ERR " + error[0]);
            c.reply.bulk(s.sha());
        });
        t.handle("script|exists", c -> {
            c.reply.array(c.argc - 2);
            for (int j = 2; j < c.argc; j++) c.reply.integer(engine.exists(Args.str(c.argv[j])) ? 1 : 0);
        });
        t.handle("script|flush", c -> {
            if (c.argc == 3 && !Args.is(c.argv[2], "sync") && !Args.is(c.argv[2], "async") || c.argc > 3) {
                throw new CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            }
            engine.flush();
            c.reply.ok();
        });
        t.handle("script|kill", c -> {
            // While a script runs, SCRIPT KILL is answered by the busy responder; here none is running.
            String reply = engine.kill(true);
            throw new CommandError(reply.substring(1));
        });
        t.handle("script|debug", EvalCommands::scriptDebug);
        t.handle("script|help", Subcommands.help("SCRIPT",
                "DEBUG (YES|SYNC|NO)",
                "    Set the debug mode for subsequent scripts executed.",
                "EXISTS <sha1> [<sha1> ...]",
                "    Return information about the existence of the scripts in the script cache.",
                "FLUSH [ASYNC|SYNC]",
                "    Flush the Lua scripts cache. Very dangerous on replicas.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the scripts cache.",
                "    * SYNC: Synchronously flush the scripts cache.",
                "KILL",
                "    Kill the currently executing Lua script.",
                "LOAD <script>",
                "    Load a script into the scripts cache without executing it."));
    }

    private static void eval(EvalEngine engine, Client c, boolean evalsha, boolean ro) {
        c.server.monitors.feedScriptCall(c); // before the commands the script runs, as Redis's evalCommand
        if (c.luaDebug) {
            // Redis's evalShaCommand and evalGenericCommandWithDebugging
            if (evalsha && c.argv[1].length != 40) throw new CommandError(NOSCRIPT);
            if (evalsha) throw new CommandError("ERR Please use EVAL instead of EVALSHA for debugging");
            checkCaller(c);
            engine.debugger.session(c, () -> evalUndebugged(engine, c, false, ro));
            return;
        }
        evalUndebugged(engine, c, evalsha, ro);
    }

    private static void evalUndebugged(EvalEngine engine, Client c, boolean evalsha, boolean ro) {
        long numKeys = Args.parseLong(c.argv[2]);
        if (numKeys > c.argc - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
        if (numKeys < 0) throw new CommandError("ERR Number of keys can't be negative");
        EvalEngine.Script script;
        if (evalsha) {
            if (c.argv[1].length != 40) throw new CommandError(NOSCRIPT);
            script = engine.script(Args.str(c.argv[1]).toLowerCase(Locale.ROOT));
            if (script == null) throw new CommandError(NOSCRIPT);
        } else {
            String[] error = new String[1];
            script = engine.create(c.argv[1], error);
            if (script == null) throw new CommandError("ERR " + error[0]);
        }
        int runFlags = prepare(engine.server, c, script.flags(), ro);
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        c.preventPropagation(); // the script's commands propagate as themselves
        engine.run(c, script, argv, 3, (int) numKeys, 3 + (int) numKeys, runFlags);
    }

    /** SCRIPT DEBUG YES|SYNC|NO. */
    private static void scriptDebug(Client c) {
        if (c.conn != null && c.conn.pendingOutputBytes() > 0) {
            throw new CommandError("ERR SCRIPT DEBUG must be called outside a pipeline");
        }
        byte[] mode = c.argv[2];
        if (Args.is(mode, "no")) {
            c.luaDebug = false;
        } else if (Args.is(mode, "yes")) {
            throw new CommandError("ERR SCRIPT DEBUG YES (a forked debugging session) is not supported: this server"
                    + " can not fork. Use SCRIPT DEBUG SYNC instead (redis-cli --ldb-sync-mode)");
        } else if (Args.is(mode, "sync")) {
            if (c.conn == null || c.conn.rawSocket() == null) {
                throw new CommandError("ERR SCRIPT DEBUG SYNC needs a plain (not TLS) TCP or Unix socket connection"
                        + " of the native transport: this one can not be debugged");
            }
            c.luaDebug = true;
        } else {
            throw new CommandError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
        }
        c.reply.ok();
    }

    /** A debugging EVAL runs on the client's own connection, outside a transaction. */
    private static void checkCaller(Client c) {
        if (c.inExec) throw new CommandError("ERR A script can not be debugged inside MULTI/EXEC");
        if (c.isMaster || c.isAofClient() || c.conn == null || c.conn.rawSocket() == null) {
            throw new CommandError("ERR This client can not debug scripts");
        }
    }

    /**
     * Redis's evalGetCommandFlags: a script that declares its flags in a shebang gets the command
     * flags they imply; one that does not (or is unknown to EVALSHA) keeps EVAL's own.
     */
    private static int evalFlags(EvalEngine engine, int declared, byte[][] argv, boolean evalsha) {
        int scriptFlags;
        if (evalsha) {
            if (argv[1].length != 40) return declared;
            EvalEngine.Script s = engine.script(Args.str(argv[1]).toLowerCase(Locale.ROOT));
            if (s == null) return declared;
            scriptFlags = s.flags();
        } else {
            int[] flags = {0};
            if (Shebang.parse(argv[1], flags, new String[1]) < 0) return declared;
            scriptFlags = flags[0];
        }
        if ((scriptFlags & ScriptFlags.EVAL_COMPAT_MODE) != 0) return declared;
        return commandFlags(declared, scriptFlags);
    }

    /** Redis's scriptFlagsToCmdFlags: the command flags a script's declared flags imply. */
    static int commandFlags(int declared, int scriptFlags) {
        int flags = declared & ~(CommandSpec.STALE | CommandSpec.DENYOOM | CommandSpec.WRITE | CommandSpec.MAY_REPLICATE);
        // no-writes implies allow-oom
        if ((scriptFlags & (ScriptFlags.ALLOW_OOM | ScriptFlags.NO_WRITES)) == 0) flags |= CommandSpec.DENYOOM;
        if ((scriptFlags & ScriptFlags.NO_WRITES) == 0) flags |= CommandSpec.WRITE;
        if ((scriptFlags & ScriptFlags.ALLOW_STALE) != 0) flags |= CommandSpec.STALE;
        return flags;
    }

    /** Redis's scriptPrepareForRun: the refusals a script's declared flags lead to, then its run flags. */
    static int prepare(ServerContext server, Client caller, int scriptFlags, boolean ro) {
        boolean compat = (scriptFlags & ScriptFlags.EVAL_COMPAT_MODE) != 0;
        boolean stale = server.replication.isReplica && !server.replication.masterLinkUp
                && !server.repl.replicaServeStaleData;
        boolean obey = caller.isMaster || caller.isAofClient();
        if (!compat) {
            if (stale && (scriptFlags & ScriptFlags.ALLOW_STALE) == 0) {
                throw new CommandError("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no'"
                        + " and 'allow-stale' flag is not set on the script.");
            }
            if ((scriptFlags & ScriptFlags.NO_WRITES) == 0) {
                if (server.replication.isReplica && server.repl.replicaReadOnly && !obey) {
                    throw new CommandError("READONLY Can not run script with write flag on readonly replica");
                }
                if ((!server.rdb.lastBgsaveOk() || server.aof.writeError()) && !obey && server.diskErrorDenial() != null) {
                    throw new CommandError(server.aof.writeError() && server.rdb.lastBgsaveOk()
                            ? "MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist"
                                + " to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
                                + " AOF error: " + server.aof.lastWriteError()
                            : "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist"
                                + " to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
                }
                if (ro) throw new CommandError("ERR Can not execute a script with write flag using *_ro command.");
                if (!server.replication.isReplica && server.replication.tooFewGoodReplicas()) {
                    throw new CommandError("NOREPLICAS Not enough good replicas to write.");
                }
            }
            // no-writes implies allow-oom
            if (server.preCommandOom && server.maxMemory.maxmemory != 0
                    && (scriptFlags & (ScriptFlags.ALLOW_OOM | ScriptFlags.NO_WRITES)) == 0) {
                throw new CommandError(io.lodestone.command.Errors.OOM);
            }
        } else if (stale) {
            throw new CommandError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
        }
        int run = ro || (!compat && (scriptFlags & ScriptFlags.NO_WRITES) != 0) ? ScriptRun.READ_ONLY : 0;
        return (scriptFlags & ScriptFlags.ALLOW_OOM) != 0 ? run | ScriptRun.ALLOW_OOM : run;
    }
}
