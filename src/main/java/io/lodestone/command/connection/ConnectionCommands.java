package io.lodestone.command.connection;

import io.lodestone.command.AccessControl;
import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.protocol.Reply;
import io.lodestone.util.Version;


/** PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO and the CLIENT subcommands. */
public final class ConnectionCommands {
    private ConnectionCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("ping", ConnectionCommands::ping);
        t.handle("echo", c -> c.reply.bulk(c.argv[1]));
        t.handle("quit", ConnectionCommands::quit);
        t.handle("reset", ConnectionCommands::reset);
        t.handle("select", ConnectionCommands::select);
        t.handle("auth", ConnectionCommands::auth);
        t.handle("hello", ConnectionCommands::hello);
        ClientCommand.register(t);
    }

    private static final byte[] PONG_LOWER = {'p', 'o', 'n', 'g'};

    static void ping(Client c) {
        if (c.argc > 2) throw new CommandError(Errors.wrongArity("ping"));
        if (c.subscriptions.mode && c.reply.protocol() == 2) {
            // Not a representation choice: a subscribed RESP2 connection reads only arrays, so
            // Redis answers there with a message-shaped [pong, argument-or-empty].
            c.reply.array(2);
            c.reply.bulk(PONG_LOWER);
            c.reply.bulk(c.argc == 1 ? new byte[0] : c.argv[1]);
        } else if (c.argc == 1) {
            c.reply.raw(Reply.PONG);
        } else {
            c.reply.bulk(c.argv[1]);
        }
    }

    static void quit(Client c) {
        c.reply.ok();
        c.closing = true;
    }

    /** RESET: the connection's state back to that of a new connection. */
    static void reset(Client c) {
        // Redis's clearClientConnectionState: a transaction being queued goes too, with its WATCHes.
        c.server.dispatcher.discardTransaction(c);
        c.server.pubsub.unsubscribeAll(c);
        c.server.tracking.disable(c);
        c.server.monitors.remove(c);
        c.select(0);
        c.reply.protocol(2);
        c.name = null;
        c.noEvict = false;
        c.replyOff = false;
        c.replySkipNext = false;
        c.authenticated = !c.server.authRequired();
        c.user = c.server.access.defaultUser();
        c.reply.simple("RESET");
    }

    static void select(Client c) {
        long id = Args.parseLong(c.argv[1]);
        if (id < 0 || id >= c.server.keyspace.databases() || id > Integer.MAX_VALUE) {
            throw new CommandError(Errors.DB_INDEX);
        }
        c.select((int) id);
        c.reply.ok();
    }

    static void auth(Client c) {
        for (int j = 1; j < c.argc; j++) c.redactArgument(j); // user and password stay out of the slow log
        if (c.argc > 3) throw Errors.syntax();
        if (c.argc == 2 && !c.server.authRequired()) {
            throw new CommandError("ERR AUTH <password> called without any password configured for the default user."
                    + " Are you sure your configuration is correct?");
        }
        String user = c.argc == 3 ? new String(c.argv[1], java.nio.charset.StandardCharsets.ISO_8859_1) : "default";
        byte[] pass = c.argv[c.argc - 1];
        AccessControl.User u = c.server.access.authenticate(c, user, pass);
        if (u == null) throw new CommandError(Errors.WRONGPASS);
        c.authenticated = true;
        c.user = u;
        c.reply.ok();
    }

    static void hello(Client c) {
        int protocol = c.reply.protocol();
        int next = 1;
        if (c.argc >= 2) {
            long ver = Args.parseLong(c.argv[1], "ERR Protocol version is not an integer or out of range");
            next = 2;
            if (ver < 2 || ver > 3) throw new CommandError("NOPROTO unsupported protocol version");
            protocol = (int) ver;
        }
        String authUser = null;
        byte[] authPass = null;
        String setName = null;
        for (int j = next; j < c.argc; j++) {
            int more = c.argc - j - 1;
            if (Args.is(c.argv[j], "auth") && more >= 2) {
                c.redactArgument(j + 1);
                c.redactArgument(j + 2);
                authUser = new String(c.argv[j + 1], java.nio.charset.StandardCharsets.ISO_8859_1);
                authPass = c.argv[j + 2];
                j += 2;
            } else if (Args.is(c.argv[j], "setname") && more >= 1) {
                setName = Args.str(c.argv[j + 1]);
                ClientCommand.validateName(setName);
                j += 1;
            } else {
                throw new CommandError("ERR Syntax error in HELLO option '" + Args.str(c.argv[j]) + "'");
            }
        }
        if (authUser != null) {
            AccessControl.User u = c.server.access.authenticate(c, authUser, authPass);
            if (u == null) throw new CommandError(Errors.WRONGPASS);
            c.authenticated = true;
            c.user = u;
        }
        if (!c.authenticated && c.server.authRequired()) {
            throw new CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the"
                    + " HELLO AUTH <user> <pass> option can be used to authenticate the client and select"
                    + " the RESP protocol version at the same time");
        }
        if (setName != null) c.name = setName.isEmpty() ? null : setName;
        c.reply.protocol(protocol);
        Reply r = c.reply;
        r.map(7);
        r.bulk("server");
        r.bulk("redis");
        r.bulk("version");
        r.bulk(Version.REDIS_VERSION);
        r.bulk("proto");
        r.integer(protocol);
        r.bulk("id");
        r.integer(c.id);
        r.bulk("mode");
        r.bulk("standalone");
        r.bulk("role");
        r.bulk(c.server.roleName());
        r.bulk("modules");
        r.emptyArray();
    }
}
