package io.lodestone.server;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** oom-score-adj writes the server process's /proc oom_score_adj as Redis does, and restores it. */
class OomScoreAdjTest {
    @Test
    void relativeAbsoluteAndRestored() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/oom_score_adj")), "Linux only");
        try (ServerProcess s = ServerProcess.lodestone(); RespClient c = s.client()) {
            Path score = Path.of("/proc/" + s.pid() + "/oom_score_adj");
            Files.writeString(score, "22\n");
            c.call("CONFIG", "SET", "oom-score-adj-values", "9 9 9", "oom-score-adj", "yes");
            assertEquals("31", read(score));
            c.call("CONFIG", "SET", "oom-score-adj", "absolute");
            assertEquals("9", read(score));
            c.call("CONFIG", "SET", "oom-score-adj", "no");
            assertEquals("22", read(score));
            assertEquals("+OK", text(c.call("CONFIG", "SET", "oom-score-adj-values", "5 5 5")).trim());
            assertEquals("22", read(score)); // off: the values are stored, the process left alone
        }
    }

    /** The child a background save writes through takes the third class, relative to the original score. */
    @Test
    void aBackgroundSaveChildTakesTheBackgroundClass() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/oom_score_adj")), "Linux only");
        try (ServerProcess s = ServerProcess.lodestone(); RespClient c = s.client()) {
            Files.writeString(Path.of("/proc/" + s.pid() + "/oom_score_adj"), "100\n");
            c.call("CONFIG", "SET", "oom-score-adj-values", "10 20 30", "oom-score-adj", "relative");
            c.call("SET", "k", "v");
            c.call("CONFIG", "SET", "rdb-key-save-delay", "1000000"); // the save (and its child) lasts
            assertEquals("+Background saving started", text(c.call("BGSAVE")).trim());
            ProcessHandle child = ProcessHandle.of(s.pid()).orElseThrow().children().findFirst().orElseThrow();
            assertEquals("130", read(Path.of("/proc/" + child.pid() + "/oom_score_adj")));
            c.call("CONFIG", "SET", "oom-score-adj", "absolute");
            c.call("CONFIG", "SET", "rdb-key-save-delay", "0");
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).trim();
    }
}
