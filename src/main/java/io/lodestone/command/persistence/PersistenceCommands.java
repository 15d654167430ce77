package io.lodestone.command.persistence;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.persistence.RdbPersistence;

/**
 * SAVE, BGSAVE [SCHEDULE], LASTSAVE and DEBUG RELOAD: they parse, call {@link RdbPersistence} (the
 * owner of RDB persistence) and reply as Redis does.
 */
public final class PersistenceCommands {
    private PersistenceCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("save", PersistenceCommands::save);
        t.handle("bgsave", PersistenceCommands::bgsave);
        t.handle("lastsave", c -> c.reply.integer(c.server.rdb.lastSaveTime()));
        AofCommands.register(t);
    }

    static void save(Client c) {
        RdbPersistence rdb = c.server.rdb;
        if (rdb.bgsaveInProgress()) throw new CommandError("ERR Background save already in progress");
        if (!rdb.save()) throw new CommandError("ERR");
        c.reply.ok();
    }

    /** BGSAVE [SCHEDULE], with the replies of Redis 7.0's bgsaveCommand. */
    static void bgsave(Client c) {
        boolean schedule = false;
        if (c.argc > 1) {
            if (c.argc == 2 && Args.is(c.argv[1], "schedule")) schedule = true;
            else throw new CommandError("ERR syntax error");
        }
        switch (c.server.rdb.bgsave(schedule, c.inExec)) {
            case STARTED -> c.reply.simple("Background saving started");
            case SCHEDULED -> c.reply.simple("Background saving scheduled");
            case ALREADY_IN_PROGRESS -> throw new CommandError("ERR Background save already in progress");
            case OTHER_CHILD_ACTIVE -> throw new CommandError("ERR Another child process is active (AOF?): can't "
                    + "BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
            case FAILED -> throw new CommandError("ERR");
        }
    }

    /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. */
    public static void debugReload(Client c) {
        boolean flush = true, save = true, merge = false;
        for (int j = 2; j < c.argc; j++) {
            if (Args.is(c.argv[j], "merge")) merge = true;
            else if (Args.is(c.argv[j], "noflush")) flush = false;
            else if (Args.is(c.argv[j], "nosave")) save = false;
            else throw new CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        }
        String error = c.server.rdb.debugReload(flush, save, merge);
        if (error != null) throw new CommandError(error);
        c.reply.ok();
    }
}
