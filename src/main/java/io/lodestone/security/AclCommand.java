package io.lodestone.security;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Subcommands;
import io.lodestone.protocol.Reply;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The ACL command (Redis's aclCommand): one handler per subcommand of Redis 7.0's table. */
public final class AclCommand {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int GENPASS_MAX_BITS = 4096;

    private final Acl acl;

    private AclCommand(Acl acl) {
        this.acl = acl;
    }

    public static void register(CommandTable t, Acl acl) {
        AclCommand a = new AclCommand(acl);
        t.handle("acl|setuser", a::setUser);
        t.handle("acl|deluser", a::delUser);
        t.handle("acl|getuser", a::getUser);
        t.handle("acl|list", c -> a.list(c, false));
        t.handle("acl|users", c -> a.list(c, true));
        t.handle("acl|whoami", c -> c.reply.bulk(c.user.name()));
        t.handle("acl|cat", a::cat);
        t.handle("acl|genpass", AclCommand::genpass);
        t.handle("acl|log", a::log);
        t.handle("acl|dryrun", a::dryrun);
        t.handle("acl|load", a::load);
        t.handle("acl|save", a::save);
        t.handle("acl|help", Subcommands.help("ACL",
                "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]",
                "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>",
                "    Get the user's details.",
                "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST",
                "    Show users details in config file format.",
                "LOAD",
                "    Reload users from the ACL file.",
                "LOG [<count> | RESET]",
                "    Show the ACL log entries.",
                "SAVE",
                "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS",
                "    List all the registered usernames.",
                "WHOAMI",
                "    Return the current connection username."));
    }

    private void setUser(Client c) {
        for (int j = 2; j < c.argc; j++) c.redactArgument(j);
        String name = Acl.str(c.argv[2]);
        if (Acl.hasSpaces(name)) throw new CommandError("ERR Usernames can't contain spaces or null characters");
        List<String> args = new ArrayList<>();
        for (int j = 3; j < c.argc; j++) args.add(Acl.str(c.argv[j]));
        List<String> rules = mergeSelectors(args);
        if (rules == null) {
            throw new CommandError("ERR Unmatched parenthesis in acl selector starting at '" + unmatched(args) + "'.");
        }
        String error = acl.setUser(name, rules);
        if (error != null) throw new CommandError(error);
        c.reply.ok();
    }

    /**
     * Redis's ACLMergeSelectorArguments: a selector may be spread over several arguments, "(+get" "~k)".
     * Null when a parenthesis opened is never closed.
     */
    static List<String> mergeSelectors(List<String> args) {
        List<String> out = new ArrayList<>();
        StringBuilder selector = null;
        for (String op : args) {
            if (selector == null && op.startsWith("(") && !op.endsWith(")")) {
                selector = new StringBuilder(op);
                continue;
            }
            if (selector != null) {
                selector.append(' ').append(op);
                if (op.endsWith(")")) {
                    out.add(selector.toString());
                    selector = null;
                }
                continue;
            }
            out.add(op);
        }
        return selector == null ? out : null;
    }

    /**
     * The argument Redis names in the unmatched-parenthesis error. Redis indexes argv with the position
     * within the rules, so it names the argument that many places after ACL: kept for identical replies.
     */
    private static String unmatched(List<String> args) {
        int start = -1;
        for (int j = 0; j < args.size(); j++) {
            String op = args.get(j);
            if (start < 0 && op.startsWith("(") && !op.endsWith(")")) start = j;
            else if (start >= 0 && op.endsWith(")")) start = -1;
        }
        return start < 0 ? "" : args.get(start);
    }

    private void delUser(Client c) {
        for (int j = 2; j < c.argc; j++) {
            if (Acl.str(c.argv[j]).equals("default")) throw new CommandError("ERR The 'default' user cannot be removed");
        }
        int deleted = 0;
        for (int j = 2; j < c.argc; j++) if (acl.deleteUser(Acl.str(c.argv[j]), c)) deleted++;
        c.reply.integer(deleted);
    }

    private void getUser(Client c) {
        AclUser u = acl.users.get(Acl.str(c.argv[2]));
        if (u == null) {
            c.reply.nullBulk(); // Redis 7.0: an unknown user is a null reply, not an error
            return;
        }
        Reply r = c.reply;
        r.map(6);
        r.bulk("flags");
        List<String> flags = u.flags();
        r.set(flags.size());
        for (String f : flags) r.bulk(f);
        r.bulk("passwords");
        r.array(u.passwords.size());
        for (String p : u.passwords) r.bulk(p);
        selector(r, u.root());
        r.bulk("selectors");
        r.array(u.selectors.size() - 1);
        for (int i = 1; i < u.selectors.size(); i++) {
            r.map(3);
            selector(r, u.selectors.get(i));
        }
    }

    private static void selector(Reply r, AclSelector s) {
        r.bulk("commands");
        r.bulk(s.describeCommands());
        r.bulk("keys");
        r.bulk(s.describeKeys());
        r.bulk("channels");
        r.bulk(s.describeChannels());
    }

    private void list(Client c, boolean namesOnly) {
        c.reply.array(acl.users.size());
        for (AclUser u : acl.users.values()) {
            c.reply.bulk(namesOnly ? u.name : "user " + u.name + " " + u.describe());
        }
    }

    private void cat(Client c) {
        if (c.argc == 2) {
            c.reply.array(AclCommandSet.CATEGORIES.size());
            for (String cat : AclCommandSet.CATEGORIES) c.reply.bulk(cat);
            return;
        }
        if (c.argc != 3) throw Subcommands.syntaxError(c);
        String name = Args.str(c.argv[2]);
        int bit = AclCommandSet.category(name);
        if (bit < 0) {
            throw new CommandError("ERR Unknown category '" + (name.length() > 128 ? name.substring(0, 128) : name) + "'");
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec s : acl.commands.commands) {
            if ((acl.commands.categories[s.aclId] & (1L << bit)) != 0) names.add(s.fullName());
        }
        c.reply.array(names.size());
        for (String n : names) c.reply.bulk(n);
    }

    private static void genpass(Client c) {
        if (c.argc > 3) throw Subcommands.syntaxError(c);
        long bits = 256;
        if (c.argc == 3) bits = Args.parseLong(c.argv[2]);
        if (bits <= 0 || bits > GENPASS_MAX_BITS) {
            throw new CommandError("ERR ACL GENPASS argument must be the number of bits for the output password,"
                    + " a positive number up to " + GENPASS_MAX_BITS);
        }
        int chars = (int) ((bits + 3) / 4);
        byte[] random = new byte[(chars + 1) / 2];
        RANDOM.nextBytes(random);
        c.reply.bulk(HexFormat.of().formatHex(random).substring(0, chars));
    }

    private void log(Client c) {
        if (c.argc > 3) throw Subcommands.syntaxError(c);
        long count = 10;
        if (c.argc == 3) {
            if (Args.is(c.argv[2], "reset")) {
                acl.log.reset();
                c.reply.ok();
                return;
            }
            count = Args.parseLong(c.argv[2]);
        }
        acl.log.reply(c.reply, count);
    }

    private void dryrun(Client c) {
        AclUser u = acl.users.get(Acl.str(c.argv[2]));
        if (u == null) throw new CommandError("ERR User '" + Args.str(c.argv[2]) + "' not found");
        byte[][] argv = java.util.Arrays.copyOfRange(c.argv, 3, c.argc);
        CommandSpec cmd = acl.commands.lookup(Args.str(argv[0]));
        if (cmd != null && !cmd.subcommands().isEmpty()) {
            cmd = argv.length >= 2 ? CommandTable.lookupSub(cmd, argv[1]) : null;
        }
        if (cmd == null) {
            throw new CommandError("ERR Command '" + Args.str(argv[0]) + "' not found");
        }
        if (!cmd.arityOk(argv.length)) throw new CommandError(io.lodestone.command.Errors.wrongArity(cmd.fullName()));
        int[] pos = {0};
        int result = acl.check(u.selectors, cmd, argv, argv.length, pos);
        switch (result) {
            case Acl.OK -> c.reply.ok();
            case Acl.DENIED_CMD -> c.reply.bulk("This user has no permissions to run the '" + cmd.fullName() + "' command");
            case Acl.DENIED_KEY -> c.reply.bulk("This user has no permissions to access the '" + Args.str(argv[pos[0]])
                    + "' key");
            default -> c.reply.bulk("This user has no permissions to access the '" + Args.str(argv[pos[0]]) + "' channel");
        }
    }

    private static final String NO_ACL_FILE = "ERR This Redis instance is not configured to use an ACL file. You may"
            + " want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have"
            + " a Redis configuration file set) in order to store users in the Redis configuration.";

    private void load(Client c) {
        if (acl.aclFile.isEmpty()) throw new CommandError(NO_ACL_FILE);
        String errors = AclFile.load(acl, acl.aclFile, c);
        if (errors != null) throw new CommandError("ERR " + errors);
        c.reply.ok();
    }

    private void save(Client c) {
        if (acl.aclFile.isEmpty()) throw new CommandError(NO_ACL_FILE);
        if (!AclFile.save(acl, acl.aclFile)) {
            throw new CommandError("ERR There was an error trying to save the ACLs. Please check the server logs for"
                    + " more information");
        }
        c.reply.ok();
    }
}
