package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;
import io.lodestone.store.KeyEntry;
import io.lodestone.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * DEBUG: the subcommands Redis's tests and operators use, one table from name to handler. A
 * subcommand given the wrong number of arguments gets Redis's subcommand syntax error.
 */
final class DebugCommand {
    private static final CommandHandler HELP = Subcommands.help("DEBUG",
            "AOF-FLUSH-SLEEP <microsec>",
            "    Server will sleep before flushing the AOF, this is used for testing.",
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Output a hex signature of the values of all the specified keys.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "HTSTATS <dbid>",
            "    Return hash table statistics of the specified Redis database.",
            "HTSTATS-KEY <key>",
            "    Like HTSTATS but for the hash table stored at <key>'s value.",
            "LOADAOF",
            "    Flush the AOF buffers on disk and reload the AOF in memory.",
            "OBJECT <key>",
            "    Show low level info about the `key` and associated value.",
            "PANIC",
            "    Crash the server simulating a panic.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
            "    * MERGE: conflicting keys will be loaded from RDB.",
            "    * NOFLUSH: the existing database will not be removed before load, but",
            "      conflicting keys will generate an exception and kill the server.",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "    Examples:",
            "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
            "      the database.",
            "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
            "      existing RDB file.",
            "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
            "      file to the database.",
            "SEGFAULT",
            "    Crash the server with sigsegv.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not accessed (otherwise",
            "    the Redis behavior). Setting it to 1 reenables back the default.",
            "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
            "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Sets the threshold for elements to be inserted as plain vs packed nodes",
            "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "STRINGMATCH-TEST",
            "    Run a fuzz tester against the stringmatchlen() function.",
            "LISTPACK <key>",
            "    Show low level info about the listpack encoding of <key>.",
            "QUICKLIST <key> [<0|1>]",
            "    Show low level info about the quicklist encoding of <key>.",
            "    The optional argument (0 by default) sets the level of detail",
            "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
            "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
            "    In case NEVER is provided the last observed peak will never be reset",
            "    In case RESET is provided the peak reset time will be restored to the default value",
            "REPLYBUFFER RESIZING <0|1>",
            "    Enable or disable the reply buffer resize cron job");

    /** DEBUG REPLYBUFFER PEAK-RESET-TIME (NEVER|RESET|ms) and RESIZING (0|1): the reply buffers' cron resizing. */
    private static void replyBuffer(Client c) {
        io.lodestone.command.ClientRegistry clients = c.server.clients;
        if (Args.is(c.argv[2], "peak-reset-time")) {
            if (Args.is(c.argv[3], "never")) clients.replyBufferPeakResetMs = -1;
            else if (Args.is(c.argv[3], "reset")) clients.replyBufferPeakResetMs = io.lodestone.command.ClientRegistry.DEFAULT_PEAK_RESET_MS;
            else clients.replyBufferPeakResetMs = Args.parseLong(c.argv[3]);
        } else if (Args.is(c.argv[2], "resizing")) {
            clients.replyBufferResizing = Numbers.atoi(c.argv[3]) != 0;
        } else {
            throw Subcommands.syntaxError(c);
        }
        c.reply.ok();
    }

    /** One DEBUG subcommand: its handler and the argument counts Redis accepts for it. */
    private record Sub(int minArgc, int maxArgc, CommandHandler handler) {
    }

    /** Every subcommand, by lower-case name; a helper class owns each one that is more than a line. */
    private static final Map<String, Sub> SUBCOMMANDS = new HashMap<>();

    static {
        sub("help", 2, 2, HELP);
        sub("sleep", 3, 3, DebugCommand::sleep);
        sub("reload", 2, Integer.MAX_VALUE, io.lodestone.command.persistence.PersistenceCommands::debugReload);
        sub("loadaof", 2, 2, io.lodestone.command.persistence.AofLoading::debugLoadAof);
        sub("log", 3, 3, c -> {
            // Redis's DEBUG LOG: a marker in the server log (its tests use it as a harmless command).
            io.lodestone.util.Log.warning("DEBUG LOG: " + new String(c.argv[2], StandardCharsets.ISO_8859_1));
            c.reply.ok();
        });
        sub("populate", 3, 5, DebugCommand::populate);
        sub("replybuffer", 4, 4, DebugCommand::replyBuffer);
        sub("pause-cron", 3, 3, c -> {
            c.server.process.cronPaused = Args.parseLong(c.argv[2]) != 0;
            c.reply.ok();
        });
        sub("set-active-expire", 3, 3, c -> {
            c.server.keyspace.activeExpire(Args.parseLong(c.argv[2]) != 0);
            c.reply.ok();
        });
        sub("set-disable-deny-scripts", 3, 3, c -> {
            // Lets scripts run the commands they may not (Redis's tests use it to read CLIENT LIST).
            c.server.scriptDisableDenyScript = Args.parseLong(c.argv[2]) != 0;
            c.reply.ok();
        });
        sub("object", 3, 3, DebugCommand::object);
        sub("protocol", 3, 3, DebugProtocol::protocol);
        sub("digest", 2, 2, c -> c.reply.simple(DatasetDigest.hex(new DatasetDigest().dataset(c.server.keyspace))));
        sub("digest-value", 2, Integer.MAX_VALUE, DebugCommand::digestValue);
        sub("segfault", 2, 2, CrashReport::debugSegfault);
        sub("panic", 2, 2, CrashReport::debugPanic);
        sub("aof-flush-sleep", 3, 3, c -> {
            c.server.aof.writer.flushSleepMicros = Math.max(0, Numbers.atoi(c.argv[2]));
            c.reply.ok();
        });
        sub("replicate", 3, Integer.MAX_VALUE, c -> {
            // Redis feeds the arguments to the replicas as they are, in the database last selected.
            c.server.replication.feed(-1, java.util.Arrays.copyOfRange(c.argv, 2, c.argc), c.argc - 2);
            c.reply.ok();
        });
        sub("change-repl-id", 2, 2, c -> {
            io.lodestone.util.Log.warning("Changing replication IDs after receiving DEBUG change-repl-id");
            c.server.replication.stream.changeReplicationId();
            c.server.replication.stream.clearReplicationId2();
            c.reply.ok();
        });
        sub("set-skip-checksum-validation", 3, 3, c -> {
            c.server.rdb.skipChecksumValidation = Args.parseLong(c.argv[2]) != 0;
            c.reply.ok();
        });
        sub("config-rewrite-force-all", 2, 2, c -> {
            String error = c.server.config.rewrite(true);
            if (error != null) throw new CommandError(error);
            c.reply.ok();
        });
        sub("quicklist-packed-threshold", 3, 3, DebugStructures::quicklistPackedThreshold);
        sub("quicklist", 3, 4, DebugStructures::quicklist);
        sub("listpack", 3, 3, DebugStructures::listpack);
        sub("htstats", 3, 3, DebugStructures::htstats);
        sub("htstats-key", 3, 3, DebugStructures::htstatsKey);
        sub("stringmatch-test", 2, 2, DebugCommand::stringmatchTest);
    }

    private static void sub(String name, int minArgc, int maxArgc, CommandHandler h) {
        SUBCOMMANDS.put(name, new Sub(minArgc, maxArgc, h));
    }

    private DebugCommand() {
    }

    static void register(CommandTable t) {
        t.handle("debug", DebugCommand::debug);
    }

    static void debug(Client c) {
        Sub s = SUBCOMMANDS.get(Args.str(c.argv[1]).toLowerCase(Locale.ROOT));
        if (s == null || c.argc < s.minArgc || c.argc > s.maxArgc) throw Subcommands.syntaxError(c);
        s.handler.call(c);
    }

    /** DEBUG SLEEP stops the whole server, as in Redis: that is what it is for. */
    private static void sleep(Client c) {
        double seconds = Args.parseDouble(c.argv[2]);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000), 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        c.reply.ok();
    }

    /**
     * DEBUG OBJECT. "at:" identifies the key's record, which holds what Redis's value object does
     * (the value, its encoding flags, the LRU clock): like that object, it stays the same while
     * INCR and in-place changes rewrite the value.
     */
    private static void object(Client c) {
        // Redis's dictFind: a key past its TTL that nothing has deleted yet is still shown
        KeyEntry e = c.db().peek(c.argv[2]);
        if (e == null) throw new CommandError(Errors.NO_SUCH_KEY);
        c.reply.simple("Value at:0x" + Long.toHexString(e.id())
                + " refcount:1 encoding:" + io.lodestone.store.Encodings.of(e) + " serializedlength:" + serializedLength(e)
                + " lru:" + e.clock() + " lru_seconds_idle:" + c.server.keyspace.idleSeconds(e));
    }

    /** One digest per key named; a debug command sees logically expired keys too, so no lookup. */
    private static void digestValue(Client c) {
        DatasetDigest digest = new DatasetDigest();
        c.reply.array(c.argc - 2);
        for (int j = 2; j < c.argc; j++) c.reply.simple(DatasetDigest.hex(digest.value(c.db().peek(c.argv[j]))));
    }

    /**
     * DEBUG POPULATE count [prefix] [size]: keys {@code prefix:N} with values {@code value:N} (padded
     * with zero bytes or cut to {@code size}); existing keys are left alone. Not propagated, as in Redis.
     */
    private static void populate(Client c) {
        long count = positive(c.argv[2]);
        String prefix = c.argc >= 4 ? Args.str(c.argv[3]) : "key";
        long size = c.argc == 5 ? positive(c.argv[4]) : 0;
        io.lodestone.store.Database db = c.db();
        for (long j = 0; j < count; j++) {
            byte[] key = (prefix + ":" + j).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            if (db.peek(key) != null) continue;
            byte[] v = ("value:" + j).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            if (size > 0) v = java.util.Arrays.copyOf(v, (int) Math.min(size, Integer.MAX_VALUE));
            db.add(key, v);
        }
        c.reply.ok();
    }

    /**
     * DEBUG STRINGMATCH-TEST: Redis's stringmatchlen_fuzz_test - ten million random patterns of up to
     * 31 bytes against random strings; passing means the matcher neither crashed nor ran away.
     */
    private static void stringmatchTest(Client c) {
        stringmatchFuzz(10_000_000, new java.util.Random());
        c.reply.simple("Apparently Redis did not crash: test passed");
    }

    /** {@code cycles} random matches; returns how many matched (as Redis's fuzzer does). */
    static int stringmatchFuzz(int cycles, java.util.Random rnd) {
        int matches = 0;
        while (cycles-- > 0) {
            byte[] str = new byte[rnd.nextInt(32)];
            byte[] pat = new byte[rnd.nextInt(32)];
            for (int j = 0; j < str.length; j++) str[j] = (byte) rnd.nextInt(128);
            for (int j = 0; j < pat.length; j++) pat[j] = (byte) rnd.nextInt(128);
            if (io.lodestone.util.Glob.match(pat, str, false)) matches++;
        }
        return matches;
    }

    /** Redis's getPositiveLongFromObjectOrReply. */
    private static long positive(byte[] arg) {
        long v = Args.parseLong(arg);
        if (v < 0) throw new CommandError("ERR value is out of range, must be positive");
        return v;
    }

    private static int serializedLength(KeyEntry e) {
        return e.value() instanceof byte[] b ? b.length : 0;
    }
}
