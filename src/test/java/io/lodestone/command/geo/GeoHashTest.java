package io.lodestone.command.geo;

import org.junit.jupiter.api.Test;

import java.util.Comparator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Redis's geohash arithmetic and the libm and sorting details replies depend on. */
class GeoHashTest {
    /**
     * Arguments where Java's Math and StrictMath both differ from glibc 2.36 (x86-64, FMA build) by
     * one ulp; the expected values are glibc's (read from Python's math module, which calls it).
     */
    @Test
    void libmMatchesGlibcWhereJavaDoesNot() {
        Object[][] cases = {
                {"cos", -0x1.793963b71f21p-1, 0x1.7b35de55580cbp-1},
                {"sin", 0x1.191a7bbc89d5p-1, 0x1.0b314219a41bap-1},
                {"cos", -0x1.7d437611a777p-1, 0x1.787c10d5f7d76p-1},
                {"cos", -0x1.67337d147227p0, 0x1.55c676b686826p-3},
                {"cos", 0x1.40651891cc75p0, 0x1.416403588f18ap-2},
                {"sin", 0x1.6059ec6299e78p-1, 0x1.4530b20efb6eep-1},
                {"cos", -0x1.48ecc26558684p0, 0x1.20d296aea8fap-2},
                {"sin", 0x1.77755ab9e2e54p-1, 0x1.56b373f44737fp-1},
                {"cos", 0x1.9e1949e79b174p-1, 0x1.61790e6fbe71dp-1},
                {"sin", 0x1.0af2e141c88b8p-2, 0x1.07ef7322ca778p-2},
                {"sin", -0x1.a64b844806b88p-2, -0x1.9a6d21c50ca0ap-2},
                {"sin", 0x1.fe2f59d4387a8p-3, 0x1.f8ecabfc4ffa9p-3},
                {"asin", 0x1.4c46648351904p-4, 0x1.4ca3f738f474dp-4},
                {"asin", 0x1.3fff21c5aa2e6p-4, 0x1.4052b13b4f05dp-4},
                {"asin", 0x1.4a6c4007667c7p-6, 0x1.4a71fc34ceeafp-6},
                {"asin", 0x1.306a9909364eap-5, 0x1.307c8b5fb2cb9p-5},
                {"asin", 0x1.b51eb726970bcp-5, 0x1.b553e2b52251bp-5},
                {"asin", 0x1.67e48ede9dc4ep-4, 0x1.685b84a966d73p-4},
        };
        for (Object[] c : cases) {
            double x = (Double) c[1], expected = (Double) c[2];
            double got = switch ((String) c[0]) {
                case "sin" -> LibmMath.sin(x);
                case "cos" -> LibmMath.cos(x);
                default -> LibmMath.asin(x);
            };
            assertEquals(expected, got, 0, c[0] + "(" + Double.toHexString(x) + ")");
        }
    }

    @Test
    void encodesAndDecodesAsRedis() {
        // GEOADD Sicily 13.361389 38.115556 Palermo: Redis's score and GEOPOS.
        long bits = GeoHash.align52(GeoHash.encodeWGS84(13.361389, 38.115556, 26), 26);
        assertEquals(3479099956230698L, bits);
        double[] xy = new double[2];
        GeoHash.decodeScore(bits, xy);
        assertEquals("13.36138933897018433", GeoCommands.human(xy[0]));
        assertEquals("38.11555639549629859", GeoCommands.human(xy[1]));
        assertEquals("sqc8b49rny0", new String(GeoHash.hashString(bits)));
        assertEquals("166274.1516", new String(GeoCommands.distance4(166274.15156960033)));
        assertEquals("0.0000", new String(GeoCommands.distance4(0)));
    }

    @Test
    void interleaveRoundTrips() {
        for (long x : new long[] {0, 1, 0x3ffffff, 0x2aaaaaa, 12345678}) {
            long y = 0x3ffffff - x;
            long sep = GeoHash.deinterleave(GeoHash.interleave(x, y));
            assertEquals(x, sep & 0xffffffffL);
            assertEquals(y, sep >>> 32);
        }
    }

    /** pqsort leaves the requested ranks sorted whatever the ties (the order of equals is its own). */
    @Test
    void partialSortOrdersTheRequestedPrefix() {
        java.util.Random rnd = new java.util.Random(7);
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(120);
            Integer[] a = new Integer[n];
            for (int i = 0; i < n; i++) a[i] = rnd.nextInt(round % 2 == 0 ? 10 : 1000);
            Integer[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            int k = 1 + rnd.nextInt(n);
            PartialSort.sort(a, Comparator.naturalOrder(), 0, k - 1);
            assertArrayEquals(java.util.Arrays.copyOf(sorted, k), java.util.Arrays.copyOf(a, k));
        }
    }
}
