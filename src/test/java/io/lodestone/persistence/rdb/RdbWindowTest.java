package io.lodestone.persistence.rdb;

import io.lodestone.store.Keyspace;
import io.lodestone.store.type.ListValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loader reads files through a window, so files larger than memory arrays (2 GB) load: the same
 * data comes out whatever the window size, records that straddle the window are parsed again, a value
 * larger than the window grows it, and errors still name file offsets.
 */
class RdbWindowTest {
    private static final RdbValueReader.Limits LIMITS = new RdbValueReader.Limits(512, 64, 512, 128, 64, -2);

    private static byte[] sample() throws Exception {
        Keyspace ks = new Keyspace(16);
        for (int i = 0; i < 3000; i++) {
            ks.db(i % 3).add(("key:" + i).getBytes(StandardCharsets.US_ASCII), ("value:" + i).getBytes(StandardCharsets.US_ASCII));
        }
        ks.db(0).add("big".getBytes(), "x".repeat(5000).getBytes()); // larger than the smallest window
        ListValue l = new ListValue(-2);
        for (int i = 0; i < 2000; i++) l.pushTail(("element-" + i).getBytes());
        ks.db(1).add("list".getBytes(), l);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new RdbFileWriter(false, true, 0).write(ks, out);
        return out.toByteArray();
    }

    private static Map<String, String> content(Keyspace ks) {
        RdbValueWriter w = new RdbValueWriter(false);
        Map<String, String> all = new TreeMap<>();
        for (int i = 0; i < ks.databases(); i++) {
            int db = i;
            ks.db(i).forEach(e -> all.put(db + ":" + new String(e.key(), StandardCharsets.ISO_8859_1),
                    HexFormat.of().formatHex(w.serialize(e.value()))));
        }
        return all;
    }

    @Test
    void sameDataWhateverTheWindow() throws Exception {
        byte[] file = sample();
        Map<String, String> whole = content(new RdbFileLoader(LIMITS, true).load(file, 16, 0).keyspace());
        assertEquals(3002, whole.size());
        for (int window : new int[]{64, 100, 1000, 4096, 65536}) {
            RdbFileLoader.Result r = new RdbFileLoader(LIMITS, true).load(new ByteArrayInputStream(file), window, 16, 0);
            assertEquals(whole, content(r.keyspace()), "window " + window);
        }
    }

    @Test
    void errorsNameFileOffsetsThroughTheWindow() throws Exception {
        byte[] file = sample();
        byte[] truncated = java.util.Arrays.copyOf(file, file.length - 100);
        RdbFormatException e = assertThrows(RdbFormatException.class,
                () -> new RdbFileLoader(LIMITS, true).load(new ByteArrayInputStream(truncated), 64, 16, 0));
        assertTrue(e.offset() > file.length - 200 && e.offset() <= truncated.length, e.getMessage());
        byte[] badCrc = file.clone();
        badCrc[badCrc.length - 1] ^= 1;
        RdbFormatException c = assertThrows(RdbFormatException.class,
                () -> new RdbFileLoader(LIMITS, true).load(new ByteArrayInputStream(badCrc), 128, 16, 0));
        assertTrue(c.getMessage().contains("wrong RDB checksum expected: ("), c.getMessage());
        assertTrue(c.getMessage().contains("RDB CRC error at offset " + (file.length - 8)), c.getMessage());
    }

    /** A key twice in one database fails the load, as Redis's rdbLoad refuses it, naming the record's offset. */
    @Test
    void aDuplicateKeyFailsTheLoad() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes("REDIS0009".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.writeBytes(new byte[]{(byte) 0xFE, 0, (byte) 0xFB, 2, 0}); // SELECTDB 0, RESIZEDB 2 0
        byte[] record = {0, 1, 'a', 1, '1'}; // string "a" -> "1"
        out.writeBytes(record);
        out.writeBytes(record);
        out.write(0xFF);
        out.writeBytes(new byte[8]); // checksum 0: not verified
        byte[] file = out.toByteArray();
        RdbFormatException e = assertThrows(RdbFormatException.class,
                () -> new RdbFileLoader(LIMITS, true).load(new ByteArrayInputStream(file), 64, 16, 0));
        assertTrue(e.getMessage().contains("duplicate key 'a'"), e.getMessage());
        assertEquals(9 + 5 + record.length, e.offset(), e.getMessage());
    }

    /**
     * Empty collections (written by old Redis bugs) are skipped with a count, as Redis's rdbLoad does,
     * whatever the window; a corrupt value fails the load with redis-check-rdb's account of it.
     */
    @Test
    void emptyKeysAreSkippedAndCorruptValuesReported() throws Exception {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes("REDIS0009".getBytes(StandardCharsets.US_ASCII));
        f.writeBytes(HexFormat.of().parseHex("fe00"));
        f.writeBytes(HexFormat.of().parseHex("0203736574" + "00"));                    // set, 0 members
        f.writeBytes(HexFormat.of().parseHex("0004686173680" + "0"));                  // string "hash" = ""
        f.writeBytes(HexFormat.of().parseHex("1004686c706b" + "07070000000000ff"));    // listpack hash, empty
        f.writeBytes(HexFormat.of().parseHex("0e0171" + "00"));                         // quicklist, 0 nodes
        f.writeBytes(HexFormat.of().parseHex("ff0000000000000000"));
        byte[] file = f.toByteArray();
        for (int window : new int[] {16, 4096}) {
            RdbFileLoader.Result r = new RdbFileLoader(LIMITS, true).load(new ByteArrayInputStream(file), window, 16, 0);
            assertEquals(3, r.emptyKeysSkipped());
            assertEquals(1, r.keysLoaded());
            assertEquals(Map.of("0:hash", "0000"), content(r.keyspace()));
        }
        byte[] corrupt = file.clone();
        corrupt[corrupt.length - 9 - 4 - 7 + 4] = 9; // the listpack's element count
        RdbFileLoader loader = new RdbFileLoader(LIMITS, true).deep(true);
        RdbFormatException e = assertThrows(RdbFormatException.class, () -> loader.load(corrupt, 16, 0));
        assertEquals("Hash listpack integrity check failed.", e.reason());
        java.util.List<String> report = loader.checkReport(e);
        assertEquals("--- RDB ERROR DETECTED ---", report.get(0));
        assertTrue(report.contains("[additional info] Reading key 'hlpk'"), report.toString());
    }
}
