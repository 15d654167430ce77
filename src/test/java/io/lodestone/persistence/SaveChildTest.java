package io.lodestone.persistence;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A background save's child process, against redis-server's fork child: it is listed under the
 * server's pid while the save runs, and killing it fails the save the way Redis's does (the log line,
 * the failed status and MISCONF, no temp file left, a new INCR file per failed AOF rewrite). Each
 * scenario runs on both servers and compares what clients and the directory show.
 */
class SaveChildTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static String[] args(String... more) {
        return Stream.concat(Stream.of("--enable-debug-command", "yes"), Stream.of(more)).toArray(String[]::new);
    }

    private static String call(RespClient c, String... args) throws IOException {
        return RespClient.text(c.call(args));
    }

    /** The one child of the server, waited for (bounded): Redis forks it right after replying. */
    private static ProcessHandle child(ServerProcess s) {
        ProcessHandle server = ProcessHandle.of(s.pid()).orElseThrow();
        ProcessHandle[] found = new ProcessHandle[1];
        Wait.until(WAIT, "the save child of " + s.name(), () -> {
            List<ProcessHandle> children = server.children().toList();
            if (children.size() != 1) return false;
            found[0] = children.get(0);
            return true;
        });
        return found[0];
    }

    private static void kill9(ProcessHandle p) {
        p.destroyForcibly();
        Wait.until(WAIT, "the child to die", () -> !p.isAlive());
    }

    /** The temp file named after the child, as Redis's child names it. */
    private static void awaitFile(Path file) {
        Wait.until(WAIT, file + " to exist", () -> Files.exists(file));
    }

    private static void awaitLog(ServerProcess s, String line) {
        Wait.until(WAIT, "'" + line + "' in the log", () -> s.log().contains(line), s::log);
    }

    private static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("temp-")).toList();
        }
    }

    /** What a killed BGSAVE leaves: status, MISCONF for writes, the log line; the next BGSAVE succeeds. */
    private static String killedBgsave(ServerProcess s) throws Exception {
        StringBuilder seen = new StringBuilder();
        try (RespClient c = s.client()) {
            call(c, "CONFIG", "SET", "save", "900 1");
            call(c, "DEBUG", "POPULATE", "1000");
            call(c, "CONFIG", "SET", "rdb-key-save-delay", "100000");
            seen.append(call(c, "BGSAVE")).append('\n');
            ProcessHandle child = child(s);
            awaitFile(s.dir().resolve("temp-" + child.pid() + ".rdb"));
            kill9(child);
            Wait.until(WAIT, "the BGSAVE to end", () -> Info.field(call(c, "INFO", "persistence"), "rdb_bgsave_in_progress").equals("0"));
            String info = call(c, "INFO", "persistence");
            seen.append(Info.field(info, "rdb_last_bgsave_status")).append('\n');
            seen.append(Info.field(call(c, "INFO", "stats"), "total_forks")).append('\n');
            seen.append(call(c, "SET", "x", "y")).append('\n');
            seen.append(tempFiles(s.dir())).append('\n');
            awaitLog(s, "Background saving terminated by signal 9");

            call(c, "CONFIG", "SET", "rdb-key-save-delay", "0");
            seen.append(call(c, "BGSAVE")).append('\n');
            Wait.until(WAIT, "the BGSAVE to end", () -> Info.field(call(c, "INFO", "persistence"), "rdb_bgsave_in_progress").equals("0"));
            seen.append(Info.field(call(c, "INFO", "persistence"), "rdb_last_bgsave_status")).append('\n');
            seen.append(call(c, "SET", "x", "y")).append('\n');
            Wait.until(WAIT, "the child to be gone", () -> ProcessHandle.of(s.pid()).orElseThrow().children().count() == 0);
        }
        return seen.toString();
    }

    @Test
    void killedBgsaveChildFailsTheSaveAsInRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        String expected;
        try (ServerProcess redis = ServerProcess.redis(args())) {
            expected = killedBgsave(redis);
        }
        try (ServerProcess ours = ServerProcess.lodestone(args())) {
            assertEquals(expected, killedBgsave(ours));
        }
    }

    /** Three killed rewrites each leave a new INCR file, then a good one turns them into history. */
    private static String killedRewrites(ServerProcess s) throws Exception {
        StringBuilder seen = new StringBuilder();
        Path manifest = s.dir().resolve("appendonlydir/appendonly.aof.manifest");
        try (RespClient c = s.client()) {
            call(c, "DEBUG", "POPULATE", "1000");
            call(c, "CONFIG", "SET", "rdb-key-save-delay", "100000");
            for (int i = 0; i < 3; i++) {
                seen.append(call(c, "BGREWRITEAOF")).append('\n');
                ProcessHandle child = child(s);
                awaitFile(s.dir().resolve("temp-rewriteaof-" + child.pid() + ".aof"));
                kill9(child);
                Wait.until(WAIT, "the rewrite to end",
                        () -> Info.field(call(c, "INFO", "persistence"), "aof_rewrite_in_progress").equals("0"));
            }
            String info = call(c, "INFO", "persistence");
            seen.append(Info.field(info, "aof_last_bgrewrite_status")).append(' ')
                    .append(Info.field(info, "aof_rewrites_consecutive_failures")).append('\n');
            seen.append(Files.readString(manifest, StandardCharsets.ISO_8859_1));
            seen.append(tempFiles(s.dir())).append('\n');
            awaitLog(s, "Background AOF rewrite terminated by signal 9");

            call(c, "CONFIG", "SET", "rdb-key-save-delay", "0");
            seen.append(call(c, "BGREWRITEAOF")).append('\n');
            Wait.until(WAIT, "the rewrite to end",
                    () -> Info.field(call(c, "INFO", "persistence"), "aof_rewrite_in_progress").equals("0"));
            info = call(c, "INFO", "persistence");
            seen.append(Info.field(info, "aof_last_bgrewrite_status")).append(' ')
                    .append(Info.field(info, "aof_rewrites_consecutive_failures")).append('\n');
            seen.append(Files.readString(manifest, StandardCharsets.ISO_8859_1));
        }
        return seen.toString();
    }

    @Test
    void killedRewriteChildFailsTheRewriteAsInRedis() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        String expected;
        try (ServerProcess redis = ServerProcess.redis(args("--appendonly", "yes"))) {
            expected = killedRewrites(redis);
        }
        try (ServerProcess ours = ServerProcess.lodestone(args("--appendonly", "yes"))) {
            assertEquals(expected, killedRewrites(ours));
        }
    }
}
