package io.lodestone.util;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * C's {@code long double} on x86-64 - the x87 80-bit extended format, 64-bit mantissa - emulated
 * exactly, for INCRBYFLOAT (and HINCRBYFLOAT). Redis parses both operands with {@code strtold},
 * adds them in that precision and prints the sum with {@code %.17Lf}; the digits a client sees
 * depend on all three steps, so each is reproduced bit for bit:
 * <ul>
 *   <li>{@link #parse} is Redis's string2ld: glibc's correctly rounded strtold (decimal, hex,
 *       inf/infinity), rejecting NaN, leading spaces, unparsed bytes, overflow and underflow to 0;</li>
 *   <li>{@link #add} rounds the exact sum to nearest, ties to even, with subnormals and overflow to
 *       infinity as the FPU does;</li>
 *   <li>{@link #toHumanString} is ld2string's LD_STR_HUMAN mode: %.17Lf (exact decimal expansion,
 *       ties to even as glibc), trailing zeros and a bare '.' removed, "-0" printed as "0".</li>
 * </ul>
 * A value is {@code ±mantissa * 2^exponent} with {@code mantissa < 2^64}: every finite extended
 * value is of that form with {@code exponent >= MIN_EXP}. Arithmetic is on BigInteger, which is
 * slow next to an FPU but exact, and INCRBYFLOAT values are short.
 */
public final class LongDouble {
    /** Exponent of the smallest subnormal, 2^-16445: the quantum of every value below 2^-16318. */
    private static final int MIN_EXP = -16445;
    /** Largest exponent with a finite value: the maximum is (2^64 - 1) * 2^16320. */
    private static final int MAX_EXP = 16320;
    /** Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs this long or longer. */
    private static final int MAX_CHARS = 5 * 1024;
    private static final BigInteger FIVE = BigInteger.valueOf(5);

    public static final LongDouble ZERO = new LongDouble(false, BigInteger.ZERO, MIN_EXP, false);

    private final boolean negative;
    private final BigInteger mantissa;
    private final int exponent;
    private final boolean infinite;

    private LongDouble(boolean negative, BigInteger mantissa, int exponent, boolean infinite) {
        this.negative = negative;
        this.mantissa = mantissa;
        this.exponent = exponent;
        this.infinite = infinite;
    }

    private static LongDouble infinity(boolean negative) {
        return new LongDouble(negative, BigInteger.ZERO, 0, true);
    }

    public boolean isInfinite() {
        return infinite;
    }

    public boolean isZero() {
        return !infinite && mantissa.signum() == 0;
    }

    // ---- Parsing (string2ld) ---------------------------------------------------------------------

    /**
     * The value of {@code s} as Redis's string2ld reads it, or null where it fails: empty or 5120+
     * bytes, a leading space, anything strtold leaves unparsed (including NUL bytes), NaN, and
     * values that overflow to infinity or underflow to zero (ERANGE). "inf"/"infinity" are values.
     */
    public static LongDouble parse(byte[] s) {
        int n = s.length;
        if (n == 0 || n >= MAX_CHARS || isSpace(s[0])) return null;
        int i = 0;
        boolean negative = false;
        if (s[0] == '+' || s[0] == '-') {
            negative = s[0] == '-';
            i = 1;
        }
        if (matchesIgnoreCase(s, i, "inf") || matchesIgnoreCase(s, i, "infinity")) return infinity(negative);
        if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) return parseHex(s, i + 2, negative);
        return parseDecimal(s, i, negative);
    }

    private static LongDouble parseDecimal(byte[] s, int i, boolean negative) {
        int n = s.length;
        StringBuilder digits = new StringBuilder();
        int fractionDigits = 0;
        boolean any = false, dot = false;
        for (; i < n; i++) {
            byte b = s[i];
            if (b >= '0' && b <= '9') {
                any = true;
                if (digits.length() > 0 || b != '0') digits.append((char) b);
                if (dot) fractionDigits++;
            } else if (b == '.' && !dot) {
                dot = true;
            } else {
                break;
            }
        }
        if (!any) return null;
        long exp = 0;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            int end = parseExponent(s, i + 1);
            if (end < 0) return null; // "1e", "1e+": strtold stops before the 'e'
            exp = exponentValue(s, i + 1, end);
            i = end;
        }
        if (i != n) return null;
        if (digits.length() == 0) return zero(negative);
        long exp10 = exp - fractionDigits;
        long adjusted = exp10 + digits.length() - 1; // decimal exponent of the leading digit
        // Far outside the range (max ~1.19e4932, smallest subnormal ~3.6e-4951): ERANGE.
        if (adjusted > 5000 || adjusted < -5000) return null;
        BigInteger m = new BigInteger(digits.toString());
        LongDouble v = exp10 >= 0
                ? round(negative, m.multiply(BigInteger.TEN.pow((int) exp10)), BigInteger.ONE, 0)
                : round(negative, m, BigInteger.TEN.pow((int) -exp10), 0);
        return v.infinite || v.mantissa.signum() == 0 ? null : v;
    }

    private static LongDouble parseHex(byte[] s, int i, boolean negative) {
        int n = s.length;
        BigInteger m = BigInteger.ZERO;
        int fractionDigits = 0;
        boolean any = false, dot = false;
        for (; i < n; i++) {
            int d = Character.digit(s[i], 16);
            if (d >= 0 && s[i] < 128) {
                any = true;
                m = m.shiftLeft(4).or(BigInteger.valueOf(d));
                if (dot) fractionDigits++;
            } else if (s[i] == '.' && !dot) {
                dot = true;
            } else {
                break;
            }
        }
        if (!any) return null; // "0x" alone: strtold reads "0" and leaves "x..."
        long exp = 0;
        if (i < n && (s[i] == 'p' || s[i] == 'P')) {
            int end = parseExponent(s, i + 1);
            if (end < 0) return null;
            exp = exponentValue(s, i + 1, end);
            i = end;
        }
        if (i != n) return null;
        if (m.signum() == 0) return zero(negative);
        long exp2 = exp - 4L * fractionDigits;
        long top = m.bitLength() + exp2;
        if (top > 17000 || top < -17000) return null;
        LongDouble v = round(negative, m, BigInteger.ONE, (int) exp2);
        return v.infinite || v.mantissa.signum() == 0 ? null : v;
    }

    /** End of "[+-]digits" at {@code i}, or -1 if there are no digits. */
    private static int parseExponent(byte[] s, int i) {
        if (i < s.length && (s[i] == '+' || s[i] == '-')) i++;
        int start = i;
        while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
        return i == start ? -1 : i;
    }

    /** The exponent's value, saturated far beyond any meaningful range. */
    private static long exponentValue(byte[] s, int i, int end) {
        boolean neg = s[i] == '-';
        if (s[i] == '+' || s[i] == '-') i++;
        long v = 0;
        for (; i < end; i++) v = Math.min(v * 10 + (s[i] - '0'), 1_000_000_000L);
        return neg ? -v : v;
    }

    private static boolean matchesIgnoreCase(byte[] s, int from, String word) {
        if (s.length - from != word.length()) return false;
        for (int j = 0; j < word.length(); j++) {
            int c = s[from + j];
            if (c >= 'A' && c <= 'Z') c += 32;
            if (c != word.charAt(j)) return false;
        }
        return true;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static LongDouble zero(boolean negative) {
        return negative ? new LongDouble(true, BigInteger.ZERO, MIN_EXP, false) : ZERO;
    }

    // ---- Arithmetic ------------------------------------------------------------------------------

    /** {@code this + other} rounded to extended precision; may be infinite. NaN (inf - inf) is infinite too. */
    public LongDouble add(LongDouble other) {
        if (infinite || other.infinite) return infinity(infinite ? negative : other.negative);
        if (other.isZero()) return isZero() ? zero(negative && other.negative) : this;
        if (isZero()) return other;
        int e = Math.min(exponent, other.exponent);
        BigInteger a = mantissa.shiftLeft(exponent - e);
        BigInteger b = other.mantissa.shiftLeft(other.exponent - e);
        BigInteger sum = (negative ? a.negate() : a).add(other.negative ? b.negate() : b);
        if (sum.signum() == 0) return ZERO; // x + (-x) is +0 when rounding to nearest
        return round(sum.signum() < 0, sum.abs(), BigInteger.ONE, e);
    }

    /** {@code this * k} rounded to extended precision (Redis's {@code ftval * 1000.0}). */
    public LongDouble multiply(long k) {
        boolean neg = negative ^ (k < 0);
        if (infinite) return infinity(neg);
        if (k == 0 || isZero()) return zero(neg);
        return round(neg, mantissa.multiply(BigInteger.valueOf(k).abs()), BigInteger.ONE, exponent);
    }

    /**
     * C's {@code (long long) ceill(x)} on x86-64: the ceiling when it fits in a long, otherwise (and
     * for infinities) Long.MIN_VALUE, the "integer indefinite" value the conversion yields.
     */
    public long ceilToLongLong() {
        if (infinite) return Long.MIN_VALUE;
        if (mantissa.signum() == 0) return 0;
        if (exponent >= 0 && mantissa.bitLength() + exponent > 64) return Long.MIN_VALUE;
        BigInteger v;
        if (exponent >= 0) {
            v = mantissa.shiftLeft(exponent);
        } else {
            v = mantissa.shiftRight(-exponent); // floor of the magnitude
            boolean fraction = mantissa.getLowestSetBit() < -exponent;
            if (fraction && !negative) v = v.add(BigInteger.ONE);
        }
        if (negative) v = v.negate();
        return v.bitLength() > 63 ? Long.MIN_VALUE : v.longValue();
    }

    /**
     * The extended value nearest to {@code num / den * 2^scale} (num >= 0, den > 0), ties to even;
     * below 2^-16382 the quantum stays 2^-16445 (subnormals); past the maximum it is infinite.
     */
    private static LongDouble round(boolean negative, BigInteger num, BigInteger den, int scale) {
        if (num.signum() == 0) return zero(negative);
        // Pick e so that the quotient num * 2^(scale - e) / den has exactly 64 bits.
        int e = Math.max(num.bitLength() - den.bitLength() + scale - 64, MIN_EXP);
        BigInteger[] qr;
        BigInteger d;
        while (true) {
            int shift = scale - e;
            BigInteger n = shift >= 0 ? num.shiftLeft(shift) : num;
            d = shift >= 0 ? den : den.shiftLeft(-shift);
            qr = n.divideAndRemainder(d);
            int bits = qr[0].bitLength();
            if (bits > 64) e++;
            else if (bits < 64 && e > MIN_EXP) e--;
            else break;
        }
        BigInteger q = qr[0];
        int cmp = qr[1].shiftLeft(1).compareTo(d);
        if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
            if (q.bitLength() > 64) {
                q = q.shiftRight(1);
                e++;
            }
        }
        if (e > MAX_EXP) return infinity(negative);
        return new LongDouble(negative, q, e, false);
    }

    // ---- Formatting (ld2string, LD_STR_HUMAN) ----------------------------------------------------

    /** {@code %.17Lf} without trailing zeros, as Redis stores an INCRBYFLOAT result. */
    public String toHumanString() {
        if (infinite) return negative ? "-inf" : "inf";
        if (mantissa.signum() == 0) return "0";
        String s;
        if (exponent >= 0) {
            s = mantissa.shiftLeft(exponent).toString();
        } else {
            // m * 2^-k == m * 5^k / 10^k: the exact decimal expansion, then rounded as glibc does.
            BigDecimal exact = new BigDecimal(mantissa.multiply(FIVE.pow(-exponent)), -exponent);
            s = exact.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
            int end = s.length();
            while (s.charAt(end - 1) == '0') end--;
            if (s.charAt(end - 1) == '.') end--;
            s = s.substring(0, end);
        }
        if (negative && !s.equals("0")) return "-" + s;
        return s;
    }

    @Override
    public String toString() {
        return toHumanString();
    }
}
