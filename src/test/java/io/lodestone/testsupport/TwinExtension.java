package io.lodestone.testsupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Twin} for a whole test class: {@code @RegisterExtension static final TwinExtension TWIN =
 * new TwinExtension("enable-debug-command", "yes");} starts it before the class's tests (which are
 * skipped when redis-server is not installed) and closes it after them. Connections a test opens
 * with {@link #conn} are closed after it, and the two servers' replies must then have agreed.
 */
public final class TwinExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private final String[] settings;
    private final List<Twin.Conn> open = new ArrayList<>();
    private Twin twin;

    /** {@code settings}: redis.conf name/value pairs, as {@link Twin#start} takes them. */
    public TwinExtension(String... settings) {
        this.settings = settings;
    }

    public Twin twin() {
        return twin;
    }

    /** A connection to both servers, closed after the test (then {@link Twin#assertSame}). */
    public Twin.Conn conn(String name) {
        Twin.Conn c = twin.connect(name);
        open.add(c);
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (Twin.Conn c : open) c.close();
        boolean opened = !open.isEmpty();
        open.clear();
        if (opened && twin != null) twin.assertSame();
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
