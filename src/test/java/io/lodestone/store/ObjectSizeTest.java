package io.lodestone.store;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cost model: exact for a string key, and sampled collections that extrapolate sensibly. */
class ObjectSizeTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSmallStringKeyIsItsRecordAndItsSlot() {
        KeyEntry e = new Keyspace(1).db(0).add(b("k"), b("hello"));
        // 40-byte header, the key, room for 8 bytes of value, aligned to 8; one long in the table.
        assertEquals(56, e.recordSize());
        assertEquals(56 + 8, ObjectSize.of(e, 5));
        assertEquals(ObjectSize.of(e, 5), ObjectSize.of(e, Long.MAX_VALUE)); // nothing to sample
    }

    @Test
    void aLargeStringIsItsRecordAndItsArray() {
        byte[] big = new byte[5000];
        KeyEntry e = new Keyspace(1).db(0).add(b("k"), big);
        assertEquals(48, e.recordSize());
        assertEquals(48 + 8 + ObjectSize.REFERENCE + ObjectSize.bytes(5000), ObjectSize.of(e, 5));
        assertEquals(24, ObjectSize.bytes(5)); // 16-byte header, 5 bytes, aligned to 8
    }

    @Test
    void sampledCollectionsExtrapolateFromTheirFirstElements() {
        HashValue h = new HashValue();
        SetValue s = SetValue.hashtable(0);
        ZSetValue z = ZSetValue.createLarge();
        for (int i = 0; i < 10_000; i++) {
            h.set(b("field:" + (10_000 + i)), b("value"), 0, 0);
            s.add(b("member:" + (10_000 + i)), 0);
            z.add(b("member:" + (10_000 + i)), i, ZSetValue.ADD_NONE, new ZSetValue.Limits(0, 0));
        }
        for (Object v : new Object[]{h, s, z}) {
            long all = ObjectSize.value(v, Long.MAX_VALUE);
            long sampled = ObjectSize.value(v, 5);
            // Elements of one size: five predict the rest, within rounding (and, for the sorted set's
            // tree, the inner nodes estimated from its leftmost path).
            assertEquals(all, sampled, all / 50.0, v.getClass().getSimpleName());
            assertTrue(all > 10_000 * 12, v.getClass().getSimpleName() + ": at least the members' bytes, " + all);
        }
        HashValue small = new HashValue();
        small.set(b("f"), b("v"), 128, 64);
        assertTrue(small.isCompact());
        assertTrue(ObjectSize.value(small, 5) < 100, "a listpack hash is one small array");
    }
}
