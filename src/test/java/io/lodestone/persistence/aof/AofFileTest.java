package io.lodestone.persistence.aof;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.testsupport.Datasets;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Slow;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole append-only directories with child processes: restart, crash with appendfsync always,
 * truncated tails, and both directions against a real redis-server 7.0.
 */
class AofFileTest {

    /** Every type in compact and large encodings, TTLs, two databases, a transaction and deletions. */
    static void populate(Jedis j) {
        j.set("s:int", "12345");
        j.set("s:raw", "hello");
        j.set("s:bin", "\u0000\u00ff\r\n");
        j.setex("s:ttl", 1000, "temp");
        j.append("s:raw", " world");
        j.incrByFloat("f", 1.5);
        j.rpush("l:small", "a", "b", "1");
        for (int i = 0; i < 150; i++) j.rpush("l:big", "el" + i);
        j.lpop("l:big");
        j.sadd("set:int", "1", "2", "-3", "100000");
        j.sadd("set:str", "a", "b", "c");
        for (int i = 0; i < 600; i++) j.sadd("set:bigint", Integer.toString(i));
        j.hset("h:small", Map.of("f1", "v1", "f2", "2"));
        for (int i = 0; i < 600; i++) j.hset("h:big", "f" + i, "v" + i);
        j.zadd("z:small", Map.of("a", 1.5, "b", -2.0, "c", 3e10, "d", 0.1));
        for (int i = 0; i < 200; i++) j.zadd("z:big", i * 0.25, "m" + i);
        j.pexpire("z:big", 500_000);
        j.pfadd("hll", "a", "b", "c");
        j.set("gone", "x");
        j.del("gone");
        Transaction t = j.multi();
        t.set("tx1", "1");
        t.incr("tx2");
        t.exec();
        j.select(3);
        j.set("db3", "v");
        j.expire("db3", 5000);
        j.select(0);
    }

    /** Waits (bounded) until no rewrite runs or is scheduled. */
    static void awaitRewrite(Jedis j) {
        Wait.until(Duration.ofSeconds(10), "the rewrite to finish", () -> {
            Map<String, String> info = Info.parse(j.info("persistence"));
            return "0".equals(info.get("aof_rewrite_in_progress")) && "0".equals(info.get("aof_rewrite_scheduled"));
        }, () -> j.info("persistence"));
    }

    static String manifest(Path dir) throws Exception {
        return Files.readString(dir.resolve("appendonlydir/appendonly.aof.manifest"), StandardCharsets.ISO_8859_1);
    }

    @Test
    void restartKeepsEverythingAfterRewriteAndMoreWrites() throws Exception {
        for (String preamble : List.of("yes", "no")) {
            Path dir = TempDirs.create("aof");
            Map<String, Object> expected;
            try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes",
                    "--aof-use-rdb-preamble", preamble);
                 Jedis j = new Jedis("127.0.0.1", l.port())) {
                populate(j);
                assertEquals("Background append only file rewriting started", j.bgrewriteaof());
                awaitRewrite(j);
                j.set("after", "rewrite");
                j.rpush("l:small", "more");
                j.select(5);
                j.set("db5", "x");
                j.select(0);
                expected = Datasets.snapshot(j);
                assertTrue(j.info("persistence").contains("aof_rewrites:1"));
            }
            String suffix = preamble.equals("yes") ? "rdb" : "aof";
            assertEquals("file appendonly.aof.2.base." + suffix + " seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
                    manifest(dir));
            try (var files = Files.list(dir.resolve("appendonlydir"))) {
                assertEquals(3, files.count(), "history files are deleted");
            }
            try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
                 Jedis j = new Jedis("127.0.0.1", l.port())) {
                assertEquals(expected, Datasets.snapshot(j), preamble);
                assertTrue(l.logContains("DB loaded from append only file: "), l.log());
                assertTrue(l.logContains("Opening AOF incr file appendonly.aof.2.incr.aof on server start"), l.log());
            }
        }
    }

    @Test
    @Slow
    void killDuringWritesWithAppendfsyncAlwaysLosesNothingAcknowledged() throws Exception {
        Path dir = TempDirs.create("aof");
        AtomicLong acked = new AtomicLong();
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes",
                "--appendfsync", "always")) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try (Jedis j = new Jedis("127.0.0.1", l.port())) {
                    for (long i = 1; !stop.get() && i < 1_000_000; i++) {
                        j.set("k" + i, "v" + i);
                        j.incr("counter");
                        acked.set(i);
                    }
                } catch (Exception expected) {
                    // the server was killed
                }
            });
            writer.start();
            // How many writes were acknowledged does not matter, only that the kill comes in their midst.
            Wait.upTo(Duration.ofSeconds(4), "300 acknowledged writes", () -> acked.get() >= 300);
            l.kill();
            stop.set(true);
            writer.join(10_000);
        }
        long n = acked.get();
        assertTrue(n > 0, "the writer got acknowledgements");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            long counter = Long.parseLong(j.get("counter"));
            assertTrue(counter >= n, "counter " + counter + " < acknowledged " + n);
            for (long i = 1; i <= n; i++) assertEquals("v" + i, j.get("k" + i), "k" + i);
        }
    }

    /** Starts Lodestone expecting it to exit; returns its output. */
    private static String runExpectingExit(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ServerProcess.LODESTONE_MAIN, "--port", Integer.toString(ServerProcess.freePort()), "--dir", dir.toString(), "--save", ""));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        return out;
    }

    @Test
    void truncatedLastCommandLoadsWithAofLoadTruncatedAndIsRefusedWithout() throws Exception {
        Path dir = TempDirs.create("aof");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            j.set("k", "v");
            j.set("k2", "v2");
        }
        Path incr = dir.resolve("appendonlydir/appendonly.aof.1.incr.aof");
        byte[] full = Files.readAllBytes(incr);
        Files.write(incr, java.util.Arrays.copyOf(full, full.length - 5));
        String out = runExpectingExit(dir, "--appendonly", "yes", "--aof-load-truncated", "no");
        assertTrue(out.contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: "
                + "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                + "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."), out);
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals("v", j.get("k"));
            assertEquals(null, j.get("k2"));
            String log = l.log();
            assertTrue(log.contains("!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!"), log);
            assertTrue(log.contains("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset 50 !!!"), log);
            assertTrue(log.contains("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled"), log);
            j.set("k3", "v3"); // appended after the cut: the file is valid again
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals("v3", j.get("k3"));
            assertTrue(!l.log().contains("short read"), l.log());
        }
    }

    @Test
    void invalidManifestIsFatal() throws Exception {
        Path dir = TempDirs.create("aof");
        Files.createDirectories(dir.resolve("appendonlydir"));
        Files.writeString(dir.resolve("appendonlydir/appendonly.aof.manifest"), "file x seq 1 type q\n");
        String out = runExpectingExit(dir, "--appendonly", "yes");
        assertTrue(out.contains("*** FATAL AOF MANIFEST FILE ERROR ***") && out.contains(">>> 'file x seq 1 type q'")
                && out.contains("Unknown AOF file type"), out);
    }

    /**
     * A fatal load error is the log's last line, as redis-server exits at once (Redis's suite reads it
     * with tail -1): no shutdown lines after it, and the unix socket file is not unlinked.
     */
    @Test
    void fatalLoadErrorIsTheLastLogLine() throws Exception {
        Path dir = TempDirs.create("aof");
        Files.createDirectories(dir.resolve("appendonlydir"));
        Files.writeString(dir.resolve("appendonlydir/appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        Files.writeString(dir.resolve("appendonlydir/appendonly.aof.1.incr.aof"), "*1\r\n$4\r\nPING\r\n!!!");
        String out = runExpectingExit(dir, "--appendonly", "yes", "--unixsocket", dir.resolve("s.sock").toString());
        String[] lines = out.strip().split("\n");
        assertTrue(lines[lines.length - 1].contains("Bad file format reading the append only file appendonly.aof.1.incr.aof"), out);
    }

    @Test
    void redisAppendOnlyDirLoadsIntoLodestone() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        for (String preamble : List.of("yes", "no")) {
            Path dir = TempDirs.create("aof");
            Map<String, Object> expected;
            try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--appendonly", "yes",
                    "--aof-use-rdb-preamble", preamble);
                 Jedis j = new Jedis("127.0.0.1", r.port())) {
                populate(j);
                j.bgrewriteaof();
                awaitRewrite(j);
                j.set("after", "rewrite");
                j.hset("h:small", "f3", "v3");
                j.zincrby("z:small", 2, "a");
                j.spop("set:str");
                expected = Datasets.snapshot(j);
            }
            try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
                 Jedis j = new Jedis("127.0.0.1", l.port())) {
                assertEquals(expected, Datasets.snapshot(j), preamble);
            }
        }
    }

    @Test
    void lodestoneAppendOnlyDirLoadsIntoRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        for (String preamble : List.of("yes", "no")) {
            Path dir = TempDirs.create("aof");
            Map<String, Object> expected;
            try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes",
                    "--aof-use-rdb-preamble", preamble);
                 Jedis j = new Jedis("127.0.0.1", l.port())) {
                populate(j);
                j.bgrewriteaof();
                awaitRewrite(j);
                j.set("after", "rewrite");
                j.spop("set:str");
                expected = Datasets.snapshot(j);
            }
            try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--appendonly", "yes");
                 Jedis j = new Jedis("127.0.0.1", r.port())) {
                assertEquals(expected, Datasets.snapshot(j), preamble);
                assertTrue(r.logContains("DB loaded from append only file"), r.log());
            }
        }
    }

    /** Rewrites slowed down (rdb-key-save-delay) so that writes land in the middle of the snapshot walk. */
    @Test
    @Slow
    void bgrewriteaofWhileClientsWrite() throws Exception {
        for (String preamble : List.of("yes", "no")) bgrewriteaofWhileClientsWrite(preamble);
    }

    private void bgrewriteaofWhileClientsWrite(String preamble) throws Exception {
        Path dir = TempDirs.create("aof");
        Map<String, Object> expected;
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes",
                "--aof-use-rdb-preamble", preamble, "--rdb-key-save-delay", "300");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    try (Jedis c = new Jedis("127.0.0.1", l.port())) {
                        for (int i = 0; !stop.get() && i < 200_000; i++) {
                            c.set("w" + id + ":" + (i % 500), Integer.toString(i));
                            c.rpush("list" + id, Integer.toString(i));
                            c.zadd("z" + id, i, "m" + (i % 300));
                            c.hincrBy("h", "f" + id, 1);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                writers.add(t);
                t.start();
            }
            for (int round = 0; round < 5; round++) {
                Thread.sleep(100);
                String reply = j.bgrewriteaof();
                assertTrue(reply.startsWith("Background append only file rewriting"), reply);
                awaitRewrite(j);
            }
            stop.set(true);
            for (Thread t : writers) t.join(10_000);
            assertEquals(null, failure.get());
            expected = Datasets.snapshot(j);
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, Datasets.snapshot(j), preamble);
        }
    }

    @Test
    void configSetAppendonlyYesWritesABaseFirst() throws Exception {
        Path dir = TempDirs.create("aof");
        Map<String, Object> expected;
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            populate(j);
            assertEquals("OK", j.configSet("appendonly", "yes"));
            awaitRewrite(j);
            assertTrue(j.info("persistence").contains("aof_enabled:1"));
            j.set("after", "on");
            expected = Datasets.snapshot(j);
            String log = l.log();
            assertTrue(log.contains("Creating AOF incr file temp-appendonly.aof.incr on background rewrite"), log);
            assertTrue(log.contains("Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into"
                    + " appendonly.aof.1.incr.aof"), log);
        }
        assertEquals("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
                manifest(dir));
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, Datasets.snapshot(j));
            assertEquals("OK", j.configSet("appendonly", "no"));
            assertTrue(j.info("persistence").contains("aof_enabled:0"));
            j.set("not", "logged");
        }
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals(expected, Datasets.snapshot(j), "writes after appendonly no are not in the AOF");
        }
    }

    /** Inside EXEC, CONFIG SET appendonly yes schedules the first rewrite for after the transaction, as Redis. */
    @Test
    void configSetAppendonlyInsideMultiSchedulesTheRewrite() throws Exception {
        Path dir = Files.createTempDirectory("aof");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString());
             Jedis j = new Jedis("127.0.0.1", l.port());
             io.lodestone.testsupport.RespClient c = io.lodestone.testsupport.RespClient.connect(l.port())) {
            c.call("MULTI");
            c.call("SET", "foo", "bar");
            c.call("CONFIG", "SET", "appendonly", "yes");
            assertEquals("*2\r\n+OK\r\n+OK\r\n", new String(c.call("EXEC"), StandardCharsets.ISO_8859_1));
            awaitRewrite(j);
            assertTrue(j.info("persistence").contains("aof_enabled:1"));
            assertTrue(j.info("stats").contains("total_forks:1\r\n"), j.info("stats"));
            String log = l.log();
            assertTrue(log.contains("AOF was enabled during a transaction. An AOF background was scheduled to start"
                    + " when possible."), log);
        }
    }

    @Test
    void infoFieldsMatchRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        List<String> shapes = new ArrayList<>();
        for (boolean lodestone : List.of(true, false)) {
            Path dir = TempDirs.create("aof");
            String[] args = {"--dir", dir.toString(), "--appendonly", "yes"};
            try (ServerProcess s = lodestone ? ServerProcess.lodestone(args) : ServerProcess.redis(args);
                 Jedis j = new Jedis("127.0.0.1", s.port())) {
                j.set("k", "v");
                StringBuilder sb = new StringBuilder();
                Info.parse(j.info("persistence")).forEach((name, value) -> {
                    if (!name.startsWith("aof_")) return;
                    // Sizes, and what a background fsync happens to be doing at this instant, are
                    // timing, not behaviour: redis-server itself reports either value of those.
                    boolean timing = name.endsWith("_size") || name.equals("aof_pending_bio_fsync")
                            || name.equals("aof_delayed_fsync");
                    sb.append(name).append(timing ? "" : "=" + value).append('\n');
                });
                shapes.add(sb.toString());
            }
        }
        assertEquals(shapes.get(1), shapes.get(0));
    }

    /** DEBUG AOF-FLUSH-SLEEP: each write of the AOF buffer waits that long first, on both servers. */
    @Test
    void debugAofFlushSleepDelaysWritesToTheAof() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        for (boolean lodestone : List.of(true, false)) {
            String[] args = {"--appendonly", "yes", "--enable-debug-command", "yes"};
            try (ServerProcess s = lodestone ? ServerProcess.lodestone(args) : ServerProcess.redis(args);
                 Jedis j = new Jedis("127.0.0.1", s.port())) {
                Object reply = j.sendCommand(() -> "DEBUG".getBytes(), "AOF-FLUSH-SLEEP", "300000");
                assertEquals("OK", new String((byte[]) reply, StandardCharsets.US_ASCII));
                long t0 = System.nanoTime();
                j.set("k", "v");
                assertTrue(System.nanoTime() - t0 >= 300_000_000L, s.name() + ": the reply waits for the AOF write");
                j.sendCommand(() -> "DEBUG".getBytes(), "AOF-FLUSH-SLEEP", "0");
                t0 = System.nanoTime();
                j.set("k", "v2");
                assertTrue(System.nanoTime() - t0 < 300_000_000L, s.name());
            }
        }
    }

    /** BGREWRITEAOF and BGSAVE exclude each other as in Redis (one child / one snapshot at a time). */
    @Test
    @Slow
    void rewriteAndBgsaveRepliesMatchRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable());
        List<List<String>> runs = new ArrayList<>();
        for (boolean lodestone : List.of(true, false)) {
            Path dir = TempDirs.create("aof");
            String[] args = {"--dir", dir.toString(), "--appendonly", "yes", "--rdb-key-save-delay", "100000"};
            List<String> replies = new ArrayList<>();
            try (ServerProcess s = lodestone ? ServerProcess.lodestone(args) : ServerProcess.redis(args);
                 Jedis j = new Jedis("127.0.0.1", s.port())) {
                for (int i = 0; i < 20; i++) j.set("k" + i, "v");
                replies.add(call(j, "BGREWRITEAOF"));
                replies.add(call(j, "BGREWRITEAOF"));
                replies.add(call(j, "BGSAVE"));
                replies.add(call(j, "BGSAVE", "SCHEDULE"));
                replies.add(field(j, "aof_rewrite_in_progress") + " " + field(j, "rdb_bgsave_scheduled"));
                j.configSet("rdb-key-save-delay", "0");
                awaitRewrite(j);
                Wait.until(Duration.ofSeconds(10), "the BGSAVE to end",
                        () -> field(j, "rdb_bgsave_in_progress").equals("0"));
                j.configSet("rdb-key-save-delay", "100000");
                replies.add(call(j, "BGSAVE"));
                replies.add(call(j, "BGREWRITEAOF"));
                replies.add(field(j, "aof_rewrite_scheduled"));
                j.configSet("rdb-key-save-delay", "0");
                awaitRewrite(j);
                replies.add(field(j, "aof_rewrites") + " " + field(j, "aof_last_bgrewrite_status"));
            }
            runs.add(replies);
        }
        assertEquals(List.of("Background append only file rewriting started",
                "ERR: ERR Background append only file rewriting already in progress",
                "ERR: ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to"
                        + " schedule a BGSAVE whenever possible.",
                "Background saving scheduled", "1 ?", "Background saving started",
                "Background append only file rewriting scheduled", "1", "2 ok"), runs.get(1), "what Redis answers");
        assertEquals(runs.get(1), runs.get(0));
    }

    private static String call(Jedis j, String... args) {
        try {
            Object r = j.sendCommand(() -> redis.clients.jedis.util.SafeEncoder.encode(args[0]),
                    java.util.Arrays.copyOfRange(args, 1, args.length));
            return r instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(r);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return "ERR: " + e.getMessage();
        }
    }

    private static String field(Jedis j, String name) {
        String value = Info.field(j.info("persistence"), name);
        return value == null ? "?" : value;
    }

    @Test
    void oldStyleAppendOnlyFileIsUpgraded() throws Exception {
        Path dir = TempDirs.create("aof");
        Files.writeString(dir.resolve("appendonly.aof"), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nold\r\n");
        try (ServerProcess l = ServerProcess.lodestone("--dir", dir.toString(), "--appendonly", "yes");
             Jedis j = new Jedis("127.0.0.1", l.port())) {
            assertEquals("old", j.get("k"));
            assertTrue(l.logContains("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF"
                    + " directory (appendonlydir)."), l.log());
        }
        assertEquals("file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", manifest(dir));
        assertNotNull(Duration.ZERO);
    }
}
