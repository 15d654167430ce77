package io.lodestone.command.stream;

import io.lodestone.command.CommandError;
import io.lodestone.store.type.StreamID;
import io.lodestone.util.Numbers;

import java.nio.charset.StandardCharsets;

/**
 * Stream IDs as clients write them (Redis's streamGenericParseIDOrReply and its wrappers): {@code
 * ms-seq}, {@code ms} alone (the sequence then comes from the caller), {@code -} and {@code +}
 * where allowed, {@code ms-*} for XADD, and the {@code (} prefix of exclusive range ends. Every
 * rejection is Redis's one error text.
 */
final class StreamIds {
    static final String INVALID = "ERR Invalid stream ID specified as stream command argument";
    private static final CommandError INVALID_ID = new CommandError(INVALID);
    /** The sequence Redis fills in for an end of a range given as {@code ms} alone. */
    static final long MAX_SEQ = -1L;

    private StreamIds() {
    }

    /** An ID with {@code -} and {@code +} allowed (Redis's streamParseIDOrReply). */
    static StreamID parse(byte[] arg, long missingSeq) {
        StreamID id = parse(arg, missingSeq, false, null);
        if (id == null) throw INVALID_ID;
        return id;
    }

    /** An ID where {@code -} and {@code +} are errors (Redis's streamParseStrictIDOrReply). */
    static StreamID parseStrict(byte[] arg, long missingSeq) {
        StreamID id = parse(arg, missingSeq, true, null);
        if (id == null) throw INVALID_ID;
        return id;
    }

    /** {@link #parseStrict} without an error: null when {@code arg} is no ID (XCLAIM's options follow its IDs). */
    static StreamID tryParseStrict(byte[] arg) {
        return parse(arg, 0, true, null);
    }

    /**
     * XADD's ID: strict, and {@code ms-*} accepted, which sets {@code seqGiven[0]} to false (the
     * sequence is then the stream's next one in that millisecond).
     */
    static StreamID parseForAdd(byte[] arg, boolean[] seqGiven) {
        StreamID id = parse(arg, 0, true, seqGiven);
        if (id == null) throw INVALID_ID;
        return id;
    }

    /**
     * One end of a range (Redis's streamParseIntervalIDOrReply): {@code (id} excludes the ID, which
     * is then parsed strictly; {@code exclusive[0]} says which form it was.
     */
    static StreamID parseInterval(byte[] arg, long missingSeq, boolean[] exclusive) {
        boolean ex = arg.length > 1 && arg[0] == '(';
        exclusive[0] = ex;
        if (!ex) return parse(arg, missingSeq);
        byte[] rest = new byte[arg.length - 1];
        System.arraycopy(arg, 1, rest, 0, rest.length);
        return parseStrict(rest, missingSeq);
    }

    /** The start of a range, {@code (} meaning the ID after it (XRANGE, XPENDING, XAUTOCLAIM). */
    static StreamID parseRangeStart(byte[] arg) {
        boolean[] ex = new boolean[1];
        StreamID id = parseInterval(arg, 0, ex);
        if (ex[0]) {
            id = id.next();
            if (id == null) throw new CommandError("ERR invalid start ID for the interval");
        }
        return id;
    }

    /** The end of a range, {@code (} meaning the ID before it. */
    static StreamID parseRangeEnd(byte[] arg) {
        boolean[] ex = new boolean[1];
        StreamID id = parseInterval(arg, MAX_SEQ, ex);
        if (ex[0]) {
            id = id.previous();
            if (id == null) throw new CommandError("ERR invalid end ID for the interval");
        }
        return id;
    }

    /**
     * The parser itself, returning null where Redis replies its error. Redis copies the argument
     * into a 128-byte C string, so longer arguments are invalid and a NUL ends the ID.
     */
    private static StreamID parse(byte[] arg, long missingSeq, boolean strict, boolean[] seqGiven) {
        if (arg.length > 127) return null;
        int len = 0;
        while (len < arg.length && arg[len] != 0) len++;
        boolean single = len == 1;
        if (strict && single && (arg[0] == '-' || arg[0] == '+')) return null;
        if (seqGiven != null) seqGiven[0] = true;
        if (single && arg[0] == '-') return StreamID.MIN;
        if (single && arg[0] == '+') return StreamID.MAX;
        int dash = -1;
        for (int i = 0; i < len; i++) {
            if (arg[i] == '-') {
                dash = i;
                break;
            }
        }
        long[] v = new long[1];
        if (!string2ull(arg, 0, dash < 0 ? len : dash, v)) return null;
        long ms = v[0];
        long seq;
        if (dash >= 0) {
            if (seqGiven != null && len - dash - 1 == 1 && arg[dash + 1] == '*') {
                seq = 0;
                seqGiven[0] = false;
            } else if (string2ull(arg, dash + 1, len, v)) {
                seq = v[0];
            } else {
                return null;
            }
        } else {
            seq = missingSeq;
        }
        return new StreamID(ms, seq);
    }

    /**
     * Redis's string2ull: string2ll when it accepts the text (a negative number is then refused),
     * otherwise C's strtoull in base 10, which takes leading blanks, a sign (a '-' negates modulo
     * 2^64), leading zeros, and must consume the whole text without overflowing.
     */
    static boolean string2ull(byte[] s, int from, int to, long[] out) {
        byte[] text = java.util.Arrays.copyOfRange(s, from, to);
        try {
            long ll = Numbers.parseLong(text);
            if (ll < 0) return false;
            out[0] = ll;
            return true;
        } catch (NumberFormatException ignored) {
            // Not canonical: strtoull decides.
        }
        int i = 0, n = text.length;
        if (n == 0) return false;
        while (i < n && isSpace(text[i])) i++;
        boolean negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) {
            negative = text[i] == '-';
            i++;
        }
        int digitsFrom = i;
        long v = 0;
        boolean overflow = false;
        for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
            int d = text[i] - '0';
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) overflow = true;
            v = v * 10 + d;
        }
        if (i == digitsFrom || i != n || overflow) return false;
        out[0] = negative ? -v : v;
        return true;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    /** The ID as Redis writes it: {@code ms-seq}, both unsigned. */
    static byte[] bytes(StreamID id) {
        return id.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
