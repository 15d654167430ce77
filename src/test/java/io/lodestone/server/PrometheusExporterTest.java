package io.lodestone.server;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Monitoring people already run: Debian's prometheus-redis-exporter scrapes Lodestone and exports
 * every metric family it exports for redis-server in the same state, and logs no error doing so.
 */
class PrometheusExporterTest {
    private static final Path EXPORTER = Path.of("/usr/bin/prometheus-redis-exporter");

    @Test
    void exportsEveryMetricFamilyRedisGets() throws Exception {
        assumeTrue(Files.isExecutable(EXPORTER), "prometheus-redis-exporter is not installed (scripts/test.sh installs it)");
        try (ServerProcess redis = ServerProcess.redis(); ServerProcess lodestone = ServerProcess.lodestone()) {
            for (ServerProcess s : new ServerProcess[] {redis, lodestone}) {
                try (RespClient c = s.client()) {
                    // The same data and activity on both: keyspace, expiry, hits and misses, a script, an error.
                    c.call("SET", "a", "1");
                    c.call("SET", "b", "2", "EX", "1000");
                    c.call("HSET", "h", "f", "v");
                    c.call("GET", "a");
                    c.call("GET", "missing");
                    c.call("SELECT", "3");
                    c.call("SET", "c", "3");
                    c.call("EVAL", "return 1", "0");
                    c.call("CONFIG", "SET", "latency-monitor-threshold", "1");
                    c.call("DEBUG", "SLEEP", "0.01");
                }
            }
            Scrape fromRedis = scrape(redis.port());
            Scrape fromLodestone = scrape(lodestone.port());
            Set<String> missing = new TreeSet<>(fromRedis.families);
            missing.removeAll(fromLodestone.families);
            assertEquals(Set.of(), missing, "metric families exported for redis-server but not for Lodestone");
            assertTrue(fromLodestone.families.contains("redis_memory_used_bytes"));
            assertFalse(fromLodestone.log.contains("level=error"), fromLodestone.log);
        }
    }

    private record Scrape(Set<String> families, String log) {
    }

    /** Runs the exporter against a server, scrapes /metrics once it answers, and stops it. */
    private static Scrape scrape(int port) throws IOException, InterruptedException {
        int web = ServerProcess.freePort();
        Path log = Files.createTempFile("exporter", ".log");
        Process p = new ProcessBuilder(EXPORTER.toString(), "-redis.addr", "redis://127.0.0.1:" + port,
                "-web.listen-address", "127.0.0.1:" + web)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build();
            String[] body = {null};
            Wait.until(Duration.ofSeconds(30), "the exporter answers", () -> {
                try {
                    HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200 || !r.body().contains("redis_up 1")) return false;
                    body[0] = r.body();
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            Set<String> families = new TreeSet<>();
            for (String line : body[0].split("\n")) {
                if (line.startsWith("# TYPE ")) families.add(line.split(" ")[2]);
            }
            return new Scrape(families, Files.readString(log));
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }
}
