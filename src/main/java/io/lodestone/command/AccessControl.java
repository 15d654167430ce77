package io.lodestone.command;

/**
 * The ACL as the dispatcher and the connection commands see it: who a connection is and what it may
 * run. Implemented by security.Acl; the command layer knows users only through this interface.
 */
public interface AccessControl {
    /** A user as a client carries it: its name (CLIENT LIST user=, ACL WHOAMI). */
    interface User {
        String name();
    }

    /** Redis's authRequired: the default user is off or has passwords, so new connections must AUTH. */
    boolean authRequired();

    /** The user every connection starts as. */
    User defaultUser();

    /** The user of that name, or null. */
    User user(String name);

    /**
     * AUTH and HELLO AUTH (Redis's ACLAuthenticateUser): the user when it exists, is on and the password
     * is one of its own (any, for nopass); else null, and the failure is in ACL LOG.
     */
    User authenticate(Client c, String username, byte[] password);

    /**
     * Redis's ACLCheckAllPerm before a command runs: null when the client's user may run {@code cmd}
     * with these arguments, else the -NOPERM error, the denial logged in ACL LOG.
     */
    String deny(Client c, CommandSpec cmd, byte[][] argv, int argc);

    /**
     * EXEC checks each queued command again (the rules may have changed since it was queued): null,
     * or the error that command gets in EXEC's reply.
     */
    String denyInExec(Client c, CommandSpec cmd, byte[][] argv, int argc);

    /**
     * A command a script calls (Redis's scriptVerifyACL): null when the caller's user may run it, else
     * the error the script gets, the denial logged in ACL LOG with the context "lua".
     */
    String denyInScript(Client c, CommandSpec cmd, byte[][] argv, int argc);

    /** Redis's ACLCheckAllUserCommandPerm without logging (redis.acl_check_cmd): may the user run it? */
    boolean permits(User user, CommandSpec cmd, byte[][] argv, int argc);

    /**
     * Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess for reads: whether a selector that allows this
     * command also allows reading every key (SORT's BY and GET patterns).
     */
    boolean unrestrictedKeyAccess(Client c, CommandSpec cmd, byte[][] argv, int argc);
}
