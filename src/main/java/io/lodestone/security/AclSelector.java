package io.lodestone.security;

import io.lodestone.command.CommandSpec;
import io.lodestone.util.Glob;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One set of permissions of a user (Redis 7.0's aclSelector): the commands it may run, the keys and
 * channels it may name. A user has a root selector and any number of {@code (...)} selectors; a
 * command is allowed when one of them allows all of it.
 */
final class AclSelector {
    static final int READ = 1, WRITE = 2, ALL = READ | WRITE;

    /** A key pattern with the access it grants (%R~, %W~ or ~). */
    static final class KeyPattern {
        final String pattern;
        final byte[] bytes;
        int flags;

        KeyPattern(String pattern, int flags) {
            this.pattern = pattern;
            this.bytes = pattern.getBytes(StandardCharsets.ISO_8859_1);
            this.flags = flags;
        }

        String describe() {
            return (flags == ALL ? "~" : flags == READ ? "%R~" : "%W~") + pattern;
        }
    }

    final boolean root;
    final AclCommandSet set;
    /** Allowed command ids. */
    BitSet allowed;
    /** +@all was the start: commands added later (by modules, in Redis) would be allowed too. */
    boolean future;
    /** Every command allowed, nothing removed since +@all: the check skips the bitmap. */
    boolean allCommands;
    boolean allKeys;
    boolean allChannels;
    /** Per command id, the first arguments allowed of an otherwise denied command (+select|0). */
    Map<Integer, LinkedHashSet<String>> firstArgs;
    final List<KeyPattern> keys = new ArrayList<>();
    final List<String> channels = new ArrayList<>();

    AclSelector(AclCommandSet set, boolean root, boolean pubsubAllChannels) {
        this.set = set;
        this.root = root;
        this.allowed = new BitSet(set.size());
        this.allChannels = pubsubAllChannels;
    }

    AclSelector copy() {
        AclSelector c = new AclSelector(set, root, allChannels);
        c.allowed = (BitSet) allowed.clone();
        c.future = future;
        c.allCommands = allCommands;
        c.allKeys = allKeys;
        if (firstArgs != null) {
            c.firstArgs = new HashMap<>();
            firstArgs.forEach((id, args) -> c.firstArgs.put(id, new LinkedHashSet<>(args)));
        }
        for (KeyPattern k : keys) c.keys.add(new KeyPattern(k.pattern, k.flags));
        c.channels.addAll(channels);
        return c;
    }

    /**
     * Applies one rule (Redis's ACLSetSelector); returns null, or the error Redis gives for it
     * (ACLSetUserStringError's text).
     */
    String apply(String op) {
        String lower = op.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "allkeys", "~*" -> {
                allKeys = true;
                keys.clear();
                return null;
            }
            case "resetkeys" -> {
                allKeys = false;
                keys.clear();
                return null;
            }
            case "allchannels", "&*" -> {
                allChannels = true;
                channels.clear();
                return null;
            }
            case "resetchannels" -> {
                allChannels = false;
                channels.clear();
                return null;
            }
            case "allcommands", "+@all" -> {
                allowed.set(0, set.size());
                future = true;
                allCommands = true;
                firstArgs = null;
                return null;
            }
            case "nocommands", "-@all" -> {
                allowed.clear();
                future = false;
                allCommands = false;
                firstArgs = null;
                return null;
            }
            default -> {
            }
        }
        if (op.isEmpty()) return Acl.SYNTAX_ERROR;
        char first = op.charAt(0);
        if (first == '~' || first == '%') return addKeyPattern(op);
        if (first == '&') {
            if (allChannels) return Acl.CHANNELS_AFTER_ALL;
            String pattern = op.substring(1);
            if (Acl.hasSpaces(pattern)) return Acl.SYNTAX_ERROR;
            if (!channels.contains(pattern)) channels.add(pattern);
            allChannels = false;
            return null;
        }
        boolean category = op.length() > 1 && op.charAt(1) == '@';
        if ((first == '+' || first == '-') && category) {
            int bit = AclCommandSet.category(op.substring(2));
            if (bit < 0) return Acl.UNKNOWN_COMMAND;
            setCategory(bit, first == '+');
            return null;
        }
        if (first == '+') return allowCommand(op.substring(1));
        if (first == '-') {
            CommandSpec cmd = set.lookup(op.substring(1));
            if (cmd == null) return Acl.UNKNOWN_COMMAND;
            changePerm(cmd, false);
            return null;
        }
        return Acl.SYNTAX_ERROR;
    }

    private String addKeyPattern(String op) {
        if (allKeys) return Acl.KEYS_AFTER_ALL;
        int flags = 0;
        int offset = 1;
        if (op.charAt(0) == '%') {
            for (; offset < op.length(); offset++) {
                char ch = Character.toUpperCase(op.charAt(offset));
                if (ch == 'R' && (flags & READ) == 0) {
                    flags |= READ;
                } else if (ch == 'W' && (flags & WRITE) == 0) {
                    flags |= WRITE;
                } else if (op.charAt(offset) == '~') {
                    offset++;
                    break;
                } else {
                    return Acl.SYNTAX_ERROR;
                }
            }
        } else {
            flags = ALL;
        }
        String pattern = op.substring(Math.min(offset, op.length()));
        if (Acl.hasSpaces(pattern)) return Acl.SYNTAX_ERROR;
        for (KeyPattern k : keys) {
            if (k.pattern.equals(pattern)) {
                k.flags |= flags;
                return null;
            }
        }
        keys.add(new KeyPattern(pattern, flags));
        allKeys = false;
        return null;
    }

    /** +cmd, +cmd|sub (a subcommand), or +cmd|arg (a first argument of a command without subcommands). */
    private String allowCommand(String name) {
        int bar = name.lastIndexOf('|');
        if (bar < 0) {
            CommandSpec cmd = set.lookup(name);
            if (cmd == null) return Acl.UNKNOWN_COMMAND;
            changePerm(cmd, true);
            return null;
        }
        CommandSpec cmd = set.lookup(name.substring(0, bar));
        if (cmd == null) return Acl.UNKNOWN_COMMAND;
        if (cmd.parent() != null) return Acl.FIRST_ARG_OF_SUBCOMMAND;
        String sub = name.substring(bar + 1);
        if (sub.isEmpty()) return Acl.SYNTAX_ERROR;
        if (!cmd.subcommands().isEmpty()) {
            CommandSpec subcommand = set.lookup(name);
            if (subcommand == null) return Acl.UNKNOWN_COMMAND;
            changePerm(subcommand, true);
            return null;
        }
        io.lodestone.util.Log.warning("Deprecation warning: Allowing a first arg of an otherwise blocked command is a"
                + " misuse of ACL and may get disabled in the future (offender: +" + name + ")");
        if (firstArgs == null) firstArgs = new HashMap<>();
        LinkedHashSet<String> args = firstArgs.computeIfAbsent(cmd.aclId, k -> new LinkedHashSet<>());
        for (String a : args) if (a.equalsIgnoreCase(sub)) return null;
        args.add(sub);
        return null;
    }

    /** Redis's ACLChangeSelectorPerm: the command, and a container's subcommands with it. */
    void changePerm(CommandSpec cmd, boolean allow) {
        setBit(cmd.aclId, allow);
        if (firstArgs != null) firstArgs.remove(cmd.aclId);
        for (CommandSpec sub : cmd.subcommands().values()) setBit(sub.aclId, allow);
    }

    private void setBit(int id, boolean allow) {
        if (allow) {
            allowed.set(id);
        } else {
            allowed.clear(id);
            allCommands = false;
        }
    }

    /** Redis's ACLSetSelectorCommandBitsForCategory: every command (and subcommand) of the category. */
    void setCategory(int bit, boolean allow) {
        long mask = 1L << bit;
        for (CommandSpec top : set.commands) {
            if (top.parent() != null) continue;
            if ((set.categories[top.aclId] & mask) != 0) changePerm(top, allow);
            for (CommandSpec sub : top.subcommands().values()) {
                if ((set.categories[sub.aclId] & mask) != 0) changePerm(sub, allow);
            }
        }
    }

    // ---- Checks ------------------------------------------------------------------------------------

    /** Whether the command may run (its bit, or an allowed first argument), ignoring keys and channels. */
    boolean mayRun(CommandSpec cmd, byte[][] argv, int argc) {
        if (allCommands || cmd.is(CommandSpec.NO_AUTH)) return true;
        if (allowed.get(cmd.aclId)) return true;
        if (argc < 2 || firstArgs == null) return false;
        LinkedHashSet<String> args = firstArgs.get(cmd.aclId);
        if (args == null) return false;
        int idx = cmd.parent() != null ? 2 : 1;
        if (idx >= argc) return false;
        String arg = new String(argv[idx], StandardCharsets.ISO_8859_1);
        for (String a : args) if (a.equalsIgnoreCase(arg)) return true;
        return false;
    }

    /** Redis's ACLSelectorCheckKey: {@code access} is READ and/or WRITE, as the key spec's flags say. */
    boolean mayAccessKey(byte[] key, int access) {
        if (allKeys) return true;
        for (KeyPattern k : keys) {
            if ((k.flags & access) != access) continue;
            if (Glob.match(k.bytes, key, false)) return true;
        }
        return false;
    }

    /** A channel named literally (PSUBSCRIBE's pattern must equal an allowed one) or matched by pattern. */
    boolean mayAccessChannel(byte[] channel, boolean literal) {
        if (allChannels) return true;
        return Acl.channelAllowed(channels, channel, literal);
    }

    // ---- Description -------------------------------------------------------------------------------

    /** Redis's ACLDescribeSelector: keys, channels, then the command rules. */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (allKeys) {
            b.append("~* ");
        } else {
            for (KeyPattern k : keys) b.append(k.describe()).append(' ');
        }
        if (allChannels) {
            b.append("&* ");
        } else {
            b.append("resetchannels ");
            for (String ch : channels) b.append('&').append(ch).append(' ');
        }
        return b.append(describeCommands()).toString();
    }

    String describeKeys() {
        if (allKeys) return "~*";
        StringBuilder b = new StringBuilder();
        for (KeyPattern k : keys) {
            if (b.length() > 0) b.append(' ');
            b.append(k.describe());
        }
        return b.toString();
    }

    String describeChannels() {
        if (allChannels) return "&*";
        StringBuilder b = new StringBuilder();
        for (String ch : channels) {
            if (b.length() > 0) b.append(' ');
            b.append('&').append(ch);
        }
        return b.toString();
    }

    /**
     * Redis's ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that best explain
     * the bitmap (each must agree with more commands than it contradicts), then single commands for
     * what is left, so that applying the rules rebuilds exactly this bitmap.
     */
    String describeCommands() {
        boolean additive = !future;
        StringBuilder rules = new StringBuilder(additive ? "-@all " : "+@all ");
        AclSelector fake = new AclSelector(set, false, false);
        fake.apply(additive ? "-@all" : "+@all");
        AclSelector temp = new AclSelector(set, false, false);
        temp.allowed = (BitSet) allowed.clone();
        boolean[] applied = new boolean[AclCommandSet.CATEGORIES.size()];
        while (true) {
            int best = -1;
            long minDiff = Integer.MAX_VALUE, maxSame = 0;
            for (int j = 0; j < applied.length; j++) {
                if (applied[j]) continue;
                long on = 0, off = 0, mask = 1L << j;
                for (int id = 0; id < set.size(); id++) {
                    if ((set.categories[id] & mask) == 0) continue;
                    if (temp.allowed.get(id)) on++;
                    else off++;
                }
                long diff = additive ? off : on, same = additive ? on : off;
                if (same > diff && (diff < minDiff || (diff == minDiff && same > maxSame))) {
                    best = j;
                    minDiff = diff;
                    maxSame = same;
                }
            }
            if (best < 0) break;
            fake.setCategory(best, additive);
            // The temporary bitmap gets the inverse, so the next round sees what is still unexplained.
            temp.setCategory(best, !additive);
            rules.append(additive ? "+@" : "-@").append(AclCommandSet.CATEGORIES.get(best)).append(' ');
            applied[best] = true;
        }
        for (CommandSpec top : set.commands) {
            if (top.parent() != null) continue;
            singleCommand(top, fake, rules);
            for (CommandSpec sub : top.subcommands().values()) singleCommand(sub, fake, rules);
        }
        rules.setLength(rules.length() - 1);
        return rules.toString();
    }

    private void singleCommand(CommandSpec cmd, AclSelector fake, StringBuilder rules) {
        boolean mine = allowed.get(cmd.aclId), theirs = fake.allowed.get(cmd.aclId);
        if (mine != theirs) {
            rules.append(mine ? '+' : '-').append(cmd.fullName()).append(' ');
            fake.changePerm(cmd, mine);
        }
        if (!mine && firstArgs != null && firstArgs.get(cmd.aclId) != null) {
            for (String a : firstArgs.get(cmd.aclId)) rules.append('+').append(cmd.fullName()).append('|').append(a).append(' ');
        }
    }
}
