package io.lodestone.server;

import io.lodestone.config.Config;
import io.lodestone.tls.Tls;

import java.util.List;

/**
 * The tls-* parameters, bound as Redis's config.c binds them: every setting a TLS context is built
 * from has Redis's applyTlsCfg (rebuild the contexts when TLS is in use, else only store the value),
 * tls-port has applyTLSPort (configure if needed, then move the TLS listeners), bind also moves the
 * TLS listeners (applyBind), and tls-auth-clients is read at each accept (Redis has no apply function
 * for it). Called from ConfigBindings.bind; kept apart so the TLS rows read as one group.
 */
final class TlsBindings {
    /** Redis's text for a context that could not be built; the log says why. */
    static final String UNABLE = "Unable to update TLS configuration. Check server logs.";

    /**
     * File settings, VOLATILE_CONFIG in Redis: CONFIG SET of the same path applies again, which is how
     * a certificate renewed in place on disk is reloaded.
     */
    static final List<String> FILES = List.of("tls-cert-file", "tls-key-file", "tls-client-cert-file",
            "tls-client-key-file", "tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir");

    /** Every setting with Redis's applyTlsCfg. */
    static final List<String> CONTEXT_SETTINGS = List.of("tls-cert-file", "tls-key-file", "tls-key-file-pass",
            "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file",
            "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
            "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
            "tls-session-cache-timeout", "tls-replication", "tls-cluster");

    private TlsBindings() {
    }

    static void bind(Config config, Listeners listeners) {
        Tls tls = listeners.tls();
        config.markVolatile(FILES.toArray(String[]::new));
        // One hook object: a CONFIG SET of several tls-* settings rebuilds the contexts once.
        Config.ApplyHook applyTlsCfg = c -> enabled(c) && !tls.configure(settings(c), caRequired(c)) ? UNABLE : null;
        for (String name : CONTEXT_SETTINGS) config.onApply(name, applyTlsCfg);
        config.onApply("tls-port", c -> {
            if (!tls.isConfigured() && !tls.configure(settings(c), caRequired(c))) return UNABLE;
            return listeners.rebindTls(false);
        });
        config.onApply("bind", c -> tls.isConfigured() ? listeners.rebindTls(true) : null);
        config.watch("tls-auth-clients", c -> tls.authClients = c.getEnumValue("tls-auth-clients"));
    }

    /**
     * main()'s check: with tls-port, tls-replication or tls-cluster set the contexts must build, or
     * the server logs "Failed to configure TLS. Check logs for more info." and exits.
     */
    static boolean configureAtStart(Config config, Tls tls) {
        if (!enabled(config) || tls.configure(settings(config), caRequired(config))) return true;
        io.lodestone.util.Log.warning("Failed to configure TLS. Check logs for more info.");
        return false;
    }

    /** Whether TLS is in use, so that a change must rebuild the contexts now (applyTlsCfg's test). */
    private static boolean enabled(Config c) {
        return c.getInt("tls-port") != 0 || c.getBool("tls-replication") || c.getBool("tls-cluster");
    }

    /** Peers' certificates are checked, so a CA must be configured (tlsConfigure's test). */
    private static boolean caRequired(Config c) {
        return c.getEnumValue("tls-auth-clients") != Tls.AUTH_NO || c.getBool("tls-replication")
                || c.getBool("tls-cluster");
    }

    static Tls.Settings settings(Config c) {
        return new Tls.Settings(c.getString("tls-cert-file"), c.getString("tls-key-file"),
                c.getString("tls-key-file-pass"), c.getString("tls-client-cert-file"),
                c.getString("tls-client-key-file"), c.getString("tls-client-key-file-pass"),
                c.getString("tls-dh-params-file"), c.getString("tls-ca-cert-file"), c.getString("tls-ca-cert-dir"),
                c.getString("tls-protocols"), c.getString("tls-ciphers"), c.getString("tls-ciphersuites"),
                c.getBool("tls-prefer-server-ciphers"), c.getBool("tls-session-caching"),
                c.getLong("tls-session-cache-size"), c.getLong("tls-session-cache-timeout"));
    }
}
