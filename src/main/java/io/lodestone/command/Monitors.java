package io.lodestone.command;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients in MONITOR mode and what they are shown (Redis's server.monitors and
 * replicationFeedMonitors). Each command a client, a script or the master link runs is written to
 * every monitor as one status line, {@code +<secs>.<usecs> [<db> <addr>] "arg" ...}, the arguments
 * quoted as sdscatrepr quotes them and those the command redacted (passwords) as "(redacted)":
 * <ul>
 *   <li>after the command ran (Redis's call()), so a transaction shows MULTI, its commands, then EXEC,
 *       and the database is the one selected after the command;</li>
 *   <li>not administrative commands, which are too sensitive to show, nor those flagged
 *       skip_monitor: EVAL*, FCALL* feed themselves before their script runs
 *       ({@link #feedScriptCall}), so the script's commands, shown as from {@code lua}, follow them;</li>
 *   <li>not a blocked command served later (it was shown when it blocked), nor anything while a data
 *       set is loading (the AOF's commands included).</li>
 * </ul>
 * With no monitor the dispatcher's cost is the check of {@link #active}.
 */
public final class Monitors {
    private static final byte[] REDACTED = "\"(redacted)\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final List<Client> monitors = new ArrayList<>();
    /** Whether any client is monitoring: the one field the command path reads. */
    boolean active;

    Monitors(ServerContext server) {
        this.server = server;
    }

    public int size() {
        return monitors.size();
    }

    /** MONITOR: {@code c} is shown every command from now on (Redis's CLIENT_SLAVE|CLIENT_MONITOR). */
    public void add(Client c) {
        c.monitor = true;
        monitors.add(c);
        active = true;
    }

    /** RESET, or the connection is gone. */
    public void remove(Client c) {
        if (!c.monitor) return;
        c.monitor = false;
        monitors.remove(c);
        active = !monitors.isEmpty();
    }

    /** From Dispatcher.call, after a command ran: shown unless it is one monitors never see. */
    void afterCall(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.SKIP_MONITOR) || cmd.is(CommandSpec.ADMIN)) return;
        feed(c, c.argv, c.argc, c.redactedArgs);
    }

    /**
     * EVAL*, FCALL*: the script's command itself, shown before the commands the script runs (they are
     * flagged skip_monitor so call() does not show them again).
     */
    public void feedScriptCall(Client c) {
        if (active) feed(c, c.argv, c.argc, 0);
    }

    private void feed(Client c, byte[][] argv, int argc, long redacted) {
        if (server.loading.active()) return;
        byte[] line = line(c, argv, argc, redacted);
        for (Client m : monitors) {
            m.reply.raw(line);
            server.wake(m);
        }
    }

    /** One line as replicationFeedMonitors writes it. */
    private byte[] line(Client c, byte[][] argv, int argc, long redacted) {
        Instant now = Instant.now();
        StringBuilder head = new StringBuilder(64).append('+').append(now.getEpochSecond()).append('.');
        String usec = Integer.toString(now.getNano() / 1000);
        head.append("000000", usec.length(), 6).append(usec).append(" [").append(c.dbIndex()).append(' ');
        if (c.isScript) {
            head.append("lua");
        } else if (c.conn != null && c.conn.unixSocket()) {
            head.append("unix:").append(server.config.getString("unixsocket"));
        } else {
            head.append(c.conn == null ? "" : c.conn.remoteAddress());
        }
        head.append("] ");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(head.length() + 16 * argc);
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        for (int j = 0; j < argc; j++) {
            if (j > 0) out.write(' ');
            if (j < 64 && (redacted & (1L << j)) != 0) out.writeBytes(REDACTED);
            else repr(out, argv[j]);
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /** sdscatrepr: quoted, {@code \\ \" \n \r \t \a \b} escaped, other unprintable bytes as \xHH. */
    static void repr(java.io.ByteArrayOutputStream out, byte[] s) {
        out.write('"');
        for (byte b : s) {
            int ch = b & 0xFF;
            switch (ch) {
                case '\\', '"' -> {
                    out.write('\\');
                    out.write(ch);
                }
                case '\n' -> escape(out, 'n');
                case '\r' -> escape(out, 'r');
                case '\t' -> escape(out, 't');
                case 7 -> escape(out, 'a');
                case '\b' -> escape(out, 'b');
                default -> {
                    if (ch >= 0x20 && ch <= 0x7e) {
                        out.write(ch);
                    } else {
                        out.write('\\');
                        out.write('x');
                        out.write(HEX[ch >> 4]);
                        out.write(HEX[ch & 15]);
                    }
                }
            }
        }
        out.write('"');
    }

    private static void escape(java.io.ByteArrayOutputStream out, char c) {
        out.write('\\');
        out.write(c);
    }
}
