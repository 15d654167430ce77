package io.lodestone.command.pubsub;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Twin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.List;

/**
 * Keyspace notifications of every string and generic key command, compared with a real
 * redis-server 7.0 message for message: a subscriber to {@code __key*__:*} (and one to a few exact
 * channels) on each server, the same commands run on both, and after each command the messages
 * each subscriber received must be the same bytes in the same order. Runs for several
 * notify-keyspace-events settings and for RESP2 and RESP3 subscribers.
 */
class KeyspaceNotificationsDifferentialTest {
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

    /** Every string and key write, its no-op forms, and reads of missing keys (keymiss). */
    private static final List<Object[]> STEPS = List.of(
            // SET family
            cmd("SET", "k", "v"), cmd("SET", "k", "v2", "EX", "100"), cmd("SET", "k", "v3", "KEEPTTL"),
            cmd("SET", "k", "v4", "PX", "100000", "GET"), cmd("SET", "k", "v", "NX"), cmd("SET", "nk", "v", "XX"),
            cmd("SET", "nk", "v", "NX", "GET"), cmd("SET", "k", "v", "EXAT", "99999999999"),
            cmd("SET", "k", "v", "PXAT", "99999999999999"), cmd("SET", "k", "x", "EX", "0"),
            cmd("SETNX", "k", "v"), cmd("SETNX", "k2", "v"), cmd("SETEX", "k2", "100", "v"),
            cmd("PSETEX", "k2", "100000", "v"), cmd("GETSET", "k2", "w"), cmd("GETSET", "k3", "w"),
            cmd("GETDEL", "k3"), cmd("GETDEL", "k3"),
            cmd("GETEX", "k2"), cmd("GETEX", "k2", "EX", "100"), cmd("GETEX", "k2", "PERSIST"),
            cmd("GETEX", "k2", "PERSIST"), cmd("GETEX", "k2", "PXAT", "99999999999999"),
            cmd("GETEX", "k2", "EXAT", "1"), cmd("GETEX", "k2", "EX", "100"),
            cmd("MSET", "a", "1", "b", "2", "a", "3"), cmd("MSETNX", "a", "1", "c", "2"), cmd("MSETNX", "c", "1", "d", "2"),
            // in-place writes
            cmd("APPEND", "k", "tail"), cmd("APPEND", "ap", "new"), cmd("APPEND", "ap", ""),
            cmd("SETRANGE", "k", "2", "XY"), cmd("SETRANGE", "sr", "3", "new"), cmd("SETRANGE", "sr", "1", ""),
            cmd("SETRANGE", "nosr", "1", ""),
            cmd("INCR", "n"), cmd("INCRBY", "n", "10"), cmd("DECR", "n"), cmd("DECRBY", "n", "3"), cmd("INCR", "k"),
            cmd("INCRBYFLOAT", "f", "1.5"), cmd("INCRBYFLOAT", "f", "-0.5"), cmd("INCRBYFLOAT", "k", "1"),
            cmd("SETBIT", "bits", "7", "1"), cmd("SETBIT", "bits", "7", "1"), cmd("SETBIT", "bits", "7", "0"),
            cmd("SETBIT", "bits", "100", "0"), cmd("SETBIT", "bits", "3", "0"),
            cmd("BITFIELD", "bf", "SET", "u8", "0", "255"), cmd("BITFIELD", "bf", "SET", "u8", "0", "255"),
            cmd("BITFIELD", "bf", "INCRBY", "i5", "100", "1", "GET", "u4", "0"),
            cmd("BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"),
            cmd("BITFIELD", "bf", "GET", "u8", "0"), cmd("BITFIELD_RO", "nobf", "GET", "u8", "0"),
            cmd("BITOP", "AND", "dest", "a", "b"), cmd("BITOP", "OR", "dest", "nokey1", "nokey2"),
            cmd("BITOP", "NOT", "dest2", "nokey"), cmd("BITOP", "XOR", "dest", "a", "nokey"),
            // reads: hits say nothing, misses say keymiss
            cmd("GET", "k"), cmd("GET", "nokey"), cmd("MGET", "nokey", "k", "nokey2"), cmd("STRLEN", "nokey"),
            cmd("GETRANGE", "nokey", "0", "1"), cmd("GETBIT", "nokey", "1"), cmd("BITCOUNT", "nokey"),
            cmd("BITPOS", "nokey", "1"), cmd("LCS", "nokey", "k"), cmd("EXISTS", "nokey", "k"), cmd("TYPE", "nokey"),
            cmd("TTL", "nokey"), cmd("PTTL", "nokey"), cmd("PEXPIRETIME", "k"), cmd("EXPIRETIME", "nokey"), cmd("TOUCH", "nokey", "k"),
            cmd("OBJECT", "ENCODING", "nokey"), cmd("OBJECT", "ENCODING", "k"), cmd("KEYS", "nokey*"),
            cmd("SCAN", "0", "MATCH", "nokey*"), cmd("DBSIZE"),
            // generic key commands
            cmd("EXPIRE", "k", "100"), cmd("EXPIRE", "k", "100", "NX"), cmd("EXPIRE", "k", "200", "GT"),
            cmd("PEXPIRE", "k", "100000"), cmd("EXPIREAT", "k", "99999999999"), cmd("PEXPIREAT", "k", "99999999999999"),
            cmd("EXPIRE", "nokey", "100"), cmd("PERSIST", "k"), cmd("PERSIST", "k"), cmd("PERSIST", "nokey"),
            cmd("EXPIRE", "a", "-1"), cmd("PEXPIREAT", "b", "1"),
            cmd("RENAME", "k", "k9"), cmd("RENAME", "k9", "k9"), cmd("RENAME", "nokey", "x"),
            cmd("SET", "k", "v"), cmd("RENAME", "k", "k9"), cmd("RENAMENX", "k9", "n"), cmd("RENAMENX", "k9", "k10"),
            cmd("COPY", "k10", "k11"), cmd("COPY", "k10", "k11"), cmd("COPY", "k10", "k11", "REPLACE"),
            cmd("COPY", "k10", "k11", "DB", "12"), cmd("COPY", "nokey", "k12"),
            cmd("MOVE", "k11", "12"), cmd("MOVE", "k10", "12"), cmd("MOVE", "nokey", "12"),
            cmd("SELECT", "12"), cmd("SET", "in12", "v"), cmd("DEL", "k10", "in12"), cmd("SELECT", "0"),
            cmd("DEL", "n", "nokey", "f", "n"), cmd("UNLINK", "bits", "nokey"), cmd("DEL"),
            cmd("SWAPDB", "0", "12"), cmd("SWAPDB", "0", "12"), cmd("FLUSHDB"), cmd("SET", "x", "1"),
            cmd("FLUSHALL"), cmd("FLUSHALL", "ASYNC"));

    private static Object[] cmd(Object... args) {
        return args;
    }

    @ParameterizedTest(name = "notify-keyspace-events {0}, RESP{1} subscriber")
    @CsvSource({"AKEnm,2", "AKEnm,3", "KEA,2", "E$,2", "Kg,3", "Ex,2", "Kn,2", "Em,2", "KA,3", "Ed$,2"})
    void everyStringAndKeyCommandNotifiesAsRedis(String flags, int protocol) throws Exception {
        Twin.Conn writer = twin.connect("writer");
        Twin.Conn all = twin.connect("psubscriber");
        Twin.Conn exact = twin.connect("subscriber");
        try {
            writer.call("FLUSHALL");
            writer.call("CONFIG", "SET", "notify-keyspace-events", flags);
            writer.call("CONFIG", "GET", "notify-keyspace-events");
            if (protocol == 3) {
                all.callUnchecked("HELLO", "3");
                exact.callUnchecked("HELLO", "3");
            }
            all.call("PSUBSCRIBE", "__key*__:*");
            exact.call("SUBSCRIBE", "__keyspace@0__:k", "__keyevent@0__:set", "__keyevent@12__:move_to");
            exact.read("SUBSCRIBE (2nd)");
            exact.read("SUBSCRIBE (3rd)");
            for (Object[] step : STEPS) {
                String what = Twin.describe(step);
                if (step[0].equals("SCAN")) writer.callUnchecked(step);
                else writer.call(step);
                all.messages(what);
                exact.messages(what);
            }
            expiry(writer, all);
            writer.call("CONFIG", "SET", "notify-keyspace-events", "");
        } finally {
            writer.close();
            all.close();
            exact.close();
        }
        twin.assertSame();
    }

    /**
     * Keys that expire: the "expired" event comes from whichever access finds the key past its time,
     * then the access's own events. Active expiry is off so that only the accesses below expire keys.
     */
    private static void expiry(Twin.Conn writer, Twin.Conn sub) throws InterruptedException {
        writer.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        writer.call("SET", "e1", "v", "PX", "1");
        writer.call("SET", "e2", "v", "PX", "1");
        writer.call("SET", "e3", "v", "PX", "1");
        writer.call("SET", "e4", "v", "PX", "1");
        sub.messages("SET PX");
        Thread.sleep(20); // time must pass for the keys to expire
        writer.call("GET", "e1");
        sub.messages("GET of an expired key");
        writer.call("SET", "e2", "new");
        sub.messages("SET over an expired key");
        writer.call("INCR", "e3");
        sub.messages("INCR of an expired key");
        writer.call("EXISTS", "e4");
        sub.messages("EXISTS of an expired key");
        writer.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        writer.call("FLUSHALL");
    }
}
