package io.lodestone.command.keys;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import io.lodestone.util.Glob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same key commands sent to a real redis-server 7.0 and to Lodestone must get the same bytes back.
 * Replies whose order depends on the hash table (KEYS, SCAN) are compared as sorted sets of elements;
 * replies that depend on the clock (TTL of a relative expiry, IDLETIME) may differ by one.
 * Skipped when redis-server is not installed.
 */
class KeyCommandsDifferentialTest {
    private static final String LLONG_MAX = "9223372036854775807";
    /**
     * A TTL that passes soon but not while the command runs: redis-server 7.0's PEXPIRE takes its base
     * time and its already-expired check from two clock readings, so a 1 ms TTL deletes the key at
     * once when the clock ticks between them (a loaded machine makes that frequent).
     */
    private static final String SHORT_TTL_MS = "100";
    private static ServerProcess redis;
    private static EmbeddedServer ours;

    private RespClient real;
    private RespClient mine;
    private final List<String> mismatches = new ArrayList<>();
    private int checks;

    @BeforeAll
    static void startServers() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis("--enable-debug-command", "yes");
        ours = EmbeddedServer.start();
        StubStrings.install(ours.context());
    }

    @AfterAll
    static void stopServers() {
        if (redis != null) redis.close();
        if (ours != null) ours.close();
    }

    @BeforeEach
    void connect() throws IOException {
        real = redis.client();
        mine = RespClient.connect(ours.port());
        both("FLUSHALL");
    }

    @AfterEach
    void disconnect() throws IOException {
        if (real != null) {
            both("FLUSHALL");
            real.close();
        }
        if (mine != null) mine.close();
    }

    // ---- Comparison helpers ----------------------------------------------------------------------

    /** Runs on both servers without comparing (setup whose reply is checked elsewhere). */
    private void both(Object... args) {
        call(real, args);
        call(mine, args);
    }

    /** Sends one command (String arguments as UTF-8, byte[] as is) and returns its raw reply. */
    private static byte[] call(RespClient c, Object... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i] instanceof byte[] b ? b : args[i].toString().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return c.call(argv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Byte-identical replies. */
    private void same(Object... args) {
        compare(args, RespClient.text(call(real, args)), RespClient.text(call(mine, args)));
    }

    /** Identical once the elements of every flat array are sorted. */
    private void sameSorted(Object... args) {
        compare(args, canonical(call(real, args)), canonical(call(mine, args)));
    }

    /** Integers within one of each other (clock-dependent replies). */
    private void sameNear(Object... args) {
        String a = RespClient.text(call(real, args)), b = RespClient.text(call(mine, args));
        checks++;
        if (a.equals(b)) return;
        if (a.startsWith(":") && b.startsWith(":")) {
            long x = Long.parseLong(a.substring(1).trim()), y = Long.parseLong(b.substring(1).trim());
            if (Math.abs(x - y) <= 1) return;
        }
        mismatches.add(describe(args) + "\n    redis: " + escape(a) + "\n    ours:  " + escape(b));
    }

    /** A whole SCAN iteration with the given options returns the same set of keys on both. */
    private void sameFullScan(Object... options) {
        compare(prepend("SCAN(full)", options), fullScan(real, options).toString(), fullScan(mine, options).toString());
    }

    private static TreeSet<String> fullScan(RespClient c, Object... options) {
        TreeSet<String> keys = new TreeSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            List<Object> args = new ArrayList<>(List.of("SCAN", cursor));
            args.addAll(Arrays.asList(options));
            Reader r = new Reader(call(c, args.toArray()));
            r.expect('*');
            cursor = r.bulk();
            int n = r.header('*');
            for (int i = 0; i < n; i++) keys.add(escape(r.bulk()));
            if (++calls > 100_000) throw new AssertionError("SCAN never finished");
        } while (!cursor.equals("0"));
        return keys;
    }

    private void compare(Object[] args, String expected, String actual) {
        checks++;
        if (!expected.equals(actual)) {
            mismatches.add(describe(args) + "\n    redis: " + escape(expected) + "\n    ours:  " + escape(actual));
        }
    }

    private void assertNoMismatches() {
        assertTrue(checks > 0);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + checks + " replies differ:\n"
                + String.join("\n", mismatches));
    }

    /** Polls both servers until {@code KEYS *} lists exactly {@code live} (others logically expired). */
    private void awaitOnlyLive(String... live) {
        TreeSet<String> want = new TreeSet<>(Arrays.asList(live));
        Wait.until(Duration.ofSeconds(5), "only " + want + " to be left on both servers",
                () -> keySet(real).equals(want) && keySet(mine).equals(want),
                () -> "redis-server " + keySet(real) + ", lodestone " + keySet(mine));
    }

    private static TreeSet<String> keySet(RespClient c) {
        Reader r = new Reader(call(c, "KEYS", "*"));
        int n = r.header('*');
        TreeSet<String> keys = new TreeSet<>();
        for (int i = 0; i < n; i++) keys.add(r.bulk());
        return keys;
    }

    // ---- Cases -----------------------------------------------------------------------------------

    @Test
    void arityAndSyntaxErrors() {
        for (String c : List.of("DEL", "UNLINK", "EXISTS", "TYPE", "TOUCH", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
                "PERSIST", "KEYS", "SCAN", "RENAME", "RENAMENX", "COPY", "MOVE", "SWAPDB", "EXPIRE", "PEXPIRE",
                "EXPIREAT", "PEXPIREAT", "OBJECT")) {
            same(c);
        }
        same("TYPE", "a", "b");
        same("TTL", "a", "b");
        same("PERSIST", "a", "b");
        same("KEYS", "a", "b");
        same("RANDOMKEY", "x");
        same("DBSIZE", "x");
        same("RENAME", "a");
        same("RENAME", "a", "b", "c");
        same("COPY", "a");
        same("MOVE", "a");
        same("MOVE", "a", "1", "2");
        same("SWAPDB", "0");
        same("EXPIRE", "a");
        same("PEXPIREAT", "a");
        same("OBJECT", "ENCODING");
        same("OBJECT", "FOO");
        same("OBJECT", "foo", "bar");
        same("OBJECT", "help", "x");
        same("OBJECT", "refcount", "a", "b");
        same("OBJECT", "idletime");
        same("FLUSHDB", "a");
        same("FLUSHDB", "sync", "async");
        same("FLUSHALL", "a");
        same("FLUSHALL", "async", "x");
        same("FLUSHALL", "1", "2");
        assertNoMismatches();
    }

    @Test
    void databaseIndexErrors() {
        both("SET", "k", "v");
        same("SWAPDB", "a", "b");
        same("SWAPDB", "0", "b");
        same("SWAPDB", "0", "16");
        same("SWAPDB", "-1", "0");
        same("SWAPDB", "99999999999", "0");
        same("SWAPDB", "0", "99999999999");
        same("SWAPDB", "0", "1.5");
        same("MOVE", "k", "abc");
        same("MOVE", "k", "99999999999");
        same("MOVE", "k", "-1");
        same("MOVE", "k", "16");
        same("MOVE", "k", "0");
        same("MOVE", "k", "");
        same("MOVE", "nokey", "0");
        same("COPY", "k", "k");
        same("COPY", "k", "k", "DB", "0");
        same("COPY", "k", "k2", "DB");
        same("COPY", "k", "k2", "DB", "x");
        same("COPY", "k", "k2", "DB", "16");
        same("COPY", "k", "k2", "DB", "-1");
        same("COPY", "k", "k2", "DB", "99999999999");
        same("COPY", "k", "k2", "FOO");
        same("COPY", "k", "k2", "REPLACE", "FOO");
        same("COPY", "k", "k2", "DB", "16", "FOO");
        same("COPY", "k", "k2", "FOO", "DB", "16");
        same("COPY", "nokey", "nokey");
        same("RENAME", "nokey", "x");
        same("RENAMENX", "nokey", "x");
        same("RENAME", "nokey", "nokey");
        same("RENAMENX", "nokey", "nokey");
        assertNoMismatches();
    }

    @Test
    void expireOptionAndRangeErrors() {
        both("SET", "k", "v");
        same("EXPIRE", "k", "10", "NX", "XX");
        same("EXPIRE", "k", "10", "GT", "LT");
        same("EXPIRE", "k", "10", "NX", "GT");
        same("EXPIRE", "k", "10", "NX", "LT");
        same("EXPIRE", "k", "10", "XX", "GT", "LT");
        same("EXPIRE", "k", "10", "lt", "gt", "nx");
        same("EXPIRE", "k", "10", "FOO");
        same("EXPIRE", "k", "10", "NX", "FOO", "XX");
        same("EXPIRE", "k", "abc", "FOO");
        same("EXPIRE", "k", "abc", "NX", "XX");
        same("PEXPIRE", "k", "10", "bar");
        same("EXPIREAT", "k", "10", "GT", "LT");
        same("PEXPIREAT", "k", "10", "nx", "xx");
        same("EXPIRE", "k", "10", "a\r\nb");
        same("EXPIRE", "k", "10", new byte[] {'a', 0, 'b'});
        same("EXPIRE", "k", "abc");
        same("EXPIRE", "k", "1.5");
        same("EXPIRE", "k", "");
        same("EXPIRE", "k", " 1");
        same("EXPIRE", "k", "+1");
        same("EXPIRE", "k", LLONG_MAX);
        same("EXPIRE", "k", "9223372036854775");
        same("EXPIRE", "k", "9223372036854774");
        same("EXPIRE", "k", "-9223372036854776");
        same("EXPIRE", "nokey", LLONG_MAX);
        same("PEXPIRE", "k", LLONG_MAX);
        same("PEXPIRE", "k", "9223372036854775808");
        same("EXPIREAT", "k", "9223372036854776");
        same("EXPIREAT", "k", "-9223372036854776");
        same("EXPIRE", "k", "10", "NX");
        same("TTL", "k");
        assertNoMismatches();
    }

    @Test
    void expireConditionsAndTimes() {
        both("SET", "k", "v");
        same("TTL", "k");
        same("PTTL", "k");
        same("EXPIRETIME", "k");
        same("PEXPIRETIME", "k");
        same("EXPIRE", "k", "100", "XX");
        same("EXPIRE", "k", "100", "GT");
        same("EXPIRE", "k", "100", "LT");
        same("PERSIST", "k");
        same("EXPIRE", "k", "100", "NX");
        same("EXPIRE", "k", "100", "NX");
        sameNear("TTL", "k");
        same("EXPIRE", "k", "200", "XX");
        same("EXPIRE", "k", "100", "GT");
        same("EXPIRE", "k", "300", "gt");
        same("EXPIRE", "k", "400", "LT");
        same("EXPIRE", "k", "50", "Lt");
        same("EXPIRE", "k", "50", "XX", "LT");
        same("EXPIRE", "k", "40", "XX", "LT");
        same("EXPIRE", "k", "-1", "GT");
        sameNear("TTL", "k");
        same("PERSIST", "k");
        same("PERSIST", "k");
        same("TTL", "k");
        same("EXPIREAT", "k", "4000000000");
        same("EXPIRETIME", "k");
        same("PEXPIRETIME", "k");
        same("PEXPIREAT", "k", "4000000000123");
        same("EXPIRETIME", "k");
        same("PEXPIRETIME", "k");
        same("PEXPIREAT", "k", "4000000000500");
        same("EXPIRETIME", "k");
        same("PEXPIREAT", "k", LLONG_MAX);
        same("PEXPIRETIME", "k");
        sameNear("TTL", "k");
        same("EXPIREAT", "k", "9223372036854775");
        same("PEXPIRETIME", "k");
        same("EXPIRE", "k", "-1", "LT");
        same("EXISTS", "k");
        for (String[] past : List.of(new String[] {"EXPIRE", "0"}, new String[] {"EXPIRE", "-100"},
                new String[] {"PEXPIRE", "-5"}, new String[] {"EXPIREAT", "5"}, new String[] {"PEXPIREAT", "1"},
                new String[] {"EXPIREAT", "-9223372036854775"})) {
            both("SET", "k", "v");
            same(past[0], "k", past[1]);
            same("EXISTS", "k");
            same("DBSIZE");
        }
        both("SET", "k", "v");
        same("EXPIRE", "k", "-1", "NX");
        same("EXISTS", "k");
        same("EXPIRE", "nokey", "10");
        same("EXPIRE", "nokey", "10", "XX");
        same("PEXPIREAT", "nokey", "10");
        same("TTL", "nokey");
        same("PTTL", "nokey");
        same("EXPIRETIME", "nokey");
        same("PEXPIRETIME", "nokey");
        same("PERSIST", "nokey");
        assertNoMismatches();
    }

    @Test
    void deleteExistsTypeTouchRandomkey() {
        both("SET", "a", "1");
        both("SET", "b", "2");
        both("SET", "c", "3");
        same("EXISTS", "a", "b", "nokey", "a", "a");
        same("DEL", "a", "a", "nokey");
        same("DEL", "a");
        same("UNLINK", "b", "c", "d");
        same("DBSIZE");
        same("TYPE", "a");
        both("SET", "s", "hello");
        same("TYPE", "s");
        same("TOUCH", "s", "s", "nokey");
        same("RANDOMKEY");
        same("DBSIZE");
        same("FLUSHDB");
        same("RANDOMKEY");
        same("DBSIZE");
        same("FLUSHDB", "ASYNC");
        same("FLUSHDB", "sync");
        same("FLUSHALL", "SYNC");
        same("FLUSHALL", "async");
        assertNoMismatches();
    }

    @Test
    void renameCopyMove() {
        both("SET", "a", "1");
        both("EXPIRE", "a", "100");
        same("RENAME", "a", "b");
        sameNear("TTL", "b");
        same("EXISTS", "a");
        both("SET", "c", "3");
        both("EXPIRE", "c", "50");
        same("RENAME", "b", "c");
        sameNear("TTL", "c");
        both("SET", "p", "persistent");
        same("RENAME", "c", "p");
        sameNear("TTL", "p");
        both("SET", "q", "x");
        both("EXPIRE", "q", "500");
        same("RENAME", "p", "q");
        sameNear("TTL", "q");
        same("RENAME", "q", "q");
        same("RENAMENX", "q", "q");
        both("SET", "d", "4");
        same("RENAMENX", "q", "d");
        same("RENAMENX", "q", "e");
        same("EXISTS", "q", "e");
        sameNear("TTL", "e");

        both("SET", "x", "v");
        both("EXPIRE", "x", "100");
        same("COPY", "x", "y");
        sameNear("TTL", "y");
        same("COPY", "x", "y");
        same("COPY", "x", "y", "REPLACE");
        same("COPY", "x", "y", "DB", "1");
        same("COPY", "x", "y", "db", "1");
        same("COPY", "x", "y", "DB", "1", "replace");
        same("COPY", "x", "x", "DB", "1");
        same("COPY", "x", "x", "DB", "1");
        same("COPY", "x", "x", "DB", "1", "REPLACE");
        same("COPY", "x", "z", "DB", "2", "DB", "0");
        same("COPY", "nokey", "z");
        same("SELECT", "1");
        same("DBSIZE");
        sameNear("TTL", "y");
        sameNear("TTL", "x");
        same("SELECT", "0");
        both("SET", "n", "123");
        same("COPY", "n", "n2");
        same("OBJECT", "ENCODING", "n2");
        same("OBJECT", "REFCOUNT", "n");
        same("OBJECT", "REFCOUNT", "n2");
        same("RENAME", "n2", "n3");
        same("OBJECT", "REFCOUNT", "n3");
        both("SET", "n3", "7");
        same("OBJECT", "REFCOUNT", "n3");

        both("SET", "m", "v");
        both("EXPIRE", "m", "100");
        same("MOVE", "m", "1");
        same("MOVE", "m", "1");
        same("EXISTS", "m");
        same("SELECT", "1");
        sameNear("TTL", "m");
        both("SET", "m2", "there");
        same("SELECT", "0");
        both("SET", "m2", "here");
        same("MOVE", "m2", "1");
        same("MOVE", "nokey", "1");
        same("DBSIZE");
        assertNoMismatches();
    }

    @Test
    void swapdbAndFlush() {
        both("SET", "a", "0");
        both("SELECT", "1");
        both("SET", "b", "1");
        both("SET", "c", "1");
        both("SELECT", "0");
        same("SWAPDB", "0", "1");
        same("EXISTS", "a", "b", "c");
        same("DBSIZE");
        same("SWAPDB", "1", "1");
        same("SELECT", "1");
        same("EXISTS", "a", "b", "c");
        same("FLUSHDB");
        same("DBSIZE");
        same("SELECT", "0");
        same("DBSIZE");
        same("FLUSHALL");
        same("DBSIZE");
        assertNoMismatches();
    }

    @Test
    void objectSubcommands() {
        both("SET", "s", "hello");
        same("OBJECT", "ENCODING", "s");
        both("SET", "n", "100");
        same("OBJECT", "ENCODING", "n");
        same("OBJECT", "REFCOUNT", "n");
        for (String v : List.of("0", "9999", "10000", "-1", "-0", "007", "12345678901234567890", LLONG_MAX,
                "-9223372036854775808", "9223372036854775808", "", "x".repeat(44), "x".repeat(45), " 1", "1 ")) {
            both("SET", "v", v);
            same("OBJECT", "ENCODING", "v");
            same("OBJECT", "REFCOUNT", "v");
        }
        sameNear("OBJECT", "IDLETIME", "s");
        same("OBJECT", "FREQ", "s");
        same("OBJECT", "FREQ", "nokey");
        same("OBJECT", "ENCODING", "nokey");
        same("OBJECT", "REFCOUNT", "nokey");
        same("OBJECT", "IDLETIME", "nokey");
        same("OBJECT", "HELP");
        same("object", "help");
        assertNoMismatches();
    }

    @Test
    void scanAndKeysWithoutPatterns() {
        String[] keys = {"k1", "k2", "k3", "other", "x"};
        for (String k : keys) both("SET", k, "v");
        sameSorted("KEYS", "*");
        sameSorted("SCAN", "0");
        sameSorted("SCAN", "0", "COUNT", "100");
        sameSorted("SCAN", "0", "MATCH", "*");
        sameSorted("SCAN", "0", "TYPE", "string");
        sameSorted("SCAN", "0", "type", "STRING");
        sameSorted("SCAN", "0", "TYPE", "list");
        sameSorted("SCAN", "0", "TYPE", "none");
        sameSorted("SCAN", "0", "TYPE", "foo");
        sameSorted("SCAN", "0", "COUNT", "5", "COUNT", "100");
        sameSorted("SCAN", "0", "COUNT", LLONG_MAX);
        sameSorted("SCAN", "+0");
        sameSorted("SCAN", "-0");
        sameSorted("SCAN", "000");
        same("KEYS", "nomatch");
        same("KEYS", "k1");
        same("SCAN", "0", "MATCH", "k1");
        same("SCAN", "abc", "COUNT", "0");
        for (String bad : List.of("", " 0", "0 ", "0x1", "1.0", "+", "-", "abc", "18446744073709551616",
                "-18446744073709551616", "99999999999999999999999")) {
            sameSorted("SCAN", bad);
        }
        same("SCAN", "0", "COUNT", "0");
        same("SCAN", "0", "COUNT", "-1");
        same("SCAN", "0", "COUNT", "abc");
        same("SCAN", "0", "COUNT", "99999999999999999999");
        same("SCAN", "0", "COUNT");
        same("SCAN", "0", "MATCH");
        same("SCAN", "0", "TYPE");
        same("SCAN", "0", "FOO");
        same("SCAN", "0", "FOO", "bar");
        same("SCAN", "0", "COUNT", "10", "FOO");
        for (int i = 0; i < 300; i++) both("SET", "key:" + i, "v");
        sameFullScan();
        sameFullScan("COUNT", "7");
        sameFullScan("COUNT", "1", "TYPE", "string");
        sameFullScan("COUNT", "1000");
        both("FLUSHALL");
        same("SCAN", "0");
        same("SCAN", "18446744073709551615");
        same("SCAN", "-1");
        same("SCAN", "12345");
        same("KEYS", "*");
        assertNoMismatches();
    }

    /** Patterns need Redis's stringmatchlen; skipped while io.lodestone.util.Glob is still a placeholder. */
    @Test
    void scanAndKeysWithPatterns() {
        Assumptions.assumeTrue(globMatchesRedis(), "io.lodestone.util.Glob is not stringmatchlen yet");
        String[] keys = {"hello", "hallo", "hxllo", "hllo", "heeeello", "Hello", "h*llo", "h?llo", "h[a]llo",
                "a", "b", "c", "ab", "abc", "A", "-", "]", "\\", "key:1", "key:12", "key:2"};
        for (String k : keys) both("SET", k, "v");
        for (String p : List.of("*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-e]llo", "h[e-a]llo", "h\\*llo",
                "h\\?llo", "h\\[a]llo", "[abc]", "[^a]", "[a-z]", "[A-Z]", "?", "??", "*c", "a*", "\\*", "*\\",
                "[", "[a", "[]]", "[\\]]", "key:?", "key:*", "key:[12]", "*:1*", "[-]", "nomatch")) {
            sameSorted("KEYS", p);
            sameSorted("SCAN", "0", "MATCH", p, "COUNT", "1000");
            sameFullScan("MATCH", p, "COUNT", "3");
        }
        assertNoMismatches();
    }

    @Test
    void binaryKeys() {
        Object[] keys = {"", new byte[] {0}, new byte[] {'a', 0, 'b'}, new byte[] {(byte) 0xff, (byte) 0xfe},
                "\r\n", "sp ace", "\u00e9t\u00e9"};
        for (Object k : keys) both("SET", k, k);
        same(prepend("EXISTS", keys));
        sameSorted("KEYS", "*");
        sameSorted("SCAN", "0");
        for (Object k : keys) {
            same("TYPE", k);
            same("OBJECT", "ENCODING", k);
            same("EXPIRE", k, "100");
            sameNear("TTL", k);
        }
        same("RENAME", keys[1], keys[3]);
        same("COPY", keys[3], keys[2]);
        same("COPY", keys[3], keys[2], "REPLACE");
        same("RENAMENX", keys[0], keys[4]);
        same("MOVE", keys[5], "1");
        sameSorted("KEYS", "*");
        same(prepend("DEL", keys));
        same("DBSIZE");
        assertNoMismatches();
    }

    @Test
    void resp3() {
        both("HELLO", "3");
        same("RANDOMKEY");
        same("OBJECT", "ENCODING", "nokey");
        same("OBJECT", "IDLETIME", "nokey");
        both("SET", "a", "1");
        both("SET", "b", "2");
        same("TYPE", "a");
        same("TYPE", "nokey");
        same("EXISTS", "a", "b");
        same("TTL", "a");
        same("EXPIRE", "a", "100");
        same("PERSIST", "a");
        same("RANDOMKEY", "x");
        sameSorted("SCAN", "0");
        sameSorted("KEYS", "*");
        same("OBJECT", "HELP");
        same("OBJECT", "ENCODING", "a");
        same("DBSIZE");
        same("RENAME", "nokey", "x");
        same("EXPIRE", "a", "1", "NX", "XX");
        same("SCAN", "abc");
        same("COPY", "a", "c");
        same("SWAPDB", "0", "1");
        same("FLUSHALL");
        same("RANDOMKEY");
        both("HELLO", "2");
        assertNoMismatches();
    }

    /** With active expiry off, logically expired keys are still counted until something touches them. */
    @Test
    void expiredKeysBeforeDeletion() throws InterruptedException {
        same("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        try {
            both("SET", "x", "v");
            both("SET", "y", "v");
            both("SET", "z", "v");
            both("PEXPIRE", "x", SHORT_TTL_MS);
            both("PEXPIRE", "y", SHORT_TTL_MS);
            awaitOnlyLive("z");
            same("DBSIZE");
            sameSorted("KEYS", "*");
            same("DBSIZE");
            sameSorted("SCAN", "0", "TYPE", "none");
            same("DBSIZE");

            both("SET", "x", "v");
            both("PEXPIRE", "x", SHORT_TTL_MS);
            awaitOnlyLive("z");
            same("SCAN", "0", "MATCH", "nomatch");
            same("DBSIZE");
            sameSorted("SCAN", "0");
            same("DBSIZE");

            both("SET", "x", "v");
            both("PEXPIRE", "x", SHORT_TTL_MS);
            awaitOnlyLive("z");
            same("SCAN", "0", "TYPE", "hash");
            same("DBSIZE");

            for (String[] access : List.of(new String[] {"EXISTS", "x"}, new String[] {"TTL", "x"},
                    new String[] {"TYPE", "x"}, new String[] {"OBJECT", "ENCODING", "x"},
                    new String[] {"RENAME", "x", "q"}, new String[] {"COPY", "x", "q"},
                    new String[] {"EXPIRE", "x", "100"}, new String[] {"PERSIST", "x"},
                    new String[] {"DEL", "x"}, new String[] {"MOVE", "x", "1"}, new String[] {"TOUCH", "x"})) {
                both("SET", "x", "v");
                both("PEXPIRE", "x", SHORT_TTL_MS);
                awaitOnlyLive("z");
                same("DBSIZE");
                same((Object[]) access);
                same("DBSIZE");
            }
            both("SET", "x", "v");
            both("PEXPIRE", "x", SHORT_TTL_MS);
            awaitOnlyLive("z");
            same("RANDOMKEY");
            both("DEL", "x"); // whether RANDOMKEY deleted x on the way is random
            both("SET", "z2", "v");
            both("PEXPIRE", "z2", SHORT_TTL_MS);
            awaitOnlyLive("z");
            same("RENAME", "z", "z2");
            same("DBSIZE");
            same("COPY", "z2", "z3");
            same("DBSIZE");
        } finally {
            both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
        assertNoMismatches();
    }

    // ---- Utilities -------------------------------------------------------------------------------

    /** Whether the Glob in place behaves like Redis's stringmatchlen on a few telling cases. */
    static boolean globMatchesRedis() {
        return glob("h[ae]llo", "hallo") && !glob("h[^e]llo", "hello") && glob("h[a-z]llo", "hxllo")
                && glob("h\\*llo", "h*llo") && !glob("h\\*llo", "hello") && !glob("a*", "A1") && glob("a*", "a1")
                && !glob("?", "");
    }

    private static boolean glob(String p, String s) {
        return Glob.match(p.getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8), false);
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static String describe(Object[] args) {
        StringBuilder sb = new StringBuilder();
        for (Object a : args) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(a instanceof byte[] b ? escape(new String(b, StandardCharsets.ISO_8859_1)) : escape(a.toString()));
        }
        return sb.toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch == '\r') sb.append("\\r");
            else if (ch == '\n') sb.append("\\n");
            else if (ch < 0x20 || ch > 0x7e) sb.append(String.format("\\x%02x", (int) ch));
            else sb.append(ch);
        }
        return sb.toString();
    }

    /** A reply in a form where flat arrays of bulk strings are sorted; everything else kept as is. */
    static String canonical(byte[] raw) {
        return new Reader(raw).canonical();
    }

    /** A minimal reader over one raw reply. */
    static final class Reader {
        private final byte[] data;
        private int pos;

        Reader(byte[] data) {
            this.data = data;
        }

        private String line() {
            int start = pos;
            while (data[pos] != '\r') pos++;
            String s = new String(data, start, pos - start, StandardCharsets.ISO_8859_1);
            pos += 2;
            return s;
        }

        void expect(char type) {
            if (data[pos] != type) throw new AssertionError("expected " + type + " in " + escape(RespClient.text(data)));
            line();
        }

        int header(char type) {
            if (data[pos] != type) throw new AssertionError("expected " + type + " in " + escape(RespClient.text(data)));
            return Integer.parseInt(line().substring(1));
        }

        String bulk() {
            int n = header('$');
            String s = new String(data, pos, n, StandardCharsets.ISO_8859_1);
            pos += n + 2;
            return s;
        }

        String canonical() {
            char type = (char) data[pos];
            String head = line();
            switch (type) {
                case '$', '=', '!' -> {
                    int n = Integer.parseInt(head.substring(1));
                    if (n < 0) return head;
                    String s = new String(data, pos, n, StandardCharsets.ISO_8859_1);
                    pos += n + 2;
                    return type + "'" + escape(s) + "'";
                }
                case '*', '~', '>', '%' -> {
                    int n = Integer.parseInt(head.substring(1));
                    if (type == '%') n *= 2;
                    List<String> items = new ArrayList<>();
                    boolean allBulk = true;
                    for (int i = 0; i < n; i++) {
                        allBulk &= data[pos] == '$';
                        items.add(canonical());
                    }
                    if (allBulk && type != '%') items.sort(null);
                    return head + items;
                }
                default -> {
                    return head;
                }
            }
        }
    }
}
