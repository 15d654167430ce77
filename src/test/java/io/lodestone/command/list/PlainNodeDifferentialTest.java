package io.lodestone.command.list;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quicklist plain nodes against redis-server 7.0: with DEBUG QUICKLIST-PACKED-THRESHOLD lowered,
 * elements at least that long are stored as PLAIN nodes. Every list command behaves the same, and a
 * list filled at the tail DUMPs to the same bytes (PLAIN containers between listpack nodes).
 */
class PlainNodeDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension("enable-debug-command", "yes");

    /** The threshold is global to the process (ours runs in this JVM): always back to the default. */
    @AfterEach
    void restoreThreshold() {
        try (Twin.Conn c = TWIN.twin().connect("restore")) {
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0");
        }
    }

    @Test
    void thresholdArgumentsAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("threshold")) {
            for (String arg : new String[]{"0", "1b", "5b", "1k", "100kb", "4095mb", "4gb", "abc", "-1", "1x", ""}) {
                c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg);
            }
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD");
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1", "2");
        }
        TWIN.twin().assertSame();
    }

    @Test
    void commandsOnPlainNodesAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("commands")) {
            c.call("FLUSHALL");
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5b");
            c.call("RPUSH", "l", "aa", "bb", "cc", "dd", "ee");
            c.call("LSET", "l", "2", "x".repeat(10));          // packed -> plain, split in the middle
            c.call("LSET", "l", "2", "y".repeat(20));          // plain -> plain
            c.call("LSET", "l", "2", "zz");                    // plain -> packed
            c.call("LSET", "l", "0", "12345678");              // an integer that is large
            c.call("LINSERT", "l", "BEFORE", "cc", "q".repeat(7));
            c.call("LINSERT", "l", "AFTER", "12345678", "small");
            c.call("LPUSH", "l", "h".repeat(9), "9");
            c.call("RPUSH", "l", "t".repeat(6), "e");
            c.call("LRANGE", "l", "0", "-1");
            c.call("LPOS", "l", "q".repeat(7));
            c.call("LINDEX", "l", "3");
            c.call("LREM", "l", "0", "h".repeat(9));
            c.call("LTRIM", "l", "1", "-2");
            c.call("LMOVE", "l", "l2", "RIGHT", "LEFT");
            c.call("LMOVE", "l", "l2", "LEFT", "RIGHT");
            c.call("LRANGE", "l", "0", "-1");
            c.call("LRANGE", "l2", "0", "-1");
            c.call("OBJECT", "ENCODING", "l");
            c.call("DEBUG", "QUICKLIST", "l");
            c.call("DEBUG", "QUICKLIST", "l", "1");
            c.call("DEBUG", "QUICKLIST", "nokey");
            c.call("DEBUG", "LISTPACK", "l");
            c.call("LLEN", "l");
        }
        TWIN.twin().assertSame();
    }

    @Test
    void dumpOfPlainNodesAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("dump")) {
            c.call("FLUSHALL");
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "2b");
            c.call("RPUSH", "l", "a", "bb", "9", "x".repeat(10), "c", "d", "123456", "e");
            String reply = c.call("DUMP", "l");
            String payload = reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2); // a bulk's bytes
            c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0");
            // A PLAIN node stays plain after the threshold is back to 1 GB, in memory and in a restore.
            c.call("DUMP", "l");
            c.call("RESTORE", "copy", "0", payload.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            c.call("DUMP", "copy");
            c.call("LRANGE", "copy", "0", "-1");
        }
        TWIN.twin().assertSame();
    }
}
