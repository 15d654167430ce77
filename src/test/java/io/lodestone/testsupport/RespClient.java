package io.lodestone.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw RESP client over a plain socket, for tests that must see the exact bytes a server sends.
 *
 * <p>{@link #call} writes one command as a RESP multibulk and returns the raw bytes of exactly one
 * complete reply, nothing decoded or re-encoded. The framer knows every RESP2 and RESP3 type:
 * simple string, error, integer, bulk string, null bulk and null array, array, null ({@code _}),
 * double, boolean, big number, blob error, verbatim string, map, set, push, and attribute (an
 * attribute is returned together with the reply it precedes). Every read is bounded by the socket
 * timeout, so a server that never answers fails a test instead of hanging it.
 */
public final class RespClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespClient(String host, int port) throws IOException {
        this(host, port, DEFAULT_TIMEOUT);
    }

    public RespClient(String host, int port, Duration timeout) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Over a socket already connected (a TLS socket, TlsFiles), reads bounded by {@code timeout}. */
    public RespClient(Socket connected, Duration timeout) throws IOException {
        socket = connected;
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Connects to 127.0.0.1:{@code port} with the default timeout. */
    public static RespClient connect(int port) throws IOException {
        return new RespClient("127.0.0.1", port);
    }

    /** Changes the bound on every later read. */
    public void timeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** Sends one command (arguments encoded as UTF-8) and returns the raw bytes of its reply. */
    public byte[] call(String... args) throws IOException {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return call(raw);
    }

    /** Sends one command and returns the raw bytes of its reply. */
    public byte[] call(byte[]... args) throws IOException {
        send(args);
        return readReply();
    }

    /** Sends one command as a RESP multibulk without reading anything. */
    public void send(byte[]... args) throws IOException {
        sendRaw(encode(args));
    }

    /** Sends bytes exactly as given: inline commands, pipelines, malformed protocol. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads exactly one complete reply and returns its raw bytes.
     *
     * @throws EOFException if the server closes the connection before a complete reply
     * @throws SocketTimeoutException if the reply does not complete within the timeout
     */
    public byte[] readReply() throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        readValue(reply);
        return reply.toByteArray();
    }

    /**
     * Waits up to {@code bound} for the server to close the connection. Returns true if it did;
     * false if the connection was still open at the bound. Bytes that arrive meanwhile are an
     * error: the caller expected the server to have nothing more to say.
     */
    public boolean awaitClose(Duration bound) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, bound.toMillis()));
        try {
            int b = in.read();
            if (b < 0) {
                return true;
            }
            throw new IOException("expected the server to close the connection, got byte "
                    + escape(new byte[] {(byte) b}));
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset is a close too.
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return true;
            }
            throw e;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previous);
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Encodes a command as a RESP multibulk: {@code *N\r\n$len\r\narg\r\n...}. */
    public static byte[] encode(byte[]... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        writeAscii(buf, "*" + args.length + "\r\n");
        for (byte[] arg : args) {
            writeAscii(buf, "$" + arg.length + "\r\n");
            buf.writeBytes(arg);
            writeAscii(buf, "\r\n");
        }
        return buf.toByteArray();
    }

    /** Bytes as Latin-1 text: every byte maps to one char, so comparing texts compares bytes. */
    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /**
     * Renders bytes as a double-quoted string in the form {@code redis-cli} and case files accept:
     * printable ASCII as is, {@code \r \n \t \" \\} escaped, everything else as {@code \xHH}.
     */
    public static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 16).append('"');
        for (byte value : bytes) {
            int b = value & 0xff;
            switch (b) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        sb.append((char) b);
                    } else {
                        sb.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    // ---------------------------------------------------------------------------------------------
    // Framing

    private void readValue(ByteArrayOutputStream reply) throws IOException {
        int type = readByte();
        reply.write(type);
        byte[] header = readLine(reply);
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> { }
            case '$', '!', '=' -> {
                long len = parseLength(type, header);
                if (len >= 0) {
                    readExactly(reply, len + 2);
                }
            }
            case '*', '~', '>' -> {
                long n = parseLength(type, header);
                for (long i = 0; i < n; i++) {
                    readValue(reply);
                }
            }
            case '%' -> {
                long n = parseLength(type, header);
                for (long i = 0; i < 2 * n; i++) {
                    readValue(reply);
                }
            }
            case '|' -> {
                long n = parseLength(type, header);
                for (long i = 0; i < 2 * n; i++) {
                    readValue(reply);
                }
                // An attribute annotates the reply that follows it; both form one reply.
                readValue(reply);
            }
            default -> throw new IOException("not a RESP type byte: " + escape(new byte[] {(byte) type})
                    + " (reply so far " + escape(reply.toByteArray()) + ")");
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed by the server");
        }
        return b;
    }

    /** Reads up to and including CRLF, copying it into {@code reply}; returns the line without CRLF. */
    private byte[] readLine(ByteArrayOutputStream reply) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = readByte();
            reply.write(b);
            if (b == '\r') {
                int next = readByte();
                reply.write(next);
                if (next == '\n') {
                    return line.toByteArray();
                }
                line.write(b);
                line.write(next);
            } else {
                line.write(b);
            }
        }
    }

    private void readExactly(ByteArrayOutputStream reply, long n) throws IOException {
        byte[] chunk = new byte[8192];
        while (n > 0) {
            int r = in.read(chunk, 0, (int) Math.min(chunk.length, n));
            if (r < 0) {
                throw new EOFException("connection closed by the server inside a reply");
            }
            reply.write(chunk, 0, r);
            n -= r;
        }
    }

    private static long parseLength(int type, byte[] header) throws IOException {
        String s = new String(header, StandardCharsets.US_ASCII);
        if (s.equals("?")) {
            throw new IOException("streamed RESP3 aggregates are not supported: " + (char) type + s);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("bad length in RESP header " + (char) type + s);
        }
    }

    private static void writeAscii(ByteArrayOutputStream buf, String s) {
        buf.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
