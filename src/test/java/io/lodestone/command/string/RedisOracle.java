package io.lodestone.command.string;

import io.lodestone.testsupport.EmbeddedServer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real redis-server on a free loopback port, in a temporary directory, without persistence - the
 * oracle of the differential tests. {@link #start} returns null when redis-server is not installed.
 * Close it to kill the process and remove the directory.
 */
final class RedisOracle implements AutoCloseable {
    private final Process process;
    private final Path dir;
    final int port;

    private RedisOracle(Process process, Path dir, int port) {
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

    /** Starts redis-server with the given extra options ("--name", "value"...), or returns null if absent. */
    static RedisOracle start(String... options) throws IOException {
        String exe = executable();
        if (exe == null) return null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = EmbeddedServer.freePort();
            Path dir = Files.createTempDirectory("lodestone-oracle");
            List<String> cmd = new ArrayList<>(List.of(exe, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"));
            cmd.addAll(List.of(options));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (awaitReady(p)) return new RedisOracle(p, dir, port);
            p.destroyForcibly();
            deleteTree(dir);
        }
        throw new IOException("redis-server did not start");
    }

    /**
     * Reads the log until "Ready to accept connections" (true) or the end of the output, when the
     * process has exited, e.g. because the port was taken (false). Then drains the log in the background.
     */
    private static boolean awaitReady(Process p) throws IOException {
        BufferedReader log = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = log.readLine()) != null) {
            if (line.contains("Ready to accept connections")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (log.readLine() != null) {
                            // discard
                        }
                    } catch (IOException ignored) {
                        // the process is gone
                    }
                }, "redis-oracle-log");
                drain.setDaemon(true);
                drain.start();
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
