package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.SlowLog;
import io.lodestone.command.Subcommands;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/** SLOWLOG GET/LEN/RESET/HELP over the server's {@link SlowLog}. */
final class SlowLogCommand {
    private static final CommandHandler HELP = Subcommands.help("SLOWLOG",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.");

    private SlowLogCommand() {
    }

    static void register(CommandTable t) {
        t.handle("slowlog|help", HELP);
        t.handle("slowlog|len", c -> c.reply.integer(c.server.slowlog.size()));
        t.handle("slowlog|reset", c -> {
            c.server.slowlog.reset();
            c.reply.ok();
        });
        t.handle("slowlog|get", SlowLogCommand::get);
    }

    /** SLOWLOG GET [count]: 10 by default, -1 for all. */
    private static void get(Client c) {
        SlowLog log = c.server.slowlog;
        long count = 10;
        if (c.argc == 3) {
            count = Args.parseLong(c.argv[2]);
            if (count < -1) throw new CommandError("ERR count should be greater than or equal to -1");
        }
        if (count == -1) count = log.size();
        int n = (int) Math.min(count, log.size());
        c.reply.array(n);
        Iterator<SlowLog.Entry> it = log.entries().iterator();
        for (int i = 0; i < n; i++) {
            SlowLog.Entry e = it.next();
            c.reply.array(6);
            c.reply.integer(e.id());
            c.reply.integer(e.timeSeconds());
            c.reply.integer(e.durationUs());
            c.reply.array(e.argv().length);
            for (byte[] a : e.argv()) c.reply.bulk(a);
            c.reply.bulk(e.peer().getBytes(StandardCharsets.ISO_8859_1));
            c.reply.bulk(e.name().getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
