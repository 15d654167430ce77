package io.lodestone.command.string;

import io.lodestone.command.CommandSpec;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.store.KeyEntry;

import java.util.ArrayDeque;

/**
 * Test scaffolding for commands of other families the string tests need: LPUSH (a key of another
 * type, for WRONGTYPE) and TTL (to see expiries). Each is registered only while Lodestone has no
 * real implementation, so once that family lands the tests use the real command. Register from
 * {@code EmbeddedServer.start(configure)}, before the event loop runs.
 */
final class StandIns {
    private StandIns() {
    }

    static void register(ServerContext ctx) {
        if (!implemented(ctx, "lpush")) {
            ctx.commands.handle("lpush", c -> {
                KeyEntry e = c.db().lookupWrite(c.argv[1]);
                if (e != null && !(e.value() instanceof StandInList)) throw Errors.wrongType();
                StandInList list = e == null ? new StandInList() : (StandInList) e.value();
                if (e == null) c.db().add(c.argv[1], list);
                for (int i = 2; i < c.argc; i++) list.addFirst(c.argv[i]);
                c.server.keyspace.dirty++;
                c.reply.integer(list.size());
            });
        }
        if (!implemented(ctx, "ttl")) {
            ctx.commands.handle("ttl", c -> {
                KeyEntry e = c.db().lookupRead(c.argv[1]);
                if (e == null) c.reply.integer(-2);
                else if (e.expireAt() == KeyEntry.NO_EXPIRE) c.reply.integer(-1);
                else c.reply.integer((Math.max(0, e.expireAt() - c.server.keyspace.now) + 500) / 1000);
            });
        }
    }

    private static boolean implemented(ServerContext ctx, String name) {
        CommandSpec spec = ctx.commands.spec(name);
        return spec != null && spec.implemented();
    }

    /** A value that is not a string. */
    static final class StandInList extends ArrayDeque<byte[]> {
    }
}
