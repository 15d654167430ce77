package io.lodestone.persistence.aof;

import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.persistence.rdb.RdbFileWriter;
import io.lodestone.persistence.rdb.RdbValueReader;
import io.lodestone.store.Keyspace;
import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import io.lodestone.testsupport.Slow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile AOF files: valid command streams (annotations, MULTI/EXEC, binary values, an RDB preamble)
 * cut at any byte, and mutated (counts and lengths made huge, negative or not numbers, CRLFs lost, bytes
 * changed). Properties: loading returns a status, never throws, never allocates out of proportion to
 * the file, never runs a command without all its arguments; a cut file replays exactly its complete
 * commands and, with aof-load-truncated, is cut after the last one (before an unfinished MULTI), as
 * Redis does; without it the load fails and the file is left alone. Manifests are fuzzed too: one
 * parses or is refused with its FormatException, and a parsed one survives being written and read back.
 */
class AofLoaderFuzzTest {
    private static final long ALLOC_BASE = 32L << 20;
    private static final long ALLOC_FACTOR = 64;
    private static String logLevel;

    @TempDir
    static Path dir;

    @BeforeAll
    static void quiet() {
        logLevel = Fuzz.quietLog(); // millions of "Bad file format" lines tell nothing
    }

    @AfterAll
    static void loud() {
        Fuzz.restoreLog(logLevel);
    }

    /** Records what runs, checking that every command arrives whole. */
    static final class Recorder implements AofReplay {
        final List<String> log = new ArrayList<>();

        @Override
        public long loadRdb(Path file) throws Exception {
            long end = new RdbFileLoader(new RdbValueReader.Limits(512, 64, 512, 128, 64, -2), true).load(file, 16, 0).end();
            log.add("RDB " + end);
            return end;
        }

        @Override
        public boolean execute(byte[][] argv) {
            if (argv.length < 1) throw new AssertionError("a command without arguments");
            for (int i = 0; i < argv.length; i++) if (argv[i] == null) throw new AssertionError("argument " + i + " missing");
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

    /** A valid AOF: its bytes, the commands as the recorder logs them, and where each command ends. */
    record Aof(byte[] bytes, List<String> commands, List<Integer> ends, List<Boolean> openMulti, int rdbEnd) {
    }

    static Aof generate(SplittableRandom rnd, boolean preamble) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rdbEnd = 0;
        if (preamble) {
            Keyspace ks = new Keyspace(16);
            ks.db(0).add("pre".getBytes(StandardCharsets.US_ASCII), "amble".getBytes(StandardCharsets.US_ASCII));
            new RdbFileWriter(rnd.nextBoolean(), true, 0).write(ks, out);
            rdbEnd = out.size();
        }
        List<String> commands = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Boolean> open = new ArrayList<>();
        boolean inMulti = false;
        int n = 1 + rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(5) == 0) out.writeBytes(("#TS:" + (1_700_000_000 + i) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            List<byte[]> argv = new ArrayList<>();
            int r = rnd.nextInt(10);
            if (r == 0 && !inMulti) {
                argv.add(b("MULTI"));
                inMulti = true;
            } else if (r == 1 && inMulti) {
                argv.add(b(rnd.nextBoolean() ? "EXEC" : "exec"));
                inMulti = false;
            } else if (r == 2) {
                argv.add(b("SELECT"));
                argv.add(b(Integer.toString(rnd.nextInt(16))));
            } else {
                argv.add(b(new String[] {"SET", "DEL", "RPUSH", "HSET", "INCRBY"}[rnd.nextInt(5)]));
                int args = 1 + rnd.nextInt(4);
                for (int a = 0; a < args; a++) argv.add(Mutations.randomBytes(rnd, rnd.nextInt(rnd.nextInt(10) == 0 ? 3000 : 12)));
            }
            out.writeBytes(("*" + argv.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            List<String> parts = new ArrayList<>();
            for (byte[] a : argv) {
                out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(a);
                out.writeBytes(new byte[] {'\r', '\n'});
                parts.add(new String(a, StandardCharsets.ISO_8859_1));
            }
            commands.add(String.join(" ", parts));
            ends.add(out.size());
            open.add(inMulti);
        }
        if (rnd.nextInt(5) == 0) out.writeBytes(b("#TS:1\r\n"));
        return new Aof(out.toByteArray(), commands, ends, open, rdbEnd);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code content} as {@code name}, loads it, and checks the allocation; returns the status. */
    static AofLoader.Status load(String name, byte[] content, Recorder r, boolean loadTruncated) throws Exception {
        Files.write(dir.resolve(name), content);
        AofLoader loader = new AofLoader(dir, r, loadTruncated);
        long before = Fuzz.allocatedBytes();
        AofLoader.Status st = loader.loadFile(name);
        long allocated = Fuzz.allocatedBytes() - before;
        if (before >= 0 && allocated > ALLOC_BASE + ALLOC_FACTOR * content.length) {
            throw new AssertionError("loading " + content.length + " bytes allocated " + allocated + " bytes");
        }
        return st;
    }

    @Test
    @Slow
    void aFileCutAnywhereReplaysItsCompleteCommands() {
        Fuzz fuzz = Fuzz.target("aof-cut", 50_000, 4);
        fuzz.run((index, rnd) -> {
            boolean preamble = rnd.nextInt(5) == 0;
            Aof aof = generate(rnd, preamble);
            int cut = rnd.nextInt(aof.bytes().length + 1);
            byte[] content = Arrays.copyOf(aof.bytes(), cut);
            fuzz.input(content);
            boolean allow = rnd.nextInt(4) > 0;
            Recorder r = new Recorder();
            String name = preamble ? "appendonly.aof" : "cut.aof";
            AofLoader.Status st = load(name, content, r, allow);
            fuzz.count(st + (preamble ? " with preamble" : ""));
            byte[] after = Files.readAllBytes(dir.resolve(name));
            if (cut == 0) {
                assertEquals(AofLoader.Status.EMPTY, st);
                return;
            }
            if (preamble && cut < aof.rdbEnd()) {
                assertEquals(AofLoader.Status.FAILED, st, "a cut RDB preamble");
                assertArrayEquals(content, after);
                return;
            }
            // the commands that are whole, and whether the bytes after them are more than annotations
            int k = 0;
            while (k < aof.ends().size() && aof.ends().get(k) <= cut) k++;
            int lastEnd = k == 0 ? aof.rdbEnd() : aof.ends().get(k - 1);
            boolean partial = !onlyAnnotations(content, lastEnd);
            boolean openMulti = k > 0 && aof.openMulti().get(k - 1);
            List<String> expected = new ArrayList<>();
            if (preamble) expected.add("RDB " + aof.rdbEnd());
            expected.addAll(aof.commands().subList(0, k));
            expected.add("reset");
            assertEquals(expected, r.log, "the commands replayed");
            if (!partial && !openMulti) {
                assertEquals(AofLoader.Status.OK, st);
                assertArrayEquals(content, after, "a whole file is not changed");
            } else if (allow) {
                assertEquals(AofLoader.Status.TRUNCATED, st);
                // Redis reverts an unfinished MULTI only at a clean end; a short read is cut where it is
                int keep = lastEnd;
                if (!partial) {
                    int m = k - 1;
                    while (m > 0 && aof.openMulti().get(m - 1)) m--;
                    keep = m == 0 ? aof.rdbEnd() : aof.ends().get(m - 1); // before the MULTI
                }
                assertArrayEquals(Arrays.copyOf(content, keep), after, "cut after the last whole command");
            } else {
                assertEquals(AofLoader.Status.FAILED, st);
                assertArrayEquals(content, after, "the file is kept when aof-load-truncated is off");
            }
        });
        assertTrue(fuzz.cases() > 0);
    }

    /** Whether the bytes from {@code from} are only annotation lines (the last one possibly cut). */
    private static boolean onlyAnnotations(byte[] b, int from) {
        int p = from;
        while (p < b.length) {
            if (b[p] != '#') return false;
            while (p < b.length && b[p] != '\n') p++;
            p++;
        }
        return true;
    }

    @Test
    @Slow
    void aMutatedFileLoadsOrFails() {
        Fuzz fuzz = Fuzz.target("aof-mutated", 50_000, 4);
        fuzz.run((index, rnd) -> {
            boolean preamble = rnd.nextInt(6) == 0;
            Aof aof = generate(rnd, preamble);
            String[] kind = new String[1];
            byte[] content = Mutations.mutate(aof.bytes(), rnd, kind);
            fuzz.input(content);
            fuzz.count(kind[0]);
            Recorder r = new Recorder();
            AofLoader.Status st = load(preamble ? "appendonly.aof" : "mutated.aof", content, r, rnd.nextBoolean());
            fuzz.count(st.toString());
            assertTrue(r.log.isEmpty() || r.log.get(r.log.size() - 1).equals("reset"), "a file ends with a reset");
        });
        assertTrue(fuzz.cases() > 0);
    }

    /**
     * Found by fuzzing: a corrupt {@code $<len>} allocated its length before reading (512 MB for a 3 KB
     * file), and a corrupt {@code *<count>} an array of that many arguments. Both are short reads, as in
     * Redis (which allocates, then fails to read): the file is cut after its last whole command.
     */
    @Test
    void hugeCountsAndLengthsAreShortReadsNotAllocations() throws Exception {
        String good = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n";
        for (String bad : new String[] {"*2\r\n$536870913\r\nRPUSH\r\n", "*536870912\r\n$3\r\nSET\r\n$1\r\nb\r\n",
            "*2\r\n$2147483639\r\nxx\r\n"}) {
            Recorder r = new Recorder();
            assertEquals(AofLoader.Status.TRUNCATED, load("huge.aof", b(good + bad), r, true), bad);
            assertEquals(List.of("SET a 1", "reset"), r.log);
            assertArrayEquals(b(good), Files.readAllBytes(dir.resolve("huge.aof")));
            assertEquals(AofLoader.Status.FAILED, load("huge.aof", b(good + bad), new Recorder(), false), bad);
        }
        // a count larger than the arguments that follow, then a line that is not one: a format error
        assertEquals(AofLoader.Status.FAILED, load("huge.aof", b(good + "*536870912\r\n$3\r\nSET\r\n+OK\r\n"),
                new Recorder(), true));
    }

    @Test
    @Slow
    void aMutatedManifestParsesOrIsRefused() {
        Fuzz fuzz = Fuzz.target("aof-manifest", 100_000, 2);
        fuzz.run((index, rnd) -> {
            StringBuilder valid = new StringBuilder();
            if (rnd.nextBoolean()) valid.append("file appendonly.aof.1.base.rdb seq 1 type b\n");
            int h = rnd.nextInt(3);
            for (int i = 0; i < h; i++) valid.append("file \"hist ").append(i).append("\" seq ").append(i + 1).append(" type h\n");
            int n = rnd.nextInt(4);
            for (int i = 1; i <= n; i++) valid.append("file appendonly.aof.").append(i).append(".incr.aof seq ").append(i).append(" type i\n");
            if (rnd.nextInt(4) == 0) valid.append("# comment\n");
            byte[] m = rnd.nextInt(5) == 0 ? b(valid.toString()) : Mutations.mutate(b(valid.toString()), rnd, new String[1]);
            fuzz.input(m);
            try {
                AofManifest am = AofManifest.parse(m);
                AofManifest again = AofManifest.parse(b(am.format()));
                assertEquals(am.base(), again.base());
                assertEquals(am.history(), again.history());
                assertEquals(am.incr(), again.incr());
                fuzz.count("parsed");
            } catch (AofManifest.FormatException e) {
                fuzz.count(e.getMessage());
            }
        });
        assertTrue(fuzz.cases() > 0);
    }
}
