package io.lodestone.command.string;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Twin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

/**
 * WATCH against every string write, compared with a real redis-server 7.0: a client watches a key,
 * another client runs the write, and the watcher's EXEC must fail exactly when Redis's does. That
 * covers the writes that change a string in place (APPEND, SETRANGE, INCR..., SETBIT, BITFIELD), which
 * must signal the change themselves, and their no-op forms, which must not.
 */
class StringWatchDifferentialTest {
    private static Twin twin;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        twin = Twin.start();
    }

    @AfterAll
    static void stop() {
        if (twin != null) twin.close();
    }

    /** {setup..., write}: "k" holds "10" (with a TTL) before each setup. */
    private static final List<Object[][]> CASES = List.of(
            w(cmd("SET", "k", "v")), w(cmd("SET", "k", "v", "NX")), w(cmd("SET", "k", "v", "XX", "GET")),
            w(cmd("SET", "k", "v", "KEEPTTL")), w(cmd("SETNX", "k", "v")), w(cmd("SETEX", "k", "10", "v")),
            w(cmd("PSETEX", "k", "10000", "v")), w(cmd("GETSET", "k", "v")), w(cmd("GETDEL", "k")),
            w(cmd("GETEX", "k")), w(cmd("GETEX", "k", "EX", "100")), w(cmd("GETEX", "k", "PERSIST")),
            w(cmd("PERSIST", "k"), cmd("GETEX", "k", "PERSIST")), w(cmd("GETEX", "k", "PXAT", "1")),
            w(cmd("MSET", "x", "1", "k", "2")), w(cmd("MSETNX", "x", "1", "k", "2")), w(cmd("MSETNX", "y", "1")),
            w(cmd("APPEND", "k", "tail")), w(cmd("APPEND", "k", "")),
            w(cmd("SETRANGE", "k", "1", "z")), w(cmd("SETRANGE", "k", "5", "z")), w(cmd("SETRANGE", "k", "0", "")),
            w(cmd("INCR", "k")), w(cmd("DECR", "k")), w(cmd("INCRBY", "k", "0")), w(cmd("DECRBY", "k", "5")),
            w(cmd("INCRBYFLOAT", "k", "0.5")), w(cmd("INCRBYFLOAT", "k", "0")),
            w(cmd("SETBIT", "k", "0", "1")), w(cmd("SETBIT", "k", "0", "0")), w(cmd("SETBIT", "k", "100", "0")),
            w(cmd("BITFIELD", "k", "SET", "u8", "0", "1")), w(cmd("BITFIELD", "k", "SET", "u8", "0", "49")),
            w(cmd("BITFIELD", "k", "INCRBY", "u8", "0", "0")), w(cmd("BITFIELD", "k", "GET", "u8", "0")),
            w(cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100")),
            w(cmd("BITOP", "NOT", "k", "k")), w(cmd("BITOP", "AND", "k", "nokey")), w(cmd("BITOP", "OR", "other", "k")),
            w(cmd("EXPIRE", "k", "100")), w(cmd("EXPIRE", "k", "100", "NX")), w(cmd("PERSIST", "k")),
            w(cmd("PERSIST", "k"), cmd("PERSIST", "k")), w(cmd("EXPIRE", "k", "-1")),
            w(cmd("DEL", "k")), w(cmd("DEL", "other")), w(cmd("RENAME", "k", "k2")), w(cmd("SET", "k2", "v"), cmd("RENAME", "k2", "k")),
            w(cmd("COPY", "k", "k2")), w(cmd("SET", "k2", "v"), cmd("COPY", "k2", "k", "REPLACE")), w(cmd("MOVE", "k", "1")),
            w(cmd("GET", "k")), w(cmd("STRLEN", "k")), w(cmd("LCS", "k", "k")));

    private static Object[] cmd(Object... args) {
        return args;
    }

    private static Object[][] w(Object[]... steps) {
        return steps;
    }

    @Test
    void execFailsExactlyWhenRedisSeesTheWatchedKeyChange() {
        Twin.Conn watcher = twin.connect("watcher");
        Twin.Conn writer = twin.connect("writer");
        try {
            for (Object[][] steps : CASES) {
                writer.call("FLUSHALL");
                writer.call("SET", "k", "10", "EX", "1000");
                for (int i = 0; i < steps.length - 1; i++) writer.call(steps[i]);
                watcher.call("WATCH", "k");
                writer.call(steps[steps.length - 1]);
                watcher.call("MULTI");
                watcher.call("PING");
                watcher.call("EXEC"); // null exactly when the write touched the watched key
            }
            watcher.call("FLUSHALL");
        } finally {
            watcher.close();
            writer.close();
        }
        twin.assertSame();
    }
}
