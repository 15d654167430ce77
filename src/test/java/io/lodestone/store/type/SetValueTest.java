package io.lodestone.store.type;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encodings and conversions of a set value, as Redis 7.0's t_set.c decides them. */
class SetValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static List<String> members(SetValue s) {
        List<String> out = new ArrayList<>();
        SetValue.Members it = s.members();
        while (it.next()) out.add(new String(it.bytes(), StandardCharsets.US_ASCII));
        return out;
    }

    @Test
    void theFirstMemberDecidesTheEncodingOfANewSet() {
        assertTrue(SetValue.createFor(b("12")).isIntset());
        assertTrue(SetValue.createFor(b("-9223372036854775808")).isIntset());
        for (String notInt : new String[]{"a", "", "-0", "01", "+1", " 1", "1 ", "9223372036854775808", "1.0", "-"}) {
            assertFalse(SetValue.createFor(b(notInt)).isIntset(), notInt);
        }
    }

    @Test
    void anIntsetIteratesInAscendingOrderAndConvertsOnAString() {
        SetValue s = SetValue.intset();
        for (String m : new String[]{"10", "-2", "300000", "7", "7"}) s.add(b(m), 512);
        assertEquals(List.of("-2", "7", "10", "300000"), members(s));
        assertEquals(4, s.intsetEncoding());
        assertTrue(s.add(b("x"), 512));
        assertFalse(s.isIntset());
        assertEquals(5, s.size());
        assertTrue(s.contains(b("300000")));
        assertTrue(s.remove(b("x")));
        assertFalse(s.isIntset(), "the conversion is one-way");
    }

    @Test
    void anIntsetConvertsPastTheEntriesLimit() {
        SetValue s = SetValue.intset();
        for (int i = 0; i < 3; i++) s.add(b(Integer.toString(i)), 3);
        assertTrue(s.isIntset());
        s.add(b("3"), 3);
        assertFalse(s.isIntset());
        assertEquals(List.of("0", "1", "2", "3"), members(s).stream().sorted().toList());
        SetValue zero = SetValue.intset();
        zero.addLong(5, 0);
        assertFalse(zero.isIntset());
    }

    @Test
    void nonCanonicalIntegersAreNeverIntsetMembers() {
        SetValue s = SetValue.intset();
        s.add(b("1"), 512);
        assertFalse(s.contains(b("01")));
        assertFalse(s.contains(b("+1")));
        assertFalse(s.remove(b("1.0")));
        assertTrue(s.containsLong(1));
        assertTrue(s.isIntset());
    }

    @Test
    void aCopyKeepsTheEncodingAndSharesNothing() {
        SetValue ints = SetValue.intset();
        ints.add(b("1"), 512);
        SetValue c = ints.copy();
        assertArrayEquals(ints.intsetBlob(), c.intsetBlob());
        c.add(b("2"), 512);
        assertEquals(1, ints.size());
        assertTrue(c.isIntset());

        SetValue table = SetValue.hashtable(0);
        table.add(b("1"), 512);
        SetValue tc = table.copy();
        assertFalse(tc.isIntset(), "a hashtable of integers stays a hashtable when copied");
        tc.remove(b("1"));
        assertTrue(table.contains(b("1")));
    }

    @Test
    void formatsLongsAsRedisDoes() {
        for (long v : new long[]{0, 1, -1, 9, 10, -10, Long.MAX_VALUE, Long.MIN_VALUE, 1234567890123L}) {
            assertEquals(Long.toString(v), new String(SetValue.format(v), StandardCharsets.US_ASCII));
        }
    }
}
