package io.lodestone.util;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Logging in Redis's format: {@code pid:M 21 Nov 2026 06:00:00.000 * message}, where the role letter is
 * M (master), S (replica), C (child) or X (sentinel) and the level mark is {@code . - * #} for
 * debug, verbose, notice, warning. Written synchronously, like Redis: log lines are rare.
 */
public final class Log {
    public static final int DEBUG = 0, VERBOSE = 1, NOTICE = 2, WARNING = 3;
    private static final char[] MARKS = {'.', '-', '*', '#'};
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss.SSS", Locale.ENGLISH).withZone(ZoneId.systemDefault());
    private static final long PID = ProcessHandle.current().pid();

    private static volatile int level = NOTICE;
    private static volatile PrintStream out = System.out;
    private static volatile char role = 'M';

    private Log() {
    }

    public static long pid() {
        return PID;
    }

    /** "debug", "verbose", "notice", "warning" (Redis's loglevel values; "nothing" silences). */
    public static void level(String name) {
        level = switch (name.toLowerCase(Locale.ROOT)) {
            case "debug" -> DEBUG;
            case "verbose" -> VERBOSE;
            case "warning" -> WARNING;
            case "nothing" -> Integer.MAX_VALUE;
            default -> NOTICE;
        };
    }

    public static boolean enabled(int l) {
        return l >= level;
    }

    /** "" logs to standard output, as Redis's logfile "". */
    public static synchronized void file(String path) throws IOException {
        PrintStream old = out;
        out = path == null || path.isEmpty() ? System.out : new PrintStream(new FileOutputStream(path, true), true);
        if (old != System.out && old != out) old.close();
    }

    public static void role(char r) {
        role = r;
    }

    public static void debug(String msg) {
        log(DEBUG, msg);
    }

    public static void verbose(String msg) {
        log(VERBOSE, msg);
    }

    public static void notice(String msg) {
        log(NOTICE, msg);
    }

    public static void warning(String msg) {
        log(WARNING, msg);
    }

    public static void log(int l, String msg) {
        if (l < level) return;
        String line = PID + ":" + role + " " + TIME.format(Instant.now()) + " " + MARKS[l] + " " + msg;
        synchronized (Log.class) {
            out.println(line);
            out.flush();
        }
    }

    /** Raw text (the start-up logo), written only when the level allows notices. */
    public static void raw(String text) {
        if (NOTICE < level) return;
        synchronized (Log.class) {
            out.print(text);
            out.flush();
        }
    }
}
