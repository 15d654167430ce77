package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.store.KeyEntry;

/** DEBUG: the subset that tests and operators use (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, HELP). */
final class DebugCommand {
    private DebugCommand() {
    }

    static void register(CommandTable t) {
        t.handle("debug", DebugCommand::debug);
    }

    static void debug(Client c) {
        byte[] sub = c.argv[1];
        if (Args.is(sub, "help")) {
            io.lodestone.command.connection.ConnectionCommands.help(c, "DEBUG",
                    "OBJECT <key>",
                    "    Show low level info about the `key` and associated value.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not accessed (otherwise",
                    "    the Redis behavior). Setting it to 1 reenables back the default.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.");
        } else if (Args.is(sub, "sleep") && c.argc == 3) {
            double seconds = Args.parseDouble(c.argv[2]);
            long nanos = (long) (seconds * 1e9);
            // DEBUG SLEEP stops the whole server, as in Redis: that is what it is for.
            long deadline = System.nanoTime() + nanos;
            while (System.nanoTime() < deadline) {
                try {
                    Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000), 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            c.reply.ok();
        } else if (Args.is(sub, "set-active-expire") && c.argc == 3) {
            c.server.keyspace.activeExpire(Args.parseLong(c.argv[2]) != 0);
            c.reply.ok();
        } else if (Args.is(sub, "object") && c.argc == 3) {
            KeyEntry e = c.db().lookupNoTouch(c.argv[2]);
            if (e == null) throw new CommandError(Errors.NO_SUCH_KEY);
            c.reply.simple("Value at:0x" + Integer.toHexString(System.identityHashCode(e.value()))
                    + " refcount:1 encoding:" + io.lodestone.store.Encodings.of(e) + " serializedlength:" + serializedLength(e)
                    + " lru:" + e.clock() + " lru_seconds_idle:" + c.server.keyspace.idleSeconds(e));
        } else {
            throw new CommandError("ERR unknown subcommand or wrong number of arguments for '" + Args.str(sub)
                    + "'. Try DEBUG HELP.");
        }
    }

    private static int serializedLength(KeyEntry e) {
        return e.value() instanceof byte[] b ? b.length : 0;
    }
}
