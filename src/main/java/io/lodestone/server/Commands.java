package io.lodestone.server;

import io.lodestone.command.ServerContext;
import io.lodestone.command.connection.ConnectionCommands;
import io.lodestone.command.dump.DumpCommands;
import io.lodestone.command.hash.HashCommands;
import io.lodestone.command.hll.HyperLogLogCommands;
import io.lodestone.command.geo.GeoCommands;
import io.lodestone.command.keys.KeyCommands;
import io.lodestone.command.list.ListCommands;
import io.lodestone.command.pubsub.PubSubCommands;
import io.lodestone.command.server.ServerCommands;
import io.lodestone.command.set.SetCommands;
import io.lodestone.command.sort.SortCommand;
import io.lodestone.command.string.StringCommands;
import io.lodestone.command.transaction.TransactionCommands;
import io.lodestone.command.zset.ZSetCommands;

/** The one list of command families: each attaches its handlers to the command table. */
final class Commands {
    private Commands() {
    }

    static void registerAll(ServerContext server) {
        ConnectionCommands.register(server.commands);
        ServerCommands.register(server.commands);
        StringCommands.register(server.commands);
        KeyCommands.register(server.commands);
        TransactionCommands.register(server.commands);
        HashCommands.register(server.commands);
        HyperLogLogCommands.register(server.commands);
        ZSetCommands.register(server.commands);
        ListCommands.register(server.commands);
        io.lodestone.command.stream.StreamCommands.register(server.commands);
        PubSubCommands.register(server);
        GeoCommands.register(server.commands);
        SetCommands.register(server.commands);
        SortCommand.register(server.commands);
        DumpCommands.register(server.commands);
        io.lodestone.command.persistence.PersistenceCommands.register(server.commands);
        io.lodestone.command.replication.ReplicationCommands.register(server.commands);
        io.lodestone.security.AclCommand.register(server.commands, (io.lodestone.security.Acl) server.access);
        new io.lodestone.scripting.Scripting(server).register(server.commands);
    }
}
