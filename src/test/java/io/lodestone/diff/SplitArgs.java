package io.lodestone.diff;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line into arguments the way {@code redis-cli} does ({@code sdssplitargs} in Redis's
 * sds.c), so a case-file line can be pasted into redis-cli and back.
 *
 * <p>Arguments are separated by blanks. In double quotes, {@code \xHH} is a byte and {@code \n \r
 * \t \b \a} are control characters; any other escaped character stands for itself. In single
 * quotes only {@code \'} is an escape. A closing quote must be followed by a blank or the end of
 * the line. {@code ""} is an empty argument.
 */
final class SplitArgs {

    private SplitArgs() {
    }

    static final class UnbalancedQuotesException extends Exception {
        UnbalancedQuotesException() {
            super("unbalanced quotes");
        }
    }

    static List<byte[]> split(byte[] line) throws UnbalancedQuotesException {
        List<byte[]> args = new ArrayList<>();
        int p = 0;
        int n = line.length;
        while (true) {
            while (p < n && isSpace(line[p])) {
                p++;
            }
            if (p >= n) {
                return args;
            }
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            while (!done) {
                int c = p < n ? line[p] & 0xff : 0;
                if (inDouble) {
                    if (c == '\\' && p + 3 < n && line[p + 1] == 'x'
                            && isHex(line[p + 2]) && isHex(line[p + 3])) {
                        current.write(Character.digit(line[p + 2], 16) * 16 + Character.digit(line[p + 3], 16));
                        p += 3;
                    } else if (c == '\\' && p + 1 < n) {
                        p++;
                        int e = line[p] & 0xff;
                        current.write(switch (e) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> e;
                        });
                    } else if (c == '"') {
                        if (p + 1 < n && !isSpace(line[p + 1])) {
                            throw new UnbalancedQuotesException();
                        }
                        done = true;
                    } else if (p >= n) {
                        throw new UnbalancedQuotesException();
                    } else {
                        current.write(c);
                    }
                } else if (inSingle) {
                    if (c == '\\' && p + 1 < n && line[p + 1] == '\'') {
                        p++;
                        current.write('\'');
                    } else if (c == '\'') {
                        if (p + 1 < n && !isSpace(line[p + 1])) {
                            throw new UnbalancedQuotesException();
                        }
                        done = true;
                    } else if (p >= n) {
                        throw new UnbalancedQuotesException();
                    } else {
                        current.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDouble = true;
                        case '\'' -> inSingle = true;
                        default -> current.write(c);
                    }
                }
                if (p < n) {
                    p++;
                }
            }
            args.add(current.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static boolean isHex(byte b) {
        return Character.digit(b, 16) >= 0;
    }
}
