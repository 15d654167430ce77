package io.lodestone.server;

import io.lodestone.command.ServerContext;
import io.lodestone.command.connection.ConnectionCommands;
import io.lodestone.command.server.ServerCommands;

/** The one list of command families: each attaches its handlers to the command table. */
final class Commands {
    private Commands() {
    }

    static void registerAll(ServerContext server) {
        ConnectionCommands.register(server.commands);
        ServerCommands.register(server.commands);
        io.lodestone.command.keys.KeyCommands.register(server.commands);
    }
}
