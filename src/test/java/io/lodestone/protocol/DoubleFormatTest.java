package io.lodestone.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DoubleFormatTest {
    @Test
    void matchesPrintfPercentDot17g() {
        assertEquals("1.1000000000000001", DoubleFormat.g17(1.1));
        assertEquals("0", DoubleFormat.g17(0.0));
        assertEquals("-0", DoubleFormat.g17(-0.0));
        assertEquals("inf", DoubleFormat.g17(Double.POSITIVE_INFINITY));
        assertEquals("-inf", DoubleFormat.g17(Double.NEGATIVE_INFINITY));
        assertEquals("3", DoubleFormat.g17(3.0));
        assertEquals("1.0000000000000001e-05", DoubleFormat.g17(1e-5));
        assertEquals("0.0001", DoubleFormat.g17(1e-4));
        assertEquals("1e+17", DoubleFormat.g17(1e17));
        assertEquals("10000000000000000", DoubleFormat.g17(1e16));
        assertEquals("1.7976931348623157e+308", DoubleFormat.g17(Double.MAX_VALUE));
        assertEquals("4.9406564584124654e-324", DoubleFormat.g17(Double.MIN_VALUE));
        assertEquals("-123.456", DoubleFormat.g17(-123.456));
    }

    @Test
    void agreesWithCPrintfOnThousandsOfValues() throws Exception {
        // Fixture made by C-compatible printf (correctly rounded): "<double bits, little-endian hex> <%.17g>".
        var lines = new String(DoubleFormatTest.class.getResourceAsStream("g17-cases.txt").readAllBytes()).split("\n");
        int checked = 0;
        for (String line : lines) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split(" ");
            long bits = Long.reverseBytes(Long.parseUnsignedLong(f[0], 16));
            assertEquals(f[1], DoubleFormat.g17(Double.longBitsToDouble(bits)), f[0]);
            checked++;
        }
        assertEquals(3500, checked);
    }
}
