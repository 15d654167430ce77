package io.lodestone.command.server;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;

/** MONITOR (Redis's monitorCommand): the client is shown every command from now on, by command.Monitors. */
final class MonitorCommand {
    private MonitorCommand() {
    }

    static void register(CommandTable t) {
        t.handle("monitor", MonitorCommand::monitor);
    }

    private static void monitor(Client c) {
        // Redis's CLIENT_DENY_BLOCKING: a transaction's or a script's client expects one reply per command.
        if (c.inExec || c.denyBlocking) throw new CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client");
        // A replica, or a client already monitoring (both CLIENT_SLAVE in Redis): ignored, without a reply.
        if (c.replicaPeer != null || c.monitor) return;
        c.server.monitors.add(c);
        c.reply.ok();
    }
}
