package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;
import io.lodestone.config.RedisNumbers;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.ZSetValue;
import java.nio.charset.StandardCharsets;

/**
 * The DEBUG subcommands that look at (or tune) the data structures under the values:
 * QUICKLIST-PACKED-THRESHOLD, QUICKLIST, LISTPACK, HTSTATS and HTSTATS-KEY. Replies and errors are
 * Redis's; what QUICKLIST and LISTPACK print on stdout describes Lodestone's own structures.
 */
final class DebugStructures {
    private DebugStructures() {
    }

    /** DEBUG QUICKLIST-PACKED-THRESHOLD size: a memory value; 0 restores the default (1 GB). */
    static void quicklistPackedThreshold(Client c) {
        Long sz = RedisNumbers.memtoull(Args.str(c.argv[2]));
        if (sz == null || !ListValue.setPackedThreshold(sz)) {
            throw new CommandError("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
        }
        c.reply.ok();
    }

    /** DEBUG QUICKLIST key [level]: the list's chunks on stdout (with a level other than 0, each chunk). */
    static void quicklist(Client c) {
        KeyEntry e = lookup(c);
        // atoi, as Redis reads the level: anything but a leading number is 0.
        boolean full = c.argc == 4 && atoi(Args.str(c.argv[3])) != 0;
        if (!(e.value() instanceof ListValue l)) throw new CommandError("ERR Not a quicklist encoded object.");
        System.out.print(l.describe(full));
        System.out.flush();
        c.reply.simple("Quicklist structure printed on stdout");
    }

    /** DEBUG LISTPACK key: the entries of a listpack-encoded hash or sorted set on stdout. */
    static void listpack(Client c) {
        KeyEntry e = lookup(c);
        StringBuilder sb = new StringBuilder();
        if (e.value() instanceof HashValue h && h.isCompact()) {
            sb.append("{listpack {entries : ").append(2L * h.size()).append("}}\n");
            h.forEach((f, fo, fl, v, vo, vl) -> sb.append("{field : ").append(text(f, fo, fl))
                    .append("} {value : ").append(text(v, vo, vl)).append("}\n"));
        } else if (e.value() instanceof ZSetValue z && z.isCompact()) {
            sb.append("{listpack {entries : ").append(2L * z.size()).append("}}\n");
            ZSetValue.Cursor cur = z.cursor(0, false);
            while (cur.next()) {
                sb.append("{member : ").append(text(cur.memberBuffer(), cur.memberFrom(), cur.memberTo() - cur.memberFrom()))
                        .append("} {score : ").append(cur.score()).append("}\n");
            }
        } else {
            throw new CommandError("ERR Not a listpack encoded object.");
        }
        System.out.print(sb);
        System.out.flush();
        c.reply.simple("Listpack structure printed on stdout");
    }

    /**
     * DEBUG HTSTATS dbid: the statistics of the database's hash table. Expiry times live in the
     * entries themselves here, indexed by a dense array rather than a second hash table, so that
     * section says so.
     */
    static void htstats(Client c) {
        long id = Args.parseLong(c.argv[2]);
        if (id < 0 || id >= c.server.keyspace.databases()) throw new CommandError("ERR Out of range database");
        Database db = c.server.keyspace.db((int) id);
        c.reply.verbatim("[Dictionary HT]\n" + db.tableStats() + "[Expires HT]\n"
                + "Keys with an expire: " + db.expiresSize() + " (kept in the key entries, no hash table)\n");
    }

    /** DEBUG HTSTATS-KEY key: the statistics of the hash table holding the value, if it is one. */
    static void htstatsKey(Client c) {
        KeyEntry e = lookup(c);
        String stats = null;
        if (e.value() instanceof HashValue h) stats = h.tableStats();
        else if (e.value() instanceof ZSetValue z) stats = z.tableStats();
        // A set's hashtable encoding is an open-addressed table: no chains to report on.
        if (stats == null) {
            throw new CommandError("ERR The value stored at the specified key is not represented using an hash table");
        }
        c.reply.verbatim(stats);
    }

    /** Redis's objectCommandLookupOrReply with "no such key": an expired key is gone. */
    private static KeyEntry lookup(Client c) {
        KeyEntry e = c.db().lookupNoTouch(c.argv[2]);
        if (e == null) throw new CommandError(Errors.NO_SUCH_KEY);
        return e;
    }

    private static String text(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    /** C's atoi: optional blanks and sign, then digits; 0 when there are none. */
    private static long atoi(String s) {
        int i = 0, n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) i++;
        boolean neg = i < n && s.charAt(i) == '-';
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) i++;
        long v = 0;
        while (i < n && Character.isDigit(s.charAt(i)) && v < Integer.MAX_VALUE) v = v * 10 + (s.charAt(i++) - '0');
        return neg ? -v : v;
    }
}
