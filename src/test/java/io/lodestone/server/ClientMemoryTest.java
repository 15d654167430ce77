package io.lodestone.server;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What clients cost, as Redis measures and limits it: CLIENT LIST's buffer fields (compared with a real
 * redis-server where they are deterministic), INFO's mem_clients_normal kept incrementally, output buffer
 * limits of normal clients, and client eviction past maxmemory-clients.
 */
class ClientMemoryTest {
    private static EmbeddedServer server;

    @BeforeAll
    static void start() {
        server = EmbeddedServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static RespClient connect() throws IOException {
        return RespClient.connect(server.port());
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    /** The fields of the CLIENT LIST line of the client named {@code name}, or null. */
    private static Map<String, String> fields(RespClient c, String name) throws IOException {
        for (String line : text(c.call("CLIENT", "LIST")).split("\r?\n")) {
            if (!line.contains(" name=" + name + " ")) continue;
            Map<String, String> f = new LinkedHashMap<>();
            for (String kv : line.trim().split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return f;
        }
        return null;
    }

    private static long info(RespClient c, String field) throws IOException {
        Matcher m = Pattern.compile(field + ":(\\d+)").matcher(text(c.call("INFO", "everything")));
        assertTrue(m.find(), field);
        return Long.parseLong(m.group(1));
    }

    @Test
    void clientListShowsTheBuffersAsRedisDoes() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        try (ServerProcess redis = ServerProcess.redis(); RespClient theirs = redis.client(); RespClient ours = connect()) {
            for (RespClient c : new RespClient[] {theirs, ours}) c.call("CLIENT", "SETNAME", "self");
            Map<String, String> expected = fields(theirs, "self");
            Map<String, String> actual = fields(ours, "self");
            // The request being run is in the query buffer; nothing is queued for output yet.
            for (String f : new String[] {"qbuf", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem"}) {
                assertEquals(expected.get(f), actual.get(f), f);
            }
            assertTrue(Long.parseLong(actual.get("tot-mem")) > 16384 + 16384, actual.get("tot-mem"));
        }
    }

    @Test
    void memClientsNormalFollowsAQueryBufferAsItGrowsAndGoes() throws IOException {
        try (RespClient control = connect()) {
            long before = info(control, "mem_clients_normal");
            RespClient big = connect();
            big.call("CLIENT", "SETNAME", "big");
            int n = 2 << 20;
            big.sendRaw(("*2\r\n$3\r\nGET\r\n$" + n + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            big.sendRaw(new byte[n - 10]);
            Wait.until(Duration.ofSeconds(10), "the argument is received",
                    () -> Long.parseLong(fields(control, "big").get("qbuf")) == n - 10);
            long during = info(control, "mem_clients_normal");
            assertTrue(during >= before + n, before + " -> " + during);
            big.close();
            Wait.until(Duration.ofSeconds(10), "the client's memory is no longer counted",
                    () -> info(control, "mem_clients_normal") < before + n / 2);
        }
    }

    @Test
    void aReplyPastTheHardLimitIsNeverSent() throws IOException {
        try (RespClient control = connect(); RespClient victim = connect()) {
            control.call("CLIENT", "NO-EVICT", "ON");
            control.call("DEL", "biglist");
            String item = "x".repeat(1000);
            for (int i = 0; i < 150; i++) control.call("RPUSH", "biglist", item);
            control.call("CONFIG", "SET", "client-output-buffer-limit", "normal 100000 0 0");
            try {
                victim.send("LRANGE".getBytes(), "biglist".getBytes(), "0".getBytes(), "-1".getBytes());
                assertTrue(victim.awaitClose(Duration.ofSeconds(10)), "closed without a byte of reply");
                assertEquals(":150\r\n", text(control.call("LLEN", "biglist")));
            } finally {
                control.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
            }
        }
    }

    @Test
    void theLargestClientIsEvictedPastMaxmemoryClients() throws IOException {
        try (RespClient control = connect(); RespClient small = connect(); RespClient large = connect()) {
            control.call("CLIENT", "NO-EVICT", "ON");
            small.call("CLIENT", "SETNAME", "small");
            large.call("CLIENT", "SETNAME", "large");
            long evicted = info(control, "evicted_clients");
            control.call("CONFIG", "SET", "maxmemory-clients", "1mb");
            try {
                int n = 2 << 20;
                large.sendRaw(("*2\r\n$3\r\nGET\r\n$" + n + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                try {
                    large.sendRaw(new byte[n / 2]);
                    assertTrue(large.awaitClose(Duration.ofSeconds(10)), "the large client is evicted");
                } catch (IOException e) {
                    // evicted while still sending: the server closed the connection under the writer
                }
                assertEquals(evicted + 1, info(control, "evicted_clients"));
                assertEquals("+PONG\r\n", text(small.call("PING")));
            } finally {
                control.call("CONFIG", "SET", "maxmemory-clients", "0");
            }
        }
    }
}
