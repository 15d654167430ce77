package io.lodestone.security;

import io.lodestone.command.AccessControl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An ACL user (Redis 7.0's user): on/off, passwords kept as SHA-256 hex, nopass, the payload
 * sanitization flag, and its selectors, the first of which is the root one that rules outside
 * parentheses change.
 */
final class AclUser implements AccessControl.User {
    final String name;
    boolean enabled;
    boolean nopass;
    /** null: sanitize-payload was never said (Redis shows neither flag); true/false: the flag given. */
    Boolean sanitizePayload;
    final List<String> passwords = new ArrayList<>();
    final List<AclSelector> selectors = new ArrayList<>();
    private final AclCommandSet set;

    AclUser(String name, AclCommandSet set, boolean pubsubAllChannels) {
        this.name = name;
        this.set = set;
        selectors.add(new AclSelector(set, true, pubsubAllChannels));
    }

    @Override
    public String name() {
        return name;
    }

    AclSelector root() {
        return selectors.get(0);
    }

    /** Every rule and flag of {@code other}, under this user's name (Redis's ACLCopyUser). */
    void copyFrom(AclUser other) {
        enabled = other.enabled;
        nopass = other.nopass;
        sanitizePayload = other.sanitizePayload;
        passwords.clear();
        passwords.addAll(other.passwords);
        selectors.clear();
        for (AclSelector s : other.selectors) selectors.add(s.copy());
    }

    AclUser copy(String as) {
        AclUser u = new AclUser(as, set, false);
        u.copyFrom(this);
        return u;
    }

    /**
     * One rule of ACL SETUSER or a {@code user} line (Redis's ACLSetUser); null, or the error text.
     * {@code pubsubAllChannels} is acl-pubsub-default, which {@code reset} and new selectors start from.
     */
    String apply(String op, boolean pubsubAllChannels) {
        if (op.isEmpty()) return null;
        String lower = op.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "on" -> enabled = true;
            case "off" -> enabled = false;
            case "skip-sanitize-payload" -> sanitizePayload = false;
            case "sanitize-payload" -> sanitizePayload = true;
            case "nopass" -> {
                nopass = true;
                passwords.clear();
            }
            case "resetpass" -> {
                nopass = false;
                passwords.clear();
            }
            case "clearselectors" -> selectors.subList(1, selectors.size()).clear();
            case "reset" -> {
                apply("resetpass", pubsubAllChannels);
                apply("resetkeys", pubsubAllChannels);
                apply("resetchannels", pubsubAllChannels);
                if (pubsubAllChannels) apply("allchannels", pubsubAllChannels);
                apply("off", pubsubAllChannels);
                apply("sanitize-payload", pubsubAllChannels);
                apply("clearselectors", pubsubAllChannels);
                apply("-@all", pubsubAllChannels);
            }
            default -> {
                return applyValued(op, pubsubAllChannels);
            }
        }
        return null;
    }

    private String applyValued(String op, boolean pubsubAllChannels) {
        char first = op.charAt(0);
        if (first == '>' || first == '#') {
            String hash;
            if (first == '>') {
                hash = hash(op.substring(1).getBytes(StandardCharsets.ISO_8859_1));
            } else {
                hash = op.substring(1);
                if (!validHash(hash)) return Acl.BAD_HASH;
            }
            if (!passwords.contains(hash)) passwords.add(hash);
            nopass = false;
            return null;
        }
        if (first == '<' || first == '!') {
            String hash;
            if (first == '<') {
                hash = hash(op.substring(1).getBytes(StandardCharsets.ISO_8859_1));
            } else {
                hash = op.substring(1);
                if (!validHash(hash)) return Acl.BAD_HASH;
            }
            if (!passwords.remove(hash)) return Acl.NO_SUCH_PASSWORD;
            return null;
        }
        if (first == '(' && op.charAt(op.length() - 1) == ')') {
            AclSelector s = new AclSelector(set, false, pubsubAllChannels);
            for (String rule : io.lodestone.util.SplitArgs.split(op.substring(1, op.length() - 1))) {
                String error = s.apply(rule);
                if (error != null) return error;
            }
            selectors.add(s);
            return null;
        }
        return root().apply(op);
    }

    /** Whether {@code password} is one of this user's (any is, for nopass), compared in constant time. */
    boolean passwordMatches(byte[] password) {
        if (nopass) return true;
        byte[] hashed = hash(password).getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (String p : passwords) match |= MessageDigest.isEqual(hashed, p.getBytes(StandardCharsets.US_ASCII));
        return match;
    }

    /** Redis's ACLDescribeUser: the rules that recreate this user, as ACL LIST and ACL SAVE write them. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (String flag : flags()) b.append(flag).append(' ');
        for (String p : passwords) b.append('#').append(p).append(' ');
        for (AclSelector s : selectors) {
            if (s.root) b.append(s.describe());
            else b.append(" (").append(s.describe()).append(')');
        }
        return b.toString();
    }

    /** The flags in Redis's order (ACLUserFlags). */
    List<String> flags() {
        List<String> f = new ArrayList<>();
        f.add(enabled ? "on" : "off");
        if (nopass) f.add("nopass");
        if (Boolean.FALSE.equals(sanitizePayload)) f.add("skip-sanitize-payload");
        if (Boolean.TRUE.equals(sanitizePayload)) f.add("sanitize-payload");
        return f;
    }

    /** Whether the user can run anything on any key and channel: the dispatcher's fast path. */
    boolean unrestricted() {
        AclSelector r = root();
        return r.allCommands && r.allKeys && r.allChannels;
    }

    static String hash(byte[] password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean validHash(String h) {
        if (h.length() != 64) return false;
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
        }
        return true;
    }
}
