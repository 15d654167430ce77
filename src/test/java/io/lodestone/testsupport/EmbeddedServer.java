package io.lodestone.testsupport;

import io.lodestone.command.ServerContext;
import io.lodestone.server.Lodestone;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.function.Consumer;

/** A Lodestone server inside the test JVM, on a free loopback port. Close it when done. */
public final class EmbeddedServer implements AutoCloseable {
    private final Lodestone server;
    private final int port;

    private EmbeddedServer(Lodestone server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedServer start() {
        return start(ctx -> { });
    }

    /**
     * Starts a server after {@code configure} has adjusted its context (settings, propagation
     * receivers, extra handlers). It runs before the event loop starts, so what it sets is visible to
     * the command thread without further synchronization.
     */
    public static EmbeddedServer start(Consumer<ServerContext> configure) {
        try {
            for (int attempt = 0; ; attempt++) {
                int port = freePort();
                ServerContext ctx = new ServerContext(16);
                ctx.port = port;
                ctx.enableDebugCommand = "yes";
                Lodestone server = new Lodestone(ctx);
                configure.accept(ctx);
                try {
                    server.listen(List.of("127.0.0.1"), port, 128);
                } catch (Exception e) {
                    server.stop();
                    if (attempt < 5) continue;
                    throw e;
                }
                server.startCron();
                return new EmbeddedServer(server, port);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
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
        }
    }
}
