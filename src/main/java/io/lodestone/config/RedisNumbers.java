package io.lodestone.config;

import io.lodestone.util.Numbers;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Number parsing and formatting exactly as Redis does it for configuration values
 * ({@code string2ll}, {@code strtoll}, {@code memtoull}, {@code string2d} and friends in util.c
 * and libc). Each one accepts a slightly different language; which one a parameter uses decides
 * which inputs are valid, so they are kept apart rather than merged into one lenient parser.
 */
public final class RedisNumbers {

    private RedisNumbers() {
    }

    /**
     * Strict integer ({@code string2ll}): optional '-', no '+', no blanks, no leading zeros,
     * fewer than 21 characters, must fit a signed 64-bit value.
     *
     * @return the value, or null if the string is not such an integer
     */
    static Long string2ll(String s) {
        try {
            return Numbers.parseLong(s.getBytes(StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Result of {@link #strtoll}: the value, whether the whole string was consumed, and whether
     * the value saturated ({@code errno == ERANGE}).
     */
    record Parsed(long value, boolean complete, boolean overflow) {
    }

    /**
     * libc {@code strtoll(s, &end, base)} followed by the usual {@code *end == '\0'} test:
     * leading blanks and a sign are accepted, overflow saturates, and a string without digits
     * yields 0 with {@code complete} true only when the string is empty.
     */
    static Parsed strtoll(String s, int base) {
        int n = s.length();
        int i = 0;
        while (i < n && ConfigSyntax.isSpace(s.charAt(i))) i++;
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int digitsStart = i;
        long limit = negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        long v = 0;
        boolean overflow = false;
        for (; i < n; i++) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0 || s.charAt(i) > 0x7f) break;
            if (!overflow) {
                // accumulate negatively so that Long.MIN_VALUE is representable
                if (v < (Long.MIN_VALUE + d) / base) {
                    overflow = true;
                } else {
                    v = v * base - d;
                }
            }
        }
        if (i == digitsStart) return new Parsed(0, n == 0, false);
        if (!negative && v == Long.MIN_VALUE) overflow = true; // 2^63 does not fit
        long value = overflow ? limit : negative ? v : -v;
        return new Parsed(value, i == n, overflow);
    }

    /**
     * Memory value ({@code memtoull}): digits followed by nothing, b, k, kb, m, mb, g or gb (any
     * case). No sign, no blanks; an empty digit part reads as 0; overflow saturates to
     * 2^64-1 before the unit multiplies and wraps. The result is the unsigned 64-bit value.
     *
     * @return the value, or null if the string is not a memory value
     */
    public static Long memtoull(String s) {
        if (!s.isEmpty() && s.charAt(0) == '-') return null;
        int u = 0;
        while (u < s.length() && s.charAt(u) >= '0' && s.charAt(u) <= '9') u++;
        String unit = ConfigSyntax.lower(s.substring(u));
        long mul = switch (unit) {
            case "", "b" -> 1;
            case "k" -> 1000;
            case "kb" -> 1024;
            case "m" -> 1000L * 1000;
            case "mb" -> 1024L * 1024;
            case "g" -> 1000L * 1000 * 1000;
            case "gb" -> 1024L * 1024 * 1024;
            default -> 0;
        };
        if (mul == 0 || u >= 128) return null;
        long val = 0;
        for (int i = 0; i < u; i++) {
            int d = s.charAt(i) - '0';
            if (Long.compareUnsigned(val, Long.divideUnsigned(-1L, 10)) > 0
                    || Long.compareUnsigned(val * 10, -1L - d) > 0) {
                val = -1L;
                break;
            }
            val = val * 10 + d;
        }
        return val * mul;
    }

    /**
     * Strict double ({@code string2d}): a decimal number with optional sign, fraction and
     * exponent, or inf/infinity; no blanks; NaN rejected.
     *
     * @return the value, or null if invalid
     */
    static Double string2d(String s) {
        if (s.isEmpty() || ConfigSyntax.isSpace(s.charAt(0))) return null;
        String body = s;
        boolean negative = false;
        if (body.charAt(0) == '+' || body.charAt(0) == '-') {
            negative = body.charAt(0) == '-';
            body = body.substring(1);
        }
        String lower = ConfigSyntax.lower(body);
        if (lower.equals("inf") || lower.equals("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!body.matches("([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) return null;
        double d = Double.parseDouble(body);
        if (Double.isInfinite(d)) return null; // ERANGE overflow
        if (d == 0 && body.matches(".*[1-9].*[eE]-.*")) return null; // ERANGE underflow to zero
        return negative ? -d : d;
    }

    /**
     * {@code printf("%f")} followed by {@code trimDoubleString}: six decimals, then trailing
     * zeros and a trailing dot removed ({@code 99.9} for 99.9, {@code 50} for 50.0).
     */
    public static String formatPercentile(double d) {
        String s = new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
        if (s.indexOf('.') >= 0) {
            int end = s.length();
            while (s.charAt(end - 1) == '0') end--;
            if (s.charAt(end - 1) == '.') end--;
            s = s.substring(0, end);
        }
        return s;
    }

    /** Memory formatting of CONFIG REWRITE ({@code rewriteConfigFormatMemory}): gb, mb, kb or bytes. */
    static String formatMemory(long bytes) {
        long gb = 1024L * 1024 * 1024;
        long mb = 1024L * 1024;
        long kb = 1024L;
        if (bytes != 0 && bytes % gb == 0) return bytes / gb + "gb";
        if (bytes != 0 && bytes % mb == 0) return bytes / mb + "mb";
        if (bytes != 0 && bytes % kb == 0) return bytes / kb + "kb";
        return Long.toString(bytes);
    }
}
