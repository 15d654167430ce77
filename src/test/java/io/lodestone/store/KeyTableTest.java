package io.lodestone.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slab-backed key table against a HashMap model: records, values, removal and reuse, SCAN. */
class KeyTableTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void randomOperationsAgreeWithAMap() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        Map<String, String> model = new HashMap<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            String k = "key:" + rnd.nextInt(20_000);
            int op = rnd.nextInt(10);
            if (op < 5) {
                // Values of every size class, some past the inline limit.
                String v = "v".repeat(rnd.nextInt(rnd.nextInt(8) == 0 ? 3000 : 40));
                db.set(b(k), b(v), false);
                model.put(k, v);
            } else if (op < 7) {
                assertEquals(model.remove(k) != null, db.delete(b(k)));
            } else {
                KeyEntry e = db.peek(b(k));
                String v = model.get(k);
                if (v == null) assertNull(e);
                else assertEquals(v, new String((byte[]) e.value(), StandardCharsets.US_ASCII));
            }
            if (i % 97 == 0) ks.tick(); // between commands, removed records are reclaimed
        }
        assertEquals(model.size(), db.size());
        Map<String, String> seen = new HashMap<>();
        db.forEach(e -> seen.put(new String(e.key(), StandardCharsets.US_ASCII),
                new String((byte[]) e.value(), StandardCharsets.US_ASCII)));
        assertEquals(model, seen);
    }

    @Test
    void aRemovedKeyStaysReadableUntilTheNextCommandAndItsMemoryIsThenReused() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        KeyEntry e = db.add(b("gone"), b("value"));
        long address = e.address;
        db.remove(e);
        assertNull(db.peek(b("gone")));
        KeyEntry other = db.add(b("next"), b("value"));
        assertNotEquals(address, other.address);
        assertArrayEquals(b("gone"), e.key());
        assertArrayEquals(b("value"), (byte[]) e.value());
        ks.tick();
        assertEquals(address, db.add(b("reuse"), b("value")).address);
    }

    @Test
    void valuesMoveBetweenTheRecordAndObjectsAsTheyGrowAndShrink() {
        Database db = new Keyspace(1).db(0);
        KeyEntry e = db.add(b("k"), b("1"));
        assertTrue(e.isInline());
        e.value(b("12345678")); // the room every record has
        assertTrue(e.isInline());
        byte[] big = new byte[2000];
        e.value(big);
        assertFalse(e.isInline());
        assertSame(big, e.value());
        e.value(b("small"));
        assertTrue(e.isInline());
        assertArrayEquals(b("small"), (byte[]) e.value());
        Object list = new Object();
        e.value(list);
        assertSame(list, e.value());
    }

    @Test
    void anOwnedStringIsTheVeryArrayTheCommandWritesInto() {
        Database db = new Keyspace(1).db(0);
        KeyEntry e = db.add(b("k"), b("abc"));
        byte[] mine = b("abc");
        e.own(mine);
        assertTrue(e.hasFlag(KeyEntry.FLAG_RAW));
        mine[0] = 'X';
        assertArrayEquals(b("Xbc"), (byte[]) db.peek(b("k")).value());
        e.value(b("plain"));
        assertFalse(e.hasFlag(KeyEntry.FLAG_RAW));
        db.peek(b("k")).setFlag(KeyEntry.FLAG_RAW); // an inline string flagged raw becomes owned
        byte[] owned = (byte[]) db.peek(b("k")).value();
        assertSame(owned, db.peek(b("k")).value());
    }

    @Test
    void keysLargerThanASharedRecordGetAPageOfTheirOwn() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        byte[] key = new byte[100_000];
        key[99_999] = 1;
        db.add(key, b("v"));
        assertArrayEquals(b("v"), (byte[]) db.peek(key).value());
        assertArrayEquals(key, db.peek(key).key());
        assertTrue(db.delete(key));
        ks.tick();
        assertNull(db.peek(key));
    }

    @Test
    void expiryMetadataAndTheExpireIndexFollowTheRecord() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        List<KeyEntry> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) entries.add(db.add(b("k" + i), b("v")));
        for (int i = 0; i < 1000; i += 2) db.setExpire(entries.get(i), 1000L + i);
        assertEquals(500, db.expiresSize());
        for (int i = 0; i < 1000; i += 4) db.remove(entries.get(i));
        assertEquals(250, db.expiresSize());
        for (int i = 2; i < 1000; i += 4) assertEquals(1000L + i, db.peek(b("k" + i)).expireAt());
        ks.tick();
        ks.now = Long.MAX_VALUE / 2;
        int expired = 0;
        for (int round = 0; round < 10_000 && db.expiresSize() > 0; round++) expired += db.activeExpire(20);
        assertEquals(250, expired);
        assertEquals(500, db.size());
    }

    @Test
    void scanReturnsEveryKeyPresentThroughoutWhileTheTableGrowsAndShrinks() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        for (int i = 0; i < 5000; i++) db.add(b("stay:" + i), b("v"));
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int calls = 0, added = 0;
        do {
            cursor = db.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.US_ASCII)));
            // Grow the table mid-scan, then shrink it by removing what was added.
            if (calls < 50) for (int j = 0; j < 400; j++) db.add(b("grow:" + added++), b("v"));
            else if (calls == 50) for (int j = 0; j < added; j++) db.delete(b("grow:" + j));
            ks.tick();
            db.cron(1);
            calls++;
        } while (cursor != 0 && calls < 1_000_000);
        for (int i = 0; i < 5000; i++) assertTrue(seen.contains("stay:" + i), "stay:" + i);
    }
}
