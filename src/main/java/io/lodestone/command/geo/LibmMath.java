package io.lodestone.command.geo;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * sin, cos and asin giving the doubles glibc's libm gives Redis on x86-64, so distances are the
 * same to the last bit (Java's {@link Math} versions may be 1 ulp away, which shows in STOREDIST
 * scores and can move a point across a search edge).
 *
 * <p>glibc (2.28 and later) computes sin and cos with IBM's table method: |x| is split into a
 * multiple of 1/128 (whose sine and cosine come from a table of double-double values) and a small
 * rest (short Taylor polynomials), combined with the angle-sum formulas. On a CPU with FMA, glibc
 * runs a build of that code compiled with {@code -mfma}, where the compiler fused each product
 * that only feeds an addition; the {@link Math#fma} calls below are exactly those fusions, checked
 * against the system's libm on 200,000 random arguments. The table is recomputed here from its
 * definition (sin and cos of i/128 as double-double, for i < 110). Only the ranges the geo code
 * uses are reproduced: |x| below 2.426 for sin and cos, asin below 0.125 (distances up to about
 * 1,600 km); elsewhere asin is correctly rounded in double-double, which agrees with glibc except
 * where glibc itself is off by one ulp (about 0.2% of arguments).
 */
final class LibmMath {
    // glibc's usncs.h and uasncs.h constants.
    private static final double S1 = -0x1.5555555555555p-3, S2 = 0x1.1111111110ECEp-7, S3 = -0x1.A01A019DB08B8p-13;
    private static final double S4 = 0x1.71DE27B9A7ED9p-19, S5 = -0x1.ADDFFC2FCDF59p-26;
    private static final double BIG = 0x1.8000000000000p45, HP0 = 0x1.921FB54442D18p0, HP1 = 0x1.1A62633145C07p-54;
    private static final double SN3 = -1.66666666666664880952546298448555E-01, SN5 = 8.33333214285722277379541354343671E-03;
    private static final double CS2 = 4.99999999999999999999950396842453E-01, CS4 = -4.16666666666664434524222570944589E-02;
    private static final double CS6 = 1.38888874007937613028114285595617E-03;
    private static final double F1 = 1.66666666666664110590506577996662E-01, F2 = 7.50000000026122686814431784722623E-02;
    private static final double F3 = 4.46428561421059750978517350006940E-02, F4 = 3.03821268582119319911193410625235E-02;
    private static final double F5 = 2.23551211026525610742786300334557E-02, F6 = 1.81382903404565056280372531963613E-02;

    /** sin(i/128), its low part, cos(i/128), its low part, for i in [0, 110). */
    private static final double[] SINCOSTAB = new double[440];

    private static final int TERMS = 22;
    /** ±1/(2k+1)! and ±1/(2k)! as (hi, lo) pairs, for the double-double asin. */
    private static final double[] SIN_HI = new double[TERMS], SIN_LO = new double[TERMS];

    static {
        MathContext mc = new MathContext(70);
        BigDecimal eps = new BigDecimal("1e-66");
        for (int i = 0; i < 110; i++) {
            BigDecimal x = BigDecimal.valueOf(i).divide(BigDecimal.valueOf(128), mc);
            BigDecimal sin = BigDecimal.ZERO, cos = BigDecimal.ZERO, t = BigDecimal.ONE;
            for (int n = 0; t.abs().compareTo(eps) > 0 || n < 2; n++) {
                if (n > 0) t = t.multiply(x, mc).divide(BigDecimal.valueOf(n), mc);
                switch (n % 4) {
                    case 0 -> cos = cos.add(t, mc);
                    case 1 -> sin = sin.add(t, mc);
                    case 2 -> cos = cos.subtract(t, mc);
                    default -> sin = sin.subtract(t, mc);
                }
            }
            SINCOSTAB[4 * i] = sin.doubleValue();
            SINCOSTAB[4 * i + 1] = sin.subtract(new BigDecimal(SINCOSTAB[4 * i])).doubleValue();
            SINCOSTAB[4 * i + 2] = cos.doubleValue();
            SINCOSTAB[4 * i + 3] = cos.subtract(new BigDecimal(SINCOSTAB[4 * i + 2])).doubleValue();
        }
        BigDecimal fact = BigDecimal.ONE;
        for (int n = 1; n < 2 * TERMS; n++) {
            fact = fact.multiply(BigDecimal.valueOf(n));
            if (n % 2 == 0) continue;
            int k = n / 2;
            BigDecimal c = BigDecimal.ONE.divide(fact, mc);
            if (k % 2 == 1) c = c.negate();
            SIN_HI[k] = c.doubleValue();
            SIN_LO[k] = c.subtract(new BigDecimal(SIN_HI[k])).doubleValue();
        }
    }

    private LibmMath() {
    }

    private static int highWord(double x) {
        return (int) (Double.doubleToRawLongBits(x) >>> 32);
    }

    /** The table index of big + |x|: its low word (|x| * 128 rounded) times 4. */
    private static int tableIndex(double u) {
        return ((int) Double.doubleToRawLongBits(u)) << 2;
    }

    /** glibc's do_cos (FMA build): cos(x + dx) for |x| < 0.855469. */
    private static double doCos(double x, double dx) {
        if (x < 0) dx = -dx;
        double u = BIG + Math.abs(x);
        x = Math.abs(x) - (u - BIG) + dx;
        double xx = x * x;
        double s = Math.fma(x * xx, Math.fma(xx, SN5, SN3), x);
        double c = xx * Math.fma(xx, Math.fma(xx, CS6, CS4), CS2);
        int k = tableIndex(u);
        double sn = SINCOSTAB[k], ssn = SINCOSTAB[k + 1], cs = SINCOSTAB[k + 2], ccs = SINCOSTAB[k + 3];
        double cor = Math.fma(-sn, s, Math.fma(-cs, c, Math.fma(-s, ssn, ccs)));
        return cs + cor;
    }

    /** glibc's do_sin (FMA build): sin(x + dx) for |x| < 0.855469. */
    private static double doSin(double x, double dx) {
        double xold = x;
        if (Math.abs(x) < 0.126) {
            double xx = x * x;
            double p = Math.fma(Math.fma(Math.fma(Math.fma(S5, xx, S4), xx, S3), xx, S2), xx, S1);
            double t = Math.fma(Math.fma(p, x, -(0.5 * dx)), xx, dx);
            return x + t;
        }
        if (x <= 0) dx = -dx;
        double u = BIG + Math.abs(x);
        x = Math.abs(x) - (u - BIG);
        double xx = x * x;
        double s = x + Math.fma(x * xx, Math.fma(xx, SN5, SN3), dx);
        double c = Math.fma(x, dx, xx * Math.fma(xx, Math.fma(xx, CS6, CS4), CS2));
        int k = tableIndex(u);
        double sn = SINCOSTAB[k], ssn = SINCOSTAB[k + 1], cs = SINCOSTAB[k + 2], ccs = SINCOSTAB[k + 3];
        double cor = Math.fma(cs, s, Math.fma(-sn, c, Math.fma(s, ccs, ssn)));
        return Math.copySign(sn + cor, xold);
    }

    /** glibc's __sin for |x| < 2.426265; StrictMath beyond (never reached by the geo code). */
    static double sin(double x) {
        int k = highWord(x) & 0x7fffffff;
        if (k < 0x3e500000) return x;
        if (k < 0x3feb6000) return doSin(x, 0);
        if (k < 0x400368fd) return Math.copySign(doCos(HP0 - Math.abs(x), HP1), x);
        return StrictMath.sin(x);
    }

    /** glibc's __cos for |x| < 2.426265; StrictMath beyond (never reached by the geo code). */
    static double cos(double x) {
        int k = highWord(x) & 0x7fffffff;
        if (k < 0x3e400000) return 1.0;
        if (k < 0x3feb6000) return doCos(x, 0);
        if (k < 0x400368fd) {
            double y = HP0 - Math.abs(x);
            double a = y + HP1;
            double da = (y - a) + HP1;
            return doSin(a, da);
        }
        return StrictMath.cos(x);
    }

    /** asin on [0, 1] (the geo code's only arguments): glibc's branch below 0.125, else see above. */
    static double asin(double a) {
        int k = highWord(a) & 0x7fffffff;
        if (k < 0x3e500000) return a;
        if (k < 0x3fc00000) {
            double x2 = a * a;
            double p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(F6, x2, F5), x2, F4), x2, F3), x2, F2), x2, F1);
            return Math.fma(p, x2 * a, a);
        }
        if (!(a >= 0 && a < 0.999)) return StrictMath.asin(a);
        // One Newton step on sin(y) = a from Math.asin, with sin(y) in double-double.
        double y = Math.asin(a);
        double[] s = sinSeries(y);
        double p = s[0] * y;
        double e = Math.fma(s[0], y, -p) + s[1] * y;
        double f = (p - a) + e;
        return y + (-f / Math.cos(y));
    }

    /** Σ ±y^(2k)/(2k+1)! by Horner in double-double; returns {hi, lo}. */
    private static double[] sinSeries(double x) {
        double x2h = x * x, x2l = Math.fma(x, x, -x2h);
        double sh = SIN_HI[TERMS - 1], sl = SIN_LO[TERMS - 1];
        for (int k = TERMS - 2; k >= 0; k--) {
            double ph = sh * x2h;
            double pl = Math.fma(sh, x2h, -ph) + (sh * x2l + sl * x2h);
            double th = ph + pl;
            double tl = pl - (th - ph);
            double a = th + SIN_HI[k];
            double bb = a - th;
            double err = (th - (a - bb)) + (SIN_HI[k] - bb);
            double lo = err + tl + SIN_LO[k];
            sh = a + lo;
            sl = lo - (sh - a);
        }
        return new double[] {sh, sl};
    }
}
