package io.lodestone.command.keys;

import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;

/**
 * {@code SET key value} for tests that need keys while the strings family may not be registered yet.
 * It steps aside when a real SET exists. Install it before any client connects.
 */
final class StubStrings {
    private StubStrings() {
    }

    static void install(ServerContext ctx) {
        if (ctx.commands.spec("set").implemented()) return;
        ctx.commands.handle("set", c -> {
            if (c.argc != 3) throw new CommandError(Errors.SYNTAX);
            c.db().set(c.argv[1], c.argv[2], false);
            c.server.keyspace.dirty++;
            c.reply.ok();
        });
    }
}
