package io.lodestone.persistence.aof;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replay of AOF files as Redis's loadSingleAppendOnlyFile reads them, including damaged tails. */
class AofLoaderTest {

    /** Records what would run: commands as space-joined text, RDB images, resets. */
    static final class Recorder implements AofReplay {
        final List<String> log = new ArrayList<>();

        @Override
        public long loadRdb(java.nio.file.Path file) throws Exception {
            long end = new io.lodestone.persistence.rdb.RdbFileLoader(
                    new io.lodestone.persistence.rdb.RdbValueReader.Limits(512, 64, 512, 128, 64, -2), true)
                    .load(file, 16, 0).end();
            log.add("RDB " + end);
            return end;
        }

        @Override
        public boolean execute(byte[][] argv) {
            if (new String(argv[0], StandardCharsets.ISO_8859_1).equalsIgnoreCase("nosuch")) return false;
            List<String> parts = new ArrayList<>();
            for (byte[] a : argv) parts.add(new String(a, StandardCharsets.ISO_8859_1));
            log.add(String.join(" ", parts));
            return true;
        }

        @Override
        public void reset() {
            log.add("reset");
        }
    }

    private static String resp(String... args) {
        StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        return sb.toString();
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content.getBytes(StandardCharsets.ISO_8859_1));
        return p;
    }

    @Test
    void replaysCommandsSkippingAnnotations() throws Exception {
        write("a", "#TS:1700000000\r\n" + resp("SELECT", "0") + resp("SET", "k", "v\r\nx") + resp("DEL", "k"));
        Recorder r = new Recorder();
        assertEquals(AofLoader.Status.OK, new AofLoader(dir, r, true).loadFile("a"));
        assertEquals(List.of("SELECT 0", "SET k v\r\nx", "DEL k", "reset"), r.log);
    }

    @Test
    void truncatedTailIsCutAtTheLastCompleteCommandWhenAllowed() throws Exception {
        String good = resp("SET", "a", "1") + resp("SET", "b", "2");
        for (String tail : List.of("*", "*3\r", "*3\r\n$3\r\nSET\r\n$1", "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3")) {
            Path p = write("t", good + tail);
            Recorder r = new Recorder();
            assertEquals(AofLoader.Status.TRUNCATED, new AofLoader(dir, r, true).loadFile("t"), tail);
            assertEquals(List.of("SET a 1", "SET b 2", "reset"), r.log);
            assertEquals(good, Files.readString(p, StandardCharsets.ISO_8859_1), "cut after the last command");
        }
    }

    @Test
    void truncatedTailFailsWhenNotAllowedAndTheFileIsKept() throws Exception {
        String content = resp("SET", "a", "1") + "*3\r\n$3\r\nSE";
        Path p = write("t", content);
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), false).loadFile("t"));
        assertEquals(content, Files.readString(p, StandardCharsets.ISO_8859_1));
    }

    @Test
    void unfinishedMultiIsRevertedToBeforeTheMulti() throws Exception {
        String good = resp("SET", "a", "1") + resp("MULTI") + resp("SET", "b", "2") + resp("EXEC");
        Path p = write("m", good + resp("MULTI") + resp("SET", "c", "3"));
        Recorder r = new Recorder();
        assertEquals(AofLoader.Status.TRUNCATED, new AofLoader(dir, r, true).loadFile("m"));
        assertEquals(good, Files.readString(p, StandardCharsets.ISO_8859_1));
        assertEquals("reset", r.log.get(r.log.size() - 1), "the open transaction is dropped");
    }

    @Test
    void badFormatAndUnknownCommandsFail() throws Exception {
        write("f", resp("SET", "a", "1") + "+OK\r\n");
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadFile("f"));
        write("f", "*0\r\n");
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadFile("f"));
        write("f", "*1\r\nxx\r\n");
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadFile("f"));
        write("f", resp("NOSUCH", "x"));
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadFile("f"));
    }

    @Test
    void missingAndEmptyFiles() throws Exception {
        write("empty", "");
        assertEquals(AofLoader.Status.EMPTY, new AofLoader(dir, new Recorder(), true).loadFile("empty"));
        assertEquals(AofLoader.Status.NOT_EXIST, new AofLoader(dir, new Recorder(), true).loadFile("missing"));
    }

    @Test
    void rdbBaseGoesToTheRdbLoader() throws Exception {
        byte[] rdb = rdbImage();
        Files.write(dir.resolve("b"), rdb);
        Recorder r = new Recorder();
        assertEquals(AofLoader.Status.OK, new AofLoader(dir, r, true).loadFile("b"));
        assertEquals(List.of("RDB " + rdb.length, "reset"), r.log);
    }

    @Test
    void oldSingleFileAofReplaysTheCommandsAfterItsRdbPreamble() throws Exception {
        byte[] rdb = rdbImage();
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.writeBytes(rdb);
        file.writeBytes((resp("SELECT", "0") + resp("SET", "a", "1") + resp("INCR", "a")).getBytes(StandardCharsets.ISO_8859_1));
        Files.write(dir.resolve("appendonly.aof"), file.toByteArray());
        Recorder r = new Recorder();
        assertEquals(AofLoader.Status.OK, new AofLoader(dir, r, true).loadFile("appendonly.aof"));
        assertEquals(List.of("RDB " + rdb.length, "SELECT 0", "SET a 1", "INCR a", "reset"), r.log);
        // A truncated tail is cut at the last whole command after the preamble, not at 0.
        byte[] cut = java.util.Arrays.copyOf(file.toByteArray(), file.size() - 3);
        Files.write(dir.resolve("appendonly.aof"), cut);
        assertEquals(AofLoader.Status.TRUNCATED, new AofLoader(dir, new Recorder(), true).loadFile("appendonly.aof"));
        assertEquals(rdb.length + resp("SELECT", "0").length() + resp("SET", "a", "1").length(),
                Files.size(dir.resolve("appendonly.aof")));
    }

    /** A real RDB image with one key. */
    private static byte[] rdbImage() throws Exception {
        io.lodestone.store.Keyspace ks = new io.lodestone.store.Keyspace(16);
        ks.db(0).add("k".getBytes(), "v".getBytes());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new io.lodestone.persistence.rdb.RdbFileWriter(false, true, 0).write(ks, out);
        return out.toByteArray();
    }

    @Test
    void manifestOrderBaseThenIncrsAndTruncationOnlyForTheLastFile() throws Exception {
        write("x.1.base.aof", resp("SET", "a", "base"));
        write("x.1.incr.aof", resp("SET", "a", "one"));
        write("x.2.incr.aof", resp("SET", "a", "two") + "*2\r\n");
        AofManifest m = AofManifest.parse(("file x.1.base.aof seq 1 type b\nfile x.1.incr.aof seq 1 type i\n"
                + "file x.2.incr.aof seq 2 type i\n").getBytes(StandardCharsets.ISO_8859_1));
        Recorder r = new Recorder();
        AofLoader loader = new AofLoader(dir, r, true);
        assertEquals(AofLoader.Status.TRUNCATED, loader.loadAll(m));
        assertEquals(List.of("SET a base", "reset", "SET a one", "reset", "SET a two", "reset"), r.log);
        assertTrue(loader.totalSize > 0);

        write("x.1.incr.aof", resp("SET", "a", "one") + "*2\r\n");
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadAll(m),
                "a truncated file that is not the last is fatal");
    }

    @Test
    void aFileOfTheManifestThatIsMissingIsFatal() throws Exception {
        write("x.1.base.aof", resp("SET", "a", "base"));
        AofManifest m = AofManifest.parse("file x.1.base.aof seq 1 type b\nfile x.1.incr.aof seq 1 type i\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(AofLoader.Status.FAILED, new AofLoader(dir, new Recorder(), true).loadAll(m));
    }
}
