package io.lodestone.command;

import io.lodestone.util.Numbers;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Argument parsing with Redis's rules and error texts. */
public final class Args {
    private Args() {
    }

    public static String str(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /*
     * Keywords. Options, subcommands and modes are compared here and nowhere else. Redis compares
     * almost all of them with strcasecmp, which sees a C string: cKeyword. is() compares the whole
     * argument, for the places that have always done so.
     */

    /**
     * Redis's strcasecmp against a lower-case keyword: the argument ends at its first NUL byte, as a
     * C string does ("count\0junk" is COUNT). Option parsers that Redis writes with strcasecmp use it.
     */
    public static boolean cKeyword(byte[] arg, String lowerKeyword) {
        int n = lowerKeyword.length();
        if (arg.length < n || (arg.length > n && arg[n] != 0)) return false;
        return regionIs(arg, 0, lowerKeyword);
    }

    /** Case-insensitive comparison of the whole argument with an ASCII keyword such as "nx". */
    public static boolean is(byte[] arg, String keyword) {
        return is(arg, 0, arg.length, keyword);
    }

    /** {@link #is(byte[], String)} for the bytes {@code [from, to)} of {@code s}. */
    public static boolean is(byte[] s, int from, int to, String keyword) {
        return to - from == keyword.length() && regionIs(s, from, keyword);
    }

    /** {@link #is(byte[], String)} against a keyword held as lower-case bytes (command names). */
    public static boolean equalsIgnoreCase(byte[] arg, byte[] lowerAscii) {
        if (arg.length != lowerAscii.length) return false;
        for (int i = 0; i < arg.length; i++) {
            if (lower(arg[i]) != lowerAscii[i]) return false;
        }
        return true;
    }

    /** Whether the bytes from {@code from} are the keyword, ignoring ASCII case; the caller checked the room. */
    private static boolean regionIs(byte[] s, int from, String keyword) {
        for (int i = 0; i < keyword.length(); i++) {
            if (lower(s[from + i]) != lower(keyword.charAt(i))) return false;
        }
        return true;
    }

    /** ASCII lower case, as C's tolower in the "C" locale. */
    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** The argument as C string functions see it: up to its first NUL byte. */
    public static byte[] cBytes(byte[] arg) {
        int n = 0;
        while (n < arg.length && arg[n] != 0) n++;
        return n == arg.length ? arg : Arrays.copyOf(arg, n);
    }

    /**
     * {@link #cBytes} as text, for error messages Redis formats with %s: one char per byte, a byte
     * of 0x80 or more as its {@link io.lodestone.protocol.Reply#rawByte}, so the reply carries the
     * client's bytes unchanged and %.128s-style clipping counts bytes.
     */
    public static String cString(byte[] arg) {
        int n = 0;
        while (n < arg.length && arg[n] != 0) n++;
        char[] out = new char[n];
        for (int i = 0; i < n; i++) out[i] = io.lodestone.protocol.Reply.rawByte(arg[i] & 0xFF);
        return new String(out);
    }

    private static final CommandError NOT_INTEGER = new CommandError(Errors.NOT_INTEGER);

    /**
     * Redis's string2ll ({@link Numbers#parseLong}): optional '-', digits, no leading zeros, no
     * spaces or '+', fits in 64 bits. Throws "value is not an integer or out of range".
     */
    public static long parseLong(byte[] s) {
        try {
            return Numbers.parseLong(s);
        } catch (NumberFormatException e) {
            throw NOT_INTEGER;
        }
    }

    /** Parses a long or throws the given error text. */
    public static long parseLong(byte[] s, String error) {
        try {
            return parseLong(s);
        } catch (CommandError e) {
            throw new CommandError(error);
        }
    }

    /** An int in [min, max] or the "not an integer or out of range" error. */
    public static int parseInt(byte[] s, int min, int max) {
        long v = parseLong(s);
        if (v < min || v > max) throw NOT_INTEGER;
        return (int) v;
    }

    /**
     * Redis's getDoubleFromObject (strtod): decimal or hex floats, "inf"/"infinity" with a sign, no
     * surrounding spaces, no NaN, no overflow and no underflow to zero (strtod's ERANGE). Throws
     * "value is not a valid float".
     */
    public static double parseDouble(byte[] s) {
        return parseDouble(s, Errors.NOT_FLOAT);
    }

    public static double parseDouble(byte[] s, String error) {
        String t = new String(s, StandardCharsets.US_ASCII);
        // Java's parser trims every control character; strtod accepts none at the end, string2d none at the start.
        if (t.isEmpty() || t.charAt(0) <= ' ' || t.charAt(t.length() - 1) <= ' ') {
            throw new CommandError(error);
        }
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        String body = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        if (body.equals("inf") || body.equals("infinity")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        char last = lower.charAt(lower.length() - 1);
        // Java accepts suffixes (1d, 2f) and words (NaN, Infinity) that strtod does not.
        if (last == 'd' || last == 'f' || body.startsWith("n") || body.startsWith("i")) {
            if (!body.startsWith("0x")) throw new CommandError(error);
        }
        double v;
        try {
            v = Double.parseDouble(body.startsWith("0x") && !body.contains("p") ? lower + "p0" : t);
        } catch (NumberFormatException e) {
            throw new CommandError(error);
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) throw new CommandError(error); // ERANGE overflow
        if (v == 0 && !isZeroLiteral(body)) throw new CommandError(error); // ERANGE underflow to zero
        return v;
    }

    /** Whether a number's mantissa (before its exponent) has only zero digits: "0.000e5", "0x0p3". */
    private static boolean isZeroLiteral(String body) {
        boolean hex = body.startsWith("0x");
        for (int i = hex ? 2 : 0; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (ch == (hex ? 'p' : 'e')) break;
            if (ch != '0' && ch != '.') return false;
        }
        return true;
    }
}
