package io.lodestone.command;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Blocking timeouts as redis-server 7.0.15 reads them: {@code (long long) ceill(strtold(arg) * 1000)}
 * in x87 extended precision. Each expectation was checked against a real server (a deadline of 0
 * is a wait that never times out).
 */
class BlockingDeadlineTest {
    private static final long NOW = 1_700_000_000_000L;

    private static long deadline(String s) {
        return Blocking.deadline(s.getBytes(StandardCharsets.ISO_8859_1), NOW);
    }

    private static String error(String s) {
        return assertThrows(CommandError.class, () -> deadline(s)).getMessage();
    }

    @Test
    void wholeAndFractionalSeconds() {
        assertEquals(0, deadline("0"));
        assertEquals(NOW + 5000, deadline("5"));
        assertEquals(NOW + 10, deadline("0.01"));
        assertEquals(NOW + 10, deadline(".01"));
        assertEquals(NOW + 10, deadline("+0.01"));
        assertEquals(NOW + 10, deadline("1e-2"));
        assertEquals(NOW + 1500, deadline("1.5"));
        assertEquals(NOW + 8, deadline("0x1p-7"));
        assertEquals(NOW + 16000, deadline("0x10"));
    }

    @Test
    void subMillisecondTimeoutsRoundUp() {
        assertEquals(NOW + 1, deadline("0.0001"));
        assertEquals(NOW + 1, deadline("0.0009"));
        assertEquals(NOW + 1, deadline("0.001"));
    }

    @Test
    void smallNegativeTimeoutsRoundToForever() {
        assertEquals(0, deadline("-0"));
        assertEquals(0, deadline("-0.0001"));
        // -0.001 is a hair above -0.001 in extended precision: ceil gives -0.
        assertEquals(0, deadline("-0.001"));
    }

    @Test
    void deadlinesPastTheLongRangeNeverCome() {
        assertEquals(0, deadline("9223372036854775.807"));
        assertEquals(0, deadline("9223372036854770"));
    }

    @Test
    void errorsAsRedisWordsThem() {
        String negative = "ERR timeout is negative";
        String notFloat = "ERR timeout is not a float or out of range";
        assertEquals(negative, error("-1"));
        assertEquals(negative, error("-0.5"));
        assertEquals(negative, error("inf"));
        assertEquals(negative, error("-inf"));
        assertEquals(negative, error("infinity"));
        assertEquals(negative, error("1e400"));
        assertEquals(negative, error("9223372036854775807"));
        assertEquals(notFloat, error("1e5000"));
        assertEquals(notFloat, error("1e-5000"));
        assertEquals(notFloat, error("nan"));
        assertEquals(notFloat, error("x"));
        assertEquals(notFloat, error(""));
        assertEquals(notFloat, error(" 1"));
        assertEquals(notFloat, error("1 "));
        assertEquals(notFloat, error("1e"));
        assertEquals(notFloat, error("0x"));
        assertEquals(notFloat, error("0.01\u0000"));
    }
}
