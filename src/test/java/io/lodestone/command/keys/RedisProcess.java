package io.lodestone.command.keys;

import io.lodestone.testsupport.EmbeddedServer;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real redis-server on a free loopback port, in its own temporary directory, with no persistence.
 * {@link #startOrNull()} returns null when no redis-server is installed. Close it to kill it.
 */
final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;

    private RedisProcess(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static String executable() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, "redis-server");
            if (f.canExecute()) return f.getPath();
        }
        return null;
    }

    static RedisProcess startOrNull() throws Exception {
        String exe = executable();
        if (exe == null) return null;
        for (int attempt = 0; ; attempt++) {
            int port = EmbeddedServer.freePort();
            Path dir = Files.createTempDirectory("lodestone-redis-");
            Process p = new ProcessBuilder(List.of(exe, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--enable-debug-command", "yes",
                    "--daemonize", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            RedisProcess r = new RedisProcess(p, dir, port);
            if (r.awaitReady()) return r;
            r.close();
            if (attempt >= 3) throw new IllegalStateException("redis-server did not start");
        }
    }

    private boolean awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (RawClient c = new RawClient(port)) {
                if (RawClient.text(c.call("PING")).equals("+PONG\r\n")) return true;
            } catch (RuntimeException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
