package io.lodestone.server;

import io.lodestone.config.Config;
import io.lodestone.config.ConfigLoadException;
import io.lodestone.config.ConfigLoader;
import io.lodestone.util.Log;
import io.lodestone.util.Version;

import java.io.IOException;

/** Entry point: {@code lodestone [configfile] [--option value ...]}, as redis-server. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && (args[0].equals("-v") || args[0].equals("--version"))) {
            System.out.println("Redis server v=" + Version.REDIS_VERSION + " sha=00000000:0 malloc=jvm bits=64 build=lodestone-"
                    + Version.LODESTONE_VERSION);
            return;
        }
        if (args.length >= 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            usage();
            return;
        }
        if (args.length >= 1 && (args[0].equals("--test-memory") || args[0].equals("--check-system"))) {
            System.err.println("Lodestone runs on the JVM: " + args[0] + " is not available.");
            System.exit(1);
        }
        Config config;
        try {
            config = ConfigLoader.load(args);
        } catch (ConfigLoadException e) {
            if (e.isLogMessage()) Log.warning(e.getMessage());
            else System.err.print(e.getMessage());
            System.exit(1);
            return;
        }
        run(config);
    }

    private static void run(Config config) throws Exception {
        try {
            Log.file(config.getString("logfile"));
        } catch (IOException e) {
            System.err.println("Can't open the log file: " + e.getMessage());
            System.exit(1);
        }
        Log.level(config.getEnum("loglevel"));
        Log.role('C');
        Log.warning("oO0OoO0OoO0Oo Lodestone is starting oO0OoO0OoO0Oo");
        Log.warning("Lodestone version=" + Version.LODESTONE_VERSION + " (Redis " + Version.REDIS_VERSION
                + " compatible), bits=64, java=" + System.getProperty("java.version") + ", pid=" + Log.pid()
                + ", just started");
        if (config.configFile().isPresent()) {
            Log.warning("Configuration loaded");
        } else {
            Log.warning("Warning: no config file specified, using the default config. In order to specify a config"
                    + " file use lodestone /path/to/redis.conf");
        }
        Log.role('M');
        Lodestone server = new Lodestone(config);
        String aclError = server.loadUsers();
        if (aclError != null) {
            Log.warning(aclError);
            System.exit(1);
        }
        // After the server bound its parameters: what nothing bound is accepted but does nothing.
        for (String directive : config.acceptedButNotImplemented()) {
            Log.verbose("Directive '" + directive + "' is accepted but not implemented yet");
        }
        int port = config.getInt("port");
        int tlsPort = config.getInt("tls-port");
        if (!server.configureTls()) {
            server.stop(false);
            System.exit(1);
        }
        // As redis-server: listen first, so that clients get -LOADING while the data set loads. The
        // loading state starts before the listeners do: no client may see the empty data set.
        server.beginStartupLoading();
        if (server.listen() != null) {
            Log.warning("Failed listening on port " + port + " (TCP), aborting.");
            server.stop(false);
            System.exit(1);
        }
        if (server.listenTls() != null) {
            Log.warning("Failed listening on port " + tlsPort + " (TLS), aborting.");
            server.stop(false);
            System.exit(1);
        }
        String unixError = server.listenUnix();
        if (unixError != null) {
            Log.warning("Failed opening Unix socket: " + unixError);
            server.stop(false);
            System.exit(1);
        }
        if (!server.listening()) {
            Log.warning("Configured to not listen anywhere, exiting.");
            server.stop(false);
            System.exit(1);
        }
        // The logo (with the PID tools wait for) comes once the port is bound, as in Redis's main().
        boolean logo = config.getBool("always-show-logo")
                || (System.console() != null && config.getString("logfile").isEmpty());
        // Redis shows the TCP port, or the TLS port of a TLS-only server.
        int shownPort = port != 0 ? port : tlsPort;
        if (logo) Log.raw(Banner.logo(shownPort, Log.pid()));
        else Log.notice("Running mode=standalone, port=" + shownPort + ".");
        Log.warning("Server initialized");
        installSignalHandlers(server);
        io.lodestone.command.server.CrashReport.installSignalHandlers(server.context(), server::execute);
        if (!server.loadDataFromDisk()) {
            boolean asked = server.shuttingDown();
            server.stop(false);
            if (asked) server.awaitStop();
            System.exit(asked ? 0 : 1);
        }
        server.startCron();
        if (port != 0 || tlsPort != 0) Log.notice("Ready to accept connections");
        String unixsocket = config.getString("unixsocket");
        if (unixsocket != null && !unixsocket.isEmpty()) {
            Log.notice("The server is now ready to accept connections at " + unixsocket);
        }
        server.awaitStop();
        System.exit(0);
    }

    /** SIGTERM and SIGINT shut down cleanly through the command thread, as Redis does. */
    private static void installSignalHandlers(Lodestone server) {
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> server.signalShutdown("SIG" + name));
            } catch (IllegalArgumentException e) {
                Log.verbose("Cannot handle SIG" + name + ": " + e.getMessage());
            }
        }
    }

    private static void usage() {
        System.err.println("""
                Usage: ./lodestone [/path/to/redis.conf] [options] [-]
                       ./lodestone - (read config from stdin)
                       ./lodestone -v or --version
                       ./lodestone -h or --help

                Examples:
                       ./lodestone (run the server with default conf)
                       echo 'maxmemory 128mb' | ./lodestone -
                       ./lodestone /etc/redis/6379.conf
                       ./lodestone --port 7777
                       ./lodestone /etc/myredis.conf --loglevel verbose -
                       ./lodestone /etc/myredis.conf --loglevel verbose
                """);
    }
}
