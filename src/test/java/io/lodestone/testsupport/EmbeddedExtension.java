package io.lodestone.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An {@link EmbeddedServer} and one connection to it for a whole test class:
 * {@code @RegisterExtension static final EmbeddedExtension SERVER = new EmbeddedExtension();}
 * starts both before the class's tests and closes them after.
 */
public final class EmbeddedExtension implements BeforeAllCallback, AfterAllCallback {
    private final String[] configLines;
    private EmbeddedServer server;
    private RespClient client;

    /** {@code configLines}: extra redis.conf lines, as {@link EmbeddedServer#start(String...)} takes them. */
    public EmbeddedExtension(String... configLines) {
        this.configLines = configLines;
    }

    public EmbeddedServer server() {
        return server;
    }

    public RespClient client() {
        return client;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = EmbeddedServer.start(configLines);
        client = RespClient.connect(server.port());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (client != null) client.close();
        if (server != null) server.close();
        client = null;
        server = null;
    }
}
