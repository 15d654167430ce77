package io.lodestone.testsupport;

import io.lodestone.command.ServerContext;
import io.lodestone.server.Lodestone;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;

/** A Lodestone server inside the test JVM, on a free loopback port. Close it when done. */
public final class EmbeddedServer implements AutoCloseable {
    private final Lodestone server;
    private final int port;

    private EmbeddedServer(Lodestone server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedServer start() {
        try {
            for (int attempt = 0; ; attempt++) {
                int port = freePort();
                ServerContext ctx = new ServerContext(16);
                ctx.port = port;
                ctx.enableDebugCommand = "yes";
                Lodestone server = new Lodestone(ctx);
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
