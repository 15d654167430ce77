package io.lodestone.command;

/**
 * Who may connect and what they may run: requirepass, protected-mode, enable-debug-command.
 * Written only by the config bindings (server/ConfigBindings), at start and on every change.
 */
public final class Security {
    /** The default user's password (bytes as ISO-8859-1 chars), or null for none. */
    public volatile String requirePass;
    /** protected-mode: without a password, only local connections are accepted. */
    public boolean protectedMode;
    /** "no", "yes" or "local": who may run DEBUG and MODULE. */
    public String enableDebugCommand;

    /** Whether clients must AUTH before other commands. */
    public boolean authRequired() {
        String p = requirePass;
        return p != null && !p.isEmpty();
    }
}
