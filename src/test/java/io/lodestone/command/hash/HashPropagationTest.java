package io.lodestone.command.hash;

import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What hash commands send to AOF and replicas, as Redis 7.0's AOF shows it (checked against a real
 * server's appendonly file): writes as sent, HINCRBYFLOAT as HSET with the result, and nothing for
 * a call that changed nothing. Effects are recorded before the reply is written.
 */
@Timeout(60)
class HashPropagationTest {
    private final List<String> effects = new CopyOnWriteArrayList<>();
    private EmbeddedServer server;
    private RespClient client;

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            effects.add(Effects.format(argv, argc));
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    /** Runs one command and returns what it propagated. */
    private List<String> run(String... cmd) throws IOException {
        int before = effects.size();
        client.call(cmd);
        return new ArrayList<>(effects.subList(before, effects.size()));
    }

    @Test
    void writesPropagateAsSent() throws IOException {
        assertEquals(List.of("hset h a 1 b 2"), run("hset", "h", "a", "1", "b", "2"));
        assertEquals(List.of("hset h a 1"), run("hset", "h", "a", "1")); // an update to the same value
        assertEquals(List.of("hmset h c 3"), run("hmset", "h", "c", "3"));
        assertEquals(List.of("hsetnx h d 4"), run("hsetnx", "h", "d", "4"));
        assertEquals(List.of("hdel h a zz"), run("hdel", "h", "a", "zz"));
        assertEquals(List.of("hincrby h n 5"), run("hincrby", "h", "n", "5"));
        assertEquals(List.of("hdel h b c d n"), run("hdel", "h", "b", "c", "d", "n"));
    }

    @Test
    void hincrbyfloatPropagatesAsHsetOfTheResult() throws IOException {
        assertEquals(List.of("HSET h f 1.5"), run("hincrbyfloat", "h", "f", "1.5"));
        assertEquals(List.of("HSET h f 101.5"), run("hincrbyfloat", "h", "f", "1e2"));
        assertEquals(List.of("HSET h f 101.6"), run("HINCRBYFLOAT", "h", "f", "0.1"));
        // The digits of the long double sum, as Redis 7.0 writes them to its AOF.
        assertEquals(List.of("HSET h g 5.6"), run("hincrbyfloat", "h", "g", "5.6"));
        assertEquals(List.of("HSET h g 3005.60000000000000009"), run("hincrbyfloat", "h", "g", "3e3"));
    }

    @Test
    void callsThatChangeNothingPropagateNothing() throws IOException {
        run("hset", "h", "a", "1", "s", "abc");
        assertEquals(List.of(), run("hsetnx", "h", "a", "9"));
        assertEquals(List.of(), run("hdel", "h", "zz"));
        assertEquals(List.of(), run("hdel", "nokey", "a"));
        assertEquals(List.of(), run("hincrby", "h", "s", "1"));
        assertEquals(List.of(), run("hincrbyfloat", "h", "s", "1"));
        assertEquals(List.of(), run("hincrby", "h", "a", "abc"));
        assertEquals(List.of(), run("hset", "h", "a"));
        assertEquals(List.of(), run("hget", "h", "a"));
        assertEquals(List.of(), run("hgetall", "h"));
        assertEquals(List.of(), run("hrandfield", "h", "-3"));
        assertEquals(List.of(), run("hscan", "h", "0"));
    }

    @Test
    void severalHashWritesInATransactionPropagateTogether() throws IOException {
        client.call("multi");
        client.call("hset", "h", "a", "1");
        client.call("hincrbyfloat", "h", "f", "2.5");
        int before = effects.size();
        client.call("exec");
        assertEquals(List.of("multi", "hset h a 1", "HSET h f 2.5", "exec"),
                effects.subList(before, effects.size()).stream().map(s -> s.equals("MULTI") || s.equals("EXEC")
                        ? s.toLowerCase() : s).toList());
    }
}
