package io.lodestone.util;

/** Redis's strict integer parsing ({@code string2ll} in util.c), the one copy of it. */
public final class Numbers {
    /**
     * What {@link #parseLong} throws: one shared instance without a stack trace, so a rejected
     * argument costs no allocation. Callers translate it into their own error.
     */
    private static final NumberFormatException NOT_A_LONG = new NumberFormatException("not a string2ll integer");

    static {
        NOT_A_LONG.setStackTrace(new StackTraceElement[0]);
    }

    private Numbers() {
    }

    /**
     * Redis's {@code string2ll}: an optional '-', then digits without leading zeros ("0" alone is
     * zero, "-0" is invalid), no blanks, no '+', at most 20 bytes, within a signed 64-bit long.
     *
     * @throws NumberFormatException (a shared instance) if {@code s} is not such an integer
     */
    public static long parseLong(byte[] s) {
        return parseLong(s, 0, s.length);
    }

    /** {@link #parseLong(byte[])} of {@code s[off..off+n)}. */
    public static long parseLong(byte[] s, int off, int n) {
        if (!isLong(s, off, n)) throw NOT_A_LONG;
        int i = s[off] == '-' ? off + 1 : off;
        long v = 0;
        // Accumulated negatively so Long.MIN_VALUE parses.
        for (int end = off + n; i < end; i++) v = v * 10 - (s[i] - '0');
        return s[off] == '-' ? v : -v;
    }

    /** Whether {@link #parseLong(byte[])} accepts {@code s}. */
    public static boolean isLong(byte[] s) {
        return isLong(s, 0, s.length);
    }

    /** Whether {@link #parseLong(byte[])} accepts {@code s[off..off+n)}; never throws. */
    public static boolean isLong(byte[] s, int off, int n) {
        if (n == 0 || n > 20) return false;
        int i = off, end = off + n;
        boolean neg = false;
        if (s[i] == '-') {
            neg = true;
            i++;
            if (n == 1) return false;
        }
        if (s[i] == '0') return n == 1;
        long v = 0;
        for (; i < end; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return false;
            if (v < (Long.MIN_VALUE + d) / 10) return false;
            v = v * 10 - d;
        }
        return neg || v != Long.MIN_VALUE;
    }

    /**
     * C's {@code atoi}, which Redis uses where it does not validate (DEBUG's knobs): leading blanks,
     * an optional sign, then digits up to the first non-digit; 0 when there are none. Clamped to an int.
     */
    public static int atoi(byte[] s) {
        int i = 0, n = s.length;
        while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        boolean neg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
        long v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && v <= Integer.MAX_VALUE) v = v * 10 + (s[i++] - '0');
        v = neg ? -v : v;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }
}
