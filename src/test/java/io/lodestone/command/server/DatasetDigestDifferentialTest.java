package io.lodestone.command.server;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DEBUG DIGEST and DIGEST-VALUE must give redis-server's exact bytes for the same data: Redis's tests
 * compare a master's digest with its replicas', whichever server each one is. Every type, in both
 * of its encodings, with integers, negative and non-integer scores, expiries and several databases.
 */
class DatasetDigestDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension("enable-debug-command", "yes");

    @Test
    void digestsEqualRedisForEveryTypeAndEncoding() {
        try (Twin.Conn c = TWIN.twin().connect("digest")) {
            c.call("FLUSHALL");
            c.call("DEBUG", "DIGEST");
            c.call("SET", "s", "hello");
            c.call("SET", "n", "12345");
            c.call("SET", "big", "x".repeat(100));
            c.call("RPUSH", "l", "a", "1", "b", "-222", "a");
            c.call("SADD", "si", "1", "2", "-3");
            c.call("SADD", "ss", "a", "b", "c", "17");
            c.call("ZADD", "z", "1.5", "a", "2", "b", "3.14159", "c", "-inf", "d", "1e20", "e", "0.1", "7");
            c.call("HSET", "h", "f", "v", "g", "1", "12", "34");
            c.call("EXPIRE", "s", "1000");
            c.call("PEXPIRE", "h", "1000000");
            c.call("DEBUG", "DIGEST");
            c.call("SELECT", "3");
            c.call("SET", "s", "hello");
            c.call("DEBUG", "DIGEST");
            c.call("SELECT", "0");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "1");
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "1");
            c.call("CONFIG", "SET", "set-max-intset-entries", "1");
            c.call("ZADD", "z2", "1.5", "a", "2", "b", "0.1", "c", "-0.25", "d");
            c.call("HSET", "h2", "a", "b", "c", "d", "1", "2");
            c.call("SADD", "si2", "1", "2", "3");
            c.call("DEBUG", "DIGEST-VALUE", "s", "n", "big", "l", "si", "ss", "z", "h", "nope", "z2", "h2", "si2");
            c.call("DEBUG", "DIGEST");
            c.call("DEBUG", "DIGEST-VALUE");
            c.call("DEBUG", "DIGEST", "extra");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "128");
            c.call("CONFIG", "SET", "set-max-intset-entries", "512");
        }
        TWIN.twin().assertSame();
    }
}
