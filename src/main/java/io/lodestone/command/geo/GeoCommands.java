package io.lodestone.command.geo;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.zset.ZSetCommands;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.type.ZSetValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The GEO commands (Redis's geo.c): geo sets are sorted sets whose scores are 52-bit geohashes
 * ({@link GeoHash}). GEOADD is ZADD with encoded scores (it notifies and propagates as that ZADD);
 * the searches scan the 9 cells covering the shape, in Redis's order, and filter by exact
 * distance; results are unsorted (cell order), or sorted by distance as Redis sorts them (a stable
 * sort, or Redis's partial quicksort when COUNT cuts the result).
 *
 * <p>Replies follow Redis 7.0: coordinates as {@code %.17Lf} with trailing zeros trimmed (bulk in
 * RESP2, {@code ,} doubles in RESP3), distances with 4 decimals, GEOHASH as 11 characters.
 */
public final class GeoCommands {
    private static final int RADIUS_COORDS = 1, RADIUS_MEMBER = 1 << 1, RADIUS_NOSTORE = 1 << 2;
    private static final int GEOSEARCH = 1 << 3, GEOSEARCHSTORE = 1 << 4;
    private static final int SORT_NONE = 0, SORT_ASC = 1, SORT_DESC = 2;

    private GeoCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("geoadd", GeoCommands::geoadd);
        t.handle("geopos", GeoCommands::geopos);
        t.handle("geodist", GeoCommands::geodist);
        t.handle("geohash", GeoCommands::geohash);
        t.handle("georadius", c -> search(c, 1, RADIUS_COORDS));
        t.handle("georadius_ro", c -> search(c, 1, RADIUS_COORDS | RADIUS_NOSTORE));
        t.handle("georadiusbymember", c -> search(c, 1, RADIUS_MEMBER));
        t.handle("georadiusbymember_ro", c -> search(c, 1, RADIUS_MEMBER | RADIUS_NOSTORE));
        t.handle("geosearch", c -> search(c, 1, GEOSEARCH));
        t.handle("geosearchstore", c -> search(c, 2, GEOSEARCH | GEOSEARCHSTORE));
    }

    // ---- Helpers ---------------------------------------------------------------------------------

    /** extractLongLatOrReply: two floats, inside Redis's longitude and latitude limits. */
    private static void longLat(byte[][] argv, int at, double[] xy) {
        xy[0] = Args.parseDouble(argv[at]);
        xy[1] = Args.parseDouble(argv[at + 1]);
        if (xy[0] < GeoHash.LONG_MIN || xy[0] > GeoHash.LONG_MAX
                || xy[1] < GeoHash.LAT_MIN || xy[1] > GeoHash.LAT_MAX) {
            throw new CommandError("ERR invalid longitude,latitude pair " + printfF(xy[0]) + "," + printfF(xy[1]));
        }
    }

    /** glibc's {@code %f}: the exact binary value rounded to 6 decimals; "inf", "-0.000000". */
    static String printfF(double d) {
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        String s = new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
        return (d < 0 || (d == 0 && 1 / d < 0)) && !s.startsWith("-") ? "-" + s : s;
    }

    /** extractUnitOrReply: meters per unit. */
    private static double unit(byte[] u) {
        if (Args.cKeyword(u, "m")) return 1;
        if (Args.cKeyword(u, "km")) return 1000;
        if (Args.cKeyword(u, "ft")) return 0.3048;
        if (Args.cKeyword(u, "mi")) return 1609.34;
        throw new CommandError("ERR unsupported unit provided. please use M, KM, FT, MI");
    }

    /**
     * addReplyHumanLongDouble's text: {@code %.17Lf} of the exact value (glibc rounds the exact
     * binary value half-even), trailing zeros and dot trimmed, "-0" as "0".
     */
    static String human(double d) {
        if (d == 0) return "0";
        String s = new BigDecimal(d).setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        if (s.charAt(end - 1) == '.') end--;
        s = s.substring(0, end);
        return s.equals("-0") ? "0" : s;
    }

    /** fixedpoint_d2string(d, 4): llrint(d * 10^4) written with 4 decimals. */
    static byte[] distance4(double d) {
        if (d == 0) return "0.0000".getBytes(StandardCharsets.US_ASCII);
        long v = llrint(d * 10000.0);
        StringBuilder sb = new StringBuilder(24);
        long abs = v;
        if (v < 0) {
            sb.append('-');
            abs = -v; // LLONG_MIN stays negative: unreachable for distances
        }
        sb.append(Long.toUnsignedString(abs / 10000));
        sb.append('.');
        String frac = Long.toString(abs % 10000);
        for (int i = frac.length(); i < 4; i++) sb.append('0');
        sb.append(frac);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** llrint on x86-64: round half-even, out of range gives LLONG_MIN. */
    private static long llrint(double d) {
        double r = Math.rint(d);
        if (Double.isNaN(r) || r >= 0x1p63 || r < -0x1p63) return Long.MIN_VALUE;
        return (long) r;
    }

    private static void coordinate(Client c, double d) {
        c.reply.doubleText(human(d));
    }

    // ---- GEOADD ----------------------------------------------------------------------------------

    /**
     * GEOADD key [NX|XX] [CH] lon lat member ...: Redis turns it into ZADD with the geohash scores
     * (so it notifies "zadd" and propagates that ZADD).
     */
    static void geoadd(Client c) {
        byte[] key = c.argv[1];
        boolean nx = false, xx = false, ch = false;
        int longidx = 2;
        while (longidx < c.argc) {
            byte[] o = c.argv[longidx];
            if (Args.cKeyword(o, "nx")) nx = true;
            else if (Args.cKeyword(o, "xx")) xx = true;
            else if (Args.cKeyword(o, "ch")) ch = true;
            else break;
            longidx++;
        }
        if ((c.argc - longidx) % 3 != 0 || (xx && nx)) throw Errors.syntax();
        int elements = (c.argc - longidx) / 3;
        byte[][] zargv = new byte[longidx + elements * 2][];
        zargv[0] = "zadd".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(c.argv, 1, zargv, 1, longidx - 1);
        double[] scores = new double[elements];
        double[] xy = new double[2];
        for (int i = 0; i < elements; i++) {
            longLat(c.argv, longidx + i * 3, xy);
            long bits = GeoHash.align52(GeoHash.encodeWGS84(xy[0], xy[1], GeoHash.STEP_MAX), GeoHash.STEP_MAX);
            scores[i] = bits;
            zargv[longidx + i * 2] = Long.toString(bits).getBytes(StandardCharsets.US_ASCII);
            zargv[longidx + i * 2 + 1] = c.argv[longidx + i * 3 + 2];
        }
        // From here on this is zaddCommand on the rewritten arguments.
        if (elements == 0) throw Errors.syntax();
        ZSetValue z = c.lookupWrite(key, ZSetValue.class);
        c.rewritePropagation(zargv);
        ZSetValue.Limits limits = ZSetCommands.limits(c);
        if (z == null) {
            if (xx) {
                c.reply.integer(0);
                return;
            }
            z = ZSetValue.createFor(zargv[longidx + 1], limits);
            c.db().add(key, z);
        }
        int flags = (nx ? ZSetValue.ADD_NX : 0) | (xx ? ZSetValue.ADD_XX : 0);
        int added = 0, updated = 0;
        for (int i = 0; i < elements; i++) {
            int r = z.add(zargv[longidx + i * 2 + 1], scores[i], flags, limits);
            if ((r & ZSetValue.ADDED) != 0) added++;
            if ((r & ZSetValue.UPDATED) != 0) updated++;
        }
        if (added + updated > 0) {
            c.changed(KeyspaceEvents.ZSET, "zadd", key, added + updated);
            if (added > 0) c.db().signalKeyAsReady(key);
        }
        c.reply.integer(ch ? added + updated : added);
    }

    // ---- GEOPOS / GEOHASH / GEODIST --------------------------------------------------------------

    static void geopos(Client c) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.array(c.argc - 2);
        double[] xy = new double[2];
        for (int j = 2; j < c.argc; j++) {
            double s = z == null ? Double.NaN : z.score(c.argv[j]);
            if (Double.isNaN(s)) {
                c.reply.nullArray();
                continue;
            }
            GeoHash.decodeScore(s, xy);
            c.reply.array(2);
            coordinate(c, xy[0]);
            coordinate(c, xy[1]);
        }
    }

    static void geohash(Client c) {
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        c.reply.array(c.argc - 2);
        for (int j = 2; j < c.argc; j++) {
            double s = z == null ? Double.NaN : z.score(c.argv[j]);
            if (Double.isNaN(s)) c.reply.nullBulk();
            else c.reply.bulk(GeoHash.hashString(s));
        }
    }

    /** GEODIST key m1 m2 [unit]: the unit is checked before the key. */
    static void geodist(Client c) {
        double toMeter = 1;
        if (c.argc == 5) toMeter = unit(c.argv[4]);
        else if (c.argc > 5) throw Errors.syntax();
        ZSetValue z = c.lookupRead(c.argv[1], ZSetValue.class);
        if (z == null) {
            c.reply.nullBulk();
            return;
        }
        double s1 = z.score(c.argv[2]), s2 = Double.NaN;
        if (!Double.isNaN(s1)) s2 = z.score(c.argv[3]);
        if (Double.isNaN(s1) || Double.isNaN(s2)) {
            c.reply.nullBulk();
            return;
        }
        double[] a = new double[2], b = new double[2];
        GeoHash.decodeScore(s1, a);
        GeoHash.decodeScore(s2, b);
        c.reply.bulk(distance4(GeoHash.distance(a[0], a[1], b[0], b[1]) / toMeter));
    }

    // ---- Searches --------------------------------------------------------------------------------

    /** One search result (geoPoint). */
    static final class Point {
        final byte[] member;
        final double longitude, latitude, score;
        double dist;

        Point(byte[] member, double longitude, double latitude, double dist, double score) {
            this.member = member;
            this.longitude = longitude;
            this.latitude = latitude;
            this.dist = dist;
            this.score = score;
        }
    }

    static final Comparator<Point> ASC = (a, b) -> a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1;
    static final Comparator<Point> DESC = (a, b) -> -ASC.compare(a, b);

    private static double memberPoint(ZSetValue z, byte[] member, double[] xy) {
        double s = z.score(member);
        if (Double.isNaN(s)) throw new CommandError("ERR could not decode requested zset member");
        GeoHash.decodeScore(s, xy);
        return s;
    }

    private static void distanceArgs(byte[][] argv, int at, GeoHash.Shape shape) {
        double d = Args.parseDouble(argv[at], "ERR need numeric radius");
        if (d < 0) throw new CommandError("ERR radius cannot be negative");
        shape.radius = d;
        shape.conversion = unit(argv[at + 1]);
    }

    /**
     * Redis's georadiusGeneric for GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and
     * GEOSEARCHSTORE: arguments are checked in Redis's order (the source key's type first), a
     * missing source answers only after every option was parsed.
     */
    static void search(Client c, int srcKeyIndex, int flags) {
        byte[][] argv = c.argv;
        ZSetValue z = c.lookupRead(argv[srcKeyIndex], ZSetValue.class);
        byte[] storekey = null;
        boolean storedist = false;
        int baseArgs;
        GeoHash.Shape shape = new GeoHash.Shape();
        double[] xy = new double[2];
        if ((flags & RADIUS_COORDS) != 0) {
            baseArgs = 6;
            longLat(argv, 2, xy);
            shape.x = xy[0];
            shape.y = xy[1];
            distanceArgs(argv, baseArgs - 2, shape);
        } else if ((flags & RADIUS_MEMBER) != 0 && z == null) {
            baseArgs = 5;
        } else if ((flags & RADIUS_MEMBER) != 0) {
            baseArgs = 5;
            memberPoint(z, argv[2], xy);
            shape.x = xy[0];
            shape.y = xy[1];
            distanceArgs(argv, baseArgs - 2, shape);
        } else {
            baseArgs = 2;
            if ((flags & GEOSEARCHSTORE) != 0) {
                baseArgs = 3;
                storekey = argv[1];
            }
        }

        boolean withdist = false, withhash = false, withcoords = false;
        boolean frommember = false, fromloc = false, byradius = false, bybox = false, any = false;
        int sort = SORT_NONE;
        long count = 0;
        boolean geosearch = (flags & GEOSEARCH) != 0;
        int remaining = c.argc - baseArgs;
        for (int i = 0; i < remaining; i++) {
            byte[] arg = argv[baseArgs + i];
            if (Args.cKeyword(arg, "withdist")) {
                withdist = true;
            } else if (Args.cKeyword(arg, "withhash")) {
                withhash = true;
            } else if (Args.cKeyword(arg, "withcoord")) {
                withcoords = true;
            } else if (Args.cKeyword(arg, "any")) {
                any = true;
            } else if (Args.cKeyword(arg, "asc")) {
                sort = SORT_ASC;
            } else if (Args.cKeyword(arg, "desc")) {
                sort = SORT_DESC;
            } else if (Args.cKeyword(arg, "count") && i + 1 < remaining) {
                count = Args.parseLong(argv[baseArgs + i + 1]);
                if (count <= 0) throw new CommandError("ERR COUNT must be > 0");
                i++;
            } else if (Args.cKeyword(arg, "store") && i + 1 < remaining && (flags & RADIUS_NOSTORE) == 0 && !geosearch) {
                storekey = argv[baseArgs + i + 1];
                storedist = false;
                i++;
            } else if (Args.cKeyword(arg, "storedist") && i + 1 < remaining && (flags & RADIUS_NOSTORE) == 0 && !geosearch) {
                storekey = argv[baseArgs + i + 1];
                storedist = true;
                i++;
            } else if (Args.cKeyword(arg, "storedist") && geosearch && (flags & GEOSEARCHSTORE) != 0) {
                storedist = true;
            } else if (Args.cKeyword(arg, "frommember") && i + 1 < remaining && geosearch && !fromloc) {
                if (z != null) {
                    memberPoint(z, argv[baseArgs + i + 1], xy);
                    shape.x = xy[0];
                    shape.y = xy[1];
                }
                frommember = true;
                i++;
            } else if (Args.cKeyword(arg, "fromlonlat") && i + 2 < remaining && geosearch && !frommember) {
                longLat(argv, baseArgs + i + 1, xy);
                shape.x = xy[0];
                shape.y = xy[1];
                fromloc = true;
                i += 2;
            } else if (Args.cKeyword(arg, "byradius") && i + 2 < remaining && geosearch && !bybox) {
                distanceArgs(argv, baseArgs + i + 1, shape);
                shape.box = false;
                byradius = true;
                i += 2;
            } else if (Args.cKeyword(arg, "bybox") && i + 3 < remaining && geosearch && !byradius) {
                double w = Args.parseDouble(argv[baseArgs + i + 1], "ERR need numeric width");
                double h = Args.parseDouble(argv[baseArgs + i + 2], "ERR need numeric height");
                if (h < 0 || w < 0) throw new CommandError("ERR height or width cannot be negative");
                shape.width = w;
                shape.height = h;
                shape.conversion = unit(argv[baseArgs + i + 3]);
                shape.box = true;
                bybox = true;
                i += 3;
            } else {
                throw Errors.syntax();
            }
        }

        if (storekey != null && (withdist || withhash || withcoords)) {
            throw new CommandError("ERR " + ((flags & GEOSEARCHSTORE) != 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS")
                    + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        }
        if (geosearch && !(frommember || fromloc)) {
            throw new CommandError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + cname(argv[0]));
        }
        if (geosearch && !(byradius || bybox)) {
            throw new CommandError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + cname(argv[0]));
        }
        if (any && count == 0) throw new CommandError("ERR the ANY argument requires COUNT argument");

        if (z == null) {
            if (storekey != null) {
                c.deleteKey(storekey);
                c.reply.integer(0);
            } else {
                c.reply.emptyArray();
            }
            return;
        }

        if (count != 0 && sort == SORT_NONE && !any) sort = SORT_ASC;

        List<Point> found = new ArrayList<>();
        collect(z, shape, found, any ? count : 0);

        if (found.isEmpty() && storekey == null) {
            c.reply.emptyArray();
            return;
        }
        int resultLength = found.size();
        int returned = count == 0 || resultLength < count ? resultLength : (int) count;
        Point[] points = found.toArray(new Point[0]);
        if (sort != SORT_NONE) {
            Comparator<Point> cmp = sort == SORT_ASC ? ASC : DESC;
            if (returned == resultLength) Arrays.sort(points, cmp); // glibc's qsort is a stable merge sort
            else PartialSort.sort(points, cmp, 0, returned - 1);
        }

        if (storekey == null) {
            int optionLength = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
            c.reply.array(returned);
            for (int i = 0; i < returned; i++) {
                Point p = points[i];
                p.dist /= shape.conversion;
                if (optionLength > 0) c.reply.array(optionLength + 1);
                c.reply.bulk(p.member);
                if (withdist) c.reply.bulk(distance4(p.dist));
                if (withhash) c.reply.integer(cvtLong(p.score));
                if (withcoords) {
                    c.reply.array(2);
                    coordinate(c, p.longitude);
                    coordinate(c, p.latitude);
                }
            }
            return;
        }

        if (returned > 0) {
            byte[][] members = new byte[returned][];
            double[] scores = new double[returned];
            for (int i = 0; i < returned; i++) {
                Point p = points[i];
                p.dist /= shape.conversion;
                members[i] = p.member;
                scores[i] = storedist ? p.dist : p.score;
            }
            c.db().set(storekey, ZSetValue.build(members, scores, returned, ZSetCommands.limits(c)), false);
            c.changed(KeyspaceEvents.ZSET, geosearch ? "geosearchstore" : "georadiusstore", storekey, returned);
        } else {
            c.deleteKey(storekey);
        }
        c.reply.integer(returned);
    }

    /** C's (long long) of a double on x86-64 (addReplyLongLong of a score). */
    private static long cvtLong(double d) {
        if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) return Long.MIN_VALUE;
        return (long) d;
    }

    private static String cname(byte[] name) {
        int n = 0;
        while (n < name.length && name[n] != 0) n++;
        return new String(name, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * membersOfAllNeighbors: scans the cells of the shape's cover in Redis's order, skipping
     * excluded cells and a cell equal to the last one scanned; {@code limit} (ANY) stops early.
     */
    static void collect(ZSetValue z, GeoHash.Shape shape, List<Point> out, long limit) {
        long[] cells = GeoHash.areas(shape);
        int lastProcessed = 0;
        for (int i = 0; i < 9; i++) {
            long bits = cells[2 * i];
            int step = (int) cells[2 * i + 1];
            if (bits == 0 && step == 0) continue;
            if (lastProcessed != 0 && bits == cells[2 * lastProcessed] && step == cells[2 * lastProcessed + 1]) continue;
            if (!out.isEmpty() && limit != 0 && out.size() >= limit) break;
            double min = GeoHash.align52(bits, step);
            double max = GeoHash.align52(bits + 1, step);
            pointsInRange(z, min, max, shape, out, limit);
            lastProcessed = i;
        }
    }

    /** geoGetPointsInRange: members with min <= score < max that fall inside the shape. */
    private static void pointsInRange(ZSetValue z, double min, double max, GeoHash.Shape shape, List<Point> out, long limit) {
        int first = z.firstInRange(new ZSetValue.ScoreRange(min, false, max, true));
        if (first < 0) return;
        ZSetValue.Cursor cur = z.cursor(first, false);
        double[] xy = new double[2];
        double[] dist = new double[1];
        while (cur.next()) {
            double score = cur.score();
            if (!(score < max)) break;
            GeoHash.decodeScore(score, xy);
            dist[0] = 0;
            if (GeoHash.within(shape, xy[0], xy[1], dist)) {
                out.add(new Point(cur.member(), xy[0], xy[1], dist[0], score));
            }
            if (!out.isEmpty() && limit != 0 && out.size() >= limit) break;
        }
    }
}
