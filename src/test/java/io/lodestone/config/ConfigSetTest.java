package io.lodestone.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CONFIG GET and CONFIG SET semantics; the texts were checked against redis-server 7.0.15. */
class ConfigSetTest {

    @TempDir
    Path dir;

    private Config config() throws ConfigLoadException {
        return ConfigLoader.loadString("", ConfigLoader.Options.defaults().withCwd(dir));
    }

    private static List<String[]> pairs(String... nameValues) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) out.add(new String[] {nameValues[i], nameValues[i + 1]});
        return out;
    }

    private static String failed(String arg, String text) {
        return "ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + text;
    }

    @Test
    void validationTexts() throws Exception {
        Config c = config();
        assertEquals(failed("daemonize", "can't set immutable config"), c.set(pairs("daemonize", "yes")));
        assertEquals(failed("dir", "can't set protected config"), c.set(pairs("dir", "/tmp")));
        assertEquals("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'", c.set(pairs("nosuch", "1")));
        assertEquals(failed("PORT", "duplicate parameter"), c.set(pairs("port", "1", "PORT", "2")));
        assertEquals(failed("port", "argument couldn't be parsed into an integer"), c.set(pairs("port", "abc")));
        assertEquals(failed("port", "argument must be between 0 and 65535 inclusive"), c.set(pairs("PORT", "70000")));
        assertEquals(failed("slave-read-only", "argument must be 'yes' or 'no'"), c.set(pairs("SLAVE-READ-ONLY", "x")));
        assertEquals(failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                + "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
                c.set(pairs("maxmemory-policy", "lru")));
        assertEquals(failed("save", "Invalid save parameters"), c.set(pairs("save", "100")));
        assertEquals(failed("timeout", "argument must be between 0 and 2147483647 inclusive"), c.set(pairs("timeout", "-1")));
        assertEquals(failed("hash-max-listpack-value", "argument must be between 0 and 9223372036854775807 inclusive"),
                c.set(pairs("hash-max-listpack-value", "18446744073709551615")));
        assertEquals("LOADING Redis is loading the dataset in memory", c.set(pairs("appendonly", "yes"), false, true));
    }

    @Test
    void theFirstProblemInArgumentOrderIsReported() throws Exception {
        Config c = config();
        assertEquals("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
                c.set(pairs("maxmemory", "1mb", "nosuch", "1", "daemonize", "yes")));
        assertEquals(failed("daemonize", "can't set immutable config"), c.set(pairs("daemonize", "yes", "nosuch", "1")));
        assertEquals(failed("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning"),
                c.set(pairs("maxmemory", "3mb", "loglevel", "x")));
        assertEquals(0, c.getLong("maxmemory"), "nothing changes when one value is invalid");
    }

    @Test
    void severalPairsApplyTogether() throws Exception {
        Config c = config();
        assertNull(c.set(pairs("maxmemory", "2mb", "maxmemory-policy", "ALLKEYS-LRU", "hz", "1000", "save", "10 1 20 2")));
        assertEquals(2L << 20, c.getLong("maxmemory"));
        assertEquals("allkeys-lru", c.getEnum("maxmemory-policy"));
        assertEquals(500, c.getInt("hz"));
        assertEquals(List.of(new SaveRule(10, 1), new SaveRule(20, 2)), c.saveRules());
        // A name and its alias are not duplicates: the last one wins.
        assertNull(c.set(pairs("slave-read-only", "no", "replica-read-only", "yes")));
        assertTrue(c.getBool("slave-read-only"));
    }

    @Test
    void specialValues() throws Exception {
        Config c = config();
        assertNull(c.set(pairs("client-output-buffer-limit", "pubsub 1mb 2k 3 replica 1gb 0 0")));
        assertEquals("normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 2000 3", c.getFormatted("client-output-buffer-limit"));
        assertEquals(new ClientBufferLimit(1L << 20, 2000, 3), c.clientOutputBufferLimits().pubsub());
        assertNull(c.set(pairs("notify-keyspace-events", "KEA")));
        assertEquals("AKE", c.getFormatted("notify-keyspace-events"));
        assertEquals(KeyspaceEvents.ALL | KeyspaceEvents.KEYSPACE | KeyspaceEvents.KEYEVENT, c.notifyKeyspaceEvents());
        assertNull(c.set(pairs("shutdown-on-sigint", "force now")));
        assertEquals("now force", c.getEnum("shutdown-on-sigint"));
        assertEquals(ConfigRegistry.SHUTDOWN_NOW | ConfigRegistry.SHUTDOWN_FORCE, c.getEnumValue("shutdown-on-sigint"));
        assertNull(c.set(pairs("maxmemory-clients", "10%")));
        assertEquals("10%", c.getFormatted("maxmemory-clients"));
        assertEquals(-10, c.getLong("maxmemory-clients"));
        assertNull(c.set(pairs("latency-tracking-info-percentiles", "99.99 50")));
        assertEquals(List.of(99.99, 50.0), c.latencyTrackingInfoPercentiles());
        assertNull(c.set(pairs("oom-score-adj", "relative")));
        assertEquals("yes", c.getEnum("oom-score-adj"), "relative and yes are the same value; the first name shows");
        assertNull(c.set(pairs("bind", "")));
        assertEquals(List.of(), c.bindAddresses());
        assertNull(c.set(pairs("requirepass", "")));
        assertNull(c.getString("requirepass"));
        assertNull(c.set(pairs("maxmemory", "18446744073709551615")));
        assertEquals("18446744073709551615", c.getFormatted("maxmemory"));
    }

    @Test
    void protectedConfigsFollowEnableProtectedConfigs() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        ConfigLoader.Options opts = ConfigLoader.Options.defaults().withCwd(dir);
        Config local = ConfigLoader.loadString("enable-protected-configs local", opts);
        assertEquals(failed("dir", "can't set protected config"), local.set(pairs("dir", "sub"), false, false));
        assertNull(local.set(pairs("dir", "sub"), true, false));
        assertEquals(sub.toRealPath().toString(), local.dir());
        Config yes = ConfigLoader.loadString("enable-protected-configs yes", opts);
        assertEquals(failed("dir", "No such file or directory"), yes.set(pairs("dir", "nope")));
        assertEquals(failed("dbfilename", "dbfilename can't be a path, just a filename"),
                yes.set(pairs("dbfilename", "a/b")));
    }

    @Test
    void configGet() throws Exception {
        Config c = config();
        List<String[]> got = c.get(List.of("PORT", "p?rt", "port"));
        assertEquals(1, got.size(), "each parameter once");
        assertEquals("PORT", got.get(0)[0], "an exact name is answered as given");
        assertEquals("6379", got.get(0)[1]);
        assertEquals(List.of("slaveof"), names(c.get(List.of("slaveof"))));
        assertEquals(List.of(), names(c.get(List.of("use-exit*"))), "hidden parameters need their exact name");
        assertEquals(List.of("use-exit-on-panic"), names(c.get(List.of("use-exit-on-panic"))));
        List<String> max = names(c.get(List.of("maxmemory*", "*maxmemory"))).stream().sorted().toList();
        assertEquals(List.of("maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy",
                "maxmemory-samples", "replica-ignore-maxmemory", "slave-ignore-maxmemory"), max);
        assertEquals(List.of(), names(c.get(List.of("nosuch"))));
    }

    private static List<String> names(List<String[]> pairs) {
        return pairs.stream().map(p -> p[0]).toList();
    }

    @Test
    void applyHookFailureRestoresEveryValue() throws Exception {
        Config c = config();
        AtomicInteger portHookRuns = new AtomicInteger();
        List<Long> seenPorts = new ArrayList<>();
        c.onApply("port", cfg -> {
            portHookRuns.incrementAndGet();
            seenPorts.add(cfg.getLong("port"));
            return cfg.getInt("port") == 1234 ? "Unable to listen on this port. Check server logs." : null;
        });
        AtomicInteger listenerCalls = new AtomicInteger();
        c.addListener("maxmemory", (cfg, p) -> listenerCalls.incrementAndGet());

        String err = c.set(pairs("maxmemory", "5mb", "port", "1234"));
        assertEquals(failed("port", "Unable to listen on this port. Check server logs."), err);
        assertEquals(6379, c.getInt("port"));
        assertEquals(0, c.getLong("maxmemory"));
        assertEquals(List.of(1234L, 6379L), seenPorts, "the hook runs again on the restored value");
        assertEquals(0, listenerCalls.get());

        assertNull(c.set(pairs("port", "6380", "maxmemory", "5mb")));
        assertEquals(1, listenerCalls.get());
        int runs = portHookRuns.get();
        assertNull(c.set(pairs("port", "6380")));
        assertEquals(runs, portHookRuns.get(), "no hook when the value does not change");
    }

    @Test
    void aHookSharedBySeveralParametersRunsOnce() throws Exception {
        Config c = config();
        AtomicInteger runs = new AtomicInteger();
        Config.ApplyHook tls = cfg -> {
            runs.incrementAndGet();
            return null;
        };
        c.onApply("tls-cert-file", tls);
        c.onApply("tls-key-file", tls);
        assertNull(c.set(pairs("tls-cert-file", "a.crt", "tls-key-file", "a.key")));
        assertEquals(1, runs.get());
        c.onApply("bind", cfg -> "");
        assertEquals("ERR CONFIG SET failed (possibly related to argument 'bind')", c.set(pairs("bind", "* -::*")),
                "bind applies even when unchanged; an empty hook error gives the short text");
    }

    @Test
    void watchersCacheHotValues() throws Exception {
        Config c = config();
        AtomicLong maxmemory = new AtomicLong(-1);
        Runnable stop = c.watchLong("maxmemory", maxmemory::set);
        assertEquals(0, maxmemory.get());
        c.set(pairs("maxmemory", "1kb"));
        assertEquals(1024, maxmemory.get());
        stop.run();
        c.set(pairs("maxmemory", "2kb"));
        assertEquals(1024, maxmemory.get());
    }

    @Test
    void setInternalBypassesImmutability() throws Exception {
        Config c = config();
        List<String> changes = new ArrayList<>();
        c.addListener("replicaof", (cfg, p) -> changes.add(cfg.getFormatted("replicaof")));
        c.setInternal("replicaof", "10.0.0.1", "6380");
        assertEquals(new ReplicaOf("10.0.0.1", 6380), c.replicaOf());
        assertEquals("10.0.0.1 6380", c.getFormatted("slaveof"));
        c.setInternal("slaveof", "no", "one");
        assertNull(c.replicaOf());
        assertEquals(List.of("10.0.0.1 6380", ""), changes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.setInternal("maxclients", "0"));
        assertEquals("argument must be between 1 and 4294967295 inclusive", e.getMessage());
    }

    @Test
    void typedGetters() throws Exception {
        Config c = config();
        assertEquals(16, c.getInt("databases"));
        assertTrue(c.getBool("protected-mode"));
        assertEquals("notice", c.getEnum("loglevel"));
        assertEquals("dump.rdb", c.getString("dbfilename"));
        assertNull(c.getString("requirepass"));
        assertEquals(512L << 20, c.getLong("proto-max-bulk-len"));
        assertEquals(List.of(0, 200, 800), c.oomScoreAdjValues());
        assertThrows(IllegalArgumentException.class, () -> c.getBool("port"));
        assertThrows(IllegalArgumentException.class, () -> c.getInt("nosuch"));
    }
}
