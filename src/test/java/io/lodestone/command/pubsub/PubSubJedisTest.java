package io.lodestone.command.pubsub;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pub/Sub through a real client library (Jedis), and the behaviour only time shows: keyspace events of
 * keys the server expires on its own reach subscribers without any client command; subscribers are
 * exempt from the idle timeout; subscribing propagates nothing, publishing reaches replicas only.
 */
class PubSubJedisTest {
    private EmbeddedServer server;
    private final List<String> effects = new CopyOnWriteArrayList<>();
    private final List<String> toReplicas = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = EmbeddedServer.start(ctx -> {
            ctx.addPropagation(io.lodestone.command.ServerContext.PROPAGATE_AOF, (db, argv, argc) ->
                    effects.add(new String(argv[0], java.nio.charset.StandardCharsets.UTF_8)));
            ctx.addPropagation(io.lodestone.command.ServerContext.PROPAGATE_REPL, (db, argv, argc) ->
                    toReplicas.add(new String(argv[0], java.nio.charset.StandardCharsets.UTF_8)));
        }, "timeout 1");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A JedisPubSub that queues "kind channel [pattern] message" lines. */
    private static final class Recorder extends JedisPubSub {
        final BlockingQueue<String> got = new LinkedBlockingQueue<>();
        final CountDownLatch subscribed = new CountDownLatch(1);

        @Override
        public void onMessage(String channel, String message) {
            got.add("message " + channel + " " + message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            got.add("pmessage " + pattern + " " + channel + " " + message);
        }

        @Override
        public void onSubscribe(String channel, int count) {
            subscribed.countDown();
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            subscribed.countDown();
        }

        String next() throws InterruptedException {
            String s = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "no message within 10 s");
            return s;
        }
    }

    private Thread listen(Recorder r, String... patterns) throws InterruptedException {
        Thread t = new Thread(() -> {
            try (Jedis j = new Jedis("127.0.0.1", server.port())) {
                j.psubscribe(r, patterns);
            }
        }, "subscriber");
        t.setDaemon(true);
        t.start();
        assertTrue(r.subscribed.await(10, TimeUnit.SECONDS), "never subscribed");
        return t;
    }

    @Test
    void jedisReceivesPublishedMessages() throws Exception {
        Recorder r = new Recorder();
        Thread t = listen(r, "news.*");
        try (Jedis pub = new Jedis("127.0.0.1", server.port())) {
            assertEquals(1, pub.publish("news.it", "ciao"));
            assertEquals(0, pub.publish("sport", "x"));
            assertEquals(1, pub.publish("news.en", "hello"));
            assertEquals("pmessage news.* news.it ciao", r.next());
            assertEquals("pmessage news.* news.en hello", r.next());
            assertEquals(1L, pub.pubsubNumPat());
            r.punsubscribe();
            t.join(10_000);
            assertEquals(0L, pub.pubsubNumPat());
        }
        assertEquals(List.of(), effects, "Pub/Sub commands write nothing to the AOF");
        assertEquals(List.of("PUBLISH", "PUBLISH", "PUBLISH"), toReplicas, "replicas get every PUBLISH, as in Redis");
    }

    @Test
    void keysTheServerExpiresByItselfAreAnnounced() throws Exception {
        try (Jedis c = new Jedis("127.0.0.1", server.port())) {
            c.configSet("notify-keyspace-events", "Ex");
            Recorder r = new Recorder();
            listen(r, "__keyevent@0__:*");
            c.psetex("soon", 50, "v");
            // No client touches the key: active expiry in cron deletes it and its event must be flushed.
            assertEquals("pmessage __keyevent@0__:* __keyevent@0__:expired soon", r.next());
            r.punsubscribe();
        }
    }

    @Test
    void subscribersAreExemptFromTheIdleTimeout() throws Exception {
        Recorder r = new Recorder();
        Thread t = listen(r, "idle.*");
        try (RespClient idle = RespClient.connect(server.port())) {
            assertEquals("+PONG\r\n", RespClient.text(idle.call("PING")));
            assertTrue(idle.awaitClose(Duration.ofSeconds(10)), "an idle normal client is closed after timeout 1");
        }
        try (Jedis pub = new Jedis("127.0.0.1", server.port())) {
            assertEquals(1, pub.publish("idle.ch", "still here"));
            assertEquals("pmessage idle.* idle.ch still here", r.next());
        }
        r.punsubscribe();
        t.join(10_000);
    }
}
