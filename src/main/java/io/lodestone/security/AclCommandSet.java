package io.lodestone.security;

import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The commands ACL rules speak of: every command and subcommand of Redis 7.0's table, implemented
 * here or not (a rule naming XADD is as valid as in Redis), each with an id that indexes the users'
 * command bitmaps (Redis's ACLGetCommandID), and the categories ({@code @read}, {@code @admin}...)
 * each belongs to, as COMMAND INFO gives them. Renamed commands keep their ACL name (Redis's
 * orig_commands).
 */
final class AclCommandSet {
    /** Redis's ACLCommandCategories, in its order (ACL CAT, and the order describe tries them). */
    static final List<String> CATEGORIES = List.of("keyspace", "read", "write", "set", "sortedset", "list", "hash",
            "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
            "dangerous", "connection", "transaction", "scripting");

    /** Every command, top level first and then its subcommands, in the table's order; index = id. */
    final List<CommandSpec> commands;
    /** Per id, a bitmask of CATEGORIES. */
    final long[] categories;
    private final CommandTable table;

    AclCommandSet(CommandTable table) {
        this.table = table;
        List<CommandSpec> all = new ArrayList<>();
        for (CommandSpec top : table.allSpecs()) {
            all.add(top);
            all.addAll(top.subcommands().values());
        }
        commands = Collections.unmodifiableList(all);
        categories = new long[all.size()];
        for (int id = 0; id < all.size(); id++) {
            CommandSpec s = all.get(id);
            s.aclId = id;
            for (String cat : s.aclCategories()) {
                int bit = CATEGORIES.indexOf(cat.startsWith("@") ? cat.substring(1) : cat);
                if (bit >= 0) categories[id] |= 1L << bit;
            }
        }
    }

    int size() {
        return commands.size();
    }

    /** The category's bit, or -1 for a name Redis does not know (case-insensitive). */
    static int category(String name) {
        return CATEGORIES.indexOf(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Redis's ACLLookupCommand: "get" or "config|get" (one level of subcommand), case-insensitive;
     * null when no such command exists.
     */
    CommandSpec lookup(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        int bar = n.indexOf('|');
        if (bar >= 0 && n.indexOf('|', bar + 1) >= 0) return null;
        return table.spec(n);
    }
}
