package io.lodestone.command.transaction;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WATCH against a real redis-server 7.0, byte for byte: keys that were already expired (but not yet
 * deleted) when watched count as absent, so deleting them, flushing them or swapping them with
 * nothing or with another stale key leaves EXEC alone, while a real change to a watched key, or
 * FLUSHALL/FLUSHDB/SWAPDB of a key that exists, fails it. Active expiry is off so stale keys stay.
 */
class WatchDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();
    private Twin.Conn c;
    private Twin.Conn other;

    @AfterEach
    void check() {
        if (c != null) c.close();
        if (other != null) other.close();
        TWIN.twin().assertSame();
    }

    /** A key in {@code db} that expires in 1 ms; the connection ends in database 0. */
    private void staleKey(int db, String name) {
        c.call("SELECT", db);
        c.call("SET", name, "foo", "PX", "1");
        c.call("SELECT", 0);
    }

    private void start(String name) {
        c = TWIN.twin().connect(name);
        other = TWIN.twin().connect(name + "-other");
        c.call("FLUSHALL");
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
    }

    private void exec() {
        c.call("MULTI");
        c.call("PING");
        c.call("EXEC");
    }

    @Test
    void staleKeysWatchedAsAbsent() throws Exception {
        start("stale");
        staleKey(0, "x");
        Thread.sleep(5);
        c.call("WATCH", "x");
        exec(); // watching a stale key is fine
        c.call("WATCH", "x");
        c.call("EXISTS", "x"); // deletes it: no logical change
        exec();
        staleKey(0, "x");
        Thread.sleep(5);
        c.call("WATCH", "x");
        other.call("FLUSHDB");
        exec();
        staleKey(0, "x");
        Thread.sleep(5);
        c.call("WATCH", "x");
        other.call("SET", "x", "new"); // the stale key is replaced: a change
        exec();
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    @Test
    void flushesTouchOnlyKeysThatExist() {
        start("flush");
        c.call("WATCH", "absent");
        other.call("FLUSHALL");
        exec();
        c.call("WATCH", "absent");
        other.call("FLUSHDB");
        exec();
        c.call("SET", "x", "1");
        c.call("WATCH", "x", "absent");
        other.call("FLUSHDB");
        exec();
        c.call("SET", "x", "1");
        c.call("SELECT", 1);
        c.call("WATCH", "x");
        other.call("FLUSHDB"); // another database
        exec();
        c.call("SELECT", 0);
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    /** In database 1, WATCH x, then another client swaps databases 0 and 1, then EXEC. */
    private void watchXAcrossSwapdb() throws InterruptedException {
        Thread.sleep(5); // the keys set to expire in 1 ms are stale now
        c.call("SELECT", 1);
        c.call("WATCH", "x");
        other.call("SWAPDB", "0", "1");
        exec();
        c.call("SELECT", 0);
        c.call("FLUSHALL");
    }

    @Test
    void swapdbAndStaleKeys() throws Exception {
        start("swap");
        staleKey(1, "x"); // a stale key replaced by nothing
        watchXAcrossSwapdb();
        staleKey(0, "x"); // nothing replaced by a stale key: watched as stale from then on
        watchXAcrossSwapdb();
        staleKey(0, "x"); // stale replaced by stale
        staleKey(1, "x");
        watchXAcrossSwapdb();
        staleKey(1, "x"); // stale replaced by a live key
        c.call("SET", "x", "live");
        watchXAcrossSwapdb();
        c.call("SELECT", 1); // a live key replaced by nothing
        c.call("SET", "x", "live");
        c.call("SELECT", 0);
        watchXAcrossSwapdb();
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    @Test
    void aKeyExpiringAfterWatchFailsExec() throws Exception {
        start("expiring");
        c.call("SET", "x", "foo", "PX", "5");
        c.call("WATCH", "x");
        Thread.sleep(20);
        exec(); // expired since WATCH, though not deleted yet
        c.call("SET", "x", "foo", "PX", "5");
        c.call("WATCH", "x");
        Thread.sleep(20);
        c.call("EXISTS", "x"); // deleted now
        exec();
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }
}
