package io.lodestone.command.persistence;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;

/** BGREWRITEAOF (Redis's bgrewriteaofCommand): starts, schedules or refuses a background AOF rewrite. */
public final class AofCommands {
    private AofCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("bgrewriteaof", AofCommands::bgrewriteaof);
    }

    static void bgrewriteaof(Client c) {
        String r = c.server.aof.bgrewriteCommand(c.inExec);
        if (r.startsWith("ERR ")) throw new CommandError(r);
        c.reply.simple(r);
    }
}
