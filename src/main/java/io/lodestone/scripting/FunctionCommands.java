package io.lodestone.scripting;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Subcommands;
import io.lodestone.persistence.rdb.DumpPayload;
import io.lodestone.persistence.rdb.FunctionsPayload;
import io.lodestone.persistence.rdb.RdbFormatException;
import io.lodestone.protocol.Reply;
import io.lodestone.util.Glob;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * FCALL, FCALL_RO and FUNCTION (Redis's functions.c). The commands that change the libraries count a
 * change, so they propagate to replicas and the AOF as themselves; FCALL propagates the effects of
 * the function it runs, as EVAL does.
 */
final class FunctionCommands {
    private FunctionCommands() {
    }

    static void register(CommandTable t, FunctionLibraries libs) {
        FunctionEngine engine = libs.engine;
        CommandSpec.FlagResolver flags = (declared, argv, argc) -> {
            // Redis's fcallGetCommandFlags: the flags the function declared
            FunctionLibraries.Entry e = libs.function(Args.str(argv[1]));
            return e == null ? declared : EvalCommands.commandFlags(declared, e.function().flags());
        };
        t.flags("fcall", flags);
        t.flags("fcall_ro", flags);
        t.handle("fcall", c -> fcall(libs, c, false));
        t.handle("fcall_ro", c -> fcall(libs, c, true));
        t.handle("function|load", c -> load(libs, c));
        t.handle("function|delete", c -> {
            if (!libs.delete(Args.str(c.argv[2]))) throw new CommandError("ERR Library not found");
            c.dirty(1);
            c.reply.ok();
        });
        t.handle("function|flush", c -> {
            if (c.argc > 3) throw Subcommands.syntaxError(c);
            if (c.argc == 3 && !Args.is(c.argv[2], "sync") && !Args.is(c.argv[2], "async")) {
                throw new CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            }
            libs.clear();
            c.dirty(1);
            c.reply.ok();
        });
        t.handle("function|kill", c -> {
            // While a function runs, FUNCTION KILL is answered by the busy responder; here none is running.
            String reply = engine.kill(false);
            throw new CommandError(reply.substring(1));
        });
        t.handle("function|stats", c -> stats(libs, c.reply));
        t.handle("function|list", c -> list(libs, c));
        t.handle("function|dump", c -> c.reply.bulk(FunctionsPayload.dump(libs.codes(), c.server.rdb.compression)));
        t.handle("function|restore", c -> restore(libs, c));
        t.handle("function|help", Subcommands.help("FUNCTION",
                "LOAD [REPLACE] <FUNCTION CODE>",
                "    Create a new library with the given library name and code.",
                "DELETE <LIBRARY NAME>",
                "    Delete the given library.",
                "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
                "    Return general information on all the libraries:",
                "    * Library name",
                "    * The engine used to run the Library",
                "    * Functions list",
                "    * Library code (if WITHCODE is given)",
                "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
                "STATS",
                "    Return information about the current function running:",
                "    * Function name",
                "    * Command used to run the function",
                "    * Duration in MS that the function is running",
                "    If no function is running, return nil",
                "    In addition, returns a list of available engines.",
                "KILL",
                "    Kill the current running function.",
                "FLUSH [ASYNC|SYNC]",
                "    Delete all the libraries.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the libraries.",
                "    * SYNC: Synchronously flush the libraries.",
                "DUMP",
                "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
                "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
                "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
                "    control how to handle existing libraries (default APPEND):",
                "    * FLUSH: delete all existing libraries.",
                "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
                "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
                "      libraries with the new libraries (notice that even on this option there is a chance of failure",
                "      in case of functions name collision with another library)."));
    }

    /** Redis's fcallCommandGeneric. */
    private static void fcall(FunctionLibraries libs, Client c, boolean ro) {
        c.server.monitors.feedScriptCall(c); // before the commands the function runs
        FunctionLibraries.Entry e = libs.function(Args.str(c.argv[1]));
        if (e == null) throw new CommandError("ERR Function not found");
        long numKeys;
        try {
            numKeys = Args.parseLong(c.argv[2]);
        } catch (CommandError notANumber) {
            throw new CommandError("ERR Bad number of keys provided");
        }
        if (numKeys > c.argc - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
        if (numKeys < 0) throw new CommandError("ERR Number of keys can't be negative");
        FunctionEngine.Function f = e.function();
        int runFlags = EvalCommands.prepare(c.server, c, f.flags(), ro);
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        c.preventPropagation(); // the function's commands propagate as themselves
        libs.engine.run(c, f, argv, 3, (int) numKeys, 3 + (int) numKeys, runFlags);
    }

    /** FUNCTION LOAD [REPLACE] code. */
    private static void load(FunctionLibraries libs, Client c) {
        boolean replace = false;
        int pos = 2;
        while (pos < c.argc - 1) {
            byte[] arg = c.argv[pos++];
            if (!Args.is(arg, "replace")) throw new CommandError("ERR Unknown option given: " + Args.cString(arg));
            replace = true;
        }
        // What a master or the AOF sends was loaded once already: no timeout stops it.
        long timeout = c.isMaster || c.isAofClient() ? 0 : FunctionEngine.LOAD_TIMEOUT_MS;
        String name;
        try {
            name = libs.load(c.argv[pos], replace, timeout);
        } catch (FunctionLibraries.LoadError e) {
            throw new CommandError("ERR " + e.getMessage());
        }
        c.dirty(1);
        c.reply.bulk(name.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]. */
    private static void restore(FunctionLibraries libs, Client c) {
        if (c.argc > 4) throw Subcommands.syntaxError(c);
        FunctionLibraries.RestorePolicy policy = FunctionLibraries.RestorePolicy.APPEND;
        if (c.argc == 4) {
            if (Args.is(c.argv[3], "append")) policy = FunctionLibraries.RestorePolicy.APPEND;
            else if (Args.is(c.argv[3], "replace")) policy = FunctionLibraries.RestorePolicy.REPLACE;
            else if (Args.is(c.argv[3], "flush")) policy = FunctionLibraries.RestorePolicy.FLUSH;
            else throw new CommandError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        }
        byte[] payload = c.argv[2];
        if (!DumpPayload.verify(payload, c.server.rdb.skipChecksumValidation)) {
            throw new CommandError("ERR DUMP payload version or checksum are wrong");
        }
        try {
            libs.restore(FunctionsPayload.restore(payload), policy);
        } catch (RdbFormatException e) {
            throw new CommandError("ERR " + e.reason());
        } catch (FunctionLibraries.LoadError e) {
            throw new CommandError("ERR " + e.getMessage());
        }
        c.dirty(1);
        c.reply.ok();
    }

    /** FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]. */
    private static void list(FunctionLibraries libs, Client c) {
        boolean withCode = false;
        byte[] pattern = null;
        for (int i = 2; i < c.argc; i++) {
            byte[] arg = c.argv[i];
            if (!withCode && Args.is(arg, "withcode")) {
                withCode = true;
                continue;
            }
            if (pattern == null && Args.is(arg, "libraryname")) {
                if (i >= c.argc - 1) throw new CommandError("ERR library name argument was not given");
                pattern = c.argv[++i];
                continue;
            }
            throw new CommandError("ERR Unknown argument " + Args.cString(arg));
        }
        List<FunctionLibraries.Library> shown = new ArrayList<>();
        for (FunctionLibraries.Library l : libs.libraries()) {
            if (pattern == null || Glob.match(pattern, l.name().getBytes(StandardCharsets.ISO_8859_1), true)) shown.add(l);
        }
        Reply r = c.reply;
        r.array(shown.size());
        for (FunctionLibraries.Library l : shown) {
            r.map(withCode ? 4 : 3);
            r.bulk("library_name");
            r.bulk(l.name().getBytes(StandardCharsets.ISO_8859_1));
            r.bulk("engine");
            r.bulk(FunctionLibraries.Library.ENGINE);
            r.bulk("functions");
            r.array(l.functions().size());
            for (FunctionEngine.Function f : l.functions().values()) {
                r.map(3);
                r.bulk("name");
                r.bulk(f.name().getBytes(StandardCharsets.ISO_8859_1));
                r.bulk("description");
                if (f.description() == null) r.nullBulk();
                else r.bulk(f.description());
                r.bulk("flags");
                List<String> flags = ScriptFlags.names(f.flags());
                r.set(flags.size());
                for (String flag : flags) r.simple(flag);
            }
            if (withCode) {
                r.bulk("library_code");
                r.bulk(l.code());
            }
        }
    }

    /**
     * FUNCTION STATS when no script runs (while one does, the busy responder answers it from
     * {@link FunctionEngine#stats}).
     */
    static void stats(FunctionLibraries libs, Reply r) {
        r.map(2);
        r.bulk("running_script");
        ScriptRun run = libs.engine.current;
        if (run == null) {
            r.nullBulk();
        } else {
            r.map(3);
            r.bulk("name");
            r.bulk(run.funcName);
            r.bulk("command");
            byte[][] argv = run.callerArgv;
            r.array(argv.length);
            for (byte[] a : argv) r.bulk(a);
            r.bulk("duration_ms");
            r.integer(run.elapsedMs());
        }
        r.bulk("engines");
        r.map(1);
        r.bulk(FunctionLibraries.Library.ENGINE);
        r.map(2);
        r.bulk("libraries_count");
        r.integer(libs.libraryCount());
        r.bulk("functions_count");
        r.integer(libs.functionCount());
    }
}
