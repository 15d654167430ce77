package io.lodestone.command.keys;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Subcommands;
import io.lodestone.store.Encodings;
import io.lodestone.store.KeyEntry;

/**
 * OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP. Each looks the key up without touching its
 * access clock (asking how idle a key is must not make it less idle) and replies null for no key,
 * before any check of the eviction policy.
 */
final class ObjectCommand {
    /** Redis's OBJ_SHARED_REFCOUNT: what REFCOUNT reports for a shared object. */
    private static final int SHARED_REFCOUNT = Integer.MAX_VALUE;
    /** Redis's OBJ_SHARED_INTEGERS: SET k n with 0 <= n < this shares one integer object. */
    private static final long SHARED_INTEGERS = 10000;
    private static final String POLICY_NOTE = " Please note that when switching between policies at runtime LRU and"
            + " LFU data will take some time to adjust.";

    private ObjectCommand() {
    }

    static void register(CommandTable t) {
        t.handle("object|encoding", ObjectCommand::encoding);
        t.handle("object|refcount", ObjectCommand::refcount);
        t.handle("object|idletime", ObjectCommand::idletime);
        t.handle("object|freq", ObjectCommand::freq);
        t.handle("object|help", HELP);
    }

    /** The key for OBJECT, or null after replying null. */
    private static KeyEntry lookup(Client c) {
        KeyEntry e = c.db().lookupReadNoTouchNoNotify(c.argv[2]);
        if (e == null) c.reply.nullBulk();
        return e;
    }

    static void encoding(Client c) {
        KeyEntry e = lookup(c);
        if (e != null) c.reply.bulk(Encodings.of(e));
    }

    /**
     * Values are not reference counted here; what Redis would report is 1, except for the small
     * integers it shares between keys.
     */
    static void refcount(Client c) {
        KeyEntry e = lookup(c);
        if (e != null) c.reply.integer(isSharedInteger(e) ? SHARED_REFCOUNT : 1);
    }

    private static boolean isSharedInteger(KeyEntry e) {
        if (e.hasFlag(KeyEntry.FLAG_UNSHARED)) return false;
        if (!(e.value() instanceof byte[] s) || !"int".equals(Encodings.of(e))) return false;
        long v = Long.parseLong(new String(s, java.nio.charset.StandardCharsets.US_ASCII));
        return v >= 0 && v < SHARED_INTEGERS;
    }

    static void idletime(Client c) {
        KeyEntry e = lookup(c);
        if (e == null) return;
        if (lfu(c)) throw new CommandError("ERR An LFU maxmemory policy is selected, idle time not tracked." + POLICY_NOTE);
        c.reply.integer(c.server.keyspace.idleSeconds(e));
    }

    /** The key's LFU access counter, decayed to now (Redis's LFUDecrAndReturn). */
    static void freq(Client c) {
        KeyEntry e = lookup(c);
        if (e == null) return;
        if (!lfu(c)) {
            throw new CommandError("ERR An LFU maxmemory policy is not selected, access frequency not tracked."
                    + POLICY_NOTE);
        }
        c.reply.integer(c.server.keyspace.lfuCounter(e));
    }

    private static boolean lfu(Client c) {
        String policy = c.server.limits.maxmemoryPolicy;
        return policy != null && policy.endsWith("-lfu");
    }

    private static final CommandHandler HELP = Subcommands.help("OBJECT",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.");
}
