package io.lodestone.config;

import io.lodestone.testsupport.TempDirs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.RespValue;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.util.Glob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Same input to a real redis-server 7.0 and to the config package, same output expected:
 * CONFIG GET defaults, CONFIG SET errors, CONFIG GET patterns, fatal config errors, CONFIG
 * REWRITE, and glob matching through KEYS. Skipped when redis-server is not installed.
 */
class RealRedisDifferentialTest {

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server not installed");
        dir = TempDirs.create("lodestone-config").toRealPath();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Starts redis-server in the test's directory, with a config file or none. */
    private ServerProcess startRedis(Path configFile) throws IOException {
        return ServerProcess.redis(new ServerProcess.Setup(dir, configFile, false));
    }

    /** An error reply. */
    private record Err(String text) {
    }

    /**
     * Sends a command and decodes its RESP2 reply: String, Long, Err, List or null. Arguments and
     * replies are Latin-1, one char per byte, as Redis compares keys and patterns byte by byte.
     */
    private static Object call(RespClient c, String... args) throws IOException {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) raw[i] = args[i].getBytes(StandardCharsets.ISO_8859_1);
        return decode(RespValue.parse(c.call(raw)));
    }

    private static Object decode(RespValue v) {
        if (v instanceof RespValue.Nil) return null;
        if (v instanceof RespValue.Aggregate a) {
            List<Object> list = new ArrayList<>(a.elements().size());
            for (RespValue e : a.elements()) list.add(decode(e));
            return list;
        }
        RespValue.Scalar s = (RespValue.Scalar) v;
        String text = new String(s.payload(), StandardCharsets.ISO_8859_1);
        return switch (s.type()) {
            case '-' -> new Err(text);
            case ':' -> Long.parseLong(text);
            default -> text;
        };
    }

    private Config loadLikeRedis(ServerProcess redis, String configFile) throws ConfigLoadException {
        List<String> argv = new ArrayList<>();
        if (configFile != null) argv.add(configFile);
        argv.addAll(redis.arguments());
        return ConfigLoader.load(argv.toArray(String[]::new), ConfigLoader.Options.defaults().withCwd(dir));
    }

    private static Map<String, String> toMap(Object reply) {
        assertInstanceOf(List.class, reply, String.valueOf(reply));
        List<?> list = (List<?>) reply;
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < list.size(); i += 2) map.put((String) list.get(i), (String) list.get(i + 1));
        return map;
    }

    private static Map<String, String> toMap(List<String[]> pairs) {
        Map<String, String> map = new TreeMap<>();
        for (String[] p : pairs) map.put(p[0], p[1]);
        return map;
    }

    /** Lodestone's own parameters (and their aliases), which a real server does not have. */
    private static java.util.Set<String> extensionNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ConfigParam p : ConfigRegistry.params()) {
            if (!p.has(ConfigParam.Flag.EXTENSION)) continue;
            names.add(p.name());
            if (p.alias() != null) names.add(p.alias());
        }
        return names;
    }

    private static Map<String, String> withoutExtensions(Map<String, String> params) {
        params.keySet().removeAll(extensionNames());
        return params;
    }

    @Test
    void configGetStarShowsTheDefaultsOfARealServer() throws Exception {
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            Map<String, String> theirs = toMap(call(conn, "CONFIG", "GET", "*"));
            Map<String, String> ours = withoutExtensions(toMap(loadLikeRedis(redis, null).get(List.of("*"))));
            // The real server lowers maxclients to what its file descriptor limit allows.
            theirs.remove("maxclients");
            ours.remove("maxclients");
            assertEquals(theirs.keySet(), ours.keySet());
            for (String name : theirs.keySet()) assertEquals(theirs.get(name), ours.get(name), name);

            Config defaults = Config.defaults();
            for (ConfigParam p : ConfigRegistry.params()) {
                if (!p.has(ConfigParam.Flag.HIDDEN) || p.has(ConfigParam.Flag.EXTENSION)) continue;
                Map<String, String> hidden = toMap(call(conn, "CONFIG", "GET", p.name()));
                assertEquals(hidden, toMap(defaults.get(List.of(p.name()))), p.name());
            }
        }
    }

    @Test
    void configSetRepliesLikeARealServer() throws Exception {
        String[][] cases = {
                {"port", "abc"}, {"port", "70000"}, {"port", " 80"}, {"port", "+80"}, {"port", "080"},
                {"port", "-0"}, {"daemonize", "yes"}, {"slaveof", "127.0.0.1 1"}, {"dir", "/tmp"},
                {"dbfilename", "x.rdb"}, {"nosuch", "1"}, {"appendonly", "maybe"},
                {"loglevel", "foo"}, {"loglevel", "debug verbose"}, {"loglevel", "WARNING"},
                {"maxmemory", "abc"}, {"maxmemory", "1.5gb"}, {"maxmemory", "-1"}, {"maxmemory", " 1k"},
                {"maxmemory", "1GB"}, {"maxmemory", ""}, {"maxmemory", "kb"}, {"maxmemory", "00012"},
                {"maxmemory", "99999999999999999999"}, {"maxmemory", "18446744073709551615kb"},
                {"maxmemory-clients", "200%"}, {"maxmemory-clients", "abc"}, {"maxmemory-clients", "-5"},
                {"maxmemory-clients", "-5%"}, {"maxmemory-clients", "%"}, {"maxmemory-clients", "10%"},
                {"maxmemory-clients", "0%"}, {"maxmemory-clients", "1mb"},
                {"maxclients", "0"}, {"timeout", "-1"}, {"slowlog-log-slower-than", "-2"},
                {"slowlog-max-len", "-1"}, {"slowlog-max-len", ""},
                {"list-max-listpack-size", "-99999999999"}, {"list-max-ziplist-size", "-3"},
                {"hash-max-listpack-value", "1k"}, {"hash-max-ziplist-value", "18446744073709551615"},
                {"proto-max-bulk-len", "1"}, {"proto-max-bulk-len", "18446744073709551615"},
                {"client-query-buffer-limit", "2gb"}, {"hz", "1000"}, {"hz", "0"},
                {"save", "a b"}, {"save", "10"}, {"save", " 100 10"}, {"save", "100 10 "}, {"save", "0 10"},
                {"save", "1 -1"}, {"save", "100 10 200 20"}, {"save", ""}, {"save", "+5 1"},
                {"notify-keyspace-events", "Q"}, {"notify-keyspace-events", "KEA"},
                {"notify-keyspace-events", "Kg$lshzxetdmn"}, {"notify-keyspace-events", "EgKx"},
                {"notify-keyspace-events", ""},
                {"client-output-buffer-limit", "foo 1 2 3"}, {"client-output-buffer-limit", "1 2 3"},
                {"client-output-buffer-limit", "master 1 2 3"}, {"client-output-buffer-limit", "normal x 2 3"},
                {"client-output-buffer-limit", "normal 1 2 -3"}, {"client-output-buffer-limit", "pubsub 1mb 2k 3"},
                {"client-output-buffer-limit", "REPLICA 1gb 2gb 70 normal 1 2 3"},
                {"client-output-buffer-limit", ""},
                {"oom-score-adj-values", "1 2"}, {"oom-score-adj-values", "1 2 5000"},
                {"oom-score-adj-values", "0 200 800"}, {"oom-score-adj", "relative"}, {"oom-score-adj", "no"},
                {"shutdown-on-sigint", "foo"}, {"shutdown-on-sigint", "save nosave"},
                {"shutdown-on-sigint", "force now"}, {"shutdown-on-sigint", ""}, {"shutdown-on-sigint", "save  now"},
                {"shutdown-on-sigterm", "default save"}, {"propagation-error-behavior", "x"},
                {"acl-pubsub-default", "ALLCHANNELS"}, {"activedefrag", "yes"}, {"activedefrag", "no"},
                {"latency-tracking-info-percentiles", "a"}, {"latency-tracking-info-percentiles", "101"},
                {"latency-tracking-info-percentiles", "99.99 0.5 100"}, {"latency-tracking-info-percentiles", ""},
                {"latency-tracking-info-percentiles", "1e1"},
                {"cluster-announce-hostname", "a_b"}, {"cluster-announce-hostname", "a-b.c"},
                {"proc-title-template", "{foo}"}, {"proc-title-template", "{title}"},
                {"proc-title-template", "{port} {{x"}, {"proc-title-template", "{port"},
                {"bind-source-addr", ""}, {"requirepass", ""}, {"masteruser", "bob"},
                {"socket-mark-id", "5"}, {"unixsocketperm", "700"}, {"replica-ignore-disk-write-errors", "maybe"},
        };
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            Config ours = loadLikeRedis(redis, null);
            for (String[] c : cases) {
                Object theirs = call(conn, "CONFIG", "SET", c[0], c[1]);
                String err = ours.set(List.<String[]>of(c));
                String what = c[0] + " '" + c[1] + "'";
                if (theirs instanceof Err e) {
                    assertEquals(e.text(), err, what);
                } else {
                    assertEquals("OK", theirs, what);
                    assertNull(err, what);
                    assertEquals(toMap(call(conn, "CONFIG", "GET", c[0])), toMap(ours.get(List.of(c[0]))), what);
                }
            }
            assertEquals(toMap(call(conn, "CONFIG", "GET", "*")).entrySet().stream()
                            .filter(e -> !e.getKey().equals("maxclients")).toList(),
                    withoutExtensions(toMap(ours.get(List.of("*")))).entrySet().stream()
                            .filter(e -> !e.getKey().equals("maxclients")).toList());
        }
    }

    /** Setting every parameter to its own value shows which ones are immutable or protected. */
    @Test
    void everyParameterIsAsMutableAsInRedis() throws Exception {
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            Config ours = loadLikeRedis(redis, null);
            Map<String, String> all = toMap(call(conn, "CONFIG", "GET", "*"));
            for (ConfigParam p : ConfigRegistry.params()) {
                if (p.has(ConfigParam.Flag.HIDDEN)) all.putAll(toMap(call(conn, "CONFIG", "GET", p.name())));
            }
            assertEquals(all.size(), ConfigRegistry.allNames().size() - extensionNames().size());
            for (Map.Entry<String, String> e : all.entrySet()) {
                Object theirs = call(conn, "CONFIG", "SET", e.getKey(), e.getValue());
                String err = ours.set(List.<String[]>of(new String[] {e.getKey(), e.getValue()}));
                assertEquals(theirs instanceof Err x ? x.text() : null, err, e.getKey());
            }
        }
    }

    @Test
    void configSetWithSeveralPairsRepliesLikeARealServer() throws Exception {
        String[][][] cases = {
                {{"port", "1"}, {"PORT", "2"}},
                {{"maxmemory", "1mb"}, {"nosuch", "1"}, {"daemonize", "yes"}},
                {{"daemonize", "yes"}, {"nosuch", "1"}},
                {{"maxmemory", "2mb"}, {"maxmemory", "x"}},
                {{"maxmemory", "3mb"}, {"loglevel", "x"}},
                {{"slave-read-only", "no"}, {"replica-read-only", "yes"}},
                {{"SLAVE-READ-ONLY", "maybe"}},
                {{"hz", "20"}, {"timeout", "30"}, {"maxmemory-policy", "allkeys-lru"}},
        };
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            Config ours = loadLikeRedis(redis, null);
            for (String[][] c : cases) {
                List<String> cmd = new ArrayList<>(List.of("CONFIG", "SET"));
                for (String[] pair : c) cmd.addAll(List.of(pair));
                Object theirs = call(conn, cmd.toArray(String[]::new));
                String err = ours.set(List.of(c));
                assertEquals(theirs instanceof Err e ? e.text() : null, err, cmd.toString());
            }
            assertEquals(toMap(call(conn, "CONFIG", "GET", "maxmemory", "replica-read-only", "hz", "timeout",
                    "maxmemory-policy")), toMap(ours.get(List.of("maxmemory", "replica-read-only", "hz", "timeout",
                    "maxmemory-policy"))));
        }
    }

    @Test
    void configGetPatternsMatchARealServer() throws Exception {
        String[][] cases = {
                {"*"}, {"*max*"}, {"PORT", "p?rt"}, {"port", "PORT"}, {"slave*"}, {"*-[a-d]*"},
                {"*[^a-z-]*"}, {"use-exit-on-panic"}, {"use-exit*"}, {"SLAVE-READ-ONLY"}, {"nosuch"},
                {"hash-max-*", "*-entries", "*ziplist*"}, {"maxmemory", "maxmemory", "max*"}, {"[mp]*"},
                {"\\*"}, {"dir"}, {"*\\-p*"},
        };
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            Config ours = loadLikeRedis(redis, null);
            for (String[] patterns : cases) {
                List<String> cmd = new ArrayList<>(List.of("CONFIG", "GET"));
                cmd.addAll(List.of(patterns));
                List<?> theirs = (List<?>) call(conn, cmd.toArray(String[]::new));
                List<String[]> mine = ours.get(List.of(patterns));
                Map<String, String> theirMap = toMap(theirs);
                Map<String, String> ourMap = withoutExtensions(toMap(mine));
                assertEquals(theirs.size() / 2, ourMap.size(), List.of(patterns).toString());
                theirMap.remove("maxclients");
                ourMap.remove("maxclients");
                assertEquals(theirMap, ourMap, List.of(patterns).toString());
            }
        }
    }

    /** Config files and command lines that redis-server refuses, with the text it prints. */
    @Test
    void fatalErrorsPrintTheSameBlockAsARealServer() throws Exception {
        String[] files = {
                "port \"abc\"\n",
                "# comment\n\nport 0\nloglevel noisy\n",
                "port 0\nbind 127.0.0.1\nsave 900\n",
                "port 0\nrequirepass \"unbalanced\n",
                "port 0\nnosuch directive\n",
                "port 0\nport 1 2\n",
                "port 0\nmaxmemory 1x\n",
                "port 0\nsentinel monitor a 127.0.0.1 1 1\n",
                "port 0\ndir /nonexistent-lodestone\n",
                "port 0\nreplicaof host 99999\n",
                "port 0\ncluster-enabled yes\nreplicaof localhost 1\n",
                "port 0\nunixsocketperm 999\n",
                "port 0\nclient-output-buffer-limit master 1 1 1\n",
                "port 0\nlist-max-ziplist-value 1 2\n",
                "port 0\nfoo.bar\n",
                "port 0\noom-score-adj-values 1 2 5000\n",
                "port 0\nshutdown-on-sigint save nosave\n",
                "port 0\n'a'b\n",
                "port 0\nlogfile /nonexistent-lodestone/x.log\n",
        };
        for (String content : files) {
            Path file = dir.resolve("bad.conf");
            Files.writeString(file, content, StandardCharsets.ISO_8859_1);
            compareFatal(List.of(file.toString(), "--port", "0"), content);
        }
        String[][] argvs = {
                {"--port", "0", "--port", "abc"},
                {"--port", "0", "--save", "10"},
                {"--port", "0", "--requirepass", "a b", "--bind", "x", "--hz", "x y"},
                {"--port", "0", "--maxmemory", "--hz"},
                {"--port", "0", "--nosuch"},
                {"--port 0", "--port 1 2"},
                {"--port", "0", "extra"},
                {"--port", "0", "--hz", "\u00e9\n\"x\\\t"},
        };
        for (String[] argv : argvs) compareFatal(List.of(argv), String.join(" | ", argv));
    }

    private void compareFatal(List<String> argv, String what) throws Exception {
        String theirs = ServerProcess.redisRefusal(dir, argv);
        ConfigLoadException e = assertThrows(ConfigLoadException.class,
                () -> ConfigLoader.load(argv.toArray(String[]::new), ConfigLoader.Options.defaults().withCwd(dir)),
                what);
        assertFalse(e.isLogMessage(), what);
        assertEquals(theirs, e.getMessage(), what);
    }

    @Test
    void configRewriteWritesWhatARealServerWrites() throws Exception {
        String content = """
                # Lodestone rewrite test
                   # indented comment
                bind 127.0.0.1

                # snapshots
                save 900 1
                save 300 10
                slave-read-only yes
                maxmemory 100mb
                loglevel notice
                timeout 0
                hash-max-ziplist-entries 100
                list-max-ziplist-entries 5
                client-output-buffer-limit pubsub 1mb 2mb 3
                rename-command FLUSHALL ""
                include %s



                # trailing comment
                """.formatted(dir.resolve("included.conf"));
        Files.writeString(dir.resolve("included.conf"), "maxmemory-samples 7\n");
        String[][] sets = {
                {"maxmemory", "2gb"}, {"timeout", "10"}, {"save", "100 1"}, {"loglevel", "warning"},
                {"notify-keyspace-events", "KEA"}, {"hz", "5"}, {"replica-read-only", "no"},
                {"maxmemory-policy", "allkeys-lru"}, {"masterauth", "x \"y\""}, {"oom-score-adj-values", "1 2 3"},
                {"shutdown-on-sigterm", "save now"}, {"maxmemory-clients", "10%"}, {"hash-max-listpack-entries", "200"},
                {"client-output-buffer-limit", "pubsub 32mb 8mb 60"}, {"slowlog-max-len", "1000"},
        };
        Path theirFile = dir.resolve("theirs.conf");
        Path ourFile = dir.resolve("ours.conf");
        Files.writeString(theirFile, content);
        Files.writeString(ourFile, content);
        try (ServerProcess redis = startRedis(theirFile); RespClient conn = redis.client()) {
            Config ours = loadLikeRedis(redis, ourFile.toString());
            for (String[] s : sets) {
                assertEquals("OK", call(conn, "CONFIG", "SET", s[0], s[1]), s[0]);
                assertNull(ours.set(List.<String[]>of(s)), s[0]);
            }
            assertEquals("OK", call(conn, "CONFIG", "REWRITE"));
            assertNull(ours.rewrite());
            assertSameRewrite(Files.readString(theirFile), Files.readString(ourFile));

            // A second round moves values back to their defaults.
            String[][] back = {{"save", ""}, {"timeout", "0"}, {"maxmemory", "0"}, {"bind", "* -::*"},
                    {"maxmemory-clients", "0"}, {"hz", "10"}};
            for (String[] s : back) {
                call(conn, "CONFIG", "SET", s[0], s[1]);
                assertNull(ours.set(List.<String[]>of(s)), s[0]);
            }
            assertEquals("OK", call(conn, "CONFIG", "REWRITE"));
            assertNull(ours.rewrite());
            assertSameRewrite(Files.readString(theirFile), Files.readString(ourFile));
        }
    }

    /** The kept part of the file must be identical; Redis appends new lines in hash order, so those compare as sets. */
    private static void assertSameRewrite(String theirs, String ours) {
        String sig = ConfigRewriter.SIGNATURE + "\n";
        int t = theirs.indexOf(sig);
        int o = ours.indexOf(sig);
        assertEquals(t < 0 ? theirs : theirs.substring(0, t), o < 0 ? ours : ours.substring(0, o), ours);
        Set<String> theirTail = t < 0 ? Set.of() : new HashSet<>(List.of(theirs.substring(t + sig.length()).split("\n")));
        Set<String> ourTail = o < 0 ? Set.of() : new HashSet<>(List.of(ours.substring(o + sig.length()).split("\n")));
        assertEquals(theirTail, ourTail, ours);
    }

    @Test
    void globMatchesLikeKeys() throws Exception {
        List<String> keys = List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "Hello", "HELLO", "h[llo",
                "h\\llo", "a*b", "a?b", "ab", "", "x", "foo:bar:baz", "foo:1", "foo::", "-", "^", "]", "[",
                "a-z", "\u00e9t\u00e9", "\u00ff", "key\u0000nul", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
        String[] patterns = {"*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "H*", "*LLO",
                "h\\[llo", "h[\\[]llo", "h\\\\llo", "a\\*b", "a\\?b", "a[*]b", "[", "[a", "[^", "\\", "a\\",
                "foo:*", "foo:*:*", "*:", "*::", "[-]", "[a-]*", "[]]", "[^]]", "[z-a]-z", "\u00e9*", "[\u00e0-\u00ff]*",
                "[a-\u00ff]", "*\u0000*", "a*a*a*a*a*a*a*a*a*a*a*a*c", "**h*", "*?", "?*?*?", "h*l*o*", "[h][e]*",
                "[A-Z]*", "[a-z]*", "x\\", "*[", "h[l", "[[]"};
        try (ServerProcess redis = startRedis(null); RespClient conn = redis.client()) {
            for (String k : keys) call(conn, "SET", k, "1");
            for (String pattern : patterns) {
                @SuppressWarnings("unchecked")
                Set<Object> theirs = new HashSet<>((List<Object>) call(conn, "KEYS", pattern));
                Set<Object> ours = new HashSet<>();
                // KEYS * lists every key without matching (so also the empty one, which '*' does not match).
                for (String k : keys) if (pattern.equals("*") || Glob.match(pattern, k, false)) ours.add(k);
                assertEquals(theirs, ours, pattern);
            }
            // Case-insensitive matching, through CONFIG GET on names.
            for (String pattern : new String[] {"*MAX*", "[M-P]ORT", "[^a-z]*", "*-[A-C]*", "*Slave*"}) {
                Map<String, String> theirs = toMap(call(conn, "CONFIG", "GET", pattern));
                Set<String> ours = new HashSet<>();
                for (String name : ConfigRegistry.allNames()) {
                    ConfigParam p = ConfigRegistry.lookup(name);
                    if (!p.has(ConfigParam.Flag.HIDDEN) && !p.has(ConfigParam.Flag.EXTENSION)
                            && Glob.match(pattern, name, true)) {
                        ours.add(name);
                    }
                }
                assertEquals(theirs.keySet(), ours, pattern);
            }
        }
    }

    @Test
    void theSaveLinesOfFileAndCommandLineMergeAsInRedis() throws Exception {
        Path file = dir.resolve("save.conf");
        Files.writeString(file, "save 100 10\nsave 200 20\n");
        String[][] extra = {{}, {"--save", ""}, {"--save", "5", "5"}, {"--save"}, {"--save", "--hz", "11"}};
        for (String[] e : extra) {
            try (ServerProcess redis = ServerProcess.redis(new ServerProcess.Setup(dir, file, true), e);
                 RespClient conn = redis.client()) {
                List<String> argv = new ArrayList<>(List.of(file.toString()));
                argv.addAll(redis.arguments());
                Map<String, String> theirs = toMap(call(conn, "CONFIG", "GET", "save"));
                Config ours = ConfigLoader.load(argv.toArray(String[]::new), ConfigLoader.Options.defaults().withCwd(dir));
                assertEquals(theirs, toMap(ours.get(List.of("save"))), List.of(e).toString());
            }
        }
    }
}
