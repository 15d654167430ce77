package io.lodestone.persistence.rdb;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.store.Keyspace;
import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.RedisTools;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole RDB files against real redis-server 7.0: both directions, restart, corruption, crash safety. */
class RdbFileTest {

    /** Every type in its compact and large encodings, with and without TTLs, in two databases. */
    @Test
    void lodestoneFileLoadsInRedisAndPassesCheck() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        Path dir = TempDirs.create("rdbfile");
        Map<String, Object> expected;
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            Datasets.populate(j);
            expected = Datasets.snapshot(j);
            assertEquals("OK", j.save());
            assertTrue(j.lastsave() > 0);
            assertTrue(j.info("persistence").contains("rdb_changes_since_last_save:0"));
        }
        Path file = dir.resolve("dump.rdb");
        assertTrue(Files.exists(file));
        RedisTools.assertCheckRdbPasses(file);
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--dbfilename", "dump.rdb");
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            assertEquals(expected, Datasets.snapshot(j));
        }
    }

    @Test
    void redisFileLoadsInLodestone() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        Path dir = TempDirs.create("rdbfile");
        Map<String, Object> expected;
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", r.port())) {
            Datasets.populate(j);
            j.psetex("gone", 1, "x"); // expired by the time Lodestone loads: skipped
            j.set("later", "y");
            expected = Datasets.snapshot(j);
            expected.remove("0:gone");
            assertEquals("OK", j.save());
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, Datasets.snapshot(j));
            assertTrue(l.logContains("Loading RDB produced by version 7.0"), l.log());
            assertTrue(l.logContains("Done loading RDB, keys loaded: "), l.log());
        }
    }

    @Test
    void restartKeepsData() throws Exception {
        Path dir = TempDirs.create("rdbfile");
        Map<String, Object> expected;
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            Datasets.populate(j);
            expected = Datasets.snapshot(j);
            j.save();
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, Datasets.snapshot(j));
            assertTrue(l.logContains("DB loaded from disk: "), l.log());
        }
    }

    @Test
    void sigtermSavesWhenSavePointsAreConfigured() throws Exception {
        Path dir = TempDirs.create("rdbfile");
        ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--save", "3600", "1");
        try (Jedis j = new Jedis("127.0.0.1", l.port())) {
            j.set("k", "v");
            assertTrue(j.info("persistence").contains("rdb_changes_since_last_save:1"));
        }
        l.close(); // SIGTERM
        // (ServerProcess stops capturing the log at close, so the file is the evidence.)
        RdbValueReader.Limits lim = new RdbValueReader.Limits(512, 64, 512, 128, 64, -2);
        assertEquals(1, new RdbFileLoader(lim, true).load(dir.resolve("dump.rdb"), 16, System.currentTimeMillis()).keysLoaded());
    }

    @Test
    void shutdownNosaveDoesNotSaveAndShutdownSaveDoes() throws Exception {
        Path dir = TempDirs.create("rdbfile");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--save", "3600", "1");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            j.set("k", "v");
            try {
                j.shutdown(redis.clients.jedis.params.ShutdownParams.shutdownParams().nosave());
            } catch (Exception expected) {
                // the connection closes
            }
            awaitExit(l);
        }
        assertFalse(Files.exists(dir.resolve("dump.rdb")));
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            j.set("k", "v");
            try {
                j.shutdown(redis.clients.jedis.params.ShutdownParams.shutdownParams().save());
            } catch (Exception expected) {
                // the connection closes
            }
            awaitExit(l);
        }
        assertTrue(Files.exists(dir.resolve("dump.rdb")));
    }

    private static void awaitExit(ServerProcess l) {
        Wait.until(Duration.ofSeconds(10), l + " to exit", () -> !l.isAlive(), l::log);
    }

    @Test
    void corruptFileRefusedAtStartup() throws Exception {
        Path dir = TempDirs.create("rdbfile");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            Datasets.populate(j);
            j.save();
        }
        Path file = dir.resolve("dump.rdb");
        byte[] b = Files.readAllBytes(file);
        for (byte[] bad : List.of(java.util.Arrays.copyOf(b, b.length / 2), flip(b, b.length / 2))) {
            Files.write(file, bad);
            List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    ServerProcess.LODESTONE_MAIN, "--port", Integer.toString(ServerProcess.freePort()), "--dir", dir.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), out);
            // Redis's words for it, which its tests look for: the error, redis-check-rdb's report, the exit.
            assertTrue(out.contains("Internal error in RDB reading offset ") && out.contains("--- RDB ERROR DETECTED ---")
                    && out.contains("Terminating server after rdb file reading failure."), out);
        }
    }

    private static byte[] flip(byte[] b, int at) {
        byte[] c = b.clone();
        c[at] ^= 0x5A;
        return c;
    }

    @Test
    void failedSaveLeavesPreviousFile() throws IOException {
        Path dir = TempDirs.create("rdbfile");
        Path target = dir.resolve("dump.rdb");
        Keyspace ok = new Keyspace(16);
        ok.db(0).add("k".getBytes(), "v".getBytes());
        new RdbFileWriter(true, true, 0).save(ok, target);
        byte[] before = Files.readAllBytes(target);
        Keyspace bad = new Keyspace(16);
        bad.db(0).add("a".getBytes(), "v".getBytes());
        bad.db(0).add("b".getBytes(), new Object()); // no RDB form: the writer fails mid-file
        assertThrows(RuntimeException.class, () -> new RdbFileWriter(true, true, 0).save(bad, target));
        assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(Files.readAllBytes(target)));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "the temp file is removed");
        }
    }

    @Test
    void loaderRefusesBadChecksumAndLoadsNothing() throws Exception {
        Keyspace ks = new Keyspace(16);
        ks.db(0).add("k".getBytes(), "v".getBytes());
        var out = new java.io.ByteArrayOutputStream();
        new RdbFileWriter(false, true, 0).write(ks, out);
        byte[] b = out.toByteArray();
        RdbValueReader.Limits lim = new RdbValueReader.Limits(512, 64, 512, 128, 64, -2);
        assertEquals(1, new RdbFileLoader(lim, true).load(b.clone(), 16, 0).keysLoaded());
        b[b.length - 1] ^= 1;
        RdbFormatException e = assertThrows(RdbFormatException.class, () -> new RdbFileLoader(lim, true).load(b, 16, 0));
        assertTrue(e.getMessage().contains("checksum"));
        assertFalse(e.getMessage().isEmpty());
    }
}
