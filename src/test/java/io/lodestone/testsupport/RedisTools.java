package io.lodestone.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis's own tools as oracles for files Lodestone writes. */
public final class RedisTools {
    private RedisTools() {
    }

    /** redis-check-rdb, where installed, finds nothing wrong with the file. */
    public static void assertCheckRdbPasses(Path file) throws IOException, InterruptedException {
        Path check = Paths.get("/usr/bin/redis-check-rdb");
        if (!Files.isExecutable(check)) return;
        Process p = new ProcessBuilder(check.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("RDB looks OK!"), out);
    }
}
