package io.lodestone.command.geo;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * sin, cos and asin rounded as glibc rounds them (correctly, for the arguments the geo code uses),
 * so distances computed here are the same doubles Redis computes. Java's {@link Math} versions
 * may be 1 ulp away, which shows in STOREDIST scores and can move a point across a search edge.
 *
 * <p>Each function evaluates its Taylor series in double-double arithmetic (about 106 bits) for
 * arguments in [-1.6, 1.6] (every angle geohashGetDistance passes is within ±π/2), then rounds
 * once. asin refines {@link Math#asin} by one Newton step in double-double.
 */
final class LibmMath {
    private static final int TERMS = 22;
    /** 1/(2k+1)! and 1/(2k)! as (hi, lo) pairs, with the alternating sign folded in. */
    private static final double[] SIN_HI = new double[TERMS], SIN_LO = new double[TERMS];
    private static final double[] COS_HI = new double[TERMS], COS_LO = new double[TERMS];

    static {
        MathContext mc = new MathContext(60);
        BigDecimal fact = BigDecimal.ONE;
        for (int n = 0; n < 2 * TERMS; n++) {
            if (n > 0) fact = fact.multiply(BigDecimal.valueOf(n));
            BigDecimal c = BigDecimal.ONE.divide(fact, mc);
            int k = n / 2;
            if (k % 2 == 1) c = c.negate();
            double hi = c.doubleValue();
            double lo = c.subtract(new BigDecimal(hi)).doubleValue();
            if (n % 2 == 0) {
                COS_HI[k] = hi;
                COS_LO[k] = lo;
            } else {
                SIN_HI[k] = hi;
                SIN_LO[k] = lo;
            }
        }
    }

    private LibmMath() {
    }

    static double sin(double x) {
        if (!(Math.abs(x) <= 1.6)) return StrictMath.sin(x);
        double[] s = series(SIN_HI, SIN_LO, x);
        // times x (exact double): (hi + lo) * x
        double p = s[0] * x;
        double e = Math.fma(s[0], x, -p) + s[1] * x;
        return p + e;
    }

    static double cos(double x) {
        if (!(Math.abs(x) <= 1.6)) return StrictMath.cos(x);
        double[] s = series(COS_HI, COS_LO, x);
        return s[0] + s[1];
    }

    /** Σ c_k x^(2k) by Horner in double-double; returns {hi, lo}. */
    private static double[] series(double[] chi, double[] clo, double x) {
        double x2h = x * x, x2l = Math.fma(x, x, -x2h);
        double sh = chi[TERMS - 1], sl = clo[TERMS - 1];
        for (int k = TERMS - 2; k >= 0; k--) {
            // s = s * x2 (double-double product)
            double ph = sh * x2h;
            double pl = Math.fma(sh, x2h, -ph) + (sh * x2l + sl * x2h);
            double th = ph + pl;
            double tl = pl - (th - ph);
            // s = s + c_k (double-double sum)
            double a = th + chi[k];
            double bb = a - th;
            double err = (th - (a - bb)) + (chi[k] - bb);
            double lo = err + tl + clo[k];
            sh = a + lo;
            sl = lo - (sh - a);
        }
        return new double[] {sh, sl};
    }

    /** asin on [0, 1]: one Newton step on sin(y) = a from Math.asin, in double-double. */
    static double asin(double a) {
        if (!(a >= 0 && a < 0.999)) return StrictMath.asin(a);
        double y = Math.asin(a);
        // f(y) = sin(y) - a, with sin(y) in double-double.
        double[] s = series(SIN_HI, SIN_LO, y);
        double p = s[0] * y;
        double e = Math.fma(s[0], y, -p) + s[1] * y;
        double fh = p - a; // exact when p and a are close (Sterbenz)
        double f = fh + e;
        double corr = -f / cos(y);
        return y + corr;
    }
}
