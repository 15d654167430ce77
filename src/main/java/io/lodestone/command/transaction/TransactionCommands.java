package io.lodestone.command.transaction;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.MultiState;

/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH. The dispatcher queues commands while a transaction is open
 * and flags it when it refuses one; EXEC runs the queue as one top-level call, so its effects
 * propagate together (wrapped in MULTI/EXEC when there are several).
 */
public final class TransactionCommands {
    private TransactionCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("multi", TransactionCommands::multi);
        t.handle("exec", TransactionCommands::exec);
        t.handle("discard", TransactionCommands::discard);
        t.handle("watch", TransactionCommands::watch);
        t.handle("unwatch", TransactionCommands::unwatch);
    }

    static void multi(Client c) {
        if (c.multi != null) throw new CommandError("ERR MULTI calls can not be nested");
        c.multi = new MultiState();
        c.reply.ok();
    }

    static void discard(Client c) {
        if (c.multi == null) throw new CommandError("ERR DISCARD without MULTI");
        c.server.dispatcher.discardTransaction(c);
        c.reply.ok();
    }

    static void watch(Client c) {
        if (c.multi != null) throw new CommandError("ERR WATCH inside MULTI is not allowed");
        // No point in watching more once a watched key changed: EXEC fails anyway.
        if (!c.dirtyCas) for (int i = 1; i < c.argc; i++) c.server.watches.watch(c, c.db(), c.argv[i]);
        c.reply.ok();
    }

    static void unwatch(Client c) {
        c.server.watches.unwatchAll(c);
        c.reply.ok();
    }

    static void exec(Client c) {
        MultiState m = c.multi;
        if (m == null) throw new CommandError("ERR EXEC without MULTI");
        if (c.server.watches.watchedKeyExpired(c, c.server.keyspace)) c.dirtyCas = true;
        if (m.aborted || c.dirtyCas) {
            boolean aborted = m.aborted;
            c.server.dispatcher.discardTransaction(c);
            if (aborted) throw new CommandError("EXECABORT Transaction discarded because of previous errors.");
            c.reply.nullArray();
            return;
        }
        c.server.watches.unwatchAll(c);
        c.multi = null;
        byte[][] execArgv = c.argv;
        int execArgc = c.argc;
        c.reply.array(m.commands.size());
        c.inExec = c.server.inExec = true;
        try {
            for (MultiState.Queued q : m.commands) {
                c.argv = q.argv();
                c.argc = q.argv().length;
                c.cmd = q.cmd();
                String denied = c.server.access.denyInExec(c, q.cmd(), c.argv, c.argc);
                if (denied != null) c.reply.error(denied);
                else c.server.dispatcher.call(c, q.cmd());
            }
        } finally {
            c.inExec = c.server.inExec = false;
            c.argv = execArgv;
            c.argc = execArgc;
            c.cmd = c.server.commands.spec("exec");
            c.preventPropagation();
        }
    }
}
