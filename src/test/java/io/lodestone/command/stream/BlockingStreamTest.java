package io.lodestone.command.stream;

import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Blocking XREAD and XREADGROUP with several clients, on raw bytes: who is served and with what,
 * timeouts, CLIENT UNBLOCK, MULTI, a deleted stream or destroyed group, and the effects a served
 * XREADGROUP propagates. The replies are redis-server 7.0's in the same situations.
 */
class BlockingStreamTest {
    private EmbeddedServer server;
    private RespClient admin;
    private final List<RespClient> clients = new ArrayList<>();
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc).replaceAll("\\b\\d{13}\\b", "<ms>"));
        }));
        admin = client();
    }

    @AfterEach
    void stop() throws IOException {
        for (RespClient c : clients) c.close();
        server.close();
    }

    private RespClient client() throws IOException {
        RespClient c = RespClient.connect(server.port());
        clients.add(c);
        return c;
    }

    private static String s(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    private String call(String... args) throws IOException {
        return s(admin.call(args));
    }

    private void awaitBlocked(int n) {
        Wait.until(Duration.ofSeconds(10), n + " blocked clients",
                () -> Info.number(call("INFO", "clients"), "blocked_clients") == n,
                () -> Info.number(call("INFO", "clients"), "blocked_clients"));
    }

    /** Sends a blocking read and waits until its client is blocked (n clients in all). */
    private RespClient blocked(int n, String... command) throws IOException {
        RespClient c = client();
        byte[][] raw = new byte[command.length][];
        for (int i = 0; i < command.length; i++) raw[i] = command[i].getBytes(StandardCharsets.UTF_8);
        c.send(raw);
        awaitBlocked(n);
        return c;
    }

    private static void assertNoReply(RespClient c) throws IOException {
        c.timeout(Duration.ofMillis(150));
        try {
            fail("unexpected reply " + RespClient.escape(c.readReply()));
        } catch (SocketTimeoutException expected) {
            // still blocked
        } finally {
            c.timeout(RespClient.DEFAULT_TIMEOUT);
        }
    }

    /** A RESP2 XREAD reply of one stream holding entries "id field value". */
    private static String read(String key, String... entries) {
        StringBuilder sb = new StringBuilder("*1\r\n*2\r\n").append(bulk(key)).append('*').append(entries.length).append("\r\n");
        for (String e : entries) {
            String[] p = e.split(" ");
            sb.append("*2\r\n").append(bulk(p[0])).append("*2\r\n").append(bulk(p[1])).append(bulk(p[2]));
        }
        return sb.toString();
    }

    private static String bulk(String v) {
        return "$" + v.length() + "\r\n" + v + "\r\n";
    }

    @Test
    void everyXreadWaitingOnAStreamGetsTheNewEntry() throws Exception {
        call("XADD", "s", "1-0", "f", "old");
        RespClient c1 = blocked(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        RespClient c2 = blocked(2, "XREAD", "BLOCK", "0", "STREAMS", "other", "s", "0", "$");
        call("XADD", "s", "2-0", "f", "new");
        assertEquals(read("s", "2-0 f new"), s(c1.readReply()));
        assertEquals(read("s", "2-0 f new"), s(c2.readReply()));
        awaitBlocked(0);
    }

    @Test
    void groupReadersAreServedFirstBlockedFirstServedEachWithNewEntries() throws Exception {
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient alice = blocked(1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">");
        RespClient bob = blocked(2, "XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">");
        call("XADD", "s", "1-0", "f", "a");
        assertEquals(read("s", "1-0 f a"), s(alice.readReply()));
        assertNoReply(bob);
        call("XADD", "s", "2-0", "f", "b");
        assertEquals(read("s", "2-0 f b"), s(bob.readReply()));
        assertEquals("*4\r\n:2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n"
                + "*2\r\n$3\r\nbob\r\n$1\r\n1\r\n", call("XPENDING", "s", "g"));
        List<String> effects = new ArrayList<>(stream);
        assertEquals(List.of("0: XGROUP CREATE s g $ MKSTREAM", "0: XADD s 1-0 f a",
                "0: XCLAIM s g alice 0 1-0 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 1-0", "0: XADD s 2-0 f b",
                "0: XCLAIM s g bob 0 2-0 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 2-0"), effects);
    }

    @Test
    void aServedReaderGetsAtMostItsCount() throws Exception {
        RespClient c = blocked(1, "XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", "$");
        call("MULTI");
        call("XADD", "s", "1-0", "f", "a");
        call("XADD", "s", "2-0", "f", "b");
        call("XADD", "s", "3-0", "f", "c");
        call("EXEC");
        assertEquals(read("s", "1-0 f a", "2-0 f b"), s(c.readReply()));
    }

    /** A client that tells its id, then blocks on {@code command} (n blocked clients in all). */
    private long blockedWithId(int n, RespClient c, String... command) throws IOException {
        long id = Long.parseLong(s(c.call("CLIENT", "ID")).replaceAll("[:\\r\\n]", ""));
        byte[][] raw = new byte[command.length][];
        for (int i = 0; i < command.length; i++) raw[i] = command[i].getBytes(StandardCharsets.UTF_8);
        c.send(raw);
        awaitBlocked(n);
        return id;
    }

    @Test
    void timeoutsAndClientUnblockEndTheWait() throws Exception {
        RespClient c = client();
        long start = System.nanoTime();
        c.send("XREAD".getBytes(), "BLOCK".getBytes(), "50".getBytes(), "STREAMS".getBytes(), "s".getBytes(),
                "$".getBytes());
        assertEquals("*-1\r\n", s(c.readReply()));
        assertTrue(System.nanoTime() - start >= 45_000_000L, "waited its BLOCK time");
        RespClient t = client();
        long id = blockedWithId(1, t, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        assertEquals(":1\r\n", call("CLIENT", "UNBLOCK", Long.toString(id), "TIMEOUT"));
        assertEquals("*-1\r\n", s(t.readReply()));
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient e = client();
        long eid = blockedWithId(1, e, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        assertEquals(":1\r\n", call("CLIENT", "UNBLOCK", Long.toString(eid), "ERROR"));
        assertEquals("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", s(e.readReply()));
        awaitBlocked(0);
    }

    @Test
    void insideMultiAReadAnswersAsATimeout() throws Exception {
        call("MULTI");
        call("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        assertEquals("*2\r\n*-1\r\n-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n",
                call("EXEC"));
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        call("MULTI");
        call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        assertEquals("*1\r\n*-1\r\n", call("EXEC"));
    }

    @Test
    void aDeletedOrReplacedStreamEndsGroupReadsButNotPlainReads() throws Exception {
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient group = blocked(1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        RespClient plain = blocked(2, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        call("DEL", "s");
        assertEquals("-UNBLOCKED the stream key no longer exists\r\n", s(group.readReply()));
        assertNoReply(plain);
        call("SET", "s", "string");
        assertNoReply(plain);
        call("DEL", "s");
        call("XADD", "s", "5-0", "f", "v");
        assertEquals(read("s", "5-0 f v"), s(plain.readReply()));

        call("XGROUP", "CREATE", "s", "g", "$");
        RespClient replaced = blocked(1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        call("SET", "s", "string");
        assertEquals("-UNBLOCKED the stream key no longer exists\r\n", s(replaced.readReply()));

        call("DEL", "s");
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient flushed = blocked(1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        call("FLUSHALL");
        assertEquals("-UNBLOCKED the stream key no longer exists\r\n", s(flushed.readReply()));
    }

    @Test
    void aDestroyedGroupEndsItsReadsWithNogroup() throws Exception {
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient c = blocked(1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        call("XGROUP", "DESTROY", "s", "g");
        assertEquals("-NOGROUP the consumer group this client was blocked on no longer exists\r\n", s(c.readReply()));
        String stats = call("INFO", "commandstats");
        assertTrue(stats.contains("cmdstat_xreadgroup:calls=1,") && stats.contains("failed_calls=1"), stats);
    }

    @Test
    void aServedNoackReaderCreatesItsConsumerOnReplicas() throws Exception {
        call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        RespClient c = blocked(1, "XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "NOACK", "STREAMS", "s", ">");
        // Blocking creates no consumer: only being served does.
        assertTrue(call("XINFO", "GROUPS", "s").contains("consumers\r\n:0\r\n"));
        call("XADD", "s", "1-0", "f", "v");
        assertEquals(read("s", "1-0 f v"), s(c.readReply()));
        assertEquals(List.of("0: XGROUP CREATE s g $ MKSTREAM", "0: XADD s 1-0 f v", "0: MULTI",
                "0: XGROUP CREATECONSUMER s g bob", "0: XGROUP SETID s g 1-0 ENTRIESREAD 1", "0: EXEC"),
                new ArrayList<>(stream));
    }
}
