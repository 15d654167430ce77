package io.lodestone.util;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongDoubleTest {
    private static String incr(String value, String by) {
        LongDouble a = LongDouble.parse(value.getBytes(StandardCharsets.ISO_8859_1));
        LongDouble b = LongDouble.parse(by.getBytes(StandardCharsets.ISO_8859_1));
        if (a == null || b == null) return "ERR value is not a valid float";
        LongDouble sum = a.add(b);
        return sum.isInfinite() ? "ERR increment would produce NaN or Infinity" : sum.toHumanString();
    }

    @Test
    void addsInExtendedPrecisionAndPrintsLikeRedis() {
        assertEquals("10.6", incr("10.5", "0.1"));
        assertEquals("0.3", incr("0.1", "0.2"));
        assertEquals("5200", incr("5.0e3", "2.0e2"));
        assertEquals("0", incr("3", "-3"));
        assertEquals("0", incr("0", "-0.0000000000000000001"));
        assertEquals("123456789012345678899921813504", incr("0", "123456789012345678901234567890"));
        assertEquals("-0.00000000015", incr("0", "-1.5e-10"));
        assertEquals("18446744073709551615", incr("9223372036854775807", "9223372036854775808"));
    }

    @Test
    void roundsTiesToEvenWhenPrintingSeventeenDecimals() {
        // 2^-18 = 0.000003814697265625 exactly: the 18th decimal is a tie.
        assertEquals("0.00000381469726562", incr("0", "0.000003814697265625"));
        assertEquals("0.00000000000000002", incr("0", "0.000000000000000025"));
    }

    @Test
    void parsesWhatStrtoldAcceptsAndNothingElse() {
        for (String ok : new String[]{"1", "+5", "-5", ".5", "5.", "1e5", "1E-5", "0x1.8p1", "0X1P+2", "0x.8", "inf",
                "-INF", "Infinity", "0e-5000", "5e-4951", "0x1p-16445"}) {
            assertNotNull(LongDouble.parse(ok.getBytes(StandardCharsets.US_ASCII)), ok);
        }
        for (String bad : new String[]{"", " 1", "1 ", "\t1", "1e", "1e+", "0x", "0x1p", ".", "-", "nan", "-nan",
                "infin", "1d", "1f", "1_0", "1.5.5", "1\u0000", "\u0000", "1e5000", "1e-5000", "1e-4951",
                "0x1p-16446", "1.2e4932"}) {
            assertNull(LongDouble.parse(bad.getBytes(StandardCharsets.ISO_8859_1)), bad);
        }
        assertNull(LongDouble.parse(new byte[5120]), "5120 bytes or more are refused");
    }

    @Test
    void reachesTheExtendedRangeEnds() {
        String max = incr("0", "1.18973149535723176502e+4932");
        assertEquals(4933, max.length());
        // The largest finite long double, (2^64 - 1) * 2^16320, printed in full as Redis prints it.
        assertTrue(max.startsWith("118973149535723176502126385303"), max);
        assertTrue(max.endsWith("811989770240"), max);
        assertEquals("ERR increment would produce NaN or Infinity", incr("1.18973149535723176502e+4932", "1e4932"));
        assertEquals("0", incr("0", "5e-4951"));
        assertEquals("ERR increment would produce NaN or Infinity", incr("inf", "1"));
        assertEquals("ERR increment would produce NaN or Infinity", incr("1", "-inf"));
    }

    @Test
    void agreesWithRedisOnTwoThousandRecordedCases() throws Exception {
        // Fixture recorded from redis-server 7.0.15: "<stored value>\t<increment>\t<reply or error>".
        String[] lines = new String(getClass().getResourceAsStream("incrbyfloat-cases.txt").readAllBytes(),
                StandardCharsets.ISO_8859_1).split("\n");
        int checked = 0;
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            assertEquals(f[2], incr(f[0], f[1]), f[0] + " + " + f[1]);
            checked++;
        }
        assertEquals(2000, checked);
    }
}
