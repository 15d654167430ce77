package io.lodestone.command.server;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MEMORY USAGE and DEBUG HTSTATS / HTSTATS-KEY against redis-server 7.0: the same arguments accepted
 * and refused with the same errors, nil for no key; sizes are our own structures' (an integer for
 * every key), and the hash-table statistics have Redis's text where the layout is determined (one
 * element, an empty table).
 */
class MemoryAndHtstatsDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension("enable-debug-command", "yes");

    @Test
    void memoryUsageArgumentsAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("memory")) {
            c.call("FLUSHALL");
            c.call("SET", "k", "v");
            c.call("MEMORY", "USAGE", "nokey");
            c.call("MEMORY", "USAGE", "nokey", "SAMPLES", "3");
            c.call("MEMORY", "USAGE", "k", "SAMPLES", "-1");
            c.call("MEMORY", "USAGE", "k", "SAMPLES", "x");
            c.call("MEMORY", "USAGE", "k", "SAMPLES");
            c.call("MEMORY", "USAGE", "k", "FOO", "1");
            c.call("MEMORY", "USAGE");
            c.call("MEMORY", "NOPE");
            c.call("MEMORY", "HELP", "x");
            c.call("RPUSH", "l", "a", "b");
            c.call("SADD", "s", "1", "2", "x");
            c.call("ZADD", "z", "1", "a");
            c.call("HSET", "h", "f", "v");
            for (String key : new String[]{"k", "l", "s", "z", "h"}) {
                for (String samples : new String[]{"0", "1", "5"}) {
                    String[] r = c.callUnchecked("MEMORY", "USAGE", key, "SAMPLES", samples);
                    assertTrue(r[1].matches(":[1-9][0-9]*\r\n"), key + ": " + r[1]);
                }
            }
        }
        TWIN.twin().assertSame();
    }

    /**
     * MEMORY HELP, DOCTOR on an almost empty server, PURGE, and MEMORY STATS's fields: the same names
     * in the same order and kinds (the figures are each server's own).
     */
    @Test
    void memoryStatsDoctorAndHelpAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("memory-stats")) {
            c.call("FLUSHALL");
            c.call("MEMORY", "HELP");
            c.call("MEMORY", "DOCTOR");
            c.call("MEMORY", "PURGE");
            c.call("MEMORY", "STATS", "x");
            c.call("MEMORY", "DOCTOR", "x");
            c.call("SET", "k", "v");
            c.call("SELECT", "2");
            c.call("SET", "k", "v", "EX", "100");
            String[] stats = c.callUnchecked("MEMORY", "STATS");
            assertEquals(shape(stats[0]), shape(stats[1]));
        }
        TWIN.twin().assertSame();
    }

    /** A reply's structure with every number replaced: field names, nesting, and integer or double. */
    private static String shape(String reply) {
        return reply.replaceAll(":-?[0-9]+\r\n", ":N\r\n")
                .replaceAll("\\$[0-9]+\r\n-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\r\n", "DOUBLE\r\n");
    }

    @Test
    void htstatsAsRedis() {
        try (Twin.Conn c = TWIN.twin().connect("htstats")) {
            c.call("FLUSHALL");
            c.call("SELECT", "5");
            c.call("DEBUG", "HTSTATS", "99");
            c.call("DEBUG", "HTSTATS", "-1");
            c.call("DEBUG", "HTSTATS", "x");
            c.call("DEBUG", "HTSTATS", "5", "full");
            c.call("DEBUG", "HTSTATS-KEY", "nokey");
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "0");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "0");
            c.call("HSET", "h", "f", "v");
            c.call("ZADD", "z", "1", "m");
            c.call("HSET", "lp", "f", "v");
            c.call("DEBUG", "HTSTATS-KEY", "h");
            c.call("DEBUG", "HTSTATS-KEY", "z");
            c.call("SET", "str", "v");
            c.call("DEBUG", "HTSTATS-KEY", "str");
            c.call("RPUSH", "list", "a");
            c.call("DEBUG", "HTSTATS-KEY", "list");
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "128");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
            c.call("HSET", "small", "f", "v");
            c.call("DEBUG", "HTSTATS-KEY", "small");
            String[] db = c.callUnchecked("DEBUG", "HTSTATS", "0");
            assertTrue(db[1].contains("[Dictionary HT]\nHash table 0 stats (main hash table):\n"
                    + "No stats available for empty dictionaries\n[Expires HT]\n"), db[1]);
        }
        TWIN.twin().assertSame();
    }
}
