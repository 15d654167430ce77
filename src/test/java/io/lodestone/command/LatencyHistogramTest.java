package io.lodestone.command;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {
    @Test
    void emptyReportsZero() {
        assertEquals(0, new LatencyHistogram().valueAtPercentile(50));
    }

    @Test
    void smallValuesAreExact() {
        LatencyHistogram h = new LatencyHistogram();
        for (int v = 1; v <= 100; v++) h.record(v);
        assertEquals(50, h.valueAtPercentile(50));
        assertEquals(100, h.valueAtPercentile(100));
        assertEquals(1, h.valueAtPercentile(0));
    }

    @Test
    void percentilesAreWithinOnePercentOfTheExactOnes() {
        Random rnd = new Random(7);
        long[] values = new long[100_000];
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = 1 + (long) Math.exp(rnd.nextDouble() * Math.log(500_000_000.0));
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            long got = h.valueAtPercentile(p);
            // Reported as its bucket's highest value: never below the exact one, at most 1/128 above.
            assertTrue(got >= exact && got <= exact + exact / 128 + 1, p + ": " + got + " vs " + exact);
        }
    }

    @Test
    void longCallsCountAsTheMaximum() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(5_000_000_000L);
        long v = h.valueAtPercentile(100);
        assertTrue(v >= 1_000_000_000L && v < 1_010_000_000L, "got " + v);
    }
}
