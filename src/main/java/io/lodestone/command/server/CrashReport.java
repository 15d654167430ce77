package io.lodestone.command.server;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.command.connection.ClientCommand;
import io.lodestone.util.Log;
import io.lodestone.util.SplitArgs;
import io.lodestone.util.Version;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Redis's bug report (debug.c), written to the log when the server crashes: on SIGABRT or SIGBUS,
 * and on DEBUG SEGFAULT and DEBUG PANIC, which simulate a crash. It holds the cause, the stack of every
 * thread (the command thread first), INFO, CLIENT LIST and the client whose command crashed, and then
 * the process ends. The marker lines and the cause line are Redis's, so tools that cut a crash out of
 * a log (Redis's test suite does) find ours.
 *
 * <p>The JVM keeps SIGSEGV, SIGFPE and SIGILL for itself, so those cannot be reported here; a real
 * fault in the JVM writes its own hs_err file.
 */
public final class CrashReport {
    /** Signals the JVM lets a program handle that end Redis with a report, with their numbers on Linux. */
    private static final Map<String, Integer> SIGNALS = Map.of("ABRT", 6, "BUS", 7);
    private static final int SIGSEGV = 11;
    /** How long a report waits for the command thread to describe the server (it may be the one stuck). */
    private static final long SERVER_STATE_WAIT_MS = 1000;
    /** The thread that runs commands: its stack comes first. */
    private static volatile Thread commandThreadRef;

    private CrashReport() {
    }

    /** Installs the reporting handlers; {@code commandThread} runs what reads the server's state. */
    public static void installSignalHandlers(ServerContext server, Executor commandThread) {
        commandThread.execute(() -> commandThreadRef = Thread.currentThread());
        for (Map.Entry<String, Integer> s : SIGNALS.entrySet()) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(s.getKey()),
                        sig -> crashBySignal(server, commandThread, s.getValue()));
            } catch (IllegalArgumentException e) {
                Log.verbose("Cannot handle SIG" + s.getKey() + ": " + e.getMessage());
            }
        }
    }

    /** Redis's sigsegvHandler: the report, then the process ends as the signal would have ended it. */
    private static void crashBySignal(ServerContext server, Executor commandThread, int signo) {
        start();
        Log.warning(serverName() + " crashed by signal: " + signo + ", si_code: 0");
        CompletableFuture<String> state = new CompletableFuture<>();
        try {
            commandThread.execute(() -> state.complete(serverState(server, null)));
        } catch (RuntimeException e) {
            state.complete("");
        }
        String text;
        try {
            text = state.get(SERVER_STATE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            text = "\n------ INFO OUTPUT ------\n(the command thread did not answer within " + SERVER_STATE_WAIT_MS + " ms)\n";
        }
        end(stackTrace() + text, 128 + signo);
    }

    /** DEBUG SEGFAULT: the report Redis writes for the SIGSEGV it provokes, then the process ends. */
    static void debugSegfault(Client c) {
        start();
        Log.warning(serverName() + " crashed by signal: " + SIGSEGV + ", si_code: 2");
        end(stackTrace() + serverState(c.server, c), 128 + SIGSEGV);
    }

    /** DEBUG PANIC: Redis's serverPanic, its "Guru Meditation" and the report, then the process ends. */
    static void debugPanic(Client c) {
        Log.warning("------------------------------------------------");
        Log.warning("!!! Software Failure. Press left mouse button to continue");
        Log.warning("Guru Meditation: DEBUG PANIC called at Unix time " + System.currentTimeMillis() / 1000
                + " #DebugCommand.java");
        start();
        Log.warning("------------------------------------------------");
        end(stackTrace() + serverState(c.server, c), 1);
    }

    private static String serverName() {
        return "Redis " + Version.REDIS_VERSION + " (Lodestone " + Version.LODESTONE_VERSION + ")";
    }

    /** bugReportStart. */
    private static void start() {
        Log.raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
    }

    /** The rest of the report, bugReportEnd's trailer, and the end of the process. */
    private static void end(String report, int status) {
        Log.raw(report);
        Log.raw("\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
                + "       Please report the crash with this log.\n\n");
        Runtime.getRuntime().halt(status);
    }

    /** Every thread's stack, the command thread (the one running commands) first. */
    private static String stackTrace() {
        StringBuilder sb = new StringBuilder("\n------ STACK TRACE ------\n");
        Thread first = commandThreadRef;
        Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
        all.entrySet().stream()
                .sorted((a, b) -> Boolean.compare(a.getKey() != first, b.getKey() != first))
                .forEach(e -> {
                    sb.append("\nThread \"").append(e.getKey().getName()).append("\" ").append(e.getKey().getState())
                            .append('\n');
                    for (StackTraceElement f : e.getValue()) sb.append("    at ").append(f).append('\n');
                });
        return sb.toString();
    }

    /** logServerInfo and logCurrentClient: INFO, CLIENT LIST, and the crashing client with its arguments. */
    private static String serverState(ServerContext server, Client current) {
        StringBuilder sb = new StringBuilder("\n------ INFO OUTPUT ------\n");
        sb.append(InfoCommand.render(server, Set.of("server", "clients", "memory", "persistence", "stats",
                "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"))
                .replace("\r\n", "\n"));
        sb.append("\n------ CLIENT LIST OUTPUT ------\n");
        for (Client c : server.clients.all()) sb.append(ClientCommand.describe(c, c));
        if (current != null) {
            sb.append("\n------ CURRENT CLIENT INFO ------\n");
            if (current.conn != null) sb.append(ClientCommand.describe(current, current));
            for (int j = 0; j < current.argc; j++) {
                sb.append("argv[").append(j).append("]: '")
                        .append(SplitArgs.repr(new String(current.argv[j], StandardCharsets.ISO_8859_1))).append("'\n");
            }
        }
        return sb.toString();
    }
}
