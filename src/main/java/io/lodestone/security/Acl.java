package io.lodestone.security;

import io.lodestone.command.AccessControl;
import io.lodestone.command.Client;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.ServerContext;
import io.lodestone.util.Glob;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * Redis 7.0's ACL: the users (ordered by name, as Redis's radix tree lists them), the default user
 * every connection starts as, the permission check the dispatcher runs before each command, and the
 * ACL LOG of denials. The one owner of users: ACL SETUSER/DELUSER/LOAD, {@code user} lines of the
 * config file, {@code aclfile} and {@code requirepass} (the default user's password) all change them
 * here, on the command thread.
 */
public final class Acl implements AccessControl {
    static final String SYNTAX_ERROR = "Syntax error";
    static final String UNKNOWN_COMMAND = "Unknown command or category name in ACL";
    static final String KEYS_AFTER_ALL = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid"
            + " and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    static final String CHANNELS_AFTER_ALL = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not"
            + " valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    static final String NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist";
    static final String BAD_HASH = "The password hash must be exactly 64 characters and contain only lowercase"
            + " hexadecimal characters";
    static final String FIRST_ARG_OF_SUBCOMMAND = "Allowing first-arg of a subcommand is not supported";

    /** Why a command was refused, ordered as Redis picks the error to report among selectors. */
    static final int OK = 0, DENIED_CMD = 1, DENIED_KEY = 2, DENIED_AUTH = 3, DENIED_CHANNEL = 4;

    final ServerContext server;
    final AclCommandSet commands;
    final TreeMap<String, AclUser> users = new TreeMap<>();
    final AclUser defaultUser;
    final AclLog log = new AclLog();
    /** acl-pubsub-default: whether new users and selectors start with allchannels. */
    volatile boolean pubsubAllChannels;
    /** aclfile, or "" when users live in the config file. */
    volatile String aclFile = "";

    public Acl(ServerContext server) {
        this.server = server;
        this.commands = new AclCommandSet(server.commands);
        defaultUser = newDefaultUser();
        users.put("default", defaultUser);
    }

    /** Redis's ACLCreateDefaultUser: +@all ~* &* on nopass. */
    AclUser newDefaultUser() {
        AclUser u = new AclUser("default", commands, pubsubAllChannels);
        for (String op : List.of("+@all", "~*", "&*", "on", "nopass")) u.apply(op, pubsubAllChannels);
        return u;
    }

    AclUser newUser(String name) {
        return new AclUser(name, commands, pubsubAllChannels);
    }

    // ---- AccessControl -----------------------------------------------------------------------------

    @Override
    public boolean authRequired() {
        return !defaultUser.nopass || !defaultUser.enabled;
    }

    @Override
    public User defaultUser() {
        return defaultUser;
    }

    @Override
    public User user(String name) {
        return users.get(name);
    }

    @Override
    public User authenticate(Client c, String username, byte[] password) {
        AclUser u = users.get(username);
        if (u != null && u.enabled && u.passwordMatches(password)) return u;
        log.add(c, DENIED_AUTH, c.multi != null ? AclLog.CTX_MULTI : AclLog.CTX_TOPLEVEL,
                c.argv == null ? "AUTH" : str(c.argv[0]), username);
        return null;
    }

    @Override
    public String deny(Client c, CommandSpec cmd, byte[][] argv, int argc) {
        int result = checkAndLog(c, cmd, argv, argc, c.multi != null ? AclLog.CTX_MULTI : AclLog.CTX_TOPLEVEL);
        return switch (result) {
            case OK -> null;
            case DENIED_CMD -> "NOPERM this user has no permissions to run the '" + cmd.fullName() + "' command";
            case DENIED_KEY -> "NOPERM this user has no permissions to access one of the keys used as arguments";
            default -> "NOPERM this user has no permissions to access one of the channels used as arguments";
        };
    }

    @Override
    public String denyInExec(Client c, CommandSpec cmd, byte[][] argv, int argc) {
        String reason = switch (checkAndLog(c, cmd, argv, argc, AclLog.CTX_MULTI)) {
            case OK -> null;
            case DENIED_CMD -> "no permission to execute the command or subcommand";
            case DENIED_KEY -> "no permission to touch the specified keys";
            default -> "no permission to access one of the channels used as arguments";
        };
        return reason == null ? null : "NOPERM ACLs rules changed between the moment the transaction was accumulated"
                + " and the EXEC call. This command is no longer allowed for the following reason: " + reason;
    }

    @Override
    public String denyInScript(Client c, CommandSpec cmd, byte[][] argv, int argc) {
        return switch (checkAndLog(c, cmd, argv, argc, AclLog.CTX_LUA)) {
            case OK -> null;
            case DENIED_CMD -> "The user executing the script can't run this command or subcommand";
            case DENIED_KEY -> "The user executing the script can't access at least one of the keys mentioned in the command";
            default -> "The user executing the script can't publish to the channel mentioned in the command";
        };
    }

    @Override
    public boolean permits(User user, CommandSpec cmd, byte[][] argv, int argc) {
        AclUser u = (AclUser) user;
        if (u.selectors.size() == 1 && u.unrestricted()) return true;
        return check(u.selectors, cmd, argv, argc, new int[] {0}) == OK;
    }

    /** The check before a command runs, a denial logged in ACL LOG with its context. */
    private int checkAndLog(Client c, CommandSpec cmd, byte[][] argv, int argc, int context) {
        AclUser u = (AclUser) c.user;
        // The master's link and the AOF loader have no user in Redis: their commands are not checked.
        if ((u.selectors.size() == 1 && u.unrestricted()) || c.isMaster || c.isAofClient()) return OK;
        int[] pos = {0};
        int result = check(u.selectors, cmd, argv, argc, pos);
        if (result != OK) log.add(c, result, context, result == DENIED_CMD ? cmd.fullName() : str(argv[pos[0]]), u.name);
        return result;
    }

    @Override
    public boolean unrestrictedKeyAccess(Client c, CommandSpec cmd, byte[][] argv, int argc) {
        AclUser u = (AclUser) c.user;
        for (AclSelector s : u.selectors) {
            if (!s.allKeys && s.keys.stream().noneMatch(k -> k.pattern.equals("*") && (k.flags & AclSelector.READ) != 0)) {
                continue;
            }
            if (check(List.of(s), cmd, argv, argc, new int[1]) == OK) return true;
        }
        return false;
    }

    /**
     * Redis's ACLCheckAllUserCommandPerm: OK when one selector allows the whole command; else the
     * most relevant denial (a key or channel over the command itself, the last argument among equals),
     * its argument position in {@code pos[0]}.
     */
    int check(List<AclSelector> selectors, CommandSpec cmd, byte[][] argv, int argc, int[] pos) {
        int relevant = DENIED_CMD;
        int lastIdx = 0;
        List<CommandSpec.KeyRef> keys = null;
        for (AclSelector s : selectors) {
            int idx = 0;
            int result = OK;
            if (!s.mayRun(cmd, argv, argc)) {
                result = DENIED_CMD;
            } else {
                if (!s.allKeys && cmd.hasKeys()) {
                    if (keys == null) keys = cmd.keys(argv, argc);
                    for (CommandSpec.KeyRef k : keys) {
                        if (!s.mayAccessKey(argv[k.pos()], access(k.flags()))) {
                            result = DENIED_KEY;
                            idx = k.pos();
                            break;
                        }
                    }
                }
                if (result == OK && !s.allChannels) {
                    int[] ch = channelArgs(cmd, argc);
                    for (int j = ch[0]; j < ch[1]; j++) {
                        if (!s.mayAccessChannel(argv[j], ch[2] == 1)) {
                            result = DENIED_CHANNEL;
                            idx = j;
                            break;
                        }
                    }
                }
            }
            if (result == OK) return OK;
            if (result > relevant || (result == relevant && idx > lastIdx)) {
                relevant = result;
                lastIdx = idx;
            }
        }
        pos[0] = lastIdx;
        return relevant;
    }

    /** Key-spec flags to the access they need: reading for access, writing for insert/delete/update. */
    private static int access(List<String> flags) {
        int a = 0;
        for (String f : flags) {
            switch (f.toLowerCase(java.util.Locale.ROOT)) {
                case "access" -> a |= AclSelector.READ;
                case "insert", "delete", "update" -> a |= AclSelector.WRITE;
                default -> { }
            }
        }
        return a;
    }

    /** The channel arguments of a command: {from, to, literal}; {0, 0, 0} for commands without any. */
    private static int[] channelArgs(CommandSpec cmd, int argc) {
        return switch (cmd.fullName()) {
            case "publish", "spublish" -> new int[] {1, 2, 0};
            case "subscribe", "ssubscribe" -> new int[] {1, argc, 0};
            case "psubscribe" -> new int[] {1, argc, 1};
            default -> new int[] {0, 0, 0};
        };
    }

    static boolean channelAllowed(Collection<String> patterns, byte[] channel, boolean literal) {
        for (String p : patterns) {
            byte[] pb = p.getBytes(StandardCharsets.ISO_8859_1);
            if (literal ? java.util.Arrays.equals(pb, channel) : Glob.match(pb, channel, false)) return true;
        }
        return false;
    }

    // ---- Changing users ----------------------------------------------------------------------------

    /** requirepass: the default user's only password, or nopass when empty (Redis's ACLUpdateDefaultUserPassword). */
    public void defaultUserPassword(String password) {
        defaultUser.apply("resetpass", pubsubAllChannels);
        if (password != null && !password.isEmpty()) defaultUser.apply(">" + password, pubsubAllChannels);
        else defaultUser.apply("nopass", pubsubAllChannels);
    }

    public void pubsubDefault(boolean allChannels) {
        pubsubAllChannels = allChannels;
    }

    public void aclFile(String file) {
        aclFile = file == null ? "" : file;
    }

    public void logMaxLen(long n) {
        log.maxLen = n;
    }

    /**
     * Applies rules to a copy of {@code name} (or a new user) and installs it only if every rule is valid
     * (Redis's ACL SETUSER): null, or the error of the first rule that failed.
     */
    String setUser(String name, List<String> rules) {
        AclUser existing = users.get(name);
        AclUser staged = existing == null ? newUser(name) : existing.copy(name);
        for (String rule : rules) {
            String error = staged.apply(rule, pubsubAllChannels);
            if (error != null) return "ERR Error in ACL SETUSER modifier '" + rule + "': " + error;
        }
        if (existing != null) {
            killPubsubClientsIfNeeded(staged, existing);
            existing.copyFrom(staged);
        } else {
            users.put(name, staged);
        }
        return null;
    }

    /** ACL DELUSER: the user goes, and every connection authenticated as it is closed. */
    boolean deleteUser(String name, Client current) {
        AclUser u = users.remove(name);
        if (u == null) return false;
        killClientsOf(u, current);
        return true;
    }

    /** Redis's ACLFreeUserAndKillClients: the caller gets its reply first, then is closed. */
    void killClientsOf(AclUser u, Client current) {
        for (Client c : new ArrayList<>(server.clients.all())) {
            if (c.user != u) continue;
            c.user = defaultUser;
            c.authenticated = false;
            if (c == current) c.closing = true;
            else if (c.conn != null) c.conn.closeNow();
        }
    }

    /**
     * Redis's ACLKillPubsubClientsIfNeeded: subscribers of {@code original} whose channels or
     * patterns the new rules no longer allow are disconnected.
     */
    private void killPubsubClientsIfNeeded(AclUser next, AclUser original) {
        List<String> upcoming = new ArrayList<>();
        for (AclSelector s : next.selectors) {
            if (s.allChannels) return;
            upcoming.addAll(s.channels);
        }
        boolean superset = true;
        for (AclSelector s : original.selectors) {
            if (s.allChannels || !upcoming.containsAll(s.channels)) {
                superset = false;
                break;
            }
        }
        if (superset) return;
        for (Client c : new ArrayList<>(server.clients.all())) {
            if (c.user != original || !c.subscriptions.mode || c.conn == null) continue;
            boolean kill = false;
            for (var p : c.subscriptions.patterns()) kill |= !channelAllowed(upcoming, p.bytes(), true);
            for (var ch : c.subscriptions.channels()) kill |= !channelAllowed(upcoming, ch.bytes(), false);
            for (var ch : c.subscriptions.shardChannels()) kill |= !channelAllowed(upcoming, ch.bytes(), false);
            if (kill) c.conn.closeNow();
        }
    }

    /** ACL LIST / ACL SAVE / CONFIG REWRITE: one "user name rules" line per user, in name order. */
    public List<String> userLines() {
        List<String> lines = new ArrayList<>();
        for (AclUser u : users.values()) lines.add("user " + u.name + " " + u.describe());
        return lines;
    }

    /** CONFIG REWRITE's user lines: none when the users live in the aclfile. */
    public List<String> userLinesForConfig() {
        return aclFile.isEmpty() ? userLines() : new ArrayList<>();
    }

    static boolean hasSpaces(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == 0 || Character.isWhitespace(ch) || ch == 0x0b) return true;
        }
        return false;
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
