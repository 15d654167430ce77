package io.lodestone.command.zset;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the sorted-set commands hand to AOF and replicas. The expected streams are what a real
 * redis-server 7.0.15 wrote to its AOF for the same commands (appendonly yes, incr file).
 */
class ZSetPropagationTest {
    private EmbeddedServer server;
    private RespClient client;
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < argc; i++) {
                if (i > 0) sb.append(' ');
                sb.append(new String(argv[i], StandardCharsets.ISO_8859_1));
            }
            stream.add(sb.toString());
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private List<String> run(String... lines) throws IOException {
        stream.clear();
        for (String line : lines) client.call(line.split(" "));
        return new ArrayList<>(stream);
    }

    @Test
    void writesPropagateAsRedisWritesThemToItsAof() throws IOException {
        List<String> out = run(
                "ZADD z 1 a 2 b",
                "ZADD z XX 5 nosuch",
                "ZADD z NX 1 a",
                "ZINCRBY z 1 a",
                "ZADD z INCR 0 a",
                "ZREM z nosuch",
                "ZREM z a",
                "ZREMRANGEBYRANK z 0 0",
                "ZADD z 1 a 2 b 3 c",
                "ZREMRANGEBYSCORE z 10 20",
                "ZPOPMIN z",
                "ZPOPMAX z 5",
                "ZPOPMIN nokey",
                "ZADD z 1 a 2 b 3 c",
                "ZMPOP 1 z MIN COUNT 10",
                "ZADD z 1 a 2 b",
                "BZPOPMIN z 0",
                "BZMPOP 0 1 z MAX COUNT 3",
                "ZADD z 1 a 2 b",
                "ZRANGESTORE d z 0 -1",
                "ZRANGESTORE d nokey 0 -1",
                "ZRANGESTORE d nokey 0 -1",
                "ZUNIONSTORE u 1 z",
                "ZINTERSTORE u 1 nokey",
                "ZDIFFSTORE u 1 z",
                "ZREMRANGEBYLEX z - +",
                "ZADD z 1 a",
                "MULTI",
                "BZPOPMIN nokey 0",
                "ZADD z 5 e",
                "EXEC",
                "MULTI",
                "ZADD q 1 a",
                "ZADD q 2 b",
                "EXEC");
        assertEquals(List.of(
                "ZADD z 1 a 2 b",
                "ZINCRBY z 1 a",
                "ZREM z a",
                "ZREMRANGEBYRANK z 0 0",
                "ZADD z 1 a 2 b 3 c",
                "ZPOPMIN z",
                "ZPOPMAX z 5",
                "ZADD z 1 a 2 b 3 c",
                "ZPOPMIN z 3",
                "ZADD z 1 a 2 b",
                "ZPOPMIN z",
                "ZPOPMAX z 1",
                "ZADD z 1 a 2 b",
                "ZRANGESTORE d z 0 -1",
                "ZRANGESTORE d nokey 0 -1",
                "ZUNIONSTORE u 1 z",
                "ZINTERSTORE u 1 nokey",
                "ZDIFFSTORE u 1 z",
                "ZREMRANGEBYLEX z - +",
                "ZADD z 1 a",
                "ZADD z 5 e",
                "MULTI",
                "ZADD q 1 a",
                "ZADD q 2 b",
                "EXEC"), out);
    }

    /**
     * Blocked clients served by one ZADD: the ZADD, then each served pop on its own, with the count
     * actually popped (Redis 7.0.15's AOF: zadd, ZPOPMIN bz, ZPOPMAX bz 2).
     */
    @Test
    void servedBlockedPopsPropagateAsPlainPops() throws Exception {
        try (RespClient a = RespClient.connect(server.port());
             RespClient b = RespClient.connect(server.port());
             RespClient c = RespClient.connect(server.port())) {
            a.send(bytes("BZPOPMIN bz 0"));
            waitBlocked(1);
            b.send(bytes("BZMPOP 0 1 bz MAX COUNT 5"));
            waitBlocked(2);
            c.send(bytes("BZPOPMIN bz 0"));
            waitBlocked(3);
            stream.clear();
            client.call("ZADD", "bz", "1", "a", "2", "b", "3", "c");
            assertEquals("*3\r\n$2\r\nbz\r\n$1\r\na\r\n$1\r\n1\r\n", text(a.readReply()));
            assertEquals("*2\r\n$2\r\nbz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
                    text(b.readReply()));
            assertEquals(List.of("ZADD bz 1 a 2 b 3 c", "ZPOPMIN bz", "ZPOPMAX bz 2"), new ArrayList<>(stream));
            assertEquals(":1\r\n", text(client.call("CLIENT", "UNBLOCK", clientId(c))));
            assertEquals("*-1\r\n", text(c.readReply()));
        }
    }

    /** The id of the one client still blocked. */
    private String clientId(RespClient c) throws IOException {
        for (String line : text(client.call("CLIENT", "LIST")).split("\n")) {
            if (line.contains(" flags=b")) return line.replaceAll("^.*?\\bid=(\\d+) .*$", "$1").trim();
        }
        throw new AssertionError("no blocked client");
    }

    /** Waits (bounded) until n clients are blocked. */
    static void waitBlocked(RespClient client, int n) {
        Wait.until(Duration.ofSeconds(5), n + " blocked clients",
                () -> text(client.call("CLIENT", "LIST")).split(" flags=b", -1).length - 1 == n,
                () -> text(client.call("CLIENT", "LIST")));
    }

    private void waitBlocked(int n) throws Exception {
        waitBlocked(client, n);
    }

    private static byte[][] bytes(String line) {
        String[] parts = line.split(" ");
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) out[i] = parts[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void timeoutsPropagateNothing() throws IOException {
        client.timeout(Duration.ofSeconds(5));
        assertEquals(List.of(), run("BZPOPMIN nokey 0.05", "BZMPOP 0.05 1 nokey MIN"));
    }
}
