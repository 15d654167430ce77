package io.lodestone.command.stream;

import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the stream commands hand to AOF and replicas, checked against the appendonly file of a real
 * redis-server 7.0.15 for the same commands (generated IDs and times masked as {@code <id>} and
 * {@code <ms>}), and the dirty counts that decide whether a call propagates.
 */
class StreamPropagationTest {
    private EmbeddedServer server;
    private RespClient client;
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc).replaceAll("\\b\\d{13}-\\d+\\b", "<id>")
                    .replaceAll("\\b\\d{13}\\b", "<ms>"));
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private List<String> run(String... command) throws IOException {
        stream.clear();
        client.call(command);
        return new ArrayList<>(stream);
    }

    @Test
    void xaddPropagatesTheIdItGeneratedAndTheTrimItDid() throws IOException {
        assertEquals(List.of("0: xadd s 1-1 a 1"), run("xadd", "s", "1-1", "a", "1"));
        assertEquals(List.of("0: xadd s <id> b 2"), run("xadd", "s", "*", "b", "2"));
        assertEquals(List.of("0: xadd t 5-0 c 3"), run("xadd", "t", "5-*", "c", "3"));
        assertEquals(List.of("0: xadd t 5-1 c 3"), run("xadd", "t", "5-*", "c", "3"));
        assertEquals(List.of("0: xadd s maxlen = 3 <id> d 4"), run("xadd", "s", "maxlen", "~", "1", "*", "d", "4"));
        assertEquals(List.of("0: XADD s MINID = 1-1 LIMIT 5 <id> e 5"),
                run("XADD", "s", "MINID", "~", "9", "LIMIT", "5", "*", "e", "5"));
        assertEquals(List.of("0: XADD s MAXLEN 2 <id> f 6"), run("XADD", "s", "MAXLEN", "2", "*", "f", "6"));
        assertEquals(List.of("0: xtrim s maxlen = 0"), run("xtrim", "s", "maxlen", "~", "0"));
        assertEquals(List.of(), run("XADD", "nokey", "NOMKSTREAM", "*", "f", "v"));
        assertEquals(List.of(), run("XDEL", "s", "1-1"));
        assertEquals(List.of(), run("XTRIM", "s", "MAXLEN", "5"));
    }

    @Test
    void groupReadsPropagateAsClaimsAndGroupMoves() throws IOException {
        client.call("XADD", "s", "1-1", "a", "1");
        client.call("XADD", "s", "2-1", "b", "2");
        client.call("XADD", "s", "3-1", "c", "3");
        assertEquals(List.of("0: xgroup create s g 0"), run("xgroup", "create", "s", "g", "0"));
        assertEquals(List.of("0: XCLAIM s g alice 0 1-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 1-1"),
                run("xreadgroup", "group", "g", "alice", "count", "1", "streams", "s", ">"));
        assertEquals(List.of("0: MULTI", "0: XGROUP CREATECONSUMER s g bob", "0: XGROUP SETID s g 3-1 ENTRIESREAD 3",
                "0: EXEC"), run("xreadgroup", "group", "g", "bob", "noack", "streams", "s", ">"));
        // Reading history and creating a consumer by reading are not propagated (Redis 7.0).
        assertEquals(List.of(), run("xreadgroup", "group", "g", "alice", "streams", "s", "0"));
        assertEquals(List.of(), run("xreadgroup", "group", "g", "erin", "streams", "s", "0"));
        assertEquals(List.of("0: XCLAIM s g carol 0 1-1 TIME <ms> RETRYCOUNT 3 FORCE JUSTID LASTID 3-1"),
                run("xclaim", "s", "g", "carol", "0", "1-1"));
        assertEquals(List.of("0: XCLAIM s g dave 0 1-1 TIME <ms> RETRYCOUNT 4 FORCE JUSTID LASTID 3-1"),
                run("xautoclaim", "s", "g", "dave", "0", "0"));
        assertEquals(List.of("0: xack s g 1-1"), run("xack", "s", "g", "1-1"));
        assertEquals(List.of(), run("xack", "s", "g", "1-1"));
        assertEquals(List.of("0: XGROUP SETID s g 9-0 ENTRIESREAD 3"),
                run("xclaim", "s", "g", "carol", "0", "7-7", "LASTID", "9-0"));
    }

    @Test
    void claimsOfDeletedEntriesPropagateTheirRemoval() throws IOException {
        client.call("XADD", "s", "1-0", "f", "v");
        client.call("XADD", "s", "2-0", "f", "v");
        client.call("XGROUP", "CREATE", "s", "g", "0");
        client.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
        client.call("XDEL", "s", "1-0");
        assertEquals(List.of("0: MULTI", "0: XCLAIM s g alice 0 1-0 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 2-0",
                "0: XCLAIM s g bob 0 2-0 TIME <ms> RETRYCOUNT 2 FORCE JUSTID LASTID 2-0", "0: EXEC"),
                run("XAUTOCLAIM", "s", "g", "bob", "0", "0"));
        assertEquals(List.of(), run("XCLAIM", "s", "g", "carol", "0", "1-0"));
    }

    /** The same deltas as redis-server 7.0's rdb_changes_since_last_save. */
    @Test
    void dirtyCountsAsRedisDoes() throws IOException {
        assertEquals(1, Info.dirtyOf(client, "XADD", "s", "1-0", "f", "v"));
        client.call("XADD", "s", "2-0", "f", "v");
        client.call("XADD", "s", "3-0", "f", "v");
        assertEquals(1, Info.dirtyOf(client, "XADD", "s", "MAXLEN", "1", "4-0", "f", "v"));
        client.call("XADD", "s", "5-0", "f", "v");
        client.call("XADD", "s", "6-0", "f", "v");
        assertEquals(2, Info.dirtyOf(client, "XTRIM", "s", "MAXLEN", "1"));
        assertEquals(0, Info.dirtyOf(client, "XDEL", "s", "1-0"));
        assertEquals(1, Info.dirtyOf(client, "XDEL", "s", "6-0", "5-0"));
        assertEquals(1, Info.dirtyOf(client, "XGROUP", "CREATE", "s", "g", "0"));
        client.call("XADD", "s", "7-0", "f", "v");
        client.call("XADD", "s", "8-0", "f", "v");
        // A consumer created, one group read.
        assertEquals(2, Info.dirtyOf(client, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"));
        assertEquals(2, Info.dirtyOf(client, "XACK", "s", "g", "7-0", "8-0", "9-0"));
        assertEquals(1, Info.dirtyOf(client, "XSETID", "s", "10-0"));
    }
}
