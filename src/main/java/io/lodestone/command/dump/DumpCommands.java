package io.lodestone.command.dump;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.persistence.RdbPersistence;
import io.lodestone.persistence.rdb.DumpPayload;
import io.lodestone.persistence.rdb.RdbFormatException;
import io.lodestone.persistence.rdb.RdbValueReader;
import io.lodestone.persistence.rdb.RdbValueWriter;
import io.lodestone.persistence.rdb.SanitizeDumpPayload;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;

import java.nio.charset.StandardCharsets;

/**
 * DUMP and RESTORE (Redis 7.0's cluster.c): a value serialized in RDB form, followed by the RDB
 * version (2 bytes, little-endian) and the CRC64 of everything before it (8 bytes, little-endian).
 */
public final class DumpCommands {
    private static final byte[] ABSTTL = "ABSTTL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNLINK = "UNLINK".getBytes(StandardCharsets.US_ASCII);

    private DumpCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("dump", DumpCommands::dump);
        t.handle("restore", DumpCommands::restore);
        MigrateCommand.register(t);
    }

    /** The writer for the current settings (rdbcompression). */
    public static RdbValueWriter writer(ServerContext server) {
        return new RdbValueWriter(server.config.getBool("rdbcompression"));
    }

    /** The encoding thresholds a loaded value follows. */
    public static RdbValueReader.Limits limits(ServerContext s) {
        io.lodestone.command.EncodingLimits e = s.encodings;
        return new RdbValueReader.Limits(e.hashMaxListpackEntries, e.hashMaxListpackValue, e.setMaxIntsetEntries,
                e.zsetMaxListpackEntries, e.zsetMaxListpackValue, e.listMaxListpackSize);
    }

    static void dump(Client c) {
        KeyEntry e = c.db().lookupRead(c.argv[1]);
        if (e == null) {
            c.reply.nullBulk();
            return;
        }
        c.reply.bulk(writer(c.server).dump(e.value()));
    }

    static void restore(Client c) {
        boolean replace = false, absttl = false;
        long lruIdle = -1, lfuFreq = -1;
        for (int j = 4; j < c.argc; j++) {
            int additional = c.argc - j - 1;
            if (Args.cKeyword(c.argv[j], "replace")) {
                replace = true;
            } else if (Args.cKeyword(c.argv[j], "absttl")) {
                absttl = true;
            } else if (Args.cKeyword(c.argv[j], "idletime") && additional >= 1 && lfuFreq == -1) {
                lruIdle = Args.parseLong(c.argv[j + 1]);
                if (lruIdle < 0) throw new CommandError("ERR Invalid IDLETIME value, must be >= 0");
                j++;
            } else if (Args.cKeyword(c.argv[j], "freq") && additional >= 1 && lruIdle == -1) {
                lfuFreq = Args.parseLong(c.argv[j + 1]);
                if (lfuFreq < 0 || lfuFreq > 255) throw new CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255");
                j++;
            } else {
                throw Errors.syntax();
            }
        }
        byte[] key = c.argv[1];
        Database db = c.db();
        if (!replace && db.lookupWrite(key) != null) throw new CommandError("BUSYKEY Target key name already exists.");
        long ttl = Args.parseLong(c.argv[2]);
        if (ttl < 0) throw new CommandError("ERR Invalid TTL value, must be >= 0");
        Object value = load(c, c.argv[3]);
        boolean deleted = replace && db.delete(key);
        if (ttl != 0 && !absttl) ttl += c.server.keyspace.now;
        if (ttl != 0 && c.server.keyspace.alreadyExpired(ttl)) {
            // Already expired: the key is not created; a replaced key is gone, which is the effect.
            if (deleted) {
                c.rewritePropagation(c.server.config.getBool("lazyfree-lazy-server-del") ? UNLINK : DEL, key);
                c.changed(KeyspaceEvents.GENERIC, "del", key);
            }
            c.reply.ok();
            return;
        }
        KeyEntry e = db.add(key, value);
        if (ttl != 0) {
            db.setExpire(e, ttl);
            if (!absttl) {
                // Propagate the TTL as an absolute timestamp.
                byte[][] argv = new byte[c.argc + 1][];
                System.arraycopy(c.argv, 0, argv, 0, c.argc);
                argv[2] = Long.toString(ttl).getBytes(StandardCharsets.US_ASCII);
                argv[c.argc] = ABSTTL;
                c.rewritePropagation(argv);
            }
        }
        c.server.keyspace.setAccess(e, lfuFreq, lruIdle);
        c.changed(KeyspaceEvents.GENERIC, "restore", key);
        c.reply.ok();
    }

    /**
     * The value of a RESTORE payload, verified and decoded by its reader; refused with Redis's errors.
     * Deep sanitization follows sanitize-dump-payload, and {@code clients} trusts the master and the
     * AOF (Redis's rdbLoadObject).
     */
    static Object load(Client c, byte[] payload) {
        RdbPersistence rdb = c.server.rdb;
        if (!DumpPayload.verify(payload, rdb.skipChecksumValidation)) {
            throw new CommandError("ERR DUMP payload version or checksum are wrong");
        }
        SanitizeDumpPayload mode = rdb.sanitizeDumpPayload;
        try {
            return DumpPayload.decode(payload, limits(c.server), mode.deep(c.isMaster || c.isAofClient()),
                    n -> c.server.stats.dumpPayloadSanitizations += n);
        } catch (RdbFormatException ex) {
            DumpPayload.logRefused(ex, mode);
            throw new CommandError("ERR Bad data format");
        }
    }
}
