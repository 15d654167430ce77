package io.lodestone.config;

/**
 * The configuration cannot be loaded; the server must stop with exit code 1.
 *
 * <p>Two shapes, as in Redis: a config file that cannot be opened gives a log line
 * ({@link #isLogMessage()}: log it at warning level), every other problem gives Redis's fatal
 * block, to be printed as is on stderr:
 * <pre>
 *
 * *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
 * Reading the configuration file, at line 2
 * &gt;&gt;&gt; 'port "abc"'
 * argument couldn't be parsed into an integer
 * </pre>
 * The message's chars are bytes (ISO-8859-1), like every config string.
 */
public final class ConfigLoadException extends Exception {

    private final boolean logMessage;

    ConfigLoadException(String message, boolean logMessage) {
        super(message, null, false, false);
        this.logMessage = logMessage;
    }

    /** True for a log line (without a trailing newline), false for the stderr block (ending with one). */
    public boolean isLogMessage() {
        return logMessage;
    }
}
