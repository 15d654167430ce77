package io.lodestone.command.list;

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
 * Blocking list commands with several clients, on raw bytes: first blocked first served, timeouts,
 * MULTI, BLMOVE chains, CLIENT UNBLOCK, disconnection, pipelines, and what served clients propagate.
 * Replies are compared with what redis-server 7.0 sends in the same situations.
 */
class BlockingListTest {
    private EmbeddedServer server;
    private RespClient admin;
    private final List<RespClient> clients = new ArrayList<>();
    /** The propagated stream, one "db: ARG ARG" string per effect. */
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc));
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

    private static void send(RespClient c, String... args) throws IOException {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
        c.send(raw);
    }

    private String call(String... args) throws IOException {
        return s(admin.call(args));
    }

    private long infoField(String field) throws IOException {
        return Info.number(call("INFO", "clients"), field);
    }

    /** Waits (bounded) until exactly n clients are blocked. */
    private void awaitBlocked(int n) {
        Wait.until(Duration.ofSeconds(10), n + " blocked clients", () -> infoField("blocked_clients") == n,
                () -> infoField("blocked_clients"));
    }

    /** Sends a blocking command and waits until its client is blocked (n clients in all). */
    private RespClient blocked(int n, String... command) throws IOException {
        RespClient c = client();
        send(c, command);
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

    private static String bulks(String... items) {
        StringBuilder sb = new StringBuilder("*").append(items.length).append("\r\n");
        for (String i : items) sb.append('$').append(i.length()).append("\r\n").append(i).append("\r\n");
        return sb.toString();
    }

    /** Waits (bounded) for the propagated stream to hold n entries and returns it. */
    private List<String> awaitStream(int n) {
        Wait.upTo(Duration.ofSeconds(5), n + " propagated entries", () -> stream.size() >= n);
        return new ArrayList<>(stream);
    }

    @Test
    void clientsBlockedOnTheSameKeyAreServedFirstBlockedFirstServed() throws Exception {
        RespClient c1 = blocked(1, "BLPOP", "k", "0");
        RespClient c2 = blocked(2, "BRPOP", "k", "0");
        RespClient c3 = blocked(3, "BLPOP", "other", "k", "0");
        assertEquals(":2\r\n", call("RPUSH", "k", "a", "b"));
        assertEquals(bulks("k", "a"), s(c1.readReply()));
        assertEquals(bulks("k", "b"), s(c2.readReply()));
        assertNoReply(c3);
        awaitBlocked(1);
        assertEquals(":0\r\n", call("EXISTS", "k"));
        assertEquals(":1\r\n", call("LPUSH", "k", "c"));
        assertEquals(bulks("k", "c"), s(c3.readReply()));
        awaitBlocked(0);
        assertEquals(List.of("0: RPUSH k a b", "0: LPOP k", "0: RPOP k", "0: LPUSH k c", "0: LPOP k"), awaitStream(5));
    }

    /**
     * Redis's "MULTI + LPUSH + EXPIRE + DEBUG SLEEP on blocked client, key already expired": the key
     * expired while the transaction ran, so the waiter stays blocked and the key goes as a DEL.
     */
    @Test
    void aKeyThatExpiredDuringTheTransactionServesNobody() throws Exception {
        call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        RespClient c = blocked(1, "BRPOP", "k", "0");
        call("MULTI");
        call("RPUSH", "k", "hello");
        call("PEXPIRE", "k", "100");
        call("DEBUG", "SLEEP", "0.2");
        assertEquals("*3\r\n:1\r\n:1\r\n+OK\r\n", call("EXEC"));
        assertNoReply(c);
        awaitBlocked(1);
        assertEquals(":0\r\n", call("EXISTS", "k"));
        List<String> out = awaitStream(5);
        assertEquals("0: MULTI", out.get(0));
        assertEquals("0: RPUSH k hello", out.get(1));
        assertTrue(out.get(2).startsWith("0: PEXPIREAT k "), out.get(2));
        assertEquals(List.of("0: EXEC", "0: DEL k"), out.subList(3, 5));
        call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    @Test
    void fractionalTimeoutsExpireOnTime() throws Exception {
        RespClient c = client();
        long start = System.nanoTime();
        assertEquals("*-1\r\n", s(c.call("BLPOP", "k", "0.25")));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 240 && ms < 3000, "waited " + ms + " ms");
        start = System.nanoTime();
        assertEquals("*-1\r\n", s(c.call("BLMOVE", "k", "d", "LEFT", "RIGHT", "0.05")));
        assertEquals("*-1\r\n", s(c.call("BLMPOP", "0.05", "1", "k", "LEFT")));
        assertEquals("*-1\r\n", s(c.call("BRPOPLPUSH", "k", "d", "0.0001")));
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 100);
        awaitBlocked(0);
        assertEquals(0, infoField("clients_in_timeout_table"));
    }

    @Test
    void aClientServedBeforeItsTimeoutGetsOneReply() throws Exception {
        RespClient c = blocked(1, "BLPOP", "k", "0.3");
        assertEquals(1, infoField("clients_in_timeout_table"));
        call("RPUSH", "k", "v");
        assertEquals(bulks("k", "v"), s(c.readReply()));
        assertEquals(0, infoField("clients_in_timeout_table"));
        assertNoReply(c);
        assertNoReply(c);
        assertEquals("+PONG\r\n", s(c.call("PING")));
    }

    @Test
    void aPushInsideMultiServesTheBlockedClientAfterExec() throws Exception {
        RespClient c = blocked(1, "BLPOP", "k", "0");
        assertEquals("+OK\r\n", call("MULTI"));
        assertEquals("+QUEUED\r\n", call("RPUSH", "k", "x", "y"));
        assertEquals("+QUEUED\r\n", call("LLEN", "k"));
        assertNoReply(c);
        // Inside the transaction the pushed list is still whole: the waiter is served after EXEC.
        assertEquals("*2\r\n:2\r\n:2\r\n", call("EXEC"));
        assertEquals(bulks("k", "x"), s(c.readReply()));
        assertEquals(bulks("y"), s(admin.call("LRANGE", "k", "0", "-1")));
        // One write in the transaction: Redis 7.0 propagates it without MULTI/EXEC.
        assertEquals(List.of("0: RPUSH k x y", "0: LPOP k"), awaitStream(2));
    }

    @Test
    void aPushThenPopInsideMultiLeavesNothingToServe() throws Exception {
        RespClient c = blocked(1, "BLPOP", "k", "0");
        call("MULTI");
        call("RPUSH", "k", "x");
        call("LPOP", "k");
        assertEquals("*2\r\n:1\r\n$1\r\nx\r\n", call("EXEC"));
        assertNoReply(c);
        awaitBlocked(1);
        call("RPUSH", "k", "later");
        assertEquals(bulks("k", "later"), s(c.readReply()));
    }

    @Test
    void blmoveChainsServeEachOtherInOneGo() throws Exception {
        RespClient c1 = blocked(1, "BLMOVE", "a", "b", "RIGHT", "LEFT", "0");
        RespClient c2 = blocked(2, "BRPOPLPUSH", "b", "c", "0");
        RespClient c3 = blocked(3, "BLPOP", "c", "0");
        call("RPUSH", "a", "x");
        assertEquals("$1\r\nx\r\n", s(c1.readReply()));
        assertEquals("$1\r\nx\r\n", s(c2.readReply()));
        assertEquals(bulks("c", "x"), s(c3.readReply()));
        awaitBlocked(0);
        assertEquals(":0\r\n", call("EXISTS", "a", "b", "c"));
        assertEquals(List.of("0: RPUSH a x", "0: LMOVE a b right left", "0: RPOPLPUSH b c", "0: LPOP c"),
                awaitStream(4));
    }

    @Test
    void aBlockedLmoveWithAWrongTypeDestinationFailsWhenServed() throws Exception {
        call("SET", "dst", "string");
        RespClient c = blocked(1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0");
        call("RPUSH", "src", "v");
        assertEquals("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", s(c.readReply()));
        assertEquals(bulks("v"), s(admin.call("LRANGE", "src", "0", "-1")));
        awaitBlocked(0);
        assertEquals(List.of("0: SET dst string", "0: RPUSH src v"), awaitStream(2));
    }

    @Test
    void clientUnblockEndsTheWaitAsATimeoutOrAnError() throws Exception {
        RespClient c = client();
        String id = s(idOf(c));
        send(c, "BLPOP", "k", "0");
        awaitBlocked(1);
        assertEquals(":1\r\n", call("CLIENT", "UNBLOCK", id, "TIMEOUT"));
        assertEquals("*-1\r\n", s(c.readReply()));
        assertEquals(":0\r\n", call("CLIENT", "UNBLOCK", id));
        send(c, "BLMOVE", "k", "d", "LEFT", "LEFT", "0");
        awaitBlocked(1);
        assertEquals(":1\r\n", call("CLIENT", "UNBLOCK", id));
        assertEquals("*-1\r\n", s(c.readReply()));
        send(c, "BLMPOP", "0", "2", "k", "k2", "LEFT");
        awaitBlocked(1);
        assertEquals(":1\r\n", call("CLIENT", "UNBLOCK", id, "ERROR"));
        assertEquals("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", s(c.readReply()));
        assertEquals("+PONG\r\n", s(c.call("PING")));
        call("RPUSH", "k", "v");
        assertEquals(bulks("v"), s(admin.call("LRANGE", "k", "0", "-1")));
    }

    private static byte[] idOf(RespClient c) throws IOException {
        byte[] r = c.call("CLIENT", "ID");
        return s(r).substring(1, r.length - 2).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aBlockedClientThatDisconnectsIsForgotten() throws Exception {
        RespClient gone = blocked(1, "BLPOP", "k", "0");
        RespClient next = blocked(2, "BLPOP", "k", "0");
        gone.close();
        awaitBlocked(1);
        call("RPUSH", "k", "v1", "v2");
        assertEquals(bulks("k", "v1"), s(next.readReply()));
        assertEquals(bulks("v2"), s(admin.call("LRANGE", "k", "0", "-1")));
        awaitBlocked(0);
    }

    @Test
    void pipelinedCommandsAfterABlockingCommandWaitUntilItIsServed() throws Exception {
        RespClient c = client();
        c.sendRaw(("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n"
                + "*3\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n$4\r\nmine\r\n").getBytes(StandardCharsets.US_ASCII));
        awaitBlocked(1);
        assertNoReply(c);
        assertEquals(":0\r\n", call("EXISTS", "k"));
        call("RPUSH", "k", "a", "b");
        assertEquals(bulks("k", "a"), s(c.readReply()));
        assertEquals("+PONG\r\n", s(c.readReply()));
        assertEquals(":1\r\n", s(c.readReply()));
        assertEquals(":2\r\n", s(c.readReply()));
        assertEquals(bulks("b", "mine"), s(admin.call("LRANGE", "k", "0", "-1")));
    }

    @Test
    void pipelinedCommandsAfterABlockingCommandWaitForItsTimeout() throws Exception {
        RespClient c = client();
        c.sendRaw(("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$3\r\n0.1\r\n*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals("*-1\r\n", s(c.readReply()));
        assertEquals("$5\r\nafter\r\n", s(c.readReply()));
    }

    @Test
    void theClientIsServedFromTheKeyThatBecameReadyFirst() throws Exception {
        RespClient c = blocked(1, "BLPOP", "a", "b", "0");
        call("MULTI");
        call("RPUSH", "b", "from-b");
        call("RPUSH", "a", "from-a");
        call("EXEC");
        assertEquals(bulks("b", "from-b"), s(c.readReply()));
        assertEquals(bulks("from-a"), s(admin.call("LRANGE", "a", "0", "-1")));
    }

    @Test
    void aKeyOfAnotherTypeLeavesTheClientWaitingInItsPlace() throws Exception {
        RespClient c1 = blocked(1, "BLPOP", "k", "0");
        RespClient c2 = blocked(2, "BLPOP", "k", "0");
        assertEquals("+OK\r\n", call("SET", "k", "string"));
        assertNoReply(c1);
        awaitBlocked(2);
        call("DEL", "k");
        call("RPUSH", "k", "first");
        assertEquals(bulks("k", "first"), s(c1.readReply()));
        call("RPUSH", "k", "second");
        assertEquals(bulks("k", "second"), s(c2.readReply()));
    }

    @Test
    void blmpopServedPopsUpToItsCountFromTheReadyKey() throws Exception {
        RespClient c = blocked(1, "BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2");
        call("RPUSH", "m2", "1", "2", "3");
        assertEquals("*2\r\n$2\r\nm2\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n", s(c.readReply()));
        RespClient d = blocked(1, "BLMPOP", "0", "1", "m3", "LEFT", "COUNT", "5");
        call("LPUSH", "m3", "x");
        assertEquals("*2\r\n$2\r\nm3\r\n*1\r\n$1\r\nx\r\n", s(d.readReply()));
        assertEquals(List.of("0: RPUSH m2 1 2 3", "0: RPOP m2 2", "0: LPUSH m3 x", "0: LPOP m3 1"), awaitStream(4));
    }

    @Test
    void oneClientBlockedOnSeveralKeysIsServedOnce() throws Exception {
        RespClient c = blocked(1, "BRPOP", "a", "b", "a", "0");
        call("MULTI");
        call("RPUSH", "a", "1");
        call("RPUSH", "b", "2");
        call("EXEC");
        assertEquals(bulks("a", "1"), s(c.readReply()));
        assertNoReply(c);
        assertEquals(":1\r\n", call("LLEN", "b"));
        awaitBlocked(0);
    }

    @Test
    void renamingAListOntoTheKeyServesTheWaiter() throws Exception {
        RespClient c = blocked(1, "BLPOP", "k", "0");
        call("RPUSH", "tmp", "v");
        call("RENAME", "tmp", "k");
        assertEquals(bulks("k", "v"), s(c.readReply()));
    }

    @Test
    void aServedBlpopCountsAsOneCall() throws Exception {
        call("CONFIG", "RESETSTAT");
        RespClient c = blocked(1, "BLPOP", "k", "0");
        call("RPUSH", "k", "v");
        c.readReply();
        String stats = call("INFO", "commandstats");
        assertTrue(stats.contains("cmdstat_blpop:calls=1,"), stats);
    }

    @Test
    void blockingCommandsInsideMultiAnswerAtOnce() throws Exception {
        RespClient c = client();
        c.call("MULTI");
        c.call("BLPOP", "k", "0");
        c.call("BLMOVE", "k", "d", "LEFT", "LEFT", "0");
        c.call("BLMPOP", "0", "1", "k", "LEFT");
        assertEquals("*3\r\n*-1\r\n$-1\r\n*-1\r\n", s(c.call("EXEC")));
        assertEquals(0, infoField("blocked_clients"));
    }

    @Test
    void theIdleTimeoutDoesNotCloseBlockedClients() throws Exception {
        try (EmbeddedServer timed = EmbeddedServer.start("timeout 1");
             RespClient idle = RespClient.connect(timed.port());
             RespClient waiter = RespClient.connect(timed.port())) {
            idle.call("PING");
            send(waiter, "BLPOP", "k", "0");
            // Once the idle client has been closed, the timeout has passed for the waiter too.
            assertTrue(idle.awaitClose(Duration.ofSeconds(10)), "the idle client was not closed");
            try (RespClient pusher = RespClient.connect(timed.port())) {
                assertEquals(":1\r\n", s(pusher.call("RPUSH", "k", "v")));
            }
            assertEquals(bulks("k", "v"), s(waiter.readReply()));
        }
    }
}
