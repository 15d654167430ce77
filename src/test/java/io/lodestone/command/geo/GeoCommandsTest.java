package io.lodestone.command.geo;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.GeoCoordinate;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.GeoUnit;
import redis.clients.jedis.resps.GeoRadiusResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * GEO commands through Jedis against an embedded server: behaviour, WATCH, and what they
 * propagate. The expected streams are what redis-server 7.0.15 wrote to its AOF for the same
 * commands: GEOADD as the lowercase {@code zadd} it rewrites itself into (scores as integers),
 * GEOSEARCHSTORE and GEORADIUS ... STORE as sent, and nothing when nothing changed.
 */
class GeoCommandsTest {
    private EmbeddedServer server;
    private Jedis jedis;
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < argc; i++) {
                if (i > 0) sb.append(' ');
                sb.append(new String(argv[i], StandardCharsets.ISO_8859_1));
            }
            stream.add(sb.toString());
        }));
        jedis = new Jedis("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        jedis.close();
        server.close();
    }

    @Test
    void addPositionDistanceAndSearch() {
        assertEquals(1, jedis.geoadd("Sicily", 13.361389, 38.115556, "Palermo"));
        jedis.geoadd("Sicily", 15.087269, 37.502669, "Catania");
        assertEquals(166274.1516, jedis.geodist("Sicily", "Palermo", "Catania"), 1e-9);
        assertEquals(166.2742, jedis.geodist("Sicily", "Palermo", "Catania", GeoUnit.KM), 1e-9);
        assertNull(jedis.geodist("Sicily", "Palermo", "Nowhere"));
        List<GeoCoordinate> pos = jedis.geopos("Sicily", "Palermo", "Nowhere");
        assertEquals(13.36138933897018433, pos.get(0).getLongitude(), 0);
        assertEquals(38.11555639549629859, pos.get(0).getLatitude(), 0);
        assertNull(pos.get(1));
        assertEquals(List.of("sqc8b49rny0", "sqdtr74hyu0"), jedis.geohash("Sicily", "Palermo", "Catania"));
        List<GeoRadiusResponse> near = jedis.georadius("Sicily", 15, 37, 200, GeoUnit.KM);
        assertEquals(List.of("Palermo", "Catania"), near.stream().map(GeoRadiusResponse::getMemberByString).toList());
    }

    @Test
    void geoaddTouchesWatchedKeysOnlyWhenSomethingChanged() throws IOException {
        try (RespClient c = RespClient.connect(server.port())) {
            jedis.geoadd("g", 1, 1, "a");
            c.call("WATCH", "g");
            jedis.geoadd("g", 1, 1, "a"); // same score: not a change
            c.call("MULTI");
            c.call("GET", "x");
            assertEquals("*1\r\n$-1\r\n", RespClient.text(c.call("EXEC")));
            c.call("WATCH", "g");
            jedis.geoadd("g", 2, 2, "a");
            c.call("MULTI");
            c.call("GET", "x");
            assertEquals("*-1\r\n", RespClient.text(c.call("EXEC")));
        }
    }

    @Test
    void geosearchstoreInsideMulti() {
        jedis.geoadd("g", 1, 1, "a");
        Transaction t = jedis.multi();
        t.sendCommand(() -> "GEOSEARCHSTORE".getBytes(StandardCharsets.US_ASCII), "d", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km");
        t.zcard("d");
        assertEquals(List.of(1L, 1L), t.exec());
    }

    @Test
    void writesPropagateAsRedisWritesThemToItsAof() throws IOException {
        try (RespClient c = RespClient.connect(server.port())) {
            for (String line : new String[] {
                    "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                    "GEOADD g NX CH 1 1 Palermo 2 2 x",
                    "GEOADD g XX 1 1 nosuch",
                    "GEOADD g 13.361389 38.115556 Palermo",
                    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km",
                    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m",
                    "GEORADIUS g 15 37 200 km STORE d2",
                    "GEORADIUS g 15 37 200 km STOREDIST d3",
                    "GEORADIUSBYMEMBER g Palermo 1 m STORE d3",
                    "GEORADIUS g 15 37 200 km",
                    "GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 200 km"}) {
                c.call(line.split(" "));
            }
        }
        assertEquals(List.of(
                "zadd g 3479099956230698 Palermo 3479447370796909 Catania",
                "zadd g NX CH 3377822707026402 Palermo 3378191666521995 x",
                "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km",
                "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m",
                "GEORADIUS g 15 37 200 km STORE d2",
                "GEORADIUS g 15 37 200 km STOREDIST d3",
                "GEORADIUSBYMEMBER g Palermo 1 m STORE d3"), new ArrayList<>(stream));
    }
}
