package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.config.ConfigRegistry;
import io.lodestone.protocol.RespValue;
import io.lodestone.util.Glob;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** COMMAND and its subcommands, TIME, DEBUG, SHUTDOWN. INFO is {@link InfoCommand}. */
public final class ServerCommands {
    private ServerCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("command", ServerCommands::commandAll);
        t.handle("command|count", c -> c.reply.integer(c.server.commands.implemented().size()));
        t.handle("command|info", ServerCommands::commandInfo);
        t.handle("command|list", ServerCommands::commandList);
        t.handle("command|getkeys", c -> getKeys(c, false));
        t.handle("command|getkeysandflags", c -> getKeys(c, true));
        t.handle("command|docs", ServerCommands::commandDocs);
        t.handle("command|help", COMMAND_HELP);
        t.handle("time", ServerCommands::time);
        t.handle("shutdown", ServerCommands::shutdown);
        t.handle("info", InfoCommand::info);
        ConfigCommand.register(t);
        DebugCommand.register(t);
        MemoryCommand.register(t);
        SlowLogCommand.register(t);
        LatencyCommand.register(t);
        MonitorCommand.register(t);
    }

    static void commandAll(Client c) {
        List<CommandSpec> specs = c.server.commands.implemented();
        c.reply.array(specs.size());
        for (CommandSpec s : specs) c.reply.value(s.info());
    }

    static void commandInfo(Client c) {
        if (c.argc == 2) {
            commandAll(c);
            return;
        }
        c.reply.array(c.argc - 2);
        for (int i = 2; i < c.argc; i++) {
            CommandSpec s = find(c, Args.str(c.argv[i]));
            if (s == null) c.reply.nullBulk();
            else c.reply.value(s.info());
        }
    }

    /** A command by name, "config|get" for subcommands, only if we implement it. */
    private static CommandSpec find(Client c, String name) {
        CommandSpec s = c.server.commands.spec(name.toLowerCase(java.util.Locale.ROOT));
        return s != null && s.implemented() ? s : null;
    }

    static void commandList(Client c) {
        String pattern = null, category = null;
        if (c.argc == 5 && Args.is(c.argv[2], "filterby")) {
            if (Args.is(c.argv[3], "pattern")) pattern = Args.str(c.argv[4]);
            else if (Args.is(c.argv[3], "aclcat")) category = Args.str(c.argv[4]).toLowerCase();
            else if (Args.is(c.argv[3], "module")) pattern = null;
            else throw Errors.syntax();
            if (Args.is(c.argv[3], "module")) {
                c.reply.emptyArray();
                return;
            }
        } else if (c.argc != 2) {
            throw Errors.syntax();
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec s : c.server.commands.implemented()) {
            collect(s, pattern, category, names);
            for (CommandSpec sub : s.subcommands().values()) if (sub.implemented()) collect(sub, pattern, category, names);
        }
        c.reply.array(names.size());
        for (String n : names) c.reply.bulk(n);
    }

    private static void collect(CommandSpec s, String pattern, String category, List<String> out) {
        if (pattern != null && !Glob.match(Args.bytes(pattern), Args.bytes(s.fullName()), true)) return;
        if (category != null && !s.aclCategories().contains("@" + category)) return;
        out.add(s.fullName());
    }

    /**
     * COMMAND GETKEYS / GETKEYSANDFLAGS, with Redis's checks in Redis's order: the command (a
     * container with arguments names a subcommand), whether it has keys at all, its arity.
     */
    static void getKeys(Client c, boolean withFlags) {
        byte[][] argv = new byte[c.argc - 2][];
        System.arraycopy(c.argv, 2, argv, 0, argv.length);
        CommandSpec s = c.server.commands.lookup(argv[0]);
        if (s != null && !s.subcommands().isEmpty() && argv.length >= 2) s = CommandTable.lookupSub(s, argv[1]);
        if (s == null || !s.implemented()) throw new CommandError("ERR Invalid command specified");
        if (!s.hasKeys()) throw new CommandError("ERR The command has no key arguments");
        if (s.arity() > 0 ? argv.length != s.arity() : argv.length < -s.arity()) {
            throw new CommandError("ERR Invalid number of arguments specified for command");
        }
        List<CommandSpec.KeyRef> keys = s.keys(argv, argv.length);
        if (keys.isEmpty()) {
            if (s.is(CommandSpec.NO_MANDATORY_KEYS)) {
                c.reply.emptyArray();
                return;
            }
            throw new CommandError("ERR Invalid arguments specified for command");
        }
        c.reply.array(keys.size());
        for (CommandSpec.KeyRef key : keys) {
            if (withFlags) {
                c.reply.array(2);
                c.reply.bulk(argv[key.pos()]);
                c.reply.set(key.flags().size());
                for (String flag : key.flags()) c.reply.simple(flag);
            } else {
                c.reply.bulk(argv[key.pos()]);
            }
        }
    }

    /**
     * COMMAND DOCS [name ...]: every top-level command, or the named commands and subcommands
     * ("config|get") we implement, each under its full name; unknown names are left out.
     */
    static void commandDocs(Client c) {
        List<CommandSpec> specs = new ArrayList<>();
        if (c.argc == 2) {
            specs.addAll(c.server.commands.implemented());
        } else {
            for (int i = 2; i < c.argc; i++) {
                CommandSpec s = find(c, Args.str(c.argv[i]));
                if (s != null && docs(c, s) != null) specs.add(s);
            }
        }
        c.reply.map(specs.size());
        for (CommandSpec s : specs) {
            c.reply.bulk(s.fullName());
            c.reply.value(docs(c, s));
        }
    }

    /** The docs of a command, or of a subcommand from under its container's "subcommands". */
    private static RespValue docs(Client c, CommandSpec s) {
        Map<String, RespValue> docs = c.server.commands.docs();
        if (s.parent() == null) return docs.get(s.fullName());
        if (docs.get(s.parent().fullName()) instanceof RespValue.Aggregate parent
                && parent.field("subcommands") instanceof RespValue.Aggregate subs) {
            return subs.field(s.fullName());
        }
        return null;
    }

    private static final CommandHandler COMMAND_HELP = Subcommands.help("COMMAND",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.");

    static void time(Client c) {
        java.time.Instant now = java.time.Instant.now();
        c.reply.array(2);
        c.reply.bulk(now.getEpochSecond());
        c.reply.bulk(now.getNano() / 1000);
    }

    /** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (Redis's shutdownCommand). */
    static void shutdown(Client c) {
        int flags = 0;
        boolean abort = false;
        for (int i = 1; i < c.argc; i++) {
            if (Args.is(c.argv[i], "save")) flags |= ConfigRegistry.SHUTDOWN_SAVE;
            else if (Args.is(c.argv[i], "nosave")) flags |= ConfigRegistry.SHUTDOWN_NOSAVE;
            else if (Args.is(c.argv[i], "now")) flags |= ConfigRegistry.SHUTDOWN_NOW;
            else if (Args.is(c.argv[i], "force")) flags |= ConfigRegistry.SHUTDOWN_FORCE;
            else if (Args.is(c.argv[i], "abort")) abort = true;
            else throw Errors.syntax();
        }
        boolean both = (flags & ConfigRegistry.SHUTDOWN_SAVE) != 0 && (flags & ConfigRegistry.SHUTDOWN_NOSAVE) != 0;
        if ((abort && flags != 0) || both) throw Errors.syntax();
        if (abort) {
            if (!c.server.host.abortShutdown()) throw new CommandError("ERR No shutdown in progress.");
            c.reply.ok();
            return;
        }
        if ((flags & ConfigRegistry.SHUTDOWN_NOW) == 0 && !c.canBlock()) {
            throw new CommandError("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
        }
        // Replied only on failure: on success the connection closes as the server exits.
        c.server.host.shutdown(c, flags);
    }
}
