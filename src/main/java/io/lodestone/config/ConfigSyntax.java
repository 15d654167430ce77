package io.lodestone.config;

import io.lodestone.util.SplitArgs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The line syntax of redis.conf: Redis's {@code sdssplitargs} (via {@link SplitArgs}),
 * {@code sdssplitlen} and {@code sdscatrepr} (sds.c), reproduced exactly.
 *
 * <p>Strings here are byte strings: each {@code char} holds one byte (0-255), as when decoded
 * with ISO-8859-1. That is how the whole config package stores values, so {@code "\xe9"} in a
 * config file and the byte 0xE9 sent by a client are the same value.
 */
public final class ConfigSyntax {

    /** The charset the JVM uses for file names and command-line arguments. */
    private static final Charset NATIVE = nativeCharset();

    private ConfigSyntax() {
    }

    /**
     * Splits a config line into arguments like {@code sdssplitargs} ({@link SplitArgs}).
     *
     * @return the arguments (empty for a blank line), or null for unbalanced quotes
     */
    public static List<String> splitArgs(String line) {
        return SplitArgs.split(line);
    }

    /**
     * Splits on every single space like {@code sdssplitlen(s, " ")}: {@code "a  b"} gives
     * {@code [a, "", b]} and the empty string gives no element. CONFIG SET uses this to split
     * the value of a multi-argument parameter.
     */
    public static List<String> splitSpaces(String s) {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) return out;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ' ') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    /**
     * Quotes a value like {@code sdscatrepr}: double quotes around it, {@code \\ \" \n \r \t \a \b}
     * escaped, other non-printable bytes as {@code \xHH}. {@link #splitArgs} reads it back.
     */
    public static String repr(String value) {
        return io.lodestone.util.SplitArgs.repr(value);
    }

    /** Removes the bytes of {@code chars} from both ends, like {@code sdstrim}. */
    static String trim(String s, String chars) {
        int start = 0;
        int end = s.length();
        while (start < end && chars.indexOf(s.charAt(start)) >= 0) start++;
        while (end > start && chars.indexOf(s.charAt(end - 1)) >= 0) end--;
        return s.substring(start, end);
    }

    /** ASCII-only lower case, like {@code sdstolower} in the C locale. */
    static String lower(String s) {
        char[] chars = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (chars == null) chars = s.toCharArray();
                chars[i] = (char) (c + ('a' - 'A'));
            }
        }
        return chars == null ? s : new String(chars);
    }

    /** C {@code isspace} in the C locale. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    private static Charset nativeCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** A Java string from the OS (argument, file name) as the byte string Redis would see. */
    static String fromNative(String s) {
        return new String(s.getBytes(NATIVE), StandardCharsets.ISO_8859_1);
    }

    /** A byte string as the Java string to hand to the OS (a path). */
    static String toNative(String bytes) {
        return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), NATIVE);
    }
}
