package io.lodestone.testsupport;

import io.lodestone.command.ServerContext;
import io.lodestone.config.Config;
import io.lodestone.config.ConfigLoader;
import io.lodestone.server.Lodestone;

import java.io.IOException;
import java.util.function.Consumer;

/** A Lodestone server inside the test JVM, on a free loopback port. Close it when done. */
public final class EmbeddedServer implements AutoCloseable {
    private final Lodestone server;
    private final int port;
    private final java.nio.file.Path dir;

    private EmbeddedServer(Lodestone server, int port, java.nio.file.Path dir) {
        this.server = server;
        this.port = port;
        this.dir = dir;
    }

    /** Starts with extra redis.conf lines (e.g. "requirepass secret"). */
    /**
     * {@code -Dlodestone.test.io-threads=N} runs every embedded server with I/O threads, so the whole
     * suite can be run against that mode too.
     */
    private static final String IO_THREADS = System.getProperty("lodestone.test.io-threads", "").isEmpty() ? ""
            : "io-threads " + System.getProperty("lodestone.test.io-threads") + "\n";

    public static EmbeddedServer start(String... extraConfigLines) {
        return start(ctx -> { }, extraConfigLines);
    }

    /**
     * Starts a server after {@code configure} has adjusted its context (settings, propagation
     * receivers, extra handlers). It runs before the event loop starts, so what it sets is visible to
     * the command thread without further synchronization.
     */
    public static EmbeddedServer start(Consumer<ServerContext> configure, String... extraConfigLines) {
        try {
            for (int attempt = 0; ; attempt++) {
                int port = ServerProcess.freePort();
                java.nio.file.Path dir = TempDirs.create("lodestone-test");
                Config config = ConfigLoader.loadString("port " + port + "\nbind 127.0.0.1\nsave \"\"\n"
                        + "enable-debug-command yes\n" + IO_THREADS + String.join("\n", extraConfigLines) + "\n",
                        ConfigLoader.Options.defaults().withCwd(dir));
                Lodestone server = new Lodestone(config);
                configure.accept(server.context());
                String error = server.listen();
                if (error != null) {
                    server.stop();
                    TempDirs.delete(dir);
                    if (attempt < 5) continue;
                    throw new IllegalStateException(error);
                }
                server.startCron();
                return new EmbeddedServer(server, port, dir);
            }
        } catch (IOException | io.lodestone.config.ConfigLoadException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public ServerContext context() {
        return server.context();
    }

    @Override
    public void close() {
        server.stop();
        try {
            server.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            TempDirs.delete(dir);
        }
    }
}
