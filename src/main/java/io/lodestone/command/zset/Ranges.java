package io.lodestone.command.zset;

import io.lodestone.command.Args;
import io.lodestone.command.CommandError;
import io.lodestone.store.type.ZSetValue.LexRange;
import io.lodestone.store.type.ZSetValue.ScoreRange;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Range arguments of the sorted-set commands, read as Redis reads them.
 *
 * <p>Score bounds (ZRANGEBYSCORE, ZCOUNT...) go through Redis's zslParseRange, which calls plain
 * {@code strtod} and only demands that the number end the C string: so, unlike ZADD's scores,
 * they may start with spaces, overflow to infinity, underflow to 0, stop at a NUL byte, and the
 * empty string is 0 ({@code "("} is "greater than 0"). Lex bounds are {@code -}, {@code +},
 * {@code (member} or {@code [member}.
 */
final class Ranges {
    static final String SCORE_RANGE_ERROR = "ERR min or max is not a float";
    static final String LEX_RANGE_ERROR = "ERR min or max not valid string range item";

    private Ranges() {
    }

    /** Redis's zslParseRange; throws "min or max is not a float". */
    static ScoreRange score(byte[] min, byte[] max) {
        boolean minEx = min.length > 0 && min[0] == '(';
        boolean maxEx = max.length > 0 && max[0] == '(';
        double lo = strtodWhole(min, minEx ? 1 : 0);
        double hi = strtodWhole(max, maxEx ? 1 : 0);
        if (Double.isNaN(lo) || Double.isNaN(hi)) throw new CommandError(SCORE_RANGE_ERROR);
        return new ScoreRange(lo, minEx, hi, maxEx);
    }

    /** Redis's zslParseLexRange; throws "min or max not valid string range item". */
    static LexRange lex(byte[] min, byte[] max) {
        byte[] lo = lexItem(min), hi = lexItem(max);
        return new LexRange(lo, lo == LexRange.MINUS || lo == LexRange.PLUS || min[0] == '(',
                hi, hi == LexRange.MINUS || hi == LexRange.PLUS || max[0] == '(');
    }

    private static byte[] lexItem(byte[] c) {
        if (c.length == 0) throw new CommandError(LEX_RANGE_ERROR);
        switch (c[0]) {
            case '+', '-' -> {
                // Compared as a C string: "+" followed by a NUL byte is still "+".
                if (c.length > 1 && c[1] != 0) throw new CommandError(LEX_RANGE_ERROR);
                return c[0] == '+' ? LexRange.PLUS : LexRange.MINUS;
            }
            case '(', '[' -> {
                return Arrays.copyOfRange(c, 1, c.length);
            }
            default -> throw new CommandError(LEX_RANGE_ERROR);
        }
    }

    /**
     * C's {@code strtod} over the C string starting at {@code from} (it ends at the first NUL or at
     * the end), accepted only when the number ends the string. Returns NaN when it does not (or when
     * it reads a NaN, which Redis rejects too).
     */
    static double strtodWhole(byte[] s, int from) {
        int end = from;
        while (end < s.length && s[end] != 0) end++;
        if (from == end) return 0.0; // no conversion, but the end pointer is at the terminator
        int i = from;
        while (i < end && isSpace(s[i])) i++;
        int numStart = i;
        boolean negative = false;
        if (i < end && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        if (Args.is(s, i, end, "infinity") || Args.is(s, i, end, "inf")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        String text;
        if (i + 1 < end && s[i] == '0' && (s[i + 1] | 0x20) == 'x' && hexDigitAt(s, i + 2, end)) {
            int j = i + 2, digits = 0;
            while (j < end && hexDigit(s[j])) { j++; digits++; }
            if (j < end && s[j] == '.') {
                j++;
                while (j < end && hexDigit(s[j])) { j++; digits++; }
            }
            if (digits == 0) return Double.NaN;
            String mantissa = ascii(s, i + 2, j);
            String exp = "0";
            if (j < end && (s[j] | 0x20) == 'p') {
                int k = j + 1;
                if (k < end && (s[k] == '+' || s[k] == '-')) k++;
                int ds = k;
                while (k < end && s[k] >= '0' && s[k] <= '9') k++;
                if (k > ds) {
                    exp = ascii(s, j + 1, k);
                    j = k;
                }
            }
            if (j != end) return Double.NaN;
            text = (negative ? "-" : "") + "0x" + (mantissa.startsWith(".") ? "0" : "") + mantissa + "p" + exp;
        } else {
            int j = i, digits = 0;
            while (j < end && s[j] >= '0' && s[j] <= '9') { j++; digits++; }
            if (j < end && s[j] == '.') {
                j++;
                while (j < end && s[j] >= '0' && s[j] <= '9') { j++; digits++; }
            }
            if (digits == 0) return Double.NaN; // "nan", words, or nothing numeric
            if (j < end && (s[j] | 0x20) == 'e') {
                int k = j + 1;
                if (k < end && (s[k] == '+' || s[k] == '-')) k++;
                int ds = k;
                while (k < end && s[k] >= '0' && s[k] <= '9') k++;
                if (k > ds) j = k;
            }
            if (j != end) return Double.NaN;
            text = ascii(s, numStart, end);
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static boolean hexDigit(byte b) {
        return (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'f');
    }

    /** strtod reads "0x" as hex only when a hex digit follows (possibly after the point). */
    private static boolean hexDigitAt(byte[] s, int i, int end) {
        if (i < end && hexDigit(s[i])) return true;
        return i + 1 < end && s[i] == '.' && hexDigit(s[i + 1]);
    }

    private static String ascii(byte[] s, int from, int to) {
        return new String(s, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
