package io.lodestone.store;

import io.lodestone.store.type.SetValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keyspace's accounted memory: it follows adds, overwrites, in-place growth and deletes, comes
 * back to where it started when the keys are gone, and agrees with a recount from scratch.
 */
class MemoryAccountingTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Recount: the records and values as {@link ObjectSize} sizes them, key by key. */
    private static long recount(Database db) {
        long[] sum = {0};
        db.forEach(e -> sum[0] += db.memoryOf(e));
        return sum[0];
    }

    @Test
    void runningSumMatchesARecountThroughRandomWrites() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        long empty = ks.memory();
        Random rnd = new Random(11);
        for (int i = 0; i < 50_000; i++) {
            ks.tick();
            byte[] k = b("key:" + rnd.nextInt(2_000));
            switch (rnd.nextInt(4)) {
                case 0 -> db.set(k, b("v".repeat(rnd.nextInt(rnd.nextInt(8) == 0 ? 3000 : 40))), false);
                case 1 -> {
                    KeyEntry e = db.lookupWrite(k);
                    if (e == null) e = db.add(k, SetValue.intset());
                    if (e.value() instanceof SetValue s) {
                        for (int j = 0; j < rnd.nextInt(50); j++) s.add(b("m" + rnd.nextInt(10_000)), 512);
                    }
                }
                case 2 -> db.delete(k);
                default -> {
                    KeyEntry e = db.lookupWrite(k);
                    if (e != null) db.setExpire(e, ks.now + 100_000);
                }
            }
        }
        ks.tick();
        long tableOverhead = db.tableOverhead();
        assertEquals(recount(db), ks.memory() - tableOverhead - db.expiresOverhead(), "running sum against a recount");
        java.util.List<byte[]> keys = new java.util.ArrayList<>();
        db.forEach(e -> keys.add(e.key()));
        for (byte[] k : keys) db.delete(k);
        ks.tick();
        assertEquals(0, ks.memory() - db.tableOverhead() - db.expiresOverhead(), "nothing left once every key is gone");
        assertTrue(ks.memory() >= empty);
    }

    @Test
    void inPlaceGrowthCountsFromTheEndOfTheCommand() {
        Keyspace ks = new Keyspace(1);
        Database db = ks.db(0);
        ks.tick();
        db.add(b("s"), SetValue.hashtable(0));
        ks.tick();
        long before = ks.memory();
        KeyEntry e = db.lookupWrite(b("s"));
        SetValue s = (SetValue) e.value();
        for (int i = 0; i < 10_000; i++) s.add(b("member:" + i), 512);
        // Read mid-command (INFO from a script): the keyspace sizes what changed so far.
        long grown = ks.memory();
        assertTrue(grown - before > 10_000 * 20, "10,000 members cost more than 20 bytes each: " + (grown - before));
        ks.tick();
        assertEquals(grown, ks.memory());
        db.delete(b("s"));
        ks.tick();
        assertTrue(ks.memory() < before, "deleting gives the memory back");
    }

    @Test
    void adoptedDataSetIsReclaimedByItsNewKeyspace() {
        Keyspace live = new Keyspace(1);
        Keyspace loaded = new Keyspace(1);
        for (int i = 0; i < 1000; i++) loaded.db(0).add(b("k" + i), b("value-" + i));
        live.adopt(loaded);
        long full = live.memory();
        for (int i = 0; i < 1000; i++) live.db(0).delete(b("k" + i));
        live.tick();
        assertTrue(live.memory() < full);
        // Re-adding the same keys costs what they cost before: the accounting came through the adoption.
        for (int i = 0; i < 1000; i++) live.db(0).add(b("k" + i), b("value-" + i));
        live.tick();
        assertEquals(full, live.memory());
    }
}
