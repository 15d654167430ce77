package io.lodestone.command.server;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash report, against redis-server's: DEBUG SEGFAULT, DEBUG PANIC and SIGABRT end the process
 * after a report that tools can cut out of the log (Redis's markers, the cause line, a stack trace,
 * INFO and the clients).
 */
class CrashReportTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static ServerProcess start(boolean redis) throws IOException {
        String[] args = {"--enable-debug-command", "yes", "--crash-memcheck-enabled", "no"};
        return redis ? ServerProcess.redis(args) : ServerProcess.lodestone(args);
    }

    /** The process ended after writing a whole report with these lines. */
    private static void assertReport(ServerProcess s, String... lines) {
        Wait.until(WAIT, s.name() + " to end", () -> !s.isAlive(), s::log);
        Wait.until(WAIT, "the end of the report", () -> s.log().contains("=== REDIS BUG REPORT END."), s::log);
        String log = s.log();
        for (String line : lines) assertTrue(log.contains(line), s.name() + " lacks '" + line + "':\n" + log);
        assertTrue(log.indexOf("=== REDIS BUG REPORT START: Cut & paste starting from here ===")
                < log.indexOf("------ STACK TRACE ------"), log);
    }

    private static void debug(ServerProcess s, String sub) throws IOException {
        try (RespClient c = s.client()) {
            c.send("DEBUG".getBytes(), sub.getBytes());
            assertTrue(c.awaitClose(WAIT), "the connection closes with the process");
        }
    }

    @Test
    void debugSegfaultWritesTheReportAndEnds() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        for (boolean redis : new boolean[]{true, false}) {
            try (ServerProcess s = start(redis)) {
                debug(s, "SEGFAULT");
                assertReport(s, "crashed by signal: 11", "------ INFO OUTPUT ------", "------ CLIENT LIST OUTPUT ------",
                        "------ CURRENT CLIENT INFO ------", "argv[0]: '\"DEBUG\"'", "argv[1]: '\"SEGFAULT\"'");
            }
        }
    }

    @Test
    void debugPanicWritesTheGuruMeditationAndTheReport() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        for (boolean redis : new boolean[]{true, false}) {
            try (ServerProcess s = start(redis)) {
                debug(s, "PANIC");
                assertReport(s, "!!! Software Failure. Press left mouse button to continue",
                        "Guru Meditation: DEBUG PANIC called at Unix time ", "------ INFO OUTPUT ------");
            }
        }
    }

    @Test
    void sigabrtWritesTheReportAndEnds() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        for (boolean redis : new boolean[]{true, false}) {
            try (ServerProcess s = start(redis)) {
                Process kill = new ProcessBuilder("kill", "-ABRT", Long.toString(s.pid())).start();
                assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0);
                assertReport(s, "crashed by signal: 6", "------ INFO OUTPUT ------");
                assertFalse(s.log().contains("------ CURRENT CLIENT INFO ------"), "no command was running");
            }
        }
    }
}
