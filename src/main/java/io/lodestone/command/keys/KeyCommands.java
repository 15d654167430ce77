package io.lodestone.command.keys;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.protocol.Reply;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;
import io.lodestone.util.Glob;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The generic key commands of Redis's db.c. Every change to data adds to the keyspace's dirty counter,
 * which is what makes the dispatcher propagate the call; these commands propagate as sent.
 */
public final class KeyCommands {
    static final String SAME_OBJECT = "ERR source and destination objects are the same";

    private KeyCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("del", KeyCommands::del);
        t.handle("unlink", KeyCommands::unlink);
        t.handle("exists", KeyCommands::exists);
        t.handle("type", KeyCommands::type);
        t.handle("touch", KeyCommands::touch);
        t.handle("rename", c -> rename(c, false));
        t.handle("renamenx", c -> rename(c, true));
        t.handle("copy", KeyCommands::copy);
        t.handle("move", KeyCommands::move);
        t.handle("swapdb", KeyCommands::swapdb);
        t.handle("keys", KeyCommands::keys);
        t.handle("randomkey", KeyCommands::randomkey);
        t.handle("dbsize", c -> c.reply.integer(c.db().size()));
        t.handle("flushdb", KeyCommands::flushdb);
        t.handle("flushall", KeyCommands::flushall);
        t.handle("scan", ScanCommand::scan);
        ExpireCommands.register(t);
        ObjectCommand.register(t);
    }

    /** DEL and UNLINK: values are garbage for the JVM to collect, so UNLINK is already non-blocking. */
    static void del(Client c) {
        delete(c, c.server.limits.lazyfreeUserDel);
    }

    /** UNLINK: DEL, freeing large values lazily (see store.LazyFree). */
    static void unlink(Client c) {
        delete(c, true);
    }

    private static void delete(Client c, boolean lazy) {
        int deleted = 0;
        for (int j = 1; j < c.argc; j++) {
            if (c.deleteKey(c.argv[j], lazy)) deleted++;
        }
        c.reply.integer(deleted);
    }

    /** EXISTS: a key named twice counts twice. */
    static void exists(Client c) {
        Database db = c.db();
        int n = 0;
        for (int j = 1; j < c.argc; j++) {
            if (db.lookupReadNoTouch(c.argv[j]) != null) n++;
        }
        c.reply.integer(n);
    }

    static void type(Client c) {
        KeyEntry e = c.db().lookupReadNoTouch(c.argv[1]);
        c.reply.simple(KeyTypes.name(e == null ? null : e.value()));
    }

    /** TOUCH: a read of each key, which refreshes its access clock. */
    static void touch(Client c) {
        Database db = c.db();
        int n = 0;
        for (int j = 1; j < c.argc; j++) {
            if (db.lookupRead(c.argv[j]) != null) n++;
        }
        c.reply.integer(n);
    }

    /**
     * RENAME / RENAMENX. Renaming a key to itself changes nothing but still requires the key to exist.
     * The value keeps its expiry; an overwritten destination loses its own.
     */
    static void rename(Client c, boolean nx) {
        Database db = c.db();
        byte[] src = c.argv[1], dst = c.argv[2];
        KeyEntry e = db.lookupWrite(src);
        if (e == null) throw new CommandError(Errors.NO_SUCH_KEY);
        if (Arrays.equals(src, dst)) {
            replyRenamed(c, nx, false);
            return;
        }
        KeyEntry existing = db.lookupWrite(dst);
        if (existing != null) {
            if (nx) {
                replyRenamed(c, true, false);
                return;
            }
            db.remove(existing);
        }
        db.rename(e, dst);
        c.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "rename_from", src);
        c.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "rename_to", dst);
        c.dirty(1);
        replyRenamed(c, nx, true);
    }

    private static void replyRenamed(Client c, boolean nx, boolean renamed) {
        if (nx) c.reply.integer(renamed ? 1 : 0);
        else c.reply.ok();
    }

    /** COPY source destination [DB index] [REPLACE]: the copy keeps the expiry and gets a fresh clock. */
    static void copy(Client c) {
        Database src = c.db(), dst = src;
        boolean replace = false;
        for (int j = 3; j < c.argc; j++) {
            int additional = c.argc - j - 1;
            if (Args.is(c.argv[j], "replace")) {
                replace = true;
            } else if (Args.is(c.argv[j], "db") && additional >= 1) {
                dst = database(c, parseInt(c.argv[++j], null));
            } else {
                throw Errors.syntax();
            }
        }
        byte[] key = c.argv[1], newKey = c.argv[2];
        if (src == dst && Arrays.equals(key, newKey)) throw new CommandError(SAME_OBJECT);
        KeyEntry e = src.lookupRead(key);
        if (e == null) {
            c.reply.integer(0);
            return;
        }
        KeyEntry existing = dst.lookupWrite(newKey);
        if (existing != null && !replace) {
            c.reply.integer(0);
            return;
        }
        Object value = KeyTypes.copy(e.value());
        if (value == null) throw new CommandError("ERR unknown type object");
        if (existing != null) dst.remove(existing);
        KeyEntry copy = dst.add(newKey, value);
        // Redis duplicates the object keeping its encoding; even a shared small integer gets its own.
        if (e.hasFlag(KeyEntry.FLAG_RAW)) copy.setFlag(KeyEntry.FLAG_RAW);
        if (e.hasFlag(KeyEntry.FLAG_NOT_INT)) copy.setFlag(KeyEntry.FLAG_NOT_INT);
        copy.setFlag(KeyEntry.FLAG_UNSHARED);
        if (e.expireAt() != KeyEntry.NO_EXPIRE) dst.setExpire(copy, e.expireAt());
        c.server.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "copy_to", newKey, dst.id());
        c.dirty(1);
        c.reply.integer(1);
    }

    /** MOVE key db: the entry itself moves, with its expiry, unless the target already has the key. */
    static void move(Client c) {
        Database src = c.db();
        Database dst = database(c, parseInt(c.argv[2], null));
        if (src == dst) throw new CommandError(SAME_OBJECT);
        KeyEntry e = src.lookupWrite(c.argv[1]);
        if (e == null || dst.lookupWrite(c.argv[1]) != null) {
            c.reply.integer(0);
            return;
        }
        src.moveTo(e, dst);
        c.server.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "move_from", c.argv[1], src.id());
        c.server.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "move_to", c.argv[1], dst.id());
        c.dirty(1);
        c.reply.integer(1);
    }

    /** SWAPDB: clients stay on their database numbers and so see the other contents at once. */
    static void swapdb(Client c) {
        int a = parseInt(c.argv[1], "ERR invalid first DB index");
        int b = parseInt(c.argv[2], "ERR invalid second DB index");
        Keyspace ks = c.server.keyspace;
        if (a < 0 || a >= ks.databases() || b < 0 || b >= ks.databases()) throw new CommandError(Errors.DB_INDEX);
        if (a != b) ks.swap(a, b);
        c.dirty(1);
        c.reply.ok();
    }

    /** KEYS pattern: expired keys are left out but not deleted (the iteration must not change the dict). */
    static void keys(Client c) {
        Database db = c.db();
        byte[] pattern = c.argv[1];
        boolean all = pattern.length == 1 && pattern[0] == '*';
        List<byte[]> out = new ArrayList<>();
        db.forEach(e -> {
            if ((all || Glob.match(pattern, e.key(), false)) && !db.isExpired(e)) out.add(e.key());
        });
        Reply r = c.reply;
        r.array(out.size());
        for (byte[] k : out) r.bulk(k);
    }

    static void randomkey(Client c) {
        Database db = c.db();
        KeyEntry e = db.randomKey();
        // randomKey gives up after a bounded number of expired picks. Where each pick deleted a key,
        // asking again makes progress, so keep going as Redis does until a live key or an empty db.
        while (e == null && db.size() > 0 && c.server.keyspace.expireOnAccess()) e = db.randomKey();
        if (e == null) c.reply.nullBulk();
        else c.reply.bulk(e.key());
    }

    /**
     * FLUSHDB [ASYNC|SYNC]. Dropping the dict is constant time here, so ASYNC is synchronous too. The
     * keys removed count as changes, and the flush is propagated even when there were none, as Redis
     * forces it.
     */
    static void flushdb(Client c) {
        boolean lazy = parseFlushMode(c);
        int n = c.db().clear();
        if (lazy) c.server.keyspace.lazyFlushed(n);
        c.dirty(n);
        c.forcePropagation(ServerContext.PROPAGATE_ALL);
        c.reply.ok();
    }

    /**
     * FLUSHALL [ASYNC|SYNC]: counts the keys removed, cancels a BGSAVE in progress and, with save
     * points configured, saves the now empty data set at once - which leaves no change unsaved, as
     * Redis 7.0's flushAllDataAndResetRDB. Propagated even when nothing was removed.
     */
    static void flushall(Client c) {
        boolean lazy = parseFlushMode(c);
        Keyspace ks = c.server.keyspace;
        long n = ks.flushAll();
        if (lazy) ks.lazyFlushed(n);
        c.dirty(n);
        c.server.rdb.afterFlushAll();
        c.forcePropagation(ServerContext.PROPAGATE_ALL);
        c.reply.ok();
    }

    /** [ASYNC|SYNC]: whether the flush is lazy (ASYNC, or lazyfree-lazy-user-flush without SYNC). */
    private static boolean parseFlushMode(Client c) {
        if (c.argc == 1) return c.server.limits.lazyfreeUserFlush;
        if (c.argc == 2 && Args.is(c.argv[1], "sync")) return false;
        if (c.argc == 2 && Args.is(c.argv[1], "async")) return true;
        throw Errors.syntax();
    }

    // ---- Argument helpers ------------------------------------------------------------------------

    /**
     * Redis's getIntFromObjectOrReply: a 64-bit integer that must fit in an int. With {@code error}
     * null the two failures have Redis's two generic texts, otherwise both reply {@code error}.
     */
    static int parseInt(byte[] arg, String error) {
        long v = error == null ? Args.parseLong(arg) : Args.parseLong(arg, error);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new CommandError(error != null ? error
                    : "ERR value is out of range, value must between -2147483648 and 2147483647");
        }
        return (int) v;
    }

    /** A database by number, or Redis's "DB index is out of range". */
    static Database database(Client c, int index) {
        Keyspace ks = c.server.keyspace;
        if (index < 0 || index >= ks.databases()) throw new CommandError(Errors.DB_INDEX);
        return ks.db(index);
    }
}
