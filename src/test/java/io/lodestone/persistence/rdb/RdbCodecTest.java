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

    private static RdbFormatException refused(byte[] payload, boolean deep) {
        return assertThrows(RdbFormatException.class,
                () -> new RdbValueReader(payload, 0, payload.length, DEFAULTS).deep(deep).read());
    }

    /** Redis's reason and what Redis does without deep sanitization, for each kind of corruption. */
    @Test
    void errorsCarryRedisReasonsAndKinds() {
        // hash listpack with a wrong backlen: Redis's shallow check (header) passes, the deep one fails
        byte[] badBacklen = {0x10, 0x12, 0x12, 0, 0, 0, 4, 0, (byte) 0x81, 'f', 2, (byte) 0x81, 'v', 3,
                (byte) 0x81, 'n', 2, 1, 1, (byte) 0xff};
        RdbFormatException e = refused(badBacklen, true);
        assertEquals("Hash listpack integrity check failed.", e.reason());
        assertEquals(RdbFormatException.Kind.CORRUPT, e.kind());
        assertEquals(RdbFormatException.Kind.UNSANITIZED, refused(badBacklen, false).kind());
        // a wrong total size in the header is found by the shallow check too
        byte[] badHeader = badBacklen.clone();
        badHeader[2] = 0x13;
        assertEquals(RdbFormatException.Kind.CORRUPT, refused(badHeader, false).kind());
        // odd number of entries in a hash listpack
        byte[] odd = {0x10, 0x0f, 0x0f, 0, 0, 0, 3, 0, (byte) 0x81, 'f', 2, (byte) 0x81, 'v', 2, 1, 1, (byte) 0xff};
        assertEquals("Hash listpack integrity check failed.", refused(odd, true).reason());
        // duplicate field in a small type-4 hash: Redis without deep sanitization keeps both in a listpack
        byte[] dup = {4, 2, 1, 'f', 1, 'v', 1, 'f', 1, 'w'};
        e = refused(dup, true);
        assertEquals("Hash with dup elements at offset 6", e.getMessage());
        assertEquals(RdbFormatException.Kind.UNSANITIZED, refused(dup, false).kind());
        byte[] huge = {2, (byte) 0x80, 0x10, 0, 0, 0, 1, (byte) 0x61};
        assertEquals("element count 268435456 exceeds the input at offset 1", refused(huge, true).getMessage());
        // Redis 7.2's stream type is as unknown here as it is to Redis 7.0
        byte[] stream = {21, 0};
        assertEquals("Unknown RDB encoding type 21 at offset 0", refused(stream, true).getMessage());
        // a ziplist is always validated whole: a bad prevlen is corrupt even without deep sanitization
        byte[] zl = {0x0A, 17, 17, 0, 0, 0, 13, 0, 0, 0, 2, 0, 0, 1, 'a', 5, 1, 'b', (byte) 0xff};
        e = refused(zl, false);
        assertEquals("List ziplist integrity check failed.", e.reason());
        assertEquals(RdbFormatException.Kind.CORRUPT, e.kind());
        // an LZF string claiming more than its bytes can expand to is refused before any allocation
        byte[] lzf = {0, (byte) 0xC3, 2, (byte) 0x80, 0x7F, 0, 0, 0, 0, 'a'};
        assertEquals("Invalid LZF compressed string", refused(lzf, true).reason());
    }

    @Test
    void emptyCollectionsAreEmptyKeysAndConsumed() throws RdbFormatException {
        for (byte[] empty : new byte[][] {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {14, 0},
                {16, 7, 7, 0, 0, 0, 0, 0, (byte) 0xff},
                {10, 11, 11, 0, 0, 0, 10, 0, 0, 0, 0, 0, (byte) 0xff}}) {
            RdbValueReader r = new RdbValueReader(empty, 0, empty.length, DEFAULTS);
            RdbFormatException e = assertThrows(RdbFormatException.class, r::read);
            assertEquals(RdbFormatException.Kind.EMPTY_KEY, e.kind(), e.getMessage());
            assertEquals(empty.length, r.position());
        }
    }

    @Test
    void blobsFollowRedisValidationExactly() throws RdbFormatException {
        // a listpack backlen whose continuation bit is set does not decode to the entry's size (lpDecodeBacklen)
        byte[] cont = {0x11, 0x0a, 0x0a, 0, 0, 0, 1, 0, (byte) 0x81, 'a', (byte) 0x82, (byte) 0xff};
        assertEquals("Zset listpack integrity check failed.", refused(cont, true).reason());
        // ziplist strings of 32-bit length: Redis masks the low bits of the encoding byte (10xxxxxx)
        byte[] zl = {0x0A, 0x14, 0x14, 0, 0, 0, 0x0A, 0, 0, 0, 1, 0, 0, (byte) 0x85, 0, 0, 0, 2, 'h', 'i', (byte) 0xff};
        zl[1] = (byte) (zl.length - 2);
        zl[2] = (byte) (zl.length - 2);
        ListValue l = (ListValue) new RdbValueReader(zl, 0, zl.length, DEFAULTS).read();
        assertArrayEquals(b("hi"), l.get(0));
        // an intset out of order: the shallow check passes, the deep one fails
        byte[] is = {11, 12, 2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 3, 0};
        assertEquals(RdbFormatException.Kind.UNSANITIZED, refused(is, false).kind());
        assertEquals("Intset integrity check failed.", refused(is, true).reason());
        // a zipmap with no entries
        byte[] zm = {9, 2, 0, (byte) 0xff};
        assertEquals("Zipmap integrity check failed.", refused(zm, false).reason());
        // RDB_TYPE_ZSET scores are read as sscanf("%lg") reads them: a numeric prefix is enough
        byte[] z = {3, 1, 1, 'm', 4, '1', '.', '5', 'x'};
        ZSetValue zs = (ZSetValue) new RdbValueReader(z, 0, z.length, DEFAULTS).read();
        assertEquals(1.5, zs.score(b("m")));
    }
}
