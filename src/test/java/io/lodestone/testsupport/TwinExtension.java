package io.lodestone.testsupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link Twin} for a whole test class: {@code @RegisterExtension static final TwinExtension TWIN =
 * new TwinExtension("enable-debug-command", "yes");} starts it before the class's tests (which are
 * skipped when redis-server is not installed) and closes it after them.
 */
public final class TwinExtension implements BeforeAllCallback, AfterAllCallback {
    private final String[] settings;
    private Twin twin;

    /** {@code settings}: redis.conf name/value pairs, as {@link Twin#start} takes them. */
    public TwinExtension(String... settings) {
        this.settings = settings;
    }

    public Twin twin() {
        return twin;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        twin = Twin.start(settings);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (twin != null) twin.close();
        twin = null;
    }
}
