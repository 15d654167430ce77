package io.lodestone.util;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis's {@code sdssplitargs} (sds.c), the one splitter for inline commands, redis.conf lines and
 * the differential suite's case files.
 *
 * <p>Blanks separate arguments. In double quotes, {@code \xHH} is a byte, {@code \n \r \t \b \a}
 * are control characters and any other escaped character stands for itself. In single quotes only
 * {@code \'} is an escape. A closing quote must be followed by a blank or the end of the line.
 * Quotes may start in the middle of an argument ({@code a"b c"} is {@code ab c}); {@code ""} is an
 * empty argument. The line is a C string: a NUL byte ends it.
 */
public final class SplitArgs {
    private SplitArgs() {
    }

    /** Returns the arguments (none for a blank line), or null for unbalanced quotes. */
    public static byte[][] split(byte[] line) {
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        ByteArrayOutputStream cur = new ByteArrayOutputStream();
        while (true) {
            while (isSpace(at(line, p))) p++;
            if (at(line, p) == 0) return out.toArray(new byte[0][]);
            int quote = 0; // the quote we are inside, or 0
            boolean done = false;
            cur.reset();
            while (!done) {
                int c = at(line, p);
                if (quote != 0) {
                    if (quote == '"' && c == '\\' && at(line, p + 1) == 'x'
                            && isHex(at(line, p + 2)) && isHex(at(line, p + 3))) {
                        cur.write(hex(at(line, p + 2)) * 16 + hex(at(line, p + 3)));
                        p += 3;
                    } else if (quote == '"' && c == '\\' && at(line, p + 1) != 0) {
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
                    } else if (quote == '\'' && c == '\\' && at(line, p + 1) == '\'') {
                        // In single quotes only \' is an escape.
                        p++;
                        cur.write('\'');
                    } else if (c == quote) {
                        // The closing quote must be followed by a blank or the end.
                        int next = at(line, p + 1);
                        if (next != 0 && !isSpace(next)) return null;
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        cur.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"', '\'' -> quote = c;
                        default -> cur.write(c);
                    }
                }
                if (at(line, p) != 0) p++;
            }
            out.add(cur.toByteArray());
        }
    }

    /**
     * {@link #split(byte[])} over a byte string (each char one byte, 0-255, as decoded with
     * ISO-8859-1); the arguments are byte strings too. Null for unbalanced quotes.
     */
    public static List<String> split(String line) {
        byte[][] args = split(line.getBytes(StandardCharsets.ISO_8859_1));
        if (args == null) return null;
        List<String> out = new ArrayList<>(args.length);
        for (byte[] a : args) out.add(new String(a, StandardCharsets.ISO_8859_1));
        return out;
    }

    /** The byte at {@code i}, or 0 (C's terminator) past the end. */
    private static int at(byte[] s, int i) {
        return i < s.length ? s[i] & 0xff : 0;
    }

    /** C {@code isspace} in the C locale. */
    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(int c) {
        if (c <= '9') return c - '0';
        if (c <= 'F') return c - 'A' + 10;
        return c - 'a' + 10;
    }

    /**
     * The inverse of {@link #split}: {@code sdscatrepr}, double quotes around the value,
     * {@code \\ \" \n \r \t \a \b} escaped, other non-printable bytes as {@code \xHH}.
     */
    public static String repr(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2);
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = (char) (value.charAt(i) & 0xFF);
            switch (c) {
                case '\\', '"' -> sb.append('\\').append(c);
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (c >= 0x20 && c <= 0x7e) {
                        sb.append(c);
                    } else {
                        sb.append(String.format("\\x%02x", (int) c));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
