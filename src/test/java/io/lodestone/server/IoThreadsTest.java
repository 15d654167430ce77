package io.lodestone.server;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * io-threads above 1: client sockets are read and written by I/O loops while commands stay on the
 * command thread. What crosses threads - pipelines from many clients, a blocked client served by
 * another's write, a message to a subscriber, a replica's stream - behaves as with one thread.
 */
class IoThreadsTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @Test
    void pipelinesFromManyClientsGetTheirOwnRepliesInOrder() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("io-threads 3")) {
            try (Jedis j = new Jedis("127.0.0.1", server.port())) {
                assertTrue(j.info("server").contains("io_threads_active:1"));
            }
            int clients = 8, perClient = 5000;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int id = c;
                    done.add(pool.submit(() -> {
                        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
                            Pipeline p = j.pipelined();
                            List<Response<String>> gets = new ArrayList<>();
                            for (int i = 0; i < perClient; i++) {
                                p.set("k:" + id + ":" + i, "v" + id + "-" + i);
                                gets.add(p.get("k:" + id + ":" + i));
                            }
                            p.sync();
                            for (int i = 0; i < perClient; i++) assertEquals("v" + id + "-" + i, gets.get(i).get());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            try (Jedis j = new Jedis("127.0.0.1", server.port())) {
                assertEquals((long) clients * perClient, j.dbSize());
            }
        }
    }

    @Test
    void aBlockedClientIsServedAndASubscriberGetsItsMessage() throws Exception {
        try (EmbeddedServer server = EmbeddedServer.start("io-threads 2");
             Jedis blocked = new Jedis("127.0.0.1", server.port());
             Jedis writer = new Jedis("127.0.0.1", server.port());
             Jedis subscriber = new Jedis("127.0.0.1", server.port())) {
            CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> blocked.blpop(10, "queue"));
            Wait.until(BOUND, "the client blocks", () -> writer.info("clients").contains("blocked_clients:1"));
            writer.lpush("queue", "job");
            assertEquals(List.of("queue", "job"), popped.get(10, TimeUnit.SECONDS));

            CompletableFuture<String> message = new CompletableFuture<>();
            JedisPubSub listener = new JedisPubSub() {
                @Override
                public void onMessage(String channel, String msg) {
                    message.complete(msg);
                    unsubscribe();
                }
            };
            CompletableFuture<Void> listening = CompletableFuture.runAsync(() -> subscriber.subscribe(listener, "news"));
            Wait.until(BOUND, "the subscription", () -> writer.pubsubNumSub("news").get("news") == 1L);
            assertEquals(1, writer.publish("news", "hello"));
            assertEquals("hello", message.get(10, TimeUnit.SECONDS));
            listening.get(10, TimeUnit.SECONDS);
        }
    }

    private static String digest(EmbeddedServer server) throws Exception {
        try (RespClient c = RespClient.connect(server.port())) {
            return RespClient.text(c.call("DEBUG", "DIGEST"));
        }
    }

    @Test
    void aReplicaFollowsAMasterWhoseReplicaLinkIsOnAnIoThread() throws Exception {
        try (EmbeddedServer master = EmbeddedServer.start("io-threads 3");
             EmbeddedServer replica = EmbeddedServer.start("io-threads 3");
             Jedis m = new Jedis("127.0.0.1", master.port());
             Jedis r = new Jedis("127.0.0.1", replica.port())) {
            for (int i = 0; i < 1000; i++) m.set("before:" + i, "v" + i);
            r.replicaof("127.0.0.1", master.port());
            Wait.until(BOUND, "the link", () -> r.info("replication").contains("master_link_status:up"));
            Pipeline p = m.pipelined();
            for (int i = 0; i < 20_000; i++) p.incr("counter:" + (i % 100));
            p.sync();
            Wait.until(BOUND, "the replica catches up", () -> r.dbSize() == 1100 && digest(master).equals(digest(replica)));
            assertEquals("200", r.get("counter:7"));
        }
    }
}
