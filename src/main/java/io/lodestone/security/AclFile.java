package io.lodestone.security;

import io.lodestone.command.Client;
import io.lodestone.util.Log;
import io.lodestone.util.SplitArgs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where users come from and go to: the {@code user} lines of the config file at start-up, and the
 * {@code aclfile} (ACL LOAD, ACL SAVE, start-up), in Redis's format: one {@code user <name> <rules>}
 * per line.
 */
public final class AclFile {
    private AclFile() {
    }

    /**
     * Checks one {@code user} line of the config file (its arguments after "user") as Redis's
     * ACLAppendUserForLoading does: null, or the error that stops the server from starting. Unknown
     * commands are accepted here, as Redis defers them.
     */
    public static String validate(Acl acl, List<String> args, List<String> earlierNames) {
        if (earlierNames.contains(args.get(0))) {
            return "Error in user declaration '" + args.get(0) + "': Duplicate user found. A user can only be"
                    + " defined once in config files";
        }
        List<String> rules = AclCommand.mergeSelectors(args.subList(1, args.size()));
        if (rules == null) return "Error in user declaration '" + args.get(0) + "': Unmatched parenthesis";
        AclUser fake = acl.newUser(args.get(0));
        for (String rule : rules) {
            String error = fake.apply(rule, acl.pubsubAllChannels);
            if (error != null && !error.equals(Acl.UNKNOWN_COMMAND)) {
                return "Error in user declaration '" + args.get(0) + "': " + error;
            }
        }
        return null;
    }

    /**
     * Start-up (Redis's ACLLoadUsersAtStartup): the config file's users, or the aclfile's; both at once
     * is refused. Returns null, or the reason the server must not start.
     */
    public static String loadAtStartup(Acl acl, List<List<String>> configUsers) {
        if (!acl.aclFile.isEmpty() && !configUsers.isEmpty()) {
            return "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is"
                    + " invalid. This setup is very likely to lead to configuration errors and security holes, please"
                    + " define either an ACL file or declare users directly in your redis.conf, but not both.";
        }
        for (List<String> line : configUsers) {
            String name = line.get(0);
            AclUser u = acl.users.get(name);
            if (u == null) {
                u = acl.newUser(name);
                acl.users.put(name, u);
            } else {
                u.apply("reset", acl.pubsubAllChannels); // only "default" can be there already
            }
            List<String> rules = AclCommand.mergeSelectors(line.subList(1, line.size()));
            for (String rule : rules == null ? List.<String>of() : rules) {
                String error = u.apply(rule, acl.pubsubAllChannels);
                if (error != null) {
                    Log.warning("Error loading ACL rule '" + rule + "' for the user named '" + name + "': " + error);
                    return "Critical error while loading ACLs. Exiting.";
                }
            }
            if (!u.enabled) {
                Log.notice("The user '" + name + "' is disabled (there is no 'on' modifier in the user description)."
                        + " Make sure this is not a configuration error.");
            }
        }
        if (!acl.aclFile.isEmpty()) {
            String errors = load(acl, acl.aclFile, null);
            if (errors != null) return "Aborting Redis startup because of ACL errors: " + errors;
        }
        return null;
    }

    /**
     * Redis's ACLLoadFromFile: every line must be a valid user; if any is not, nothing changes and the
     * errors are returned in one line. Connections of users that are gone or replaced are closed.
     */
    static String load(Acl acl, String file, Client current) {
        List<String> lines;
        try {
            lines = Arrays.asList(new String(Files.readAllBytes(resolve(acl, file)), StandardCharsets.ISO_8859_1)
                    .split("\n", -1));
        } catch (IOException e) {
            return "Error loading ACLs, opening file '" + file + "': " + describe(e);
        }
        Map<String, AclUser> loaded = new TreeMap<>();
        StringBuilder errors = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            List<String> argv = new ArrayList<>();
            for (String a : line.split(" ")) if (!a.isEmpty()) argv.add(a);
            if (argv.isEmpty()) continue;
            if (!argv.get(0).equals("user") || argv.size() < 2) {
                errors.append(file).append(':').append(lineNumber)
                        .append(" should start with user keyword followed by the username. ");
                continue;
            }
            String name = argv.get(1);
            if (Acl.hasSpaces(name)) {
                errors.append("'").append(file).append(':').append(lineNumber).append(": username '").append(name)
                        .append("' contains invalid characters. ");
                continue;
            }
            if (loaded.containsKey(name)) {
                errors.append("WARNING: Duplicate user '").append(name).append("' found on line ").append(lineNumber)
                        .append(". ");
                continue;
            }
            AclUser u = acl.newUser(name);
            loaded.put(name, u);
            List<String> rules = AclCommand.mergeSelectors(argv.subList(2, argv.size()));
            if (rules == null) {
                errors.append(file).append(':').append(lineNumber).append(": Unmatched parenthesis in selector definition.");
                continue;
            }
            for (String rule : rules) {
                String error = u.apply(rule.strip(), acl.pubsubAllChannels);
                if (error != null) errors.append(file).append(':').append(lineNumber).append(": ").append(error).append(". ");
            }
        }
        if (errors.length() > 0) {
            return errors.append("WARNING: ACL errors detected, no change to the previously active ACL rules was"
                    + " performed").toString();
        }
        // The default user object stays (every connection refers to it); it takes the file's rules.
        AclUser newDefault = loaded.remove("default");
        Map<String, AclUser> old = new TreeMap<>(acl.users);
        old.remove("default");
        acl.users.clear();
        acl.users.put("default", acl.defaultUser);
        acl.defaultUser.copyFrom(newDefault != null ? newDefault : acl.newDefaultUser());
        acl.users.putAll(loaded);
        for (AclUser gone : old.values()) acl.killClientsOf(gone, current);
        return null;
    }

    /** Redis's ACLSaveToFile: written to a temporary file, then renamed over the old one. */
    static boolean save(Acl acl, String file) {
        StringBuilder b = new StringBuilder();
        for (String line : acl.userLines()) b.append(line).append('\n');
        Path target = resolve(acl, file);
        Path tmp = resolve(acl, file + ".tmp-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis());
        try {
            Files.write(tmp, b.toString().getBytes(StandardCharsets.ISO_8859_1));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            Log.warning("Writing ACL file for ACL SAVE: " + describe(e));
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary file is left behind; the ACL file itself is untouched
            }
            return false;
        }
    }

    /** A relative aclfile is relative to {@code dir}, the directory Redis works in. */
    private static Path resolve(Acl acl, String file) {
        return Path.of(acl.server.config.dir()).resolve(file);
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        return e.getMessage();
    }
}
