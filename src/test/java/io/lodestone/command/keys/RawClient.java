package io.lodestone.command.keys;

import io.lodestone.protocol.RespParser;
import io.lodestone.protocol.RespValue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A client that sends commands as RESP arrays and reads each reply back as its exact bytes. */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one command (String or byte[] arguments) and returns its raw reply. */
    byte[] call(Object... args) {
        send(args);
        return readReply();
    }

    /** The reply as text, for assertions and messages (bytes above 0x7f as ISO-8859-1). */
    String callText(Object... args) {
        return text(call(args));
    }

    void send(Object... args) {
        try {
            out.write(encode(args));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(Object... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object a : args) {
            byte[] v = a instanceof byte[] bytes ? bytes : a.toString().getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(v);
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        return b.toByteArray();
    }

    /** Reads exactly one RESP2/RESP3 value. */
    byte[] readReply() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            readValue(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readValue(ByteArrayOutputStream b) throws IOException {
        String line = readLine(b);
        char type = line.charAt(0);
        switch (type) {
            case '$', '=', '!' -> {
                int n = Integer.parseInt(line.substring(1));
                if (n >= 0) b.writeBytes(in.readNBytes(n + 2));
            }
            case '*', '~', '>' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < n; i++) readValue(b);
            }
            case '%', '|' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * n; i++) readValue(b);
                if (type == '|') readValue(b); // the attribute's value follows it
            }
            default -> {
            }
        }
    }

    private String readLine(ByteArrayOutputStream b) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int ch = in.read();
            if (ch < 0) throw new EOFException("connection closed");
            b.write(ch);
            if (prev == '\r' && ch == '\n') return sb.substring(0, sb.length() - 1);
            sb.append((char) ch);
            prev = ch;
        }
    }

    static RespValue parse(byte[] raw) {
        return new RespParser(raw).next();
    }

    static String text(byte[] raw) {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
