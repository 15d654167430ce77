package io.lodestone.util;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NumbersTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void string2llAcceptsExactlyCanonicalIntegers() {
        for (String ok : new String[] {"0", "-1", "7", "9223372036854775807", "-9223372036854775808", "1000"}) {
            assertTrue(Numbers.isLong(b(ok)), ok);
            assertEquals(Long.parseLong(ok), Numbers.parseLong(b(ok)), ok);
        }
        for (String bad : new String[] {"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1a", "9223372036854775808",
            "-9223372036854775809", "123456789012345678901", "0x10"}) {
            assertFalse(Numbers.isLong(b(bad)), bad);
            assertThrows(NumberFormatException.class, () -> Numbers.parseLong(b(bad)), bad);
        }
    }

    @Test
    void aRangeOfAnArrayParsesAlone() {
        byte[] buf = b("xx-4096yy");
        assertTrue(Numbers.isLong(buf, 2, 5));
        assertEquals(-4096, Numbers.parseLong(buf, 2, 5));
        assertFalse(Numbers.isLong(buf, 2, 6), "the byte after the range is not read as part of it");
        assertEquals(40, Numbers.parseLong(buf, 3, 2));
    }
}
