package io.lodestone.command.connection;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Client-side caching as the client libraries do it (CLIENT TRACKING and invalidation messages): the
 * same steps against redis-server and Lodestone give the same cache hits, misses and invalidations.
 * <ul>
 *   <li>Lettuce's {@link CacheFrontend} over RESP3 (invalidation pushes on the data connection),
 *       in the default mode and in BCAST mode with a prefix;</li>
 *   <li>redis-py (Debian's 4.x) over RESP2, with invalidations redirected to a connection subscribed to
 *       {@code __redis__:invalidate} ({@code tracking_client.py}).</li>
 * </ul>
 */
class ClientSideCachingTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void lettuceCacheFrontendAsWithRedis() throws Exception {
        List<String> redisSteps, lodestoneSteps;
        try (ServerProcess redis = ServerProcess.redis()) {
            redisSteps = lettuceSteps(redis.port(), TrackingArgs.Builder.enabled());
        }
        try (ServerProcess lodestone = ServerProcess.lodestone()) {
            lodestoneSteps = lettuceSteps(lodestone.port(), TrackingArgs.Builder.enabled());
        }
        assertEquals(redisSteps, lodestoneSteps);
        assertTrue(redisSteps.contains("invalidated user:1"), redisSteps.toString());
    }

    @Test
    void lettuceBroadcastModeAsWithRedis() throws Exception {
        List<String> redisSteps, lodestoneSteps;
        try (ServerProcess redis = ServerProcess.redis()) {
            redisSteps = lettuceSteps(redis.port(), TrackingArgs.Builder.enabled().bcast().prefixes("user:"));
        }
        try (ServerProcess lodestone = ServerProcess.lodestone()) {
            lodestoneSteps = lettuceSteps(lodestone.port(), TrackingArgs.Builder.enabled().bcast().prefixes("user:"));
        }
        assertEquals(redisSteps, lodestoneSteps);
    }

    @Test
    void redisPyTrackingWithRedirectAsWithRedis() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3 (scripts/test.sh installs python3-redis)");
        String fromRedis, fromLodestone;
        try (ServerProcess redis = ServerProcess.redis()) {
            fromRedis = runPython(redis.port());
        }
        try (ServerProcess lodestone = ServerProcess.lodestone()) {
            fromLodestone = runPython(lodestone.port());
        }
        assertEquals(fromRedis, fromLodestone);
        assertTrue(fromRedis.contains("invalidated user:1"), fromRedis);
    }

    /**
     * Reads through a CacheFrontend while another connection writes; records each read (value, and
     * whether the local map had it) and each key the server invalidated.
     */
    private static List<String> lettuceSteps(int port, TrackingArgs tracking) throws Exception {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(BOUND).build());
        try (StatefulRedisConnection<String, String> data = client.connect();
             StatefulRedisConnection<String, String> writer = client.connect()) {
            List<String> steps = new ArrayList<>();
            Map<String, String> map = new ConcurrentHashMap<>();
            RecordingAccessor cache = new RecordingAccessor(map, steps);
            CacheFrontend<String, String> frontend = ClientSideCaching.enable(cache, data, tracking);
            RedisCommands<String, String> w = writer.sync();
            w.set("user:1", "alice");
            w.set("user:2", "bob");
            w.set("other", "x");
            read(frontend, map, steps, "user:1");
            read(frontend, map, steps, "user:1");
            read(frontend, map, steps, "user:2");
            read(frontend, map, steps, "other");
            w.set("user:1", "carol");
            Wait.until(BOUND, "user:1 invalidated", () -> !map.containsKey("user:1"));
            read(frontend, map, steps, "user:1");
            read(frontend, map, steps, "user:2");
            w.del("user:2");
            Wait.until(BOUND, "user:2 invalidated", () -> !map.containsKey("user:2"));
            w.set("other", "y");
            // A round trip on the data connection: any invalidation sent before it has arrived.
            data.sync().ping();
            read(frontend, map, steps, "other");
            frontend.close();
            return steps;
        } finally {
            client.shutdown(0, 10, TimeUnit.SECONDS);
        }
    }

    private static void read(CacheFrontend<String, String> frontend, Map<String, String> map, List<String> steps,
                             String key) {
        boolean cached = map.containsKey(key);
        steps.add("read " + key + " " + frontend.get(key) + (cached ? " hit" : " miss"));
    }

    /** The local cache of the frontend: a map, with evictions (invalidations) recorded. */
    private record RecordingAccessor(Map<String, String> map, List<String> steps) implements CacheAccessor<String, String> {
        @Override
        public String get(String key) {
            return map.get(key);
        }

        @Override
        public void put(String key, String value) {
            map.put(key, value);
        }

        @Override
        public void evict(String key) {
            synchronized (steps) {
                if (map.remove(key) != null) steps.add("invalidated " + key);
            }
        }
    }

    private static String runPython(int port) throws Exception {
        Path script = Path.of(ClientSideCachingTest.class.getResource("tracking_client.py").toURI());
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), Integer.toString(port))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tracking_client.py did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
