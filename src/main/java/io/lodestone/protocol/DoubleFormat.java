package io.lodestone.protocol;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Number formatting that must match the C library's output byte for byte. */
public final class DoubleFormat {
    private static final MathContext SEVENTEEN = new MathContext(17, RoundingMode.HALF_EVEN);

    private DoubleFormat() {
    }

    /**
     * C's {@code printf("%.17g", d)}, which Redis 7.0 uses for double replies (ZSCORE, RESP3 doubles):
     * 17 significant digits, trailing zeros removed, exponent form outside [1e-4, 1e17).
     * BigDecimal holds the double's exact binary value, so rounding it matches glibc exactly.
     */
    public static String g17(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0" : "0";
        // An integer below 1e17 has at most 17 digits: printed exactly, without exponent.
        if (d == Math.rint(d) && Math.abs(d) < 1e17) return Long.toString((long) d);
        BigDecimal r = new BigDecimal(d).round(SEVENTEEN);
        int exponent = r.precision() - r.scale() - 1;
        if (exponent < -4 || exponent >= 17) {
            BigDecimal mantissa = r.movePointLeft(exponent);
            String m = stripZeros(mantissa.setScale(16, RoundingMode.UNNECESSARY).toPlainString());
            String e = Integer.toString(Math.abs(exponent));
            return m + (exponent < 0 ? "e-" : "e+") + (e.length() < 2 ? "0" + e : e);
        }
        return stripZeros(r.setScale(Math.max(0, 16 - exponent), RoundingMode.UNNECESSARY).toPlainString());
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) return s;
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        if (s.charAt(end - 1) == '.') end--;
        return s.substring(0, end);
    }
}
