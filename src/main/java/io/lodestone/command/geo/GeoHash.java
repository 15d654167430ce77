package io.lodestone.command.geo;

/**
 * Redis's geohash arithmetic (geohash.c, geohash_helper.c): 52-bit interleaved cell numbers over
 * the Web Mercator latitude range, the 9-cell cover of a search shape, and haversine distances on
 * Redis's sphere. Every step follows Redis's double arithmetic in the same order, so the same
 * inputs give the same bits, the same cells and the same distances.
 *
 * <p>A hash is {@code bits} at {@code step} bits per axis (latitude in the even bits, longitude in
 * the odd ones); a sorted-set score is a step-26 hash. The zero hash (bits 0, step 0) marks a
 * neighbour excluded from a search.
 */
final class GeoHash {
    static final int STEP_MAX = 26;
    static final double LAT_MIN = -85.05112878;
    static final double LAT_MAX = 85.05112878;
    static final double LONG_MIN = -180;
    static final double LONG_MAX = 180;
    static final double EARTH_RADIUS_IN_METERS = 6372797.560856;
    static final double MERCATOR_MAX = 20037726.37;
    private static final double D_R = Math.PI / 180.0;

    private GeoHash() {
    }

    // ---- Bits ------------------------------------------------------------------------------------

    /** interleave64: x (latitude) in the even bits, y (longitude) in the odd bits. */
    static long interleave(long xlo, long ylo) {
        long x = xlo & 0xFFFFFFFFL, y = ylo & 0xFFFFFFFFL;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x << 2)) & 0x3333333333333333L;
        y = (y | (y << 2)) & 0x3333333333333333L;
        x = (x | (x << 1)) & 0x5555555555555555L;
        y = (y | (y << 1)) & 0x5555555555555555L;
        return x | (y << 1);
    }

    /** deinterleave64: latitude in the low 32 bits, longitude in the high 32. */
    static long deinterleave(long interleaved) {
        long x = interleaved, y = interleaved >>> 1;
        x = x & 0x5555555555555555L;
        y = y & 0x5555555555555555L;
        x = (x | (x >>> 1)) & 0x3333333333333333L;
        y = (y | (y >>> 1)) & 0x3333333333333333L;
        x = (x | (x >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        y = (y | (y >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x >>> 4)) & 0x00FF00FF00FF00FFL;
        y = (y | (y >>> 4)) & 0x00FF00FF00FF00FFL;
        x = (x | (x >>> 8)) & 0x0000FFFF0000FFFFL;
        y = (y | (y >>> 8)) & 0x0000FFFF0000FFFFL;
        x = (x | (x >>> 16)) & 0x00000000FFFFFFFFL;
        y = (y | (y >>> 16)) & 0x00000000FFFFFFFFL;
        return x | (y << 32);
    }

    /** x86-64's cvttsd2si: out of range (or NaN) gives the "integer indefinite" 2^63. */
    private static long cvttsd2si(double d) {
        if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) return Long.MIN_VALUE;
        return (long) d;
    }

    /** C's {@code (uint64_t) d} as gcc compiles it on x86-64 (a score past the 52 bits, or negative). */
    static long toUint64(double d) {
        if (d < 0x1p63) return cvttsd2si(d);
        return cvttsd2si(d - 0x1p63) ^ Long.MIN_VALUE;
    }

    /** geohashAlign52Bits. */
    static long align52(long bits, int step) {
        return bits << (52 - step * 2);
    }

    // ---- Encode / decode -------------------------------------------------------------------------

    /**
     * geohashEncode: the cell of a point at {@code step} over the given ranges; -1 when the point is
     * outside Redis's limits or the ranges (Redis's failure, which callers never reach).
     */
    static long encode(double longMin, double longMax, double latMin, double latMax,
                       double longitude, double latitude, int step) {
        if (longitude > LONG_MAX || longitude < LONG_MIN || latitude > LAT_MAX || latitude < LAT_MIN) return -1;
        if (latitude < latMin || latitude > latMax || longitude < longMin || longitude > longMax) return -1;
        double latOffset = (latitude - latMin) / (latMax - latMin);
        double longOffset = (longitude - longMin) / (longMax - longMin);
        latOffset *= (double) (1L << step);
        longOffset *= (double) (1L << step);
        // C converts to uint32_t: truncation of a value below 2^32.
        return interleave((long) latOffset, (long) longOffset);
    }

    /** geohashEncodeWGS84. */
    static long encodeWGS84(double longitude, double latitude, int step) {
        return encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, step);
    }

    /**
     * geohashDecode over the WGS84 ranges: {longMin, longMax, latMin, latMax} of the cell.
     */
    static double[] decodeArea(long bits, int step) {
        long sep = deinterleave(bits);
        double latScale = LAT_MAX - LAT_MIN;
        double longScale = LONG_MAX - LONG_MIN;
        long ilato = sep & 0xFFFFFFFFL;
        long ilono = sep >>> 32;
        long ilato1 = (ilato + 1) & 0xFFFFFFFFL, ilono1 = (ilono + 1) & 0xFFFFFFFFL; // uint32 arithmetic
        double div = (double) (1L << step);
        return new double[] {
                LONG_MIN + (ilono * 1.0 / div) * longScale,
                LONG_MIN + (ilono1 * 1.0 / div) * longScale,
                LAT_MIN + (ilato * 1.0 / div) * latScale,
                LAT_MIN + (ilato1 * 1.0 / div) * latScale,
        };
    }

    /** decodeGeohash: the point (longitude, latitude) of a sorted-set score, into xy. */
    static void decodeScore(double score, double[] xy) {
        double[] a = decodeArea(toUint64(score), STEP_MAX);
        double x = (a[0] + a[1]) / 2;
        if (x > LONG_MAX) x = LONG_MAX;
        if (x < LONG_MIN) x = LONG_MIN;
        double y = (a[2] + a[3]) / 2;
        if (y > LAT_MAX) y = LAT_MAX;
        if (y < LAT_MIN) y = LAT_MIN;
        xy[0] = x;
        xy[1] = y;
    }

    private static final byte[] ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** GEOHASH's 11 characters for a score: decoded, re-encoded over the standard ±90 latitudes. */
    static byte[] hashString(double score) {
        double[] xy = new double[2];
        decodeScore(score, xy);
        long bits = encode(-180, 180, -90, 90, xy[0], xy[1], STEP_MAX);
        byte[] out = new byte[11];
        for (int i = 0; i < 11; i++) {
            int idx = i == 10 ? 0 : (int) ((bits >>> (52 - ((i + 1) * 5))) & 0x1f);
            out[i] = ALPHABET[idx];
        }
        return out;
    }

    // ---- Neighbours ------------------------------------------------------------------------------

    private static long moveX(long bits, int step, int d) {
        if (d == 0) return bits;
        long x = bits & 0xaaaaaaaaaaaaaaaaL;
        long y = bits & 0x5555555555555555L;
        long zz = 0x5555555555555555L >>> (64 - step * 2);
        if (d > 0) {
            x = x + (zz + 1);
        } else {
            x = x | zz;
            x = x - (zz + 1);
        }
        x &= (0xaaaaaaaaaaaaaaaaL >>> (64 - step * 2));
        return x | y;
    }

    private static long moveY(long bits, int step, int d) {
        if (d == 0) return bits;
        long x = bits & 0xaaaaaaaaaaaaaaaaL;
        long y = bits & 0x5555555555555555L;
        long zz = 0xaaaaaaaaaaaaaaaaL >>> (64 - step * 2);
        if (d > 0) {
            y = y + (zz + 1);
        } else {
            y = y | zz;
            y = y - (zz + 1);
        }
        y &= (0x5555555555555555L >>> (64 - step * 2));
        return x | y;
    }

    // ---- Search areas ----------------------------------------------------------------------------

    private static double degRad(double ang) {
        return ang * D_R;
    }

    private static double radDeg(double ang) {
        return ang / D_R;
    }

    /** geohashEstimateStepsByRadius. */
    static int estimateStepsByRadius(double rangeMeters, double lat) {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MERCATOR_MAX) {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66) {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return step;
    }

    /**
     * geohashCalculateAreasByShapeWGS84: the cells to scan, in Redis's order (center, north, south,
     * east, west, north-east, north-west, south-east, south-west), as {bits, step} pairs, with
     * excluded neighbours as (0, 0).
     */
    static long[] areas(Shape shape) {
        double longitude = shape.x, latitude = shape.y;
        double height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
        double width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
        double latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
        double longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
        double longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
        boolean southern = latitude < 0;
        double minLon = southern ? longitude - longDeltaBottom : longitude - longDeltaTop;
        double maxLon = southern ? longitude + longDeltaBottom : longitude + longDeltaTop;
        double minLat = latitude - latDelta;
        double maxLat = latitude + latDelta;

        double radiusMeters = shape.box
                ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
                : shape.radius;
        radiusMeters *= shape.conversion;

        int steps = estimateStepsByRadius(radiusMeters, latitude);
        long hash = encodeWGS84(longitude, latitude, steps);
        long[] n = neighbors(hash, steps);
        boolean decrease = false;
        if (decodeArea(n[1], steps)[3] < maxLat) decrease = true; // north
        if (decodeArea(n[2], steps)[2] > minLat) decrease = true; // south
        if (decodeArea(n[3], steps)[1] < maxLon) decrease = true; // east
        if (decodeArea(n[4], steps)[0] > minLon) decrease = true; // west
        if (steps > 1 && decrease) {
            steps--;
            hash = encodeWGS84(longitude, latitude, steps);
            n = neighbors(hash, steps);
        }
        double[] area = decodeArea(hash, steps);
        boolean[] zero = new boolean[9];
        if (steps >= 2) {
            if (area[2] < minLat) zero[2] = zero[8] = zero[7] = true;  // south, south-west, south-east
            if (area[3] > maxLat) zero[1] = zero[5] = zero[6] = true;  // north, north-east, north-west
            if (area[0] < minLon) zero[4] = zero[8] = zero[6] = true;  // west, south-west, north-west
            if (area[1] > maxLon) zero[3] = zero[7] = zero[5] = true;  // east, south-east, north-east
        }
        long[] out = new long[18];
        for (int i = 0; i < 9; i++) {
            out[2 * i] = zero[i] ? 0 : n[i];
            out[2 * i + 1] = zero[i] ? 0 : steps;
        }
        return out;
    }

    /** The cell and its 8 neighbours in the order {@link #areas} scans them. */
    private static long[] neighbors(long hash, int step) {
        return new long[] {
                hash,
                moveY(hash, step, 1),                        // north
                moveY(hash, step, -1),                       // south
                moveX(hash, step, 1),                        // east
                moveX(hash, step, -1),                       // west
                moveY(moveX(hash, step, 1), step, 1),        // north-east
                moveY(moveX(hash, step, -1), step, 1),       // north-west
                moveY(moveX(hash, step, 1), step, -1),       // south-east
                moveY(moveX(hash, step, -1), step, -1),      // south-west
        };
    }

    // ---- Distances -------------------------------------------------------------------------------

    /** geohashGetLatDistance. */
    static double latDistance(double lat1d, double lat2d) {
        return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
    }

    /** geohashGetDistance: haversine, with Redis's shortcut for equal longitudes. */
    static double distance(double lon1d, double lat1d, double lon2d, double lat2d) {
        double lon1r = degRad(lon1d);
        double lon2r = degRad(lon2d);
        double v = LibmMath.sin((lon2r - lon1r) / 2);
        if (v == 0.0) return latDistance(lat1d, lat2d);
        double lat1r = degRad(lat1d);
        double lat2r = degRad(lat2d);
        double u = LibmMath.sin((lat2r - lat1r) / 2);
        double a = u * u + LibmMath.cos(lat1r) * LibmMath.cos(lat2r) * v * v;
        return 2.0 * EARTH_RADIUS_IN_METERS * LibmMath.asin(Math.sqrt(a));
    }

    /**
     * geoWithinShape: whether the point is inside the shape; its distance to the center (meters)
     * goes to {@code dist[0]}.
     */
    static boolean within(Shape shape, double x2, double y2, double[] dist) {
        if (!shape.box) {
            double d = distance(shape.x, shape.y, x2, y2);
            dist[0] = d;
            return !(d > shape.radius * shape.conversion);
        }
        double widthM = shape.width * shape.conversion, heightM = shape.height * shape.conversion;
        if (latDistance(y2, shape.y) > heightM / 2) return false;
        if (distance(x2, y2, shape.x, y2) > widthM / 2) return false;
        dist[0] = distance(shape.x, shape.y, x2, y2);
        return true;
    }

    /** A search shape (GeoShape): a circle or an axis-aligned box around (x, y), sizes in units. */
    static final class Shape {
        double x, y;
        boolean box;
        double radius, width, height;
        double conversion;
    }
}
