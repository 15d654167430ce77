package io.lodestone.command.string;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What string commands send to AOF and replicas: their effects, as Redis 7.0 rewrites them
 * (checked against a real server's AOF when written). The server runs commands on its event loop,
 * so effects are collected into a thread-safe list; a command's effect is recorded before its reply
 * is written, hence present once the reply has arrived.
 */
class StringPropagationTest {
    /** One propagated command: database and arguments (copied: the decoder reuses its array). */
    private record Effect(int db, List<String> argv) {
    }

    private final List<Effect> effects = new CopyOnWriteArrayList<>();
    /** Argument arrays as propagated, not copied, to check nobody writes into them afterwards. */
    private final List<byte[][]> rawEffects = new CopyOnWriteArrayList<>();
    private EmbeddedServer server;
    private RespClient client;

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> {
            ctx.addPropagation((db, argv, argc) -> {
                List<String> args = new ArrayList<>(argc);
                for (int i = 0; i < argc; i++) args.add(new String(argv[i], StandardCharsets.ISO_8859_1));
                effects.add(new Effect(db, args));
                rawEffects.add(Arrays.copyOf(argv, argc));
            });
            StandIns.register(ctx);
        });
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    /** Runs one command and returns what it propagated, as "ARG ARG ..." lines. */
    private List<String> run(String... cmd) throws IOException {
        int before = effects.size();
        client.call(cmd);
        List<String> out = new ArrayList<>();
        for (Effect e : effects.subList(before, effects.size())) out.add(String.join(" ", e.argv()));
        return out;
    }

    /** Asserts a single "SET key value PXAT ms" with ms within [from, to]. */
    private static void assertPxat(List<String> got, String prefix, long from, long to) {
        assertEquals(1, got.size(), got.toString());
        String line = got.get(0);
        assertTrue(line.startsWith(prefix), line);
        long ms = Long.parseLong(line.substring(prefix.length()));
        assertTrue(ms >= from && ms <= to, line + " not in [" + from + ", " + to + "]");
    }

    @Test
    void setWithRelativeExpiryPropagatesAsSetPxat() throws IOException {
        long before = System.currentTimeMillis();
        List<String> ex = run("SET", "k", "v", "EX", "100");
        List<String> px = run("SET", "k", "v", "PX", "5000");
        List<String> setex = run("SETEX", "k", "100", "v");
        List<String> psetex = run("PSETEX", "k", "5000", "v");
        long after = System.currentTimeMillis();
        assertPxat(ex, "SET k v PXAT ", before + 100_000, after + 100_000);
        assertPxat(px, "SET k v PXAT ", before + 5000, after + 5000);
        assertPxat(setex, "SET k v PXAT ", before + 100_000, after + 100_000);
        assertPxat(psetex, "SET k v PXAT ", before + 5000, after + 5000);
    }

    @Test
    void setWithAbsoluteExpiryPropagatesOnlyTheEffect() throws IOException {
        assertEquals(List.of("SET k v PXAT 2000000000000"), run("SET", "k", "v", "EXAT", "2000000000"));
        // GET and NX are dropped: the effect is the same on a replica whatever they said.
        assertEquals(List.of("SET k2 v PXAT 99999999999999"), run("SET", "k2", "v", "PXAT", "99999999999999", "GET", "NX"));
    }

    @Test
    void setGetIsPropagatedWithoutItsGetArguments() throws IOException {
        assertEquals(List.of("set k v"), run("set", "k", "v", "GET"));
        assertEquals(List.of("set k w xx"), run("set", "k", "w", "get", "xx", "GET"));
        assertEquals(List.of("SET k x KEEPTTL"), run("SET", "k", "x", "KEEPTTL"));
    }

    @Test
    void aCommandThatChangesNothingPropagatesNothing() throws IOException {
        run("SET", "k", "v");
        assertEquals(List.of(), run("SET", "k", "v2", "NX"));
        assertEquals(List.of(), run("SET", "missing", "v", "XX", "GET"));
        assertEquals(List.of(), run("SETNX", "k", "v"));
        assertEquals(List.of(), run("MSETNX", "k", "v", "other", "w"));
        assertEquals(List.of(), run("GET", "k"));
        assertEquals(List.of(), run("GETDEL", "missing"));
        assertEquals(List.of(), run("GETEX", "k"));
        assertEquals(List.of(), run("GETEX", "k", "PERSIST")); // no TTL to remove
        assertEquals(List.of(), run("SETRANGE", "k", "0", ""));
        assertEquals(List.of(), run("BITOP", "AND", "dest", "missing"));
        assertEquals(List.of(), run("INCR", "k")); // error: not an integer
        assertEquals(List.of(), run("SET", "k", "v", "EX", "0")); // error
        assertEquals(List.of(), run("LCS", "k", "k"));
    }

    @Test
    void getexPropagatesPexpireatPersistOrDel() throws IOException {
        run("SET", "k", "v");
        long before = System.currentTimeMillis();
        List<String> ex = run("GETEX", "k", "EX", "100");
        long after = System.currentTimeMillis();
        assertPxat(ex, "PEXPIREAT k ", before + 100_000, after + 100_000);
        assertEquals(List.of("PEXPIREAT k 99999999999999"), run("GETEX", "k", "PXAT", "99999999999999"));
        assertEquals(List.of("PEXPIREAT k 99999999999000"), run("GETEX", "k", "EXAT", "99999999999"));
        assertEquals(List.of("PERSIST k"), run("GETEX", "k", "PERSIST"));
        assertEquals(List.of(), run("GETEX", "k", "PERSIST"));
        // A time already past deletes the key, which replicas learn as a DEL.
        assertEquals(List.of("DEL k"), run("GETEX", "k", "EXAT", "1"));
        assertEquals("$-1\r\n", RespClient.text(client.call("GET", "k")));
    }

    @Test
    void getdelGetsetAndIncrbyfloatPropagateTheirEffects() throws IOException {
        run("SET", "k", "v");
        assertEquals(List.of("DEL k"), run("GETDEL", "k"));
        assertEquals(List.of("SET k v2"), run("GETSET", "k", "v2"));
        assertEquals(List.of("SET f 10.6 KEEPTTL"), run("INCRBYFLOAT", "f", "10.6"));
        assertEquals(List.of("SET f 10.7 KEEPTTL"), run("INCRBYFLOAT", "f", "0.1"));
    }

    @Test
    void plainWritesPropagateAsSent() throws IOException {
        assertEquals(List.of("MSET a 1 b 2"), run("MSET", "a", "1", "b", "2"));
        assertEquals(List.of("INCR a"), run("INCR", "a"));
        assertEquals(List.of("DECRBY a 5"), run("DECRBY", "a", "5"));
        assertEquals(List.of("APPEND b x"), run("APPEND", "b", "x"));
        assertEquals(List.of("APPEND b "), run("APPEND", "b", ""));
        assertEquals(List.of("SETRANGE b 0 y"), run("SETRANGE", "b", "0", "y"));
        assertEquals(List.of("BITOP NOT c b"), run("BITOP", "NOT", "c", "b"));
        assertEquals(List.of("SETNX n 1"), run("SETNX", "n", "1"));
    }

    @Test
    void bitWritesPropagateOnlyWhenABitChanges() throws IOException {
        assertEquals(List.of("SETBIT b 0 0"), run("SETBIT", "b", "0", "0")); // creates the key
        assertEquals(List.of(), run("SETBIT", "b", "0", "0"));
        assertEquals(List.of("SETBIT b 0 1"), run("SETBIT", "b", "0", "1"));
        assertEquals(List.of("SETBIT b 15 0"), run("SETBIT", "b", "15", "0")); // grows the string
        assertEquals(List.of(), run("BITFIELD", "b", "SET", "u8", "8", "0"));
        assertEquals(List.of("BITFIELD b INCRBY u8 8 1"), run("BITFIELD", "b", "INCRBY", "u8", "8", "1"));
        // A FAILed write creates the key but changes no field: nothing is propagated, as in Redis.
        assertEquals(List.of(), run("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"));
        assertEquals(":1\r\n", RespClient.text(client.call("STRLEN", "f")));
        assertEquals(List.of(), run("BITFIELD_RO", "b", "GET", "u8", "0"));
    }

    @Test
    void effectsCarryTheClientsDatabase() throws IOException {
        client.call("SELECT", "3");
        run("SET", "k", "v");
        Effect last = effects.get(effects.size() - 1);
        assertEquals(3, last.db());
        assertEquals(List.of("SET", "k", "v"), last.argv());
    }

    @Test
    void aKeySetToExpireInThePastIsDeletedOnAccessAndThatIsPropagated() throws IOException {
        assertEquals(List.of("SET k v PXAT 1"), run("SET", "k", "v", "PXAT", "1"));
        assertEquals(List.of("DEL k"), run("GET", "k"));
    }

    @Test
    void inPlaceWritesNeverTouchArraysAlreadyPropagated() throws IOException {
        run("SET", "k", "abcdef");
        run("SET", "n", "12345");
        byte[][] setK = rawEffects.get(0), setN = rawEffects.get(1);
        client.call("SETRANGE", "k", "0", "XY");
        client.call("SETBIT", "k", "8", "1");
        client.call("BITFIELD", "n", "SET", "u8", "0", "0");
        client.call("APPEND", "n", "6");
        client.call("SETRANGE", "k", "1", "Z");
        assertArrayEquals("abcdef".getBytes(StandardCharsets.US_ASCII), setK[2]);
        assertArrayEquals("12345".getBytes(StandardCharsets.US_ASCII), setN[2]);
        assertEquals("$6\r\nXZcdef\r\n", RespClient.text(client.call("GET", "k")));
    }

    @Test
    void overwritesInPlaceNeverChangeEffectsStillHeld() throws IOException {
        run("SET", "k", "aaa");
        run("SET", "n", "10");
        client.call("MULTI");
        client.call("SET", "k", "bbb");
        client.call("SET", "k", "ccc");
        client.call("INCR", "n");
        client.call("SET", "n", "20");
        client.call("INCR", "n");
        int before = effects.size();
        client.call("EXEC");
        List<String> out = new ArrayList<>();
        for (Effect e : effects.subList(before, effects.size())) out.add(String.join(" ", e.argv()));
        assertEquals(List.of("MULTI", "SET k bbb", "SET k ccc", "INCR n", "SET n 20", "INCR n", "EXEC"), out);
        assertEquals("$3\r\nccc\r\n", RespClient.text(client.call("GET", "k")));
        assertEquals("$2\r\n21\r\n", RespClient.text(client.call("GET", "n")));
    }

    @Test
    void msetOfOneKeyTwicePropagatesWhatWasSent() throws IOException {
        assertEquals(List.of("MSET k aaa k bbb"), run("MSET", "k", "aaa", "k", "bbb"));
        assertEquals("$3\r\nbbb\r\n", RespClient.text(client.call("GET", "k")));
        assertEquals(List.of("MSET k ccc k ddd"), run("MSET", "k", "ccc", "k", "ddd"));
        assertEquals("$3\r\nddd\r\n", RespClient.text(client.call("GET", "k")));
    }

    @Test
    void overwritesOfTheSameLengthKeepTheValueRight() throws IOException {
        assertEquals(List.of("SET k abc"), run("SET", "k", "abc"));
        assertEquals(List.of("SET k xyz"), run("SET", "k", "xyz"));
        assertEquals("$3\r\nxyz\r\n", RespClient.text(client.call("GET", "k")));
        run("SET", "n", "-9");
        for (String want : List.of("-8", "-7")) {
            client.call("INCR", "n");
            assertEquals("$2\r\n" + want + "\r\n", RespClient.text(client.call("GET", "n")));
        }
        run("SET", "m", "9223372036854775806");
        client.call("INCR", "m");
        assertEquals("$19\r\n9223372036854775807\r\n", RespClient.text(client.call("GET", "m")));
        client.call("SET", "m", "-9223372036854775807");
        client.call("DECR", "m");
        assertEquals("$20\r\n-9223372036854775808\r\n", RespClient.text(client.call("GET", "m")));
        assertEquals(":20", RespClient.text(client.call("STRLEN", "m")).trim());
    }
}
