package io.lodestone.persistence.rdb;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class RdbCodecTest {
    private static final RdbValueReader.Limits DEFAULTS = new RdbValueReader.Limits(512, 64, 512, 128, 64, -2);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void crc64MatchesRedisTestVector() {
        byte[] v = b("123456789");
        assertEquals(0xe9c6d914c4b8d9caL, Crc64.of(v, 0, v.length));
        assertEquals(0, Crc64.of(v, 0, 0));
        // incremental = one shot
        assertEquals(Crc64.of(v, 0, 9), Crc64.update(Crc64.of(v, 0, 4), v, 4, 5));
    }

    @Test
    void lzfRoundTripsAndRespectsTheOutputBound() {
        Random rnd = new Random(42);
        for (int round = 0; round < 300; round++) {
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 20000);
            byte[] in = new byte[n];
            int alphabet = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 256);
            for (int i = 0; i < n; i++) in[i] = (byte) (rnd.nextInt(alphabet) + 'a');
            if (rnd.nextInt(4) == 0) {
                for (int i = 1; i < n; i++) if (rnd.nextInt(3) > 0) in[i] = in[i / 2];
            }
            byte[] out = new byte[n + n / 16 + 64]; // incompressible input grows by 1/32
            int c = Lzf.compress(in, n, out, out.length);
            assertTrue(c > 0);
            assertArrayEquals(in, Lzf.decompress(out, 0, c, n));
            // a bound too small makes compress give up (0), never overflow
            if (c > 1) assertEquals(0, Lzf.compress(in, n, new byte[c - 1], c - 1));
        }
        assertThrows(IllegalArgumentException.class, () -> Lzf.decompress(new byte[] {(byte) 0xE0, 0, 0}, 0, 3, 20));
        assertThrows(IllegalArgumentException.class, () -> Lzf.decompress(new byte[] {5, 'a'}, 0, 2, 6));
    }

    private static Object roundTrip(Object v) throws RdbFormatException {
        byte[] data = new RdbValueWriter(true).serialize(v);
        RdbValueReader r = new RdbValueReader(data, 0, data.length, DEFAULTS);
        Object back = r.read();
        assertEquals(data.length, r.position());
        return back;
    }

    @Test
    void writerAndReaderRoundTripEveryType() throws RdbFormatException {
        for (String s : new String[] {"", "0", "-1", "12345678901", "x".repeat(1000), "hello"}) {
            assertArrayEquals(b(s), (byte[]) roundTrip(b(s)));
        }
        ListValue l = new ListValue(-2);
        for (int i = 0; i < 5000; i++) l.pushTail(b(i % 3 == 0 ? Integer.toString(i - 2500) : "e" + i));
        ListValue l2 = (ListValue) roundTrip(l);
        assertEquals(l.size(), l2.size());
        for (int i = 0; i < l.size(); i++) assertArrayEquals(l.get(i), l2.get(i));

        SetValue s = SetValue.intset();
        for (long v : new long[] {1, -70000, 5_000_000_000L}) s.addLong(v, 512);
        SetValue s2 = (SetValue) roundTrip(s);
        assertTrue(s2.isIntset());
        assertEquals(3, s2.size());
        assertTrue(s2.containsLong(5_000_000_000L));
        SetValue t = SetValue.hashtable(0);
        for (int i = 0; i < 700; i++) t.add(b("m" + i), 512);
        SetValue t2 = (SetValue) roundTrip(t);
        assertEquals(700, t2.size());
        assertTrue(t2.contains(b("m699")));

        HashValue h = new HashValue();
        for (int i = 0; i < 600; i++) h.set(b("f" + i), b(Integer.toString(i * 1000)), 512, 64);
        HashValue h2 = (HashValue) roundTrip(h);
        assertEquals(600, h2.size());
        assertTrue(!h2.isCompact());
        assertArrayEquals(b("599000"), h2.get(b("f599")));

        ZSetValue.Limits zl = new ZSetValue.Limits(128, 64);
        ZSetValue z = ZSetValue.createFor(b("a"), zl);
        z.add(b("a"), 0.1, 0, zl);
        z.add(b("b"), -0.0, 0, zl);
        z.add(b("c"), Double.POSITIVE_INFINITY, 0, zl);
        z.add(b("d"), 1e-300, 0, zl);
        z.add(b("e"), 123456789.125, 0, zl);
        ZSetValue z2 = (ZSetValue) roundTrip(z);
        assertEquals(5, z2.size());
        for (String m : new String[] {"a", "b", "c", "d", "e"}) assertEquals(z.score(b(m)), z2.score(b(m)), m);
        z.convertToLarge();
        ZSetValue z3 = (ZSetValue) roundTrip(z);
        assertTrue(z3.isCompact(), "a small skiplist payload loads as a listpack");
        assertEquals(0.1, z3.score(b("a")));
    }

    @Test
    void scoresInListpacksUseRedisFormatting() {
        assertEquals("0.10000000000000001", new String(Rdb.d2string(0.1), StandardCharsets.US_ASCII));
        assertEquals("1.0000000000000001e+300", new String(Rdb.d2string(1e300), StandardCharsets.US_ASCII));
        assertEquals("-0", new String(Rdb.d2string(-0.0), StandardCharsets.US_ASCII));
        assertEquals("inf", new String(Rdb.d2string(Double.POSITIVE_INFINITY), StandardCharsets.US_ASCII));
        assertEquals("12", new String(Rdb.d2string(12), StandardCharsets.US_ASCII));
    }

    /** Every truncation and many random corruptions either load a value or fail with the offset. */
    @Test
    void corruptInputNeverEscapesAsAnotherException() {
        Random rnd = new Random(1);
        HashValue h = new HashValue();
        for (int i = 0; i < 20; i++) h.set(b("field" + i), b("v" + i * 31), 512, 64);
        ListValue l = new ListValue(-2);
        for (int i = 0; i < 300; i++) l.pushTail(b("value-" + i));
        ZSetValue.Limits zl = new ZSetValue.Limits(128, 64);
        ZSetValue z = ZSetValue.createFor(b("a"), zl);
        for (int i = 0; i < 50; i++) z.add(b("m" + i), i * 0.5, 0, zl);
        SetValue s = SetValue.intset();
        for (int i = 0; i < 40; i++) s.addLong(i * 1000L, 512);
        RdbValueWriter w = new RdbValueWriter(true);
        int rejected = 0;
        for (Object v : new Object[] {h, l, z, s, b("x".repeat(300))}) {
            byte[] data = w.serialize(v);
            for (int cut = 0; cut < data.length; cut++) {
                byte[] part = Arrays.copyOf(data, cut);
                try {
                    new RdbValueReader(part, 0, part.length, DEFAULTS).read();
                    fail("a truncated payload loaded (" + cut + " of " + data.length + ")");
                } catch (RdbFormatException e) {
                    assertTrue(e.offset() >= 0 && e.offset() <= cut, e.getMessage());
                    assertTrue(e.getMessage().contains("at offset " + e.offset()));
                    rejected++;
                }
            }
            for (int round = 0; round < 2000; round++) {
                byte[] bad = data.clone();
                int flips = 1 + rnd.nextInt(3);
                for (int k = 0; k < flips; k++) bad[rnd.nextInt(bad.length)] ^= (byte) (1 << rnd.nextInt(8));
                try {
                    new RdbValueReader(bad, 0, bad.length, DEFAULTS).read();
                } catch (RdbFormatException e) {
                    rejected++;
                } catch (RuntimeException | OutOfMemoryError e) {
                    throw new AssertionError("corruption escaped as " + e, e);
                }
            }
        }
        assertTrue(rejected > 1000);
    }

    @Test
    void structuralErrorsAreNamed() {
        // hash listpack with a wrong backlen (Redis checks it with sanitize-dump-payload)
        byte[] badBacklen = {0x10, 0x12, 0x12, 0, 0, 0, 4, 0, (byte) 0x81, 'f', 2, (byte) 0x81, 'v', 3,
                (byte) 0x81, 'n', 2, 1, 1, (byte) 0xff};
        RdbFormatException e = assertThrows(RdbFormatException.class,
                () -> new RdbValueReader(badBacklen, 0, badBacklen.length, DEFAULTS).read());
        assertTrue(e.getMessage().contains("backlen"), e.getMessage());
        // odd number of entries in a hash listpack
        byte[] odd = {0x10, 0x0f, 0x0f, 0, 0, 0, 3, 0, (byte) 0x81, 'f', 2, (byte) 0x81, 'v', 2, 1, 1, (byte) 0xff};
        e = assertThrows(RdbFormatException.class, () -> new RdbValueReader(odd, 0, odd.length, DEFAULTS).read());
        assertTrue(e.getMessage().contains("odd"), e.getMessage());
        // duplicate field in a type-4 hash (Redis 7.0 without deep sanitization keeps both in a listpack)
        byte[] dup = {4, 2, 1, 'f', 1, 'v', 1, 'f', 1, 'w'};
        e = assertThrows(RdbFormatException.class, () -> new RdbValueReader(dup, 0, dup.length, DEFAULTS).read());
        assertTrue(e.getMessage().contains("duplicate hash field at offset 6"), e.getMessage());
        byte[] huge = {2, (byte) 0x80, 0x10, 0, 0, 0, 1, (byte) 0x61};
        e = assertThrows(RdbFormatException.class, () -> new RdbValueReader(huge, 0, huge.length, DEFAULTS).read());
        assertEquals("element count 268435456 exceeds the input at offset 1", e.getMessage());
        byte[] stream = {15, 0};
        e = assertThrows(RdbFormatException.class, () -> new RdbValueReader(stream, 0, 2, DEFAULTS).read());
        assertEquals("unsupported RDB value type 15 at offset 0", e.getMessage());
    }
}
