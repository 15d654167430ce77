package io.lodestone.command.list;

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
 * What the list commands hand to AOF and replicas - checked against the appendonly file of a real
 * redis-server 7.0 for the same commands - and how much each adds to the dirty counter
 * (INFO rdb_changes_since_last_save), which decides whether a call is propagated at all.
 */
class ListPropagationTest {
    private EmbeddedServer server;
    private RespClient client;
    private final List<String> stream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc));
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private List<String> run(String[]... commands) throws IOException {
        stream.clear();
        for (String[] c : commands) client.call(c);
        return new ArrayList<>(stream);
    }

    private static String[] cmd(String... args) {
        return args;
    }

    private long dirtyOf(String... command) throws IOException {
        return Info.dirtyOf(client, command);
    }

    @Test
    void writesPropagateAsSent() throws IOException {
        assertEquals(List.of("0: RPUSH l a b c d e", "0: lpush l z", "0: RPUSHX l y", "0: LPOP l", "0: rpop l 2",
                        "0: LSET l 0 q", "0: LINSERT l BEFORE q p", "0: LREM l 1 p", "0: LTRIM l 1 -1",
                        "0: LMOVE l d LEFT right", "0: RPOPLPUSH l d"),
                run(cmd("RPUSH", "l", "a", "b", "c", "d", "e"), cmd("lpush", "l", "z"), cmd("RPUSHX", "l", "y"),
                        cmd("LPOP", "l"), cmd("rpop", "l", "2"), cmd("LSET", "l", "0", "q"),
                        cmd("LINSERT", "l", "BEFORE", "q", "p"), cmd("LREM", "l", "1", "p"), cmd("LTRIM", "l", "1", "-1"),
                        cmd("LMOVE", "l", "d", "LEFT", "right"), cmd("RPOPLPUSH", "l", "d")));
    }

    @Test
    void callsThatChangeNothingAreNotPropagated() throws IOException {
        client.call("RPUSH", "l", "a", "b");
        assertEquals(List.of(), run(cmd("LPUSHX", "nokey", "a"), cmd("LPOP", "nokey"), cmd("LPOP", "l", "0"),
                cmd("LTRIM", "l", "0", "-1"), cmd("LTRIM", "nokey", "1", "0"), cmd("LREM", "l", "0", "zz"),
                cmd("LINSERT", "l", "AFTER", "zz", "v"), cmd("LMOVE", "nokey", "l", "LEFT", "LEFT"),
                cmd("LMPOP", "1", "nokey", "LEFT"), cmd("BLPOP", "nokey", "0.001"), cmd("LSET", "l", "9", "v"),
                cmd("LRANGE", "l", "0", "-1"), cmd("LINDEX", "l", "0"), cmd("LLEN", "l"), cmd("LPOS", "l", "a"),
                cmd("LPUSH", "l"), cmd("LPOP", "l", "-1")));
    }

    @Test
    void popsFromSeveralKeysAndBlockingCommandsWithDataPropagateTheirEffect() throws IOException {
        client.call("RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8");
        assertEquals(List.of("0: LPOP l 2", "0: RPOP l 1", "0: LPOP l", "0: RPOP l", "0: LPOP l 1",
                        "0: LMOVE l d Left riGht", "0: RPOPLPUSH l d"),
                run(cmd("LMPOP", "2", "nokey", "l", "LEFT", "COUNT", "2"), cmd("LMPOP", "1", "l", "RIGHT"),
                        cmd("BLPOP", "nokey", "l", "0"), cmd("BRPOP", "l", "0"), cmd("BLMPOP", "0", "1", "l", "LEFT"),
                        cmd("BLMOVE", "l", "d", "Left", "riGht", "0"), cmd("BRPOPLPUSH", "l", "d", "0")));
        client.call("RPUSH", "m", "x");
        assertEquals(List.of("0: LPOP m 1"), run(cmd("LMPOP", "1", "m", "LEFT", "COUNT", "100")));
    }

    @Test
    void writesInsideMultiPropagateTogether() throws IOException {
        assertEquals(List.of("0: MULTI", "0: RPUSH k a b", "0: LPOP k", "0: EXEC"),
                run(cmd("MULTI"), cmd("RPUSH", "k", "a", "b"), cmd("BLPOP", "k", "0"), cmd("BLPOP", "nokey", "0"),
                        cmd("EXEC")));
    }

    /** The same deltas as redis-server 7.0's rdb_changes_since_last_save for these commands. */
    @Test
    void dirtyCountsElementsAsRedisDoes() throws IOException {
        assertEquals(3, dirtyOf("RPUSH", "k", "1", "2", "3"));
        assertEquals(0, dirtyOf("LTRIM", "k", "0", "-1"));
        assertEquals(2, dirtyOf("LTRIM", "k", "1", "1"));
        assertEquals(4, dirtyOf("RPUSH", "k", "1", "1", "x", "1"));
        assertEquals(3, dirtyOf("LREM", "k", "0", "1"));
        assertEquals(0, dirtyOf("LREM", "k", "0", "1"));
        assertEquals(2, dirtyOf("LPOP", "k", "5"));
        assertEquals(0, dirtyOf("LPOP", "k", "5"));
        client.call("RPUSH", "k", "1", "2", "3");
        assertEquals(2, dirtyOf("LMPOP", "1", "k", "LEFT", "COUNT", "2"));
        assertEquals(1, dirtyOf("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"));
        client.call("RPUSH", "k", "1", "2", "3");
        assertEquals(1, dirtyOf("BLPOP", "k", "0"));
        assertEquals(1, dirtyOf("LMOVE", "k", "d", "LEFT", "LEFT"));
        assertEquals(1, dirtyOf("LSET", "d", "0", "x"));
        assertEquals(1, dirtyOf("LINSERT", "d", "AFTER", "x", "y"));
        assertEquals(0, dirtyOf("LINSERT", "d", "AFTER", "zz", "y"));
    }
}
