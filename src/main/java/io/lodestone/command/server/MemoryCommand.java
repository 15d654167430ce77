package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.ObjectSize;

/**
 * MEMORY USAGE and MEMORY HELP. The size of a key is computed from its data structures by
 * {@link ObjectSize} (Redis's objectComputeSize), not measured on the heap.
 */
final class MemoryCommand {
    private static final CommandHandler HELP = Subcommands.help("MEMORY",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).");

    private MemoryCommand() {
    }

    static void register(CommandTable t) {
        t.handle("memory|usage", MemoryCommand::usage);
        t.handle("memory|help", HELP);
    }

    /**
     * MEMORY USAGE key [SAMPLES count]: bytes of the key's entry, name and value; null for no key. As
     * in Redis the key is found as stored (an expired key not yet deleted still has a size).
     */
    static void usage(Client c) {
        long samples = ObjectSize.DEFAULT_SAMPLES;
        for (int j = 3; j < c.argc; j++) {
            if (!Args.is(c.argv[j], "samples") || j + 1 >= c.argc) throw Errors.syntax();
            samples = Args.parseLong(c.argv[++j]);
            if (samples < 0) throw Errors.syntax();
            if (samples == 0) samples = Long.MAX_VALUE;
        }
        KeyEntry e = c.db().peek(c.argv[2]);
        if (e == null) c.reply.nullBulk();
        else c.reply.integer(ObjectSize.of(e, samples));
    }
}
