package io.lodestone.scripting.lib;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;

/**
 * C's number conversions as the libraries' C code gets them on x86-64 with glibc: printf's
 * {@code %.Ng}, strtod, and the casts of a double to an integer type, where an out-of-range value
 * becomes the "integer indefinite" (the lowest value) instead of Java's saturation.
 */
public final class CNumbers {

    private static final double TWO_63 = 9223372036854775808.0;
    private static final double TWO_31 = 2147483648.0;

    private CNumbers() {
    }

    /** (int64_t) d: cvttsd2si, whose out-of-range and NaN result is INT64_MIN. */
    static long toLong(double d) {
        return d >= -TWO_63 && d < TWO_63 ? (long) d : Long.MIN_VALUE;
    }

    /** (int32_t) d: cvttsd2si with a 32-bit destination. */
    static int toInt(double d) {
        return d >= -TWO_31 && d < TWO_31 ? (int) d : Integer.MIN_VALUE;
    }

    /**
     * (uint64_t) d as gcc compiles it: below 2^63 a signed conversion, from 2^63 the offset one.
     * The test is "not at least 2^63", so NaN takes the signed path too (and becomes 2^63).
     */
    static long toUnsignedLong(double d) {
        if (!(d >= TWO_63)) {
            return toLong(d);
        }
        return toLong(d - TWO_63) ^ Long.MIN_VALUE;
    }

    /** snprintf("%.{precision}g", v). */
    public static String formatG(double v, int precision) {
        if (Double.isNaN(v)) {
            return (Double.doubleToRawLongBits(v) < 0) ? "-nan" : "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (Double.doubleToRawLongBits(v) < 0) ? "-0" : "0";
        }
        // The exact binary value rounded to the precision, ties to even, as glibc does.
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        BigDecimal stripped = rounded.stripTrailingZeros();
        if (exponent < -4 || exponent >= precision) {
            String digits = stripped.unscaledValue().abs().toString();
            StringBuilder s = new StringBuilder(24);
            if (v < 0) {
                s.append('-');
            }
            s.append(digits.charAt(0));
            if (digits.length() > 1) {
                s.append('.').append(digits, 1, digits.length());
            }
            s.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            if (e < 10) {
                s.append('0');
            }
            return s.append(e).toString();
        }
        return stripped.toPlainString();
    }

    /** The result of {@link #strtod}: the value and the index just past what was read. */
    record Parsed(double value, int end) {
    }

    /**
     * strtod on bytes from {@code start} (a NUL byte or the end of the buffer stops it): an optional
     * sign, then "inf", "infinity", "nan" or "nan(chars)" in any case, a hexadecimal number with an
     * optional binary exponent, or a decimal one. When nothing could be read, end is start.
     */
    static Parsed strtod(ByteBuffer s, int start) {
        int i = start;
        boolean negative = false;
        if (at(s, i) == '+' || at(s, i) == '-') {
            negative = at(s, i) == '-';
            i++;
        }
        if (matchesIgnoreCase(s, i, "inf")) {
            int end = matchesIgnoreCase(s, i, "infinity") ? i + 8 : i + 3;
            return new Parsed(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, end);
        }
        if (matchesIgnoreCase(s, i, "nan")) {
            int end = i + 3;
            if (at(s, end) == '(') {
                int j = end + 1;
                while (Character.isLetterOrDigit(at(s, j)) && at(s, j) < 128 || at(s, j) == '_') {
                    j++;
                }
                if (at(s, j) == ')') {
                    end = j + 1;
                }
            }
            return new Parsed(Double.longBitsToDouble(negative ? 0xfff8000000000000L : 0x7ff8000000000000L), end);
        }
        if (at(s, i) == '0' && (at(s, i + 1) | 0x20) == 'x') {
            Parsed hex = hexadecimal(s, i + 2, negative);
            if (hex != null) {
                return hex;
            }
            // "0x" without hexadecimal digits: the "0" alone is the number.
            return new Parsed(negative ? -0.0 : 0.0, i + 1);
        }
        int digitsStart = i;
        int digits = 0;
        while (isDigit(at(s, i))) {
            i++;
            digits++;
        }
        if (at(s, i) == '.') {
            i++;
            while (isDigit(at(s, i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return new Parsed(0, start);
        }
        if ((at(s, i) | 0x20) == 'e') {
            int j = i + 1;
            if (at(s, j) == '+' || at(s, j) == '-') {
                j++;
            }
            if (isDigit(at(s, j))) {
                while (isDigit(at(s, j))) {
                    j++;
                }
                i = j;
            }
        }
        StringBuilder text = new StringBuilder(i - start + 1);
        if (negative) {
            text.append('-');
        }
        for (int k = digitsStart; k < i; k++) {
            text.append((char) at(s, k));
        }
        return new Parsed(Double.parseDouble(text.toString()), i);
    }

    private static Parsed hexadecimal(ByteBuffer s, int i, boolean negative) {
        StringBuilder text = new StringBuilder(negative ? "-0x" : "0x");
        int digits = 0;
        while (Character.digit(at(s, i), 16) >= 0 && at(s, i) < 128) {
            text.append((char) at(s, i++));
            digits++;
        }
        if (at(s, i) == '.') {
            int fraction = 0;
            StringBuilder f = new StringBuilder(".");
            int j = i + 1;
            while (Character.digit(at(s, j), 16) >= 0 && at(s, j) < 128) {
                f.append((char) at(s, j++));
                fraction++;
            }
            if (digits + fraction > 0) {
                text.append(f);
                digits += fraction;
                i = j;
            }
        }
        if (digits == 0) {
            return null;
        }
        int exponent = 0;
        if ((at(s, i) | 0x20) == 'p') {
            int j = i + 1;
            boolean minus = false;
            if (at(s, j) == '+' || at(s, j) == '-') {
                minus = at(s, j) == '-';
                j++;
            }
            if (isDigit(at(s, j))) {
                long e = 0;
                while (isDigit(at(s, j))) {
                    e = Math.min(e * 10 + (at(s, j++) - '0'), 100000);
                }
                exponent = (int) (minus ? -e : e);
                i = j;
            }
        }
        return new Parsed(Double.parseDouble(text.append('p').append(exponent).toString()), i);
    }

    private static boolean matchesIgnoreCase(ByteBuffer s, int i, String word) {
        for (int k = 0; k < word.length(); k++) {
            if ((at(s, i + k) | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** The byte at i as C sees a NUL-terminated string: 0 past the end. */
    static int at(ByteBuffer s, int i) {
        return i < s.limit() ? s.get(i) & 0xff : 0;
    }
}
