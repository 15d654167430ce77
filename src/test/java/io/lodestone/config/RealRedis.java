package io.lodestone.config;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for differential tests: started on a free loopback port in its own
 * temporary directory, spoken to with RESP over a plain socket, killed on close. Every wait is
 * bounded.
 */
final class RealRedis implements AutoCloseable {

    /** An error reply. */
    record Err(String text) {
    }

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "redis-server"))) return true;
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    final Path dir;
    final int port;
    private final boolean noSaveRules;
    private final Process process;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** Starts redis-server with {@code [configFile] --port P --bind 127.0.0.1 --save "" --dir D extraArgs...}. */
    static RealRedis start(Path dir, String configFile, String... extraArgs) throws Exception {
        return new RealRedis(dir, configFile, true, extraArgs);
    }

    /** Like {@link #start} without {@code --save ""}, so that the save rules of file and arguments apply. */
    static RealRedis startKeepingSaveRules(Path dir, String configFile, String... extraArgs) throws Exception {
        return new RealRedis(dir, configFile, false, extraArgs);
    }

    private RealRedis(Path dir, String configFile, boolean noSaveRules, String[] extraArgs) throws Exception {
        this.dir = dir;
        this.port = freePort();
        this.noSaveRules = noSaveRules;
        List<String> cmd = new ArrayList<>();
        cmd.add("redis-server");
        if (configFile != null) cmd.add(configFile);
        cmd.addAll(args());
        cmd.addAll(List.of(extraArgs));
        process = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(10_000);
                in = new BufferedInputStream(socket.getInputStream());
                out = socket.getOutputStream();
                if ("PONG".equals(call("PING"))) break;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(dir.resolve("redis.log")), e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The arguments the test server got before the extra ones: its port, loopback only, no snapshots, its directory. */
    List<String> args() {
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1"));
        if (noSaveRules) args.addAll(List.of("--save", ""));
        args.addAll(List.of("--dir", dir.toString()));
        return args;
    }

    /** Sends a command; returns String, Long, Err, List or null. */
    Object call(String... args) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.ISO_8859_1);
            buf.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            buf.writeBytes(b);
            buf.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.write(buf.toByteArray());
        out.flush();
        return read();
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Err(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) return null;
                byte[] b = in.readNBytes(len);
                in.readNBytes(2);
                return new String(b, StandardCharsets.ISO_8859_1);
            }
            case '*': {
                int len = Integer.parseInt(line);
                if (len < 0) return null;
                List<Object> list = new ArrayList<>(len);
                for (int i = 0; i < len; i++) list.add(read());
                return list;
            }
            default:
                throw new IOException("unexpected reply type " + type);
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) throw new IOException("connection closed");
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        if (socket != null) socket.close();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Runs redis-server with arguments that should make it fail at start, and returns what it
     * printed on stderr. Killed after 5 seconds if it started after all.
     */
    static String runExpectingFailure(Path cwd, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("redis-server");
        cmd.addAll(args);
        Path log = Files.createTempFile(cwd, "fail", ".log");
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }
}
