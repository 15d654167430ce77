package io.lodestone.command;

/** Redis's shared error replies, by their exact texts. */
public final class Errors {
    private Errors() {
    }

    public static final String SYNTAX = "ERR syntax error";
    public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String NO_SUCH_KEY = "ERR no such key";
    public static final String OUT_OF_RANGE = "ERR index out of range";
    public static final String DB_INDEX = "ERR DB index is out of range";
    public static final String NOAUTH = "NOAUTH Authentication required.";
    /** Redis's shared.oomerr. */
    public static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    public static final String INVALID_EXPIRE = "ERR invalid expire time in '%s' command";

    public static String wrongArity(String fullName) {
        return "ERR wrong number of arguments for '" + fullName + "' command";
    }

    public static CommandError syntax() {
        return new CommandError(SYNTAX);
    }

    public static CommandError wrongType() {
        return new CommandError(WRONGTYPE);
    }
}
