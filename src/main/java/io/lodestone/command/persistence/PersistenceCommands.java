package io.lodestone.command.persistence;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.persistence.rdb.RdbFileWriter;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * SAVE and LASTSAVE (Redis's rdb.c saveCommand / lastsaveCommand). SAVE writes the RDB file
 * synchronously on the command thread, as Redis's SAVE does. BGSAVE and the periodic {@code save}
 * points are not here yet: they need a non-blocking snapshot.
 */
public final class PersistenceCommands {
    private PersistenceCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("save", PersistenceCommands::save);
        t.handle("lastsave", c -> c.reply.integer(c.server.lastSaveTime));
        AofCommands.register(t);
    }

    static void save(Client c) {
        if (!save(c.server)) throw new CommandError("ERR");
        c.reply.ok();
    }

    /** The RDB file of the current settings: {@code dir}/{@code dbfilename}. */
    public static Path rdbPath(ServerContext s) {
        return s.config.resolvePath(s.config.getString("dbfilename"));
    }

    /** Redis's rdbSave: writes the file, updates the bookkeeping, logs as Redis; false on failure. */
    public static boolean save(ServerContext s) {
        Runtime rt = Runtime.getRuntime();
        RdbFileWriter w = new RdbFileWriter(s.config.getBool("rdbcompression"), s.config.getBool("rdbchecksum"),
                rt.totalMemory() - rt.freeMemory());
        try {
            w.save(s.keyspace, rdbPath(s));
        } catch (IOException | RuntimeException e) {
            Log.warning("Write error saving DB on disk: " + e.getMessage());
            return false;
        }
        Log.notice("DB saved on disk");
        s.dirtyAtLastSave = s.keyspace.dirty;
        s.lastSaveTime = System.currentTimeMillis() / 1000;
        s.rdbSaves++;
        s.lastSaveOk = true;
        return true;
    }
}
