package io.lodestone.command.set;

import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What set commands send to AOF and replicas, as a real Redis 7.0.15 writes it in its AOF: SPOP
 * as SREM, SPOP with a count as one SREM per member (wrapped in MULTI/EXEC when several) or DEL for
 * the whole set, no-ops as nothing, everything else as sent.
 */
class SetPropagationTest {
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

    /** The bulk strings of a flat array or set reply. */
    private static Set<String> members(byte[] reply) {
        String[] lines = RespClient.text(reply).split("\r\n");
        Set<String> out = new HashSet<>();
        for (int i = 1; i + 1 < lines.length; i += 2) out.add(lines[i + 1]);
        return out;
    }

    @Test
    void writesPropagateAsSentAndNoOpsNotAtAll() throws IOException {
        assertEquals(List.of("SADD s 1 2 3"), run("SADD", "s", "1", "2", "3"));
        assertEquals(List.of(), run("SADD", "s", "1"));
        assertEquals(List.of(), run("SREM", "s", "9"));
        assertEquals(List.of("SREM s 9 3"), run("SREM", "s", "9", "3"));
        assertEquals(List.of(), run("SMOVE", "s", "s", "1"));
        assertEquals(List.of(), run("SMOVE", "s", "d", "9"));
        assertEquals(List.of("SMOVE s d 1"), run("SMOVE", "s", "d", "1"));
        assertEquals(List.of(), run("SINTERSTORE", "x", "s", "nokey"));
        assertEquals(List.of("SINTERSTORE x s s"), run("SINTERSTORE", "x", "s", "s"));
        assertEquals(List.of("SUNIONSTORE x s d"), run("SUNIONSTORE", "x", "s", "d"));
        assertEquals(List.of("SDIFFSTORE x s s"), run("SDIFFSTORE", "x", "s", "s"));
        assertEquals(List.of(), run("SDIFFSTORE", "x", "s", "s"));
        assertEquals(List.of(), run("SPOP", "nokey"));
        assertEquals(List.of(), run("SPOP", "s", "0"));
        for (String read : new String[]{"SMEMBERS", "SCARD", "SRANDMEMBER"}) assertEquals(List.of(), run(read, "s"));
        assertEquals(List.of(), run("SINTERCARD", "1", "s"));
    }

    @Test
    void spopPropagatesTheRemovalOfWhatItPopped() throws IOException {
        run("SADD", "s", "a", "b", "c");
        byte[] reply = client.call("SPOP", "s");
        String popped = RespClient.text(reply).split("\r\n")[1];
        assertEquals(List.of("SREM s " + popped), effects.subList(effects.size() - 1, effects.size()));
    }

    @Test
    void spopWithCountPropagatesOneSremPerMemberInsideMultiExec() throws IOException {
        for (String prefix : new String[]{"", "m"}) {
            for (int count : new int[]{1, 3, 15, 19}) {
                client.call("DEL", "s");
                for (int i = 0; i < 20; i++) client.call("SADD", "s", prefix + i);
                int before = effects.size();
                Set<String> popped = members(client.call("SPOP", "s", Integer.toString(count)));
                List<String> got = new ArrayList<>(effects.subList(before, effects.size()));
                assertEquals(count, popped.size());
                Set<String> removed = new HashSet<>();
                if (count == 1) {
                    assertEquals(1, got.size());
                } else {
                    assertEquals("MULTI", got.get(0));
                    assertEquals("EXEC", got.get(got.size() - 1));
                    got = got.subList(1, got.size() - 1);
                }
                for (String e : got) {
                    assertTrue(e.startsWith("SREM s "), e);
                    removed.add(e.substring("SREM s ".length()));
                }
                assertEquals(popped, removed, prefix + " count " + count);
            }
        }
    }

    @Test
    void spopOfTheWholeSetPropagatesDel() throws IOException {
        run("SADD", "s", "a", "b");
        assertEquals(List.of("DEL s"), run("SPOP", "s", "2"));
        run("SADD", "s", "1");
        assertEquals(List.of("DEL s"), run("SPOP", "s", "100"));
    }

    @Test
    void effectsInsideExecAreWrappedOnce() throws IOException {
        run("SADD", "s", "1", "2", "3", "4", "5");
        client.call("MULTI");
        client.call("SPOP", "s", "2");
        client.call("SADD", "t", "x");
        int before = effects.size();
        client.call("EXEC");
        List<String> got = new ArrayList<>(effects.subList(before, effects.size()));
        assertEquals(5, got.size(), got.toString());
        assertEquals("MULTI", got.get(0));
        assertTrue(got.get(1).startsWith("SREM s "));
        assertTrue(got.get(2).startsWith("SREM s "));
        assertEquals("SADD t x", got.get(3));
        assertEquals("EXEC", got.get(4));
    }
}
