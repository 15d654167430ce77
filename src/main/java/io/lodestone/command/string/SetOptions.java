package io.lodestone.command.string;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;

/**
 * The option grammar SET and GETEX share (Redis's parseExtendedStringArgumentsOrReply):
 * SET takes NX XX GET KEEPTTL and one of EX PX EXAT PXAT; GETEX takes PERSIST or one of EX PX EXAT
 * PXAT. A conflicting or unknown option, or an expiry keyword without a value, is a syntax error.
 * Options may repeat (SET k v NX NX GET GET is valid); for a repeated expiry the last value wins.
 *
 * @param flags  the {@code NX..PERSIST} bits given
 * @param expire the raw expiry argument, or null when none of EX PX EXAT PXAT was given
 */
record SetOptions(int flags, byte[] expire) {
    static final int NX = 1, XX = 1 << 1, EX = 1 << 2, PX = 1 << 3, KEEPTTL = 1 << 4, GET = 1 << 5,
            EXAT = 1 << 6, PXAT = 1 << 7, PERSIST = 1 << 8;
    private static final int ANY_EXPIRE = EX | PX | EXAT | PXAT;

    static final SetOptions NONE = new SetOptions(0, null);

    /** Parses {@code c.argv[from..argc)}: SET's options when {@code forSet}, else GETEX's. */
    static SetOptions parse(Client c, int from, boolean forSet) {
        int flags = 0;
        byte[] expire = null;
        for (int j = from; j < c.argc; j++) {
            byte[] opt = c.argv[j];
            boolean hasNext = j + 1 < c.argc;
            if (forSet && Args.cKeyword(opt, "nx") && (flags & XX) == 0) {
                flags |= NX;
            } else if (forSet && Args.cKeyword(opt, "xx") && (flags & NX) == 0) {
                flags |= XX;
            } else if (forSet && Args.cKeyword(opt, "get")) {
                flags |= GET;
            } else if (forSet && Args.cKeyword(opt, "keepttl") && (flags & (PERSIST | ANY_EXPIRE)) == 0) {
                flags |= KEEPTTL;
            } else if (!forSet && Args.cKeyword(opt, "persist") && (flags & (ANY_EXPIRE | KEEPTTL)) == 0) {
                flags |= PERSIST;
            } else if (hasNext && expiryKeyword(opt) != 0
                    && (flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~expiryKeyword(opt)))) == 0) {
                flags |= expiryKeyword(opt);
                expire = c.argv[++j];
            } else {
                throw Errors.syntax();
            }
        }
        return flags == 0 ? NONE : new SetOptions(flags, expire);
    }

    private static int expiryKeyword(byte[] opt) {
        if (Args.cKeyword(opt, "ex")) return EX;
        if (Args.cKeyword(opt, "px")) return PX;
        if (Args.cKeyword(opt, "exat")) return EXAT;
        if (Args.cKeyword(opt, "pxat")) return PXAT;
        return 0;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * The expiry as an absolute unix time in ms (Redis's getExpireMillisecondsOrReply): the value
     * must be positive, and neither seconds-to-ms nor adding the current time may overflow.
     * The error names the command, e.g. "invalid expire time in 'setex' command".
     */
    long expireAtMillis(Client c) {
        long v = Args.parseLong(expire);
        boolean seconds = has(EX | EXAT);
        if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) throw invalidExpire(c);
        if (seconds) v *= 1000;
        if (has(EX | PX)) v += c.server.keyspace.now; // wraps negative on overflow, as in C
        if (v <= 0) throw invalidExpire(c);
        return v;
    }

    private static CommandError invalidExpire(Client c) {
        return new CommandError(String.format(Errors.INVALID_EXPIRE, c.cmd.fullName()));
    }
}
