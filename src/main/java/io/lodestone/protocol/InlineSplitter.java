package io.lodestone.protocol;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line into arguments exactly as Redis's {@code sdssplitargs} does: blanks separate
 * arguments, double quotes allow {@code \n \r \t \b \a \xHH} escapes, single quotes allow only
 * {@code \'}, and a closing quote must be followed by a blank or the end of the line.
 * Used for inline commands (telnet, health checks).
 */
public final class InlineSplitter {
    private InlineSplitter() {
    }

    /** Returns the arguments, or null for unbalanced quotes. A NUL byte ends the line, as in C. */
    public static byte[][] split(byte[] line) {
        List<byte[]> out = new ArrayList<>();
        int n = line.length;
        int p = 0;
        ByteArrayOutputStream cur = new ByteArrayOutputStream();
        while (true) {
            while (p < n && line[p] != 0 && isSpace(line[p])) p++;
            if (p >= n || line[p] == 0) return out.toArray(new byte[0][]);
            boolean inq = false, insq = false, done = false;
            cur.reset();
            while (!done) {
                int c = at(line, p);
                if (inq) {
                    if (c == '\\' && at(line, p + 1) == 'x' && isHex(at(line, p + 2)) && isHex(at(line, p + 3))) {
                        cur.write(hex(at(line, p + 2)) * 16 + hex(at(line, p + 3)));
                        p += 3;
                    } else if (c == '\\' && at(line, p + 1) != 0) {
                        p++;
                        int e = at(line, p);
                        cur.write(switch (e) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> e;
                        });
                    } else if (c == '"') {
                        int next = at(line, p + 1);
                        if (next != 0 && !isSpace((byte) next)) return null;
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        cur.write(c);
                    }
                } else if (insq) {
                    if (c == '\\' && at(line, p + 1) == '\'') {
                        p++;
                        cur.write('\'');
                    } else if (c == '\'') {
                        int next = at(line, p + 1);
                        if (next != 0 && !isSpace((byte) next)) return null;
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        cur.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inq = true;
                        case '\'' -> insq = true;
                        default -> cur.write(c);
                    }
                }
                if (at(line, p) != 0) p++;
            }
            out.add(cur.toByteArray());
        }
    }

    private static int at(byte[] s, int i) {
        return i < s.length ? s[i] & 0xff : 0;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(int c) {
        if (c <= '9') return c - '0';
        if (c <= 'F') return c - 'A' + 10;
        return c - 'a' + 10;
    }
}
