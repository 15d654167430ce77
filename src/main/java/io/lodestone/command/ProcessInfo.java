package io.lodestone.command;

/**
 * Facts about this server process, as INFO server reports them. {@code port} and {@code hz} follow the
 * config (server/ConfigBindings writes them at start and on every change); the rest is fixed at start.
 */
public final class ProcessInfo {
    /** 40 random hex characters, new at every start (INFO run_id). */
    public final String runId = io.lodestone.util.Ids.randomHex(40);
    public final long startTimeMs = System.currentTimeMillis();
    /** The absolute path of the config file the server started with, or null. */
    public final String configFile;
    /** The program running the server (the java launcher), or "" if the platform does not say. */
    public final String executable = ProcessHandle.current().info().command().orElse("");
    public int port;
    /** The cron frequency (already clamped into 1..500 by the config). */
    public int hz;
    /** When a shutdown waiting for replicas gives up on them (unix ms), or 0 (INFO shutdown_in_milliseconds). */
    public volatile long shutdownDeadlineMs;
    /** DEBUG PAUSE-CRON: cron does nothing while set (tests use it to hold a signal's shutdown). */
    public volatile boolean cronPaused;

    ProcessInfo(String configFile) {
        this.configFile = configFile;
    }
}
