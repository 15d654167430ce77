package io.lodestone.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutations of valid inputs for the fuzz tests ({@link Fuzz}): byte-level ones for any format (bit
 * flips, byte changes, truncation, insertion, deletion, duplication, boundary values) and RESP-aware
 * ones for protocol streams (a {@code *N} or {@code $N} number made huge, negative or not a number, a
 * CRLF dropped or cut in half, NULs embedded).
 */
public final class Mutations {
    private Mutations() {
    }

    /** Lengths and counts that break parsers: beyond int, negative, not numbers, overlong. */
    public static final String[] BAD_NUMBERS = {"", "-1", "-2", "-0", "0", "00", "01", "+1", " 1", "1 ", "1a", "a",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296", "536870912",
        "536870913", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
        "123456789012345678901", "1e3", "0x10", "\0", "1\0", "EOF:", "-"};

    /** Pieces of RESP and inline requests, for inputs that look like the protocol without being it. */
    public static final String[] RESP_TOKENS = {"*", "$", "\r\n", "\r", "\n", "0", "1", "2", "3", "9", "-1", "-", "+",
        " ", "\t", "\"", "'", "\\", "\\x4", "\\x41", "x", "\0", "PING", "SET", "GET", "ECHO", "*1\r\n", "$3\r\n",
        "*2\r\n", "$0\r\n", "2147483647", "2147483648", "9223372036854775807", "99999999999999999999", "\r\n\r\n",
        "00", "1a", "*-5\r\n", "$-1\r\n", "\"a b\"", "'c\\'d'"};

    /** One to forty {@link #RESP_TOKENS} and random bytes. */
    public static byte[] respTokens(SplittableRandom rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int k = 1 + rnd.nextInt(40);
        for (int i = 0; i < k; i++) {
            if (rnd.nextInt(8) == 0) out.write(rnd.nextInt(256));
            else out.writeBytes(RESP_TOKENS[rnd.nextInt(RESP_TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    /** Applies one to three mutations to {@code valid}; {@code kind[0]} names them (for the outcome counts). */
    public static byte[] mutate(byte[] valid, SplittableRandom rnd, String[] kind) {
        byte[] b = valid;
        int k = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            int r = rnd.nextInt(100);
            if (r < 25) {
                names.add("resp number");
                b = respNumber(b, rnd);
            } else if (r < 35) {
                names.add("crlf");
                b = crlf(b, rnd);
            } else {
                String[] one = new String[1];
                b = bytes(b, rnd, one);
                names.add(one[0]);
            }
        }
        kind[0] = names.get(0) + (names.size() > 1 ? " and more" : "");
        return b;
    }

    /** One byte-level mutation of any input; {@code kind[0]} names it. */
    public static byte[] bytes(byte[] b, SplittableRandom rnd, String[] kind) {
        int n = b.length;
        int r = rnd.nextInt(100);
        if (n == 0) {
            kind[0] = "insert";
            return randomBytes(rnd, 1 + rnd.nextInt(8));
        }
        if (r < 25) {
            kind[0] = "bit flip";
            byte[] c = b.clone();
            int flips = 1 + rnd.nextInt(3);
            for (int i = 0; i < flips; i++) c[rnd.nextInt(n)] ^= (byte) (1 << rnd.nextInt(8));
            return c;
        }
        if (r < 40) {
            kind[0] = "byte";
            byte[] c = b.clone();
            int[] interesting = {0, 0xFF, 0x7F, 0x80, 0xC0, 0xFE, 1, '\r', '\n', '*', '$'};
            c[rnd.nextInt(n)] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : interesting[rnd.nextInt(interesting.length)]);
            return c;
        }
        if (r < 55) {
            kind[0] = "truncate";
            return Arrays.copyOf(b, rnd.nextInt(n));
        }
        if (r < 65) {
            kind[0] = "insert";
            int at = rnd.nextInt(n + 1);
            return splice(b, at, at, randomBytes(rnd, 1 + rnd.nextInt(8)));
        }
        if (r < 75) {
            kind[0] = "delete";
            int at = rnd.nextInt(n);
            return splice(b, at, Math.min(n, at + 1 + rnd.nextInt(8)), new byte[0]);
        }
        if (r < 85) {
            kind[0] = "duplicate";
            int at = rnd.nextInt(n);
            int end = Math.min(n, at + 1 + rnd.nextInt(Math.min(n, 64)));
            int to = rnd.nextInt(n + 1);
            return splice(b, to, to, Arrays.copyOfRange(b, at, end));
        }
        if (r < 92) {
            kind[0] = "int32 boundary";
            byte[] c = b.clone();
            int at = rnd.nextInt(n);
            long[] values = {0xFFFFFFFFL, 0x7FFFFFFFL, 0x80000000L, 0, 1, 0xFFFFL, 0x10000L};
            long v = values[rnd.nextInt(values.length)];
            for (int i = 0; i < 4 && at + i < n; i++) c[at + i] = (byte) (rnd.nextBoolean() ? v >>> (8 * i) : v >>> (24 - 8 * i));
            return c;
        }
        kind[0] = "random run";
        byte[] c = b.clone();
        int at = rnd.nextInt(n);
        for (int i = at; i < Math.min(n, at + 1 + rnd.nextInt(16)); i++) c[i] = (byte) rnd.nextInt(256);
        return c;
    }

    /** Replaces the digits after a {@code *} or {@code $} at a line start with a {@link #BAD_NUMBERS bad number}. */
    public static byte[] respNumber(byte[] b, SplittableRandom rnd) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if ((b[i] == '*' || b[i] == '$') && (i == 0 || b[i - 1] == '\n')) starts.add(i + 1);
        }
        if (starts.isEmpty()) return b;
        int from = starts.get(rnd.nextInt(starts.size()));
        int to = from;
        while (to < b.length && b[to] != '\r' && b[to] != '\n') to++;
        String v = BAD_NUMBERS[rnd.nextInt(BAD_NUMBERS.length)];
        if (rnd.nextInt(4) == 0) {
            // a number just off the right one: one more or one less
            try {
                long n = Long.parseLong(new String(b, from, to - from, StandardCharsets.US_ASCII));
                v = Long.toString(n + (rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextInt(3)));
            } catch (NumberFormatException e) {
                // keep the bad number
            }
        }
        return splice(b, from, to, v.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Drops a CRLF, or one of its bytes, or puts a NUL in its place. */
    public static byte[] crlf(byte[] b, SplittableRandom rnd) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i + 1 < b.length; i++) if (b[i] == '\r' && b[i + 1] == '\n') at.add(i);
        if (at.isEmpty()) return b;
        int p = at.get(rnd.nextInt(at.size()));
        return switch (rnd.nextInt(4)) {
            case 0 -> splice(b, p, p + 2, new byte[0]);
            case 1 -> splice(b, p, p + 1, new byte[0]);
            case 2 -> splice(b, p + 1, p + 2, new byte[0]);
            default -> splice(b, p, p + 1, new byte[] {0});
        };
    }

    /** {@code b} with {@code [from, to)} replaced by {@code with}. */
    public static byte[] splice(byte[] b, int from, int to, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length - (to - from) + with.length);
        out.write(b, 0, from);
        out.writeBytes(with);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }

    public static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) rnd.nextInt(256);
        return b;
    }
}
