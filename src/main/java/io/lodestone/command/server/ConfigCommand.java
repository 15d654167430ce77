package io.lodestone.command.server;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.command.Subcommands;
import io.lodestone.util.Log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CONFIG GET, SET, RESETSTAT, REWRITE, HELP. Config strings hold one byte per char, so arguments
 * and replies convert with ISO-8859-1 to keep arbitrary bytes intact.
 */
final class ConfigCommand {
    private ConfigCommand() {
    }

    static void register(CommandTable t) {
        t.handle("config|get", ConfigCommand::get);
        t.handle("config|set", ConfigCommand::set);
        t.handle("config|resetstat", ConfigCommand::resetStat);
        t.handle("config|rewrite", ConfigCommand::rewrite);
        t.handle("config|help", Subcommands.help("CONFIG",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file."));
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static void get(Client c) {
        List<String> patterns = new ArrayList<>();
        for (int i = 2; i < c.argc; i++) patterns.add(str(c.argv[i]));
        List<String[]> pairs = c.server.config.get(patterns);
        c.reply.map(pairs.size());
        for (String[] p : pairs) {
            c.reply.bulk(bytes(p[0]));
            c.reply.bulk(bytes(p[1]));
        }
    }

    static void set(Client c) {
        if ((c.argc - 2) % 2 != 0) throw Errors.syntax();
        List<String[]> pairs = new ArrayList<>();
        for (int i = 2; i < c.argc; i += 2) {
            pairs.add(new String[]{str(c.argv[i]), str(c.argv[i + 1])});
            // Secrets never reach the slow log, whatever the outcome of the SET.
            io.lodestone.config.ConfigParam p = io.lodestone.config.ConfigRegistry.lookup(str(c.argv[i]).toLowerCase(java.util.Locale.ROOT));
            if (p != null && p.has(io.lodestone.config.ConfigParam.Flag.SENSITIVE)) c.redactArgument(i + 1);
        }
        String error = c.server.config.set(pairs, c.conn != null && c.conn.isLocal(), c.server.loading.active()
                || c.server.loading.asyncLoading());
        if (error != null) throw new CommandError(error);
        c.reply.ok();
    }

    static void resetStat(Client c) {
        ServerContext s = c.server;
        s.stats.reset();
        s.keyspace.resetStats();
        s.replication.resetStats();
        if (s.snapshotter != null) s.snapshotter.resetStats();
        s.maxMemory.resetStats();
        for (CommandSpec top : s.commands.allSpecs()) {
            top.calls = top.usec = top.rejectedCalls = top.failedCalls = 0;
            top.latency = null;
            for (CommandSpec sub : top.subcommands().values()) {
                sub.calls = sub.usec = sub.rejectedCalls = sub.failedCalls = 0;
                sub.latency = null;
            }
        }
        c.reply.ok();
    }

    static void rewrite(Client c) {
        String error = c.server.config.rewrite();
        if (error != null) {
            // As Redis: a server started without a file is the caller's mistake, not logged.
            if (!error.contains("without a config file")) Log.warning("CONFIG-REWRITE failed: " + error);
            throw new CommandError(error);
        }
        Log.notice("CONFIG REWRITE executed with success.");
        c.reply.ok();
    }
}
