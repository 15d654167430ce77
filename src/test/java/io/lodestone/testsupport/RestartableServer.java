package io.lodestone.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Lodestone server ({@link ServerProcess#lodestone}) that a test can kill with SIGKILL and start
 * again on the same port, in the same directory, with the same arguments, as many times as it likes:
 * for crash and failover tests, where the server must come back as the same address (Sentinel and
 * replicas know servers by address) and find its files where it left them.
 *
 * <p>The first start picks a free port and, unless the caller names one, a temporary directory (deleted
 * at {@link #close()}); every start passes {@code --dir <dir>} before the caller's arguments, and every
 * restart {@code --port <port>} after them. {@link #close()} stops the running incarnation as
 * {@link ServerProcess#close()} does.
 *
 * <ul>
 *   <li>{@link #start(String...)}, {@link #start(Path, String...)}: start, return once ready.</li>
 *   <li>{@link #kill()}: kill -9 and wait for the death; {@link #restart(String...)}: start again
 *       (extra arguments for this incarnation only); {@link #killAndRestart()}: both.</li>
 *   <li>{@link #port()}, {@link #dir()}, {@link #isRunning()}, {@link #process()} (the running
 *       incarnation), {@link #incarnations()}, {@link #log()} (every incarnation's log).</li>
 * </ul>
 */
public final class RestartableServer implements AutoCloseable {

    private static final Duration READY_BOUND = Duration.ofSeconds(20);

    private final Path dir;
    private final boolean ownsDir;
    private final List<String> args;
    private final int port;
    private final StringBuilder pastLogs = new StringBuilder();
    private ServerProcess current;
    private int incarnations;

    private RestartableServer(Path dir, boolean ownsDir, List<String> args, ServerProcess first) {
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.args = args;
        this.current = first;
        this.port = first.port();
        this.incarnations = 1;
    }

    /** Starts Lodestone in a new temporary directory, deleted at {@link #close()}. */
    public static RestartableServer start(String... args) throws IOException {
        Path dir = TempDirs.create("lodestone-restartable-");
        try {
            return start(dir, true, args);
        } catch (IOException | RuntimeException | Error e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** Starts Lodestone in {@code dir}, which the caller owns (kept at close). */
    public static RestartableServer start(Path dir, String... args) throws IOException {
        return start(dir, false, args);
    }

    private static RestartableServer start(Path dir, boolean ownsDir, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--dir", dir.toString()));
        all.addAll(List.of(args));
        ServerProcess first = ServerProcess.lodestone(all.toArray(String[]::new));
        return new RestartableServer(dir, ownsDir, List.copyOf(all), first);
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public boolean isRunning() {
        return current != null && current.isAlive();
    }

    /** The running incarnation; fails while the server is down. */
    public ServerProcess process() {
        if (current == null) {
            throw new IllegalStateException(this + " is not running");
        }
        return current;
    }

    /** How many times the server was started (1 before any restart). */
    public int incarnations() {
        return incarnations;
    }

    /** kill -9: the process dies at once, mid-write if it was writing; its directory stays. */
    public void kill() throws InterruptedException {
        ServerProcess p = process();
        p.kill();
        retire(p);
    }

    /** Stops the server gracefully (SIGTERM, as {@link ServerProcess#close()}); its directory stays. */
    public void stop() {
        ServerProcess p = process();
        p.close();
        retire(p);
    }

    /**
     * Starts the server again on the same port, in the same directory, with the same arguments and then
     * {@code extraArgs} (for this incarnation only); returns once it answers PING (not -LOADING).
     * Fails while it still runs.
     */
    public ServerProcess restart(String... extraArgs) throws IOException {
        if (current != null) {
            throw new IllegalStateException(this + " is still running: kill() or stop() it first");
        }
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(extraArgs));
        all.addAll(List.of("--port", Integer.toString(port)));
        // ServerProcess picks a port of its own and passes it first; the later --port wins, as with
        // redis-server, so its port() is not this server's: use ours.
        ServerProcess p = ServerProcess.lodestone(all.toArray(String[]::new));
        current = p;
        incarnations++;
        Wait.until(READY_BOUND, this + " to answer PING after its restart", this::answersPing, p::log);
        return p;
    }

    /** {@link #kill()}, then {@link #restart(String...)}. */
    public ServerProcess killAndRestart(String... extraArgs) throws IOException, InterruptedException {
        kill();
        return restart(extraArgs);
    }

    /** Every incarnation's log, oldest first, each headed by a line naming it. */
    public String log() {
        StringBuilder b = new StringBuilder(pastLogs);
        if (current != null) {
            b.append("--- incarnation ").append(incarnations).append(" (running)\n").append(current.log());
        }
        return b.toString();
    }

    /** Opens a new raw connection to this server. */
    public RespClient client() throws IOException {
        return RespClient.connect(port);
    }

    private boolean answersPing() {
        try (RespClient c = new RespClient("127.0.0.1", port, Duration.ofSeconds(2))) {
            return RespClient.text(c.call("PING")).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private void retire(ServerProcess p) {
        pastLogs.append("--- incarnation ").append(incarnations).append(" (").append(p).append(", ended)\n")
                .append(p.log());
        p.close(); // removes its shutdown hook and its own (unused) temporary directory
        current = null;
    }

    @Override
    public void close() {
        try {
            if (current != null) {
                current.close();
            }
        } finally {
            current = null;
            if (ownsDir) {
                TempDirs.delete(dir);
            }
        }
    }

    @Override
    public String toString() {
        return "lodestone on 127.0.0.1:" + port + (current == null ? " (down)" : " (pid " + current.pid() + ")");
    }
}
