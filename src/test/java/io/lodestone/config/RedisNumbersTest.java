package io.lodestone.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedisNumbersTest {

    @Test
    void string2llIsStrict() {
        assertEquals(0L, RedisNumbers.string2ll("0"));
        assertEquals(-12L, RedisNumbers.string2ll("-12"));
        assertEquals(Long.MAX_VALUE, RedisNumbers.string2ll("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, RedisNumbers.string2ll("-9223372036854775808"));
        for (String bad : new String[] {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "9223372036854775808",
                "00000000000000000000001", "0x10"}) {
            assertNull(RedisNumbers.string2ll(bad), bad);
        }
    }

    @Test
    void strtollLikeLibc() {
        RedisNumbers.Parsed p = RedisNumbers.strtoll("  +42", 10);
        assertEquals(42, p.value());
        assertTrue(p.complete());
        assertFalse(RedisNumbers.strtoll("42x", 10).complete());
        assertTrue(RedisNumbers.strtoll("", 10).complete(), "no digits in an empty string reads as a complete 0");
        assertFalse(RedisNumbers.strtoll("x", 10).complete());
        assertEquals(Long.MAX_VALUE, RedisNumbers.strtoll("99999999999999999999", 10).value());
        assertTrue(RedisNumbers.strtoll("9223372036854775808", 10).overflow());
        assertEquals(Long.MIN_VALUE, RedisNumbers.strtoll("-9223372036854775808", 10).value());
        assertFalse(RedisNumbers.strtoll("-9223372036854775808", 10).overflow());
        assertEquals(0777, RedisNumbers.strtoll("777", 8).value());
        assertFalse(RedisNumbers.strtoll("8", 8).complete());
    }

    @Test
    void memtoull() {
        assertEquals(1024L * 1024 * 1024, RedisNumbers.memtoull("1gb"));
        assertEquals(1000L, RedisNumbers.memtoull("1K"));
        assertEquals(1L, RedisNumbers.memtoull("1b"));
        assertEquals(0L, RedisNumbers.memtoull(""));
        assertEquals(0L, RedisNumbers.memtoull("mb"));
        assertEquals(12L, RedisNumbers.memtoull("012"));
        assertEquals(-1L, RedisNumbers.memtoull("99999999999999999999"), "saturates at 2^64-1");
        assertEquals(-1024L, RedisNumbers.memtoull("18446744073709551615kb"), "the unit multiplies and wraps");
        for (String bad : new String[] {"-1", "+1", " 1", "1.5gb", "1x", "1 kb", "1".repeat(128)}) {
            assertNull(RedisNumbers.memtoull(bad), bad);
        }
    }

    @Test
    void string2d() {
        assertEquals(99.9, RedisNumbers.string2d("99.9"));
        assertEquals(10.0, RedisNumbers.string2d("1e1"));
        assertEquals(0.5, RedisNumbers.string2d(".5"));
        assertEquals(Double.POSITIVE_INFINITY, RedisNumbers.string2d("inf"));
        for (String bad : new String[] {"", " 1", "1 ", "nan", "1e", "abc", "1d"}) {
            assertNull(RedisNumbers.string2d(bad), bad);
        }
    }

    @Test
    void formats() {
        assertEquals("99.9", RedisNumbers.formatPercentile(99.9));
        assertEquals("50", RedisNumbers.formatPercentile(50));
        assertEquals("0.000001", RedisNumbers.formatPercentile(0.000001));
        assertEquals("100", RedisNumbers.formatPercentile(99.99999999));
        assertEquals("2gb", RedisNumbers.formatMemory(2L << 30));
        assertEquals("64mb", RedisNumbers.formatMemory(64L << 20));
        assertEquals("3kb", RedisNumbers.formatMemory(3072));
        assertEquals("1000", RedisNumbers.formatMemory(1000));
        assertEquals("0", RedisNumbers.formatMemory(0));
    }
}
