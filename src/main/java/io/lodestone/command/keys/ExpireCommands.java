package io.lodestone.command.keys;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;

/**
 * Setting, reading and removing key expiry (Redis's expire.c commands).
 *
 * <p>Replicas and the AOF must reach the same absolute instant whenever they replay a write, so the
 * relative forms are propagated as their effect: EXPIRE, PEXPIRE and EXPIREAT become
 * {@code PEXPIREAT key <unix-ms>} with any NX/XX/GT/LT options kept, and a time already past becomes
 * {@code DEL key}, because the key is deleted at once.
 */
public final class ExpireCommands {
    private static final byte[] PEXPIREAT = Args.bytes("PEXPIREAT");
    private static final byte[] DEL = Args.bytes("DEL");

    private ExpireCommands() {
    }

    static void register(CommandTable t) {
        t.handle("expire", c -> expire(c, c.server.keyspace.now, true));
        t.handle("pexpire", c -> expire(c, c.server.keyspace.now, false));
        t.handle("expireat", c -> expire(c, 0, true));
        t.handle("pexpireat", c -> expire(c, 0, false));
        t.handle("ttl", c -> ttl(c, false, false));
        t.handle("pttl", c -> ttl(c, true, false));
        t.handle("expiretime", c -> ttl(c, false, true));
        t.handle("pexpiretime", c -> ttl(c, true, true));
        t.handle("persist", ExpireCommands::persist);
    }

    /** The NX / XX / GT / LT conditions of the EXPIRE family. */
    record Conditions(boolean nx, boolean xx, boolean gt, boolean lt) {
        static final Conditions NONE = new Conditions(false, false, false, false);

        /** Parses argv[3..], in Redis's order of checks: unknown option first, then conflicts. */
        static Conditions parse(Client c) {
            if (c.argc == 3) return NONE;
            boolean nx = false, xx = false, gt = false, lt = false;
            for (int j = 3; j < c.argc; j++) {
                byte[] opt = c.argv[j];
                if (Args.is(opt, "nx")) nx = true;
                else if (Args.is(opt, "xx")) xx = true;
                else if (Args.is(opt, "gt")) gt = true;
                else if (Args.is(opt, "lt")) lt = true;
                else throw new CommandError("ERR Unsupported option " + Args.cString(opt));
            }
            if (nx && (xx || gt || lt)) {
                throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
            }
            if (gt && lt) throw new CommandError("ERR GT and LT options at the same time are not compatible");
            return new Conditions(nx, xx, gt, lt);
        }

        /**
         * Whether a key whose expiry is {@code current} (or NO_EXPIRE) may get {@code when}. No expiry
         * counts as infinitely far: GT never beats it, LT always does.
         */
        boolean allow(long current, long when) {
            boolean persistent = current == KeyEntry.NO_EXPIRE;
            if (nx && !persistent) return false;
            if (xx && persistent) return false;
            if (gt && (persistent || when <= current)) return false;
            if (lt && !persistent && when >= current) return false;
            return true;
        }
    }

    /**
     * EXPIRE key time [NX|XX|GT|LT] and its three siblings: {@code basetime} is now for the relative
     * forms and 0 for the absolute ones. Options and the time are validated before the key is looked up.
     */
    static void expire(Client c, long basetime, boolean seconds) {
        Conditions cond = Conditions.parse(c);
        long when = Args.parseLong(c.argv[2]);
        // Negative times are allowed (the key is deleted), but the conversions must not overflow.
        if (seconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) throw invalidExpire(c);
            when *= 1000;
        }
        if (when > Long.MAX_VALUE - basetime) throw invalidExpire(c);
        when += basetime;

        Keyspace ks = c.server.keyspace;
        Database db = c.db();
        byte[] key = c.argv[1];
        KeyEntry e = db.lookupWrite(key);
        if (e == null || !cond.allow(e.expireAt(), when)) {
            c.reply.integer(0);
            return;
        }
        if (ks.alreadyExpired(when)) {
            // Already past: delete now. A replica leaves deleting to its master and stores the time.
            c.rewritePropagation(DEL, key);
            c.deleteKey(key);
            c.reply.integer(1);
            return;
        }
        db.setExpire(e, when);
        c.dirty(1);
        if (basetime != 0 || seconds) {
            byte[][] effect = new byte[c.argc][];
            System.arraycopy(c.argv, 0, effect, 0, c.argc);
            effect[0] = PEXPIREAT;
            effect[2] = Args.bytes(Long.toString(when));
            c.rewritePropagation(effect);
        }
        // Redis replies before it notifies here (a RESP3 client subscribed to its own events sees it).
        c.reply.integer(1);
        c.notifyKeyspaceEvent(KeyspaceEvents.GENERIC, "expire", key);
    }

    private static CommandError invalidExpire(Client c) {
        return new CommandError(String.format(Errors.INVALID_EXPIRE, c.cmd.fullName()));
    }

    /**
     * TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for no key, -1 for no expiry, else the remaining (or the
     * absolute) time, never below 0, in seconds rounded to the nearest or in milliseconds.
     */
    static void ttl(Client c, boolean millis, boolean absolute) {
        KeyEntry e = c.db().lookupReadNoTouch(c.argv[1]);
        if (e == null) {
            c.reply.integer(-2);
            return;
        }
        long expireAt = e.expireAt();
        if (expireAt == KeyEntry.NO_EXPIRE) {
            c.reply.integer(-1);
            return;
        }
        long t = absolute ? expireAt : expireAt - c.server.keyspace.now;
        if (t < 0) t = 0;
        c.reply.integer(millis ? t : (t + 500) / 1000);
    }

    static void persist(Client c) {
        KeyEntry e = c.db().lookupWrite(c.argv[1]);
        if (e == null || !c.db().removeExpire(e)) {
            c.reply.integer(0);
            return;
        }
        c.changed(KeyspaceEvents.GENERIC, "persist", c.argv[1]);
        c.reply.integer(1);
    }
}
