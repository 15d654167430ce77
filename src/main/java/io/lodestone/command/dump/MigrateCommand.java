package io.lodestone.command.dump;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.persistence.ByteSink;
import io.lodestone.persistence.rdb.RdbValueWriter;
import io.lodestone.store.KeyEntry;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 user password]
 * [KEYS key...] (Redis's cluster.c): the keys are sent as RESTORE commands (with their remaining TTL)
 * over a {@link MigrateSockets cached connection}, and each one the target acknowledged is deleted
 * here unless COPY; those deletions propagate as one DEL. Like Redis, the server waits for the target
 * meanwhile, within {@code timeout} milliseconds per step; a failure on a cached connection is retried
 * once on a new one, unless it timed out.
 */
final class MigrateCommand {
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);

    private MigrateCommand() {
    }

    static void register(CommandTable t) {
        t.handle("migrate", MigrateCommand::migrate);
    }

    /** The parsed options. */
    private record Options(boolean copy, boolean replace, String username, String password, int firstKey, int numKeys) {
    }

    private static Options parse(Client c) {
        boolean copy = false, replace = false;
        String username = null, password = null;
        int firstKey = 3, numKeys = 1;
        for (int j = 6; j < c.argc; j++) {
            int more = c.argc - 1 - j;
            if (Args.cKeyword(c.argv[j], "copy")) {
                copy = true;
            } else if (Args.cKeyword(c.argv[j], "replace")) {
                replace = true;
            } else if (Args.cKeyword(c.argv[j], "auth")) {
                if (more < 1) throw Errors.syntax();
                c.redactArgument(j + 1); // never shown in the slow log
                password = Args.str(c.argv[++j]);
            } else if (Args.cKeyword(c.argv[j], "auth2")) {
                if (more < 2) throw Errors.syntax();
                c.redactArgument(j + 1);
                c.redactArgument(j + 2);
                username = Args.str(c.argv[++j]);
                password = Args.str(c.argv[++j]);
            } else if (Args.cKeyword(c.argv[j], "keys")) {
                if (c.argv[3].length != 0) {
                    throw new CommandError("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
                }
                firstKey = j + 1;
                numKeys = c.argc - j - 1;
                break;
            } else {
                throw Errors.syntax();
            }
        }
        return new Options(copy, replace, username, password, firstKey, numKeys);
    }

    static void migrate(Client c) {
        Options o = parse(c);
        long timeout = Args.parseLong(c.argv[5]);
        long dbid = Args.parseLong(c.argv[4]);
        if (timeout <= 0) timeout = 1000;
        // Keys missing (or expired) are left out; when none is here there is nothing to do.
        List<byte[]> keys = new ArrayList<>();
        List<KeyEntry> entries = new ArrayList<>();
        for (int j = 0; j < o.numKeys(); j++) {
            KeyEntry e = c.db().lookupRead(c.argv[o.firstKey() + j]);
            if (e == null) continue;
            keys.add(c.argv[o.firstKey() + j]);
            entries.add(e);
        }
        if (keys.isEmpty()) {
            c.reply.simple("NOKEY");
            return;
        }
        String host = Args.str(c.argv[1]), port = Args.str(c.argv[2]);
        MigrateSockets sockets = c.server.migrateSockets;
        boolean mayRetry = true;
        while (true) {
            MigrateSockets.Cached cs;
            try {
                cs = sockets.get(host, port, timeout);
            } catch (IOException | RuntimeException e) {
                throw new CommandError("IOERR error or timeout connecting to the client");
            }
            Attempt a = new Attempt(c, o, cs, dbid, timeout, keys, entries);
            try {
                a.run();
                return;
            } catch (IOException e) {
                sockets.close(host, port);
                // No reply read: a cached connection the target closed is worth one try on a new one.
                if (a.replies == 0 && mayRetry && !(e instanceof SocketTimeoutException)) {
                    mayRetry = false;
                    continue;
                }
                a.propagateDeletions();
                if (a.errorFromTarget) return; // already answered with the target's error
                throw new CommandError("IOERR error or timeout " + (a.writing ? "writing" : "reading") + " to target instance");
            }
        }
    }

    /** One try over one connection. */
    private static final class Attempt {
        final Client c;
        final Options o;
        final MigrateSockets.Cached cs;
        final long dbid, timeout;
        final List<byte[]> keys;
        final List<KeyEntry> entries;
        final List<byte[]> deleted = new ArrayList<>();
        boolean writing, errorFromTarget;
        /** RESTORE replies read. */
        int replies;

        Attempt(Client c, Options o, MigrateSockets.Cached cs, long dbid, long timeout, List<byte[]> keys, List<KeyEntry> entries) {
            this.c = c;
            this.o = o;
            this.cs = cs;
            this.dbid = dbid;
            this.timeout = timeout;
            this.keys = keys;
            this.entries = entries;
        }

        void run() throws IOException {
            ByteSink cmd = new ByteSink(256);
            if (o.password() != null) {
                if (o.username() != null) command(cmd, "AUTH", o.username(), o.password());
                else command(cmd, "AUTH", o.password());
            }
            boolean select = cs.lastDbid != dbid;
            if (select) command(cmd, "SELECT", Long.toString(dbid));
            RdbValueWriter writer = DumpCommands.writer(c.server);
            List<byte[]> sent = new ArrayList<>();
            long now = c.server.keyspace.now;
            for (int j = 0; j < keys.size(); j++) {
                KeyEntry e = entries.get(j);
                long ttl = 0;
                if (e.expireAt() != KeyEntry.NO_EXPIRE) {
                    ttl = e.expireAt() - now;
                    if (ttl < 0) continue; // expired since the lookup
                    if (ttl < 1) ttl = 1;
                }
                sent.add(keys.get(j));
                byte[][] argv = {bytes("RESTORE"), keys.get(j), bytes(Long.toString(ttl)), writer.dump(e.value()),
                        o.replace() ? bytes("REPLACE") : null};
                cmd.putCommand(o.replace() ? argv : java.util.Arrays.copyOf(argv, 4));
            }
            writing = true;
            cs.write(cmd.toArray(), timeout);
            writing = false;
            String auth = o.password() != null ? cs.readLine(timeout) : "";
            String selected = select ? cs.readLine(timeout) : "";
            for (byte[] key : sent) {
                String reply = cs.readLine(timeout);
                replies++;
                String error = auth.startsWith("-") ? auth : selected.startsWith("-") ? selected : reply.startsWith("-") ? reply : null;
                if (error != null) {
                    if (!errorFromTarget) {
                        // The database selected on the target is no longer known.
                        cs.lastDbid = -1;
                        errorFromTarget = true;
                        c.reply.error("ERR Target instance replied with error: " + error.substring(1));
                    }
                } else {
                    if (!o.copy()) {
                        c.deleteKey(key);
                        deleted.add(key);
                    }
                }
            }
            propagateDeletions();
            if (!errorFromTarget) {
                cs.lastDbid = dbid;
                c.reply.ok();
            }
        }

        /** The keys the target acknowledged and this server deleted propagate as one DEL. */
        void propagateDeletions() {
            if (deleted.isEmpty()) return;
            byte[][] argv = new byte[deleted.size() + 1][];
            argv[0] = DEL;
            for (int i = 0; i < deleted.size(); i++) argv[i + 1] = deleted.get(i);
            c.rewritePropagation(argv);
        }

        private static void command(ByteSink out, String... args) {
            byte[][] a = new byte[args.length][];
            for (int i = 0; i < args.length; i++) a[i] = bytes(args[i]);
            out.putCommand(a);
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
