package io.lodestone.command.connection;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.ClientPause;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Subcommands;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** CLIENT ID, SETNAME, GETNAME, LIST, INFO, KILL, NO-EVICT, REPLY, UNBLOCK, PAUSE, UNPAUSE, HELP. */
public final class ClientCommand {
    private ClientCommand() {
    }

    static void register(CommandTable t) {
        t.handle("client|id", c -> c.reply.integer(c.id));
        t.handle("client|setname", ClientCommand::setName);
        t.handle("client|getname", c -> c.reply.bulkOrNull(c.name == null ? null : Args.bytes(c.name)));
        t.handle("client|list", ClientCommand::list);
        t.handle("client|info", c -> c.reply.verbatim(describe(c, c)));
        t.handle("client|kill", ClientCommand::kill);
        t.handle("client|no-evict", ClientCommand::noEvict);
        t.handle("client|reply", ClientCommand::reply);
        t.handle("client|unblock", ClientCommand::unblock);
        t.handle("client|pause", ClientCommand::pause);
        TrackingCommands.register(t);
        t.handle("client|unpause", c -> {
            c.server.pause.unpause(ClientPause.Purpose.CLIENT_COMMAND);
            c.reply.ok();
        });
        t.handle("client|help", HELP);
    }

    /** Redis allows only printable ASCII without spaces in client names. */
    static void validateName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < '!' || ch > '~') {
                throw new CommandError("ERR Client names cannot contain spaces, newlines or special characters.");
            }
        }
    }

    static void setName(Client c) {
        String name = Args.str(c.argv[2]);
        validateName(name);
        c.name = name.isEmpty() ? null : name;
        c.reply.ok();
    }

    /** ON replies +OK; OFF and SKIP themselves get no reply, as in Redis. */
    static void reply(Client c) {
        if (Args.is(c.argv[2], "on")) {
            // Clears a SKIP given just before too, so this very reply is sent (Redis clears both flags).
            c.replyOff = false;
            c.replySkip = false;
            c.replySkipNext = false;
            c.reply.silence(false); // this very reply is the first one heard again
            c.reply.ok();
        } else if (Args.is(c.argv[2], "off")) {
            c.replyOff = true;
        } else if (Args.is(c.argv[2], "skip")) {
            if (!c.replyOff) c.replySkipNext = true;
        } else {
            throw Errors.syntax();
        }
    }

    static void noEvict(Client c) {
        if (Args.is(c.argv[2], "on")) c.noEvict = true;
        else if (Args.is(c.argv[2], "off")) c.noEvict = false;
        else throw Errors.syntax();
        c.reply.ok();
    }

    static void list(Client c) {
        Set<Long> ids = null;
        String type = null;
        for (int i = 2; i < c.argc; i++) {
            if (Args.is(c.argv[i], "type") && i + 1 < c.argc) {
                type = clientType(c.argv[++i]);
            } else if (Args.is(c.argv[i], "id") && i + 1 < c.argc) {
                ids = new HashSet<>();
                for (i = i + 1; i < c.argc; i++) {
                    long id;
                    try {
                        id = Args.parseLong(c.argv[i]);
                    } catch (CommandError e) {
                        throw new CommandError("ERR Invalid client ID");
                    }
                    if (id <= 0) throw new CommandError("ERR Invalid client ID");
                    ids.add(id);
                }
            } else {
                throw Errors.syntax();
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Client other : c.server.clients.all()) {
            if (ids != null && !ids.contains(other.id)) continue;
            if (type != null && !type.equals(other.type())) continue;
            sb.append(describe(c, other));
        }
        c.reply.verbatim(sb.toString());
    }

    /** Redis's getClientTypeByName: the name {@link Client#type} gives that type ("replica" is "slave"). */
    private static String clientType(byte[] name) {
        if (Args.is(name, "normal")) return "normal";
        if (Args.is(name, "master")) return "master";
        if (Args.is(name, "slave") || Args.is(name, "replica")) return "slave";
        if (Args.is(name, "pubsub")) return "pubsub";
        throw new CommandError("ERR Unknown client type '" + Args.str(name) + "'");
    }

    /** One CLIENT LIST line, fields in Redis 7.0's order. */
    public static String describe(Client self, Client c) {
        long now = System.currentTimeMillis();
        String cmd = c.lastCmd == null ? "NULL" : c.lastCmd.fullName();
        return "id=" + c.id
                + " addr=" + c.conn.remoteAddress()
                + " laddr=" + c.conn.localAddress()
                + " fd=" + c.conn.fd()
                + " name=" + (c.name == null ? "" : c.name)
                + " age=" + (now - c.createdMs) / 1000
                + " idle=" + (now - c.lastInteractionMs) / 1000
                + " flags=" + flags(c)
                + " db=" + c.dbIndex()
                + " sub=" + c.subscriptions.channelCount()
                + " psub=" + c.subscriptions.patternCount()
                + " ssub=" + c.subscriptions.shardChannelCount()
                + " multi=" + (c.multi == null ? -1 : c.multi.commands.size())
                + " qbuf=" + c.conn.queryBufferLength()
                + " qbuf-free=" + c.conn.queryBufferFree()
                + " argv-mem=" + c.conn.argvMemory()
                + " multi-mem=" + (c.multi == null ? 0 : c.multi.argvBytes())
                + " rbs=" + c.reply.bufferSize()
                + " rbp=" + c.reply.bufferPeak()
                + " obl=" + (c.replicaPeer != null ? 0 : c.reply.bufferUsed())
                + " oll=" + c.conn.outputListLength()
                + " omem=" + c.outputMemory()
                + " tot-mem=" + c.memoryUsage()
                + " events=r"
                + " cmd=" + cmd
                + " user=" + c.user.name()
                + " redir=-1"
                + " resp=" + c.reply.protocol()
                + "\n";
    }

    /** CLIENT LIST flags, in Redis's order; N when none applies. */
    private static String flags(Client c) {
        StringBuilder f = new StringBuilder();
        if (c.monitor) f.append('O');
        else if (c.replicaPeer != null) f.append('S');
        if (c.isMaster) f.append('M');
        if (c.subscriptions.mode) f.append('P');
        if (c.multi != null) f.append('x');
        if (c.blocked != null) f.append('b');
        if (c.dirtyCas) f.append('d');
        if (c.closing) f.append('c');
        if (c.conn.unixSocket()) f.append('U');
        if (c.noEvict) f.append('e');
        if (c.tracking != null && c.tracking.on) f.append('t');
        if (c.tracking != null && c.tracking.brokenRedirect) f.append('R');
        if (c.tracking != null && c.tracking.bcast) f.append('B');
        return f.length() == 0 ? "N" : f.toString();
    }

    /** CLIENT PAUSE timeout-ms [WRITE|ALL]: ALL unless told; a pause already on is only extended. */
    static void pause(Client c) {
        ClientPause.Type type = ClientPause.Type.ALL;
        if (c.argc == 4) {
            if (Args.is(c.argv[3], "write")) type = ClientPause.Type.WRITE;
            else if (!Args.is(c.argv[3], "all")) throw new CommandError("ERR CLIENT PAUSE mode must be WRITE or ALL");
        }
        // Redis's getTimeoutFromObjectOrReply in milliseconds: 0 is a pause that has already ended.
        long ms = Args.parseLong(c.argv[2], "ERR timeout is not an integer or out of range");
        if (ms < 0) throw new CommandError("ERR timeout is negative");
        long now = System.currentTimeMillis();
        if (ms > Long.MAX_VALUE - now) throw new CommandError("ERR timeout is out of range");
        c.server.pause.pause(ClientPause.Purpose.CLIENT_COMMAND, type, ms == 0 ? 0 : now + ms);
        c.reply.ok();
    }

    /** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked and is now served. */
    static void unblock(Client c) {
        long id = Args.parseLong(c.argv[2]);
        boolean error = false;
        if (c.argc == 4) {
            if (Args.is(c.argv[3], "error")) error = true;
            else if (!Args.is(c.argv[3], "timeout")) {
                throw new CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            }
        }
        Client target = c.server.clients.get(id);
        c.reply.integer(target != null && c.server.blocking.unblockByRequest(target, error) ? 1 : 0);
    }

    static void kill(Client c) {
        if (c.argc == 3) {
            String addr = Args.str(c.argv[2]);
            for (Client other : new ArrayList<>(c.server.clients.all())) {
                if (other.conn.remoteAddress().equals(addr)) {
                    killClient(c, other);
                    c.reply.ok();
                    return;
                }
            }
            throw new CommandError("ERR No such client");
        }
        if (c.argc % 2 != 0) throw Errors.syntax();
        Long id = null;
        String type = null, user = null, addr = null, laddr = null;
        boolean skipMe = true;
        for (int i = 2; i < c.argc; i += 2) {
            byte[] opt = c.argv[i];
            String val = Args.str(c.argv[i + 1]);
            if (Args.is(opt, "id")) {
                long v;
                try {
                    v = Args.parseLong(c.argv[i + 1]);
                } catch (CommandError e) {
                    throw new CommandError("ERR client-id should be greater than 0");
                }
                if (v <= 0) throw new CommandError("ERR client-id should be greater than 0");
                id = v;
            } else if (Args.is(opt, "type")) {
                type = clientType(c.argv[i + 1]);
            } else if (Args.is(opt, "user")) {
                if (c.server.access.user(val) == null) throw new CommandError("ERR No such user '" + val + "'");
                user = val;
            } else if (Args.is(opt, "addr")) {
                addr = val;
            } else if (Args.is(opt, "laddr")) {
                laddr = val;
            } else if (Args.is(opt, "skipme")) {
                if (Args.is(c.argv[i + 1], "yes")) skipMe = true;
                else if (Args.is(c.argv[i + 1], "no")) skipMe = false;
                else throw Errors.syntax();
            } else {
                throw Errors.syntax();
            }
        }
        List<Client> victims = new ArrayList<>();
        for (Client other : c.server.clients.all()) {
            if (id != null && other.id != id) continue;
            if (type != null && !type.equals(other.type())) continue;
            if (user != null && !user.equals(other.user.name())) continue;
            if (addr != null && !addr.equals(other.conn.remoteAddress())) continue;
            if (laddr != null && !laddr.equals(other.conn.localAddress())) continue;
            if (skipMe && other == c) continue;
            victims.add(other);
        }
        for (Client v : victims) killClient(c, v);
        c.reply.integer(victims.size());
    }

    /** Killing oneself lets the reply go out first, as Redis does. */
    private static void killClient(Client self, Client victim) {
        if (victim == self) self.closing = true;
        else victim.conn.closeNow();
    }

    private static final CommandHandler HELP = Subcommands.help("CLIENT",
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.");
}
