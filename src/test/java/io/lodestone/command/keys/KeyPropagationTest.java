package io.lodestone.command.keys;

import io.lodestone.testsupport.Effects;
import io.lodestone.command.ServerContext;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the key commands hand to AOF and replicas: effects, not requests. Each entry is recorded as
 * "db: ARG ARG ..." by a receiver on the server's propagation hook.
 */
class KeyPropagationTest {
    private EmbeddedServer server;
    private RespClient client;
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start();
        ServerContext ctx = server.context();
        StubStrings.install(ctx);
        // Commands run on the event-loop thread: the receiver copies what it is given.
        ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc));
        });
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    /** Runs commands and returns what they propagated (replies have arrived, so propagation is done). */
    private List<String> run(String[]... commands) throws IOException {
        stream.clear();
        for (String[] c : commands) client.call(c);
        return new ArrayList<>(stream);
    }

    private static String[] cmd(String... args) {
        return args;
    }

    @Test
    void relativeExpiresBecomeAbsolutePexpireatKeepingOptions() throws IOException {
        client.call("SET", "k", "v");
        long before = System.currentTimeMillis();
        List<String> out = run(cmd("EXPIRE", "k", "100"), cmd("pexpire", "k", "200000", "gt"),
                cmd("EXPIREAT", "k", "4000000000", "XX"));
        long after = System.currentTimeMillis();
        assertEquals(3, out.size(), out.toString());
        long when = Long.parseLong(out.get(0).split(" ")[3]);
        assertTrue(when >= before + 100_000 && when <= after + 100_000, out.get(0));
        assertTrue(out.get(0).matches("0: PEXPIREAT k \\d+"), out.get(0));
        assertTrue(out.get(1).matches("0: PEXPIREAT k \\d+ gt"), out.get(1));
        assertEquals("0: PEXPIREAT k 4000000000000 XX", out.get(2));
    }

    @Test
    void pexpireatPropagatesAsSent() throws IOException {
        client.call("SET", "k", "v");
        assertEquals(List.of("0: pexpireat k 4000000000000 nx"), run(cmd("pexpireat", "k", "4000000000000", "nx")));
    }

    @Test
    void anExpireInThePastPropagatesAsDel() throws IOException {
        client.call("SET", "k", "v");
        assertEquals(List.of("0: DEL k"), run(cmd("EXPIRE", "k", "-1", "LT")));
        client.call("SET", "k", "v");
        assertEquals(List.of("0: DEL k"), run(cmd("PEXPIREAT", "k", "1")));
    }

    @Test
    void callsThatChangeNothingAreNotPropagated() throws IOException {
        client.call("SET", "k", "v");
        List<String> out = run(cmd("DEL", "nokey"), cmd("EXPIRE", "nokey", "10"), cmd("EXPIRE", "k", "10", "XX"),
                cmd("PERSIST", "k"), cmd("RENAMENX", "k", "k"), cmd("RENAME", "nokey", "x"), cmd("COPY", "nokey", "x"),
                cmd("MOVE", "nokey", "1"), cmd("EXPIRE", "k", "10", "NX", "XX"), cmd("TOUCH", "k"), cmd("EXISTS", "k"),
                cmd("TTL", "k"), cmd("TYPE", "k"), cmd("KEYS", "*"), cmd("SCAN", "0"), cmd("OBJECT", "ENCODING", "k"),
                cmd("RANDOMKEY"), cmd("DBSIZE"));
        assertEquals(List.of(), out);
    }

    @Test
    void keyspaceWritesPropagateAsSent() throws IOException {
        client.call("SET", "a", "1");
        client.call("SET", "b", "1");
        List<String> out = run(cmd("DEL", "a", "nokey"), cmd("UNLINK", "b"), cmd("SET", "c", "1"),
                cmd("RENAME", "c", "d"), cmd("RENAMENX", "d", "e"), cmd("COPY", "e", "f", "DB", "2", "REPLACE"),
                cmd("MOVE", "e", "3"), cmd("SWAPDB", "0", "0"), cmd("SWAPDB", "0", "1"), cmd("SELECT", "1"),
                cmd("EXPIRE", "f", "10"), cmd("PERSIST", "nokey"));
        assertEquals(List.of("0: DEL a nokey", "0: UNLINK b", "0: SET c 1", "0: RENAME c d", "0: RENAMENX d e",
                "0: COPY e f DB 2 REPLACE", "0: MOVE e 3", "0: SWAPDB 0 0", "0: SWAPDB 0 1"), out);
    }

    @Test
    void flushesPropagateEvenOnEmptyDatabases() throws IOException {
        assertEquals(List.of("0: FLUSHDB", "0: FLUSHALL", "0: FLUSHALL ASYNC", "0: flushdb sync"),
                run(cmd("FLUSHDB"), cmd("FLUSHALL"), cmd("FLUSHALL", "ASYNC"), cmd("flushdb", "sync")));
    }

    @Test
    void flushesCountOnlyTheKeysTheyRemove() throws IOException {
        client.call("CONFIG", "SET", "save", "");
        assertEquals(0, Info.dirtyOf(client, "FLUSHALL"));
        assertEquals(0, Info.dirtyOf(client, "FLUSHDB"));
        client.call("SET", "a", "1");
        client.call("SET", "b", "1");
        assertEquals(2, Info.dirtyOf(client, "FLUSHDB"));
        // With save points FLUSHALL saves the empty data set: no change is left unsaved (Redis 7.0).
        client.call("CONFIG", "SET", "save", "3600 1");
        client.call("SET", "a", "1");
        client.call("FLUSHALL");
        assertEquals(0, Info.number(RespClient.text(client.call("INFO", "persistence")), "rdb_changes_since_last_save"));
    }

    @Test
    void failedCallsAreNotPropagated() throws IOException {
        client.call("SET", "k", "v");
        assertEquals(List.of(), run(cmd("FLUSHALL", "x"), cmd("EXPIRE", "k", "99999999999999999"),
                cmd("COPY", "k", "k"), cmd("MOVE", "k", "0"), cmd("SWAPDB", "0", "16")));
    }
}
