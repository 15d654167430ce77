package io.lodestone.store.type;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListpackTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Every encoding at its boundaries: 7/13/16/24/32/64-bit integers, 6/12/32-bit string lengths. */
    private static final String[] VALUES = {"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767",
        "-32768", "32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-0", "01", "+1", " 1", "",
        "x".repeat(63), "y".repeat(64), "z".repeat(4095), "w".repeat(4096)};

    @Test
    void appendedEntriesReadBackBothWaysInTheirSmallestEncoding() {
        byte[] lp = Listpack.newListpack(16);
        int expectedBytes = Listpack.HEADER + 1;
        for (String v : VALUES) {
            lp = Listpack.append(lp, b(v));
            expectedBytes += Listpack.entrySize(b(v));
        }
        assertEquals(expectedBytes, Listpack.bytes(lp));
        assertEquals(VALUES.length, Listpack.headerCount(lp));
        List<String> forward = new ArrayList<>();
        for (int p = Listpack.first(lp); p >= 0; p = Listpack.next(lp, p)) forward.add(new String(Listpack.get(lp, p), StandardCharsets.ISO_8859_1));
        assertEquals(List.of(VALUES), forward);
        List<String> backward = new ArrayList<>();
        for (int p = Listpack.last(lp); p >= 0; p = Listpack.prev(lp, p)) backward.add(0, new String(Listpack.get(lp, p), StandardCharsets.ISO_8859_1));
        assertEquals(List.of(VALUES), backward);
        // integers where string2ll accepts them, strings otherwise
        int p = Listpack.first(lp);
        for (String v : VALUES) {
            boolean number = io.lodestone.util.Numbers.isLong(b(v));
            assertEquals(number, Listpack.isInt(lp, p), v);
            assertTrue(Listpack.equals(lp, p, b(v)), v);
            assertFalse(Listpack.equals(lp, p, b(v + "0")), v);
            p = Listpack.next(lp, p);
        }
        byte[] exact = Listpack.shrinkToFit(lp);
        for (int q = Listpack.HEADER; q >= 0; q = Listpack.validateNext(exact, q, exact.length)) {
            assertTrue(q != -2);
            if ((exact[q] & 0xFF) == Listpack.EOF) break;
        }
    }

    @Test
    void integersUseRedisBytes() {
        // lpAppendInteger of 1, -1, 5000, 70000: 7-bit uint, 13-bit int, 16-bit int, 24-bit int
        byte[] lp = Listpack.newListpack(7);
        for (long v : new long[] {1, -1, 5000, 70000}) lp = Listpack.appendInteger(lp, v);
        assertEquals("1500000004000101dfff02f1881303f270110104ff", HexFormat.of().formatHex(lp, 0, Listpack.bytes(lp)));
    }

    @Test
    void replacingAnIntegerMovesWhatFollows() {
        byte[] lp = Listpack.newListpack(7);
        lp = Listpack.appendInteger(lp, 5);
        lp = Listpack.append(lp, b("tail"));
        lp = Listpack.replaceInteger(lp, Listpack.HEADER, 1L << 40);
        assertEquals(1L << 40, Listpack.getInteger(lp, Listpack.HEADER));
        assertArrayEquals(b("tail"), Listpack.get(lp, Listpack.next(lp, Listpack.HEADER)));
        lp = Listpack.replaceInteger(lp, Listpack.HEADER, 3);
        assertEquals(3, Listpack.getInteger(lp, Listpack.HEADER));
        assertArrayEquals(b("tail"), Listpack.get(lp, Listpack.last(lp)));
        assertEquals(Listpack.HEADER + 2 + 6 + 1, Listpack.bytes(lp));
    }

    @Test
    void theElementCountStaysUnknownOnceItOverflows() {
        byte[] lp = Listpack.newListpack(7);
        for (int i = 0; i < 65536; i++) lp = Listpack.appendInteger(lp, 1);
        assertEquals(Listpack.NUMELE_UNKNOWN, Listpack.headerCount(lp));
        assertEquals(Listpack.HEADER + 1 + 2 * 65536, Listpack.bytes(lp));
    }

    @Test
    void stringsThatAreNotIntegersAreNotParsedAsOnes() {
        byte[] lp = Listpack.append(Listpack.newListpack(7), b("12a"));
        assertNull(Listpack.integerIfValid(lp, Listpack.HEADER));
        lp = Listpack.append(Listpack.newListpack(7), b("x"));
        assertNull(Listpack.integerIfValid(lp, Listpack.HEADER));
    }
}
