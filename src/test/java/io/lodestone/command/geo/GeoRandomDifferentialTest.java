package io.lodestone.command.geo;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Random GEO workloads sent to Lodestone and to a real redis-server: random points (clustered,
 * spread, duplicated, near the poles and the antimeridian), random circles and boxes of every
 * size and unit, orderings, COUNT [ANY], WITH* options and stored results. Every raw reply must be
 * the same bytes. Seeds are fixed so a failure can be replayed.
 */
class GeoRandomDifferentialTest {
    private static ServerProcess redis, lodestone;
    private static RespClient r, l;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(ServerProcess.redisAvailable() && ServerProcess.lodestoneAvailable(), "redis-server not installed");
        redis = ServerProcess.redis();
        lodestone = ServerProcess.lodestone();
        r = redis.client();
        l = lodestone.client();
    }

    @AfterAll
    static void stop() throws IOException {
        if (r != null) r.close();
        if (l != null) l.close();
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
    }

    private final List<String> failures = new ArrayList<>();

    private void both(String... args) throws IOException {
        byte[] a = r.call(args), b = l.call(args);
        if (!Arrays.equals(a, b) && failures.size() < 20) {
            failures.add(String.join(" ", args) + "\n    redis:     " + RespClient.escape(a)
                    + "\n    lodestone: " + RespClient.escape(b));
        }
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%.6f", d);
    }

    private static final String[] UNITS = {"m", "km", "ft", "mi"};
    private static final double[] PER_METER = {1, 1000, 0.3048, 1609.34};

    /** A coordinate: anywhere, near a cluster center, or on an edge (poles, antimeridian). */
    private static double[] point(Random rnd, double[][] centers) {
        switch (rnd.nextInt(6)) {
            case 0, 1 -> {
                return new double[] {rnd.nextDouble() * 360 - 180, rnd.nextDouble() * 170.1 - 85.05};
            }
            case 2 -> {
                double lon = rnd.nextBoolean() ? 180 - rnd.nextDouble() * 2 : -180 + rnd.nextDouble() * 2;
                return new double[] {lon, rnd.nextDouble() * 170 - 85};
            }
            case 3 -> {
                double lat = rnd.nextBoolean() ? 85.05 - rnd.nextDouble() * 10 : -85.05 + rnd.nextDouble() * 10;
                return new double[] {rnd.nextDouble() * 360 - 180, lat};
            }
            default -> {
                double[] c = centers[rnd.nextInt(centers.length)];
                double spread = Math.pow(10, -4 + rnd.nextDouble() * 4);
                double lon = Math.max(-180, Math.min(180, c[0] + rnd.nextGaussian() * spread));
                double lat = Math.max(-85.05, Math.min(85.05, c[1] + rnd.nextGaussian() * spread));
                return new double[] {lon, lat};
            }
        }
    }

    @Test
    void randomSearchesGiveRedisBytes() throws IOException {
        for (long seed = 1; seed <= 12; seed++) {
            Random rnd = new Random(seed);
            both("FLUSHALL");
            both("CONFIG", "SET", "zset-max-listpack-entries", rnd.nextBoolean() ? "128" : "16");
            double[][] centers = new double[4][];
            for (int i = 0; i < centers.length; i++) centers[i] = point(rnd, new double[][] {{0, 0}});
            int n = rnd.nextInt(4) == 0 ? 5 + rnd.nextInt(20) : 50 + rnd.nextInt(400);
            List<String> add = new ArrayList<>(List.of("GEOADD", "g"));
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] p = rnd.nextInt(10) == 0 && !pts.isEmpty() ? pts.get(rnd.nextInt(pts.size())) : point(rnd, centers);
                pts.add(p);
                add.add(num(p[0]));
                add.add(num(p[1]));
                add.add("m" + i);
            }
            both(add.toArray(new String[0]));
            both("OBJECT", "ENCODING", "g");
            for (int q = 0; q < 250; q++) query(rnd, n, pts, centers);
        }
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    private void query(Random rnd, int n, List<double[]> pts, double[][] centers) throws IOException {
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            both("GEODIST", "g", "m" + rnd.nextInt(n), "m" + rnd.nextInt(n + 2), UNITS[rnd.nextInt(4)]);
            return;
        }
        if (kind == 1) {
            both("GEOPOS", "g", "m" + rnd.nextInt(n), "m" + rnd.nextInt(n + 2));
            both("GEOHASH", "g", "m" + rnd.nextInt(n), "m" + rnd.nextInt(n + 2));
            return;
        }
        int u = rnd.nextInt(4);
        double meters = Math.pow(10, rnd.nextDouble() * 7.3); // 1 m .. 20000 km
        String size = num(meters / PER_METER[u]);
        double[] c = rnd.nextBoolean() ? pts.get(rnd.nextInt(pts.size())) : point(rnd, centers);
        List<String> cmd = new ArrayList<>();
        boolean store = rnd.nextInt(5) == 0;
        boolean storedist = false;
        boolean radiusForm = rnd.nextInt(4) == 0;
        if (radiusForm) {
            if (rnd.nextBoolean()) {
                cmd.addAll(List.of("GEORADIUS", "g", num(c[0]), num(c[1]), size, UNITS[u]));
            } else {
                cmd.addAll(List.of("GEORADIUSBYMEMBER", "g", "m" + rnd.nextInt(n), size, UNITS[u]));
            }
        } else {
            cmd.addAll(store ? List.of("GEOSEARCHSTORE", "dst", "g") : List.of("GEOSEARCH", "g"));
            if (rnd.nextBoolean()) cmd.addAll(List.of("FROMLONLAT", num(c[0]), num(c[1])));
            else cmd.addAll(List.of("FROMMEMBER", "m" + rnd.nextInt(n)));
            if (rnd.nextBoolean()) {
                cmd.addAll(List.of("BYRADIUS", size, UNITS[u]));
            } else {
                String h = num(meters * (0.2 + rnd.nextDouble() * 2) / PER_METER[u]);
                cmd.addAll(List.of("BYBOX", size, h, UNITS[u]));
            }
        }
        int order = rnd.nextInt(3);
        if (order == 1) cmd.add("ASC");
        if (order == 2) cmd.add("DESC");
        if (rnd.nextInt(3) == 0) {
            cmd.add("COUNT");
            cmd.add(Integer.toString(1 + rnd.nextInt(12)));
            if (rnd.nextInt(3) == 0) cmd.add("ANY");
        }
        if (store) {
            storedist = rnd.nextBoolean();
            if (radiusForm) cmd.addAll(List.of(storedist ? "STOREDIST" : "STORE", "dst"));
            else if (storedist) cmd.add("STOREDIST");
        } else {
            if (rnd.nextBoolean()) cmd.add("WITHDIST");
            if (rnd.nextBoolean()) cmd.add("WITHCOORD");
            if (rnd.nextInt(3) == 0) cmd.add("WITHHASH");
        }
        both(cmd.toArray(new String[0]));
        if (store) {
            // Distances past about 1,600 km go through asin where LibmMath is correctly rounded and
            // glibc is not always (its last bit may differ): such STOREDIST scores are compared by
            // members; shorter ones, every other stored score and WITHDIST are compared exactly.
            if (storedist && meters * 2.5 > 1.5e6) both("ZRANGE", "dst", "0", "-1");
            else both("ZRANGE", "dst", "0", "-1", "WITHSCORES");
            both("OBJECT", "ENCODING", "dst");
        }
    }
}
