package io.lodestone.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up loading: config file, include, command-line options, stdin, and the fatal error texts. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private ConfigLoader.Options options() {
        return ConfigLoader.Options.defaults().withCwd(dir);
    }

    private Config load(String... argv) throws ConfigLoadException {
        return ConfigLoader.load(argv, options());
    }

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.ISO_8859_1);
        return p;
    }

    private String fatal(String... argv) {
        ConfigLoadException e = assertThrows(ConfigLoadException.class, () -> load(argv));
        assertFalse(e.isLogMessage());
        return e.getMessage();
    }

    private static String block(int line, String text, String error) {
        return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line " + line
                + "\n>>> '" + text + "'\n" + error + "\n";
    }

    @Test
    void noArgumentsGivesTheDefaults() throws Exception {
        Config c = load();
        assertEquals(6379, c.getInt("port"));
        assertEquals(List.of("*", "-::*"), c.bindAddresses());
        assertEquals("3600 1 300 100 60 10000", c.getFormatted("save"));
        assertEquals(dir.toRealPath().toString(), c.dir());
        assertTrue(c.configFile().isEmpty());
        assertEquals(Config.NO_CONFIG_FILE, c.rewrite());
    }

    @Test
    void fileThenCommandLineOptions() throws Exception {
        Path conf = file("redis.conf", """
                # a comment
                   # an indented comment
                PORT 7000
                requirepass "from file"
                loglevel warning
                """);
        Config c = load(conf.toString(), "--port", "7001", "--requirepass", "a b", "--maxmemory", "1gb");
        assertEquals(7001, c.getInt("port"));
        assertEquals("a b", c.getString("requirepass"));
        assertEquals("warning", c.getEnum("loglevel"));
        assertEquals(1L << 30, c.getLong("maxmemory"));
        assertEquals(conf.toString(), c.configFile().orElseThrow().toString());
    }

    @Test
    void relativeConfigFileBecomesAbsolute() throws Exception {
        file("sub/r.conf", "port 7002\n");
        Config c = load("sub/r.conf");
        assertEquals(dir.resolve("sub/r.conf").toString(), c.configFile().orElseThrow().toString());
        assertEquals(7002, c.getInt("port"));
    }

    @Test
    void optionWithSeveralValuesAndSaveMerging() throws Exception {
        Config c = load("--save", "900", "1", "--save", "300", "10");
        assertEquals(List.of(new SaveRule(900, 1), new SaveRule(300, 10)), c.saveRules());
        assertEquals(List.of(), load("--save", "").saveRules());
        assertEquals(List.of(), load("--save").saveRules());
        Config c2 = load("--save", "--port", "7003");
        assertEquals(List.of(), c2.saveRules());
        assertEquals(7003, c2.getInt("port"));
        assertEquals(List.of("127.0.0.1", "::1"), load("--bind", "127.0.0.1", "::1").bindAddresses());
        // A multi-argument option given as one argument is split, as Redis's loadServerConfigFromString does.
        assertEquals(List.of("127.0.0.1", "::1"), load("--bind", "127.0.0.1 ::1").bindAddresses());
        assertEquals("nosave force", load("--shutdown-on-sigterm", "nosave force").getFormatted("shutdown-on-sigterm"));
    }

    @Test
    void saveLinesInTheFileReplaceTheDefaultsThenAddUp() throws Exception {
        Path conf = file("s.conf", "save 100 10\nsave 200 20\n");
        assertEquals("100 10 200 20", load(conf.toString()).getFormatted("save"));
        assertEquals("100 10 200 20 5 5", load(conf.toString(), "--save", "5", "5").getFormatted("save"));
        assertEquals("", load(conf.toString(), "--save", "").getFormatted("save"));
        Path conf2 = file("s2.conf", "save 100 10\nsave \"\"\nsave 300 30\n");
        assertEquals("300 30", load(conf2.toString()).getFormatted("save"));
    }

    @Test
    void lastValueWinsForRepeatedParameters() throws Exception {
        Config c = ConfigLoader.loadString("port 1\nport 2\nslaveof h 3\nreplicaof h2 4\n", options());
        assertEquals(2, c.getInt("port"));
        assertEquals(new ReplicaOf("h2", 4), c.replicaOf());
        assertNull(ConfigLoader.loadString("replicaof h 1\nreplicaof no one\n", options()).replicaOf());
    }

    @Test
    void dashAloneReadsStdin() throws Exception {
        ConfigLoader.Options opts = options().withStdin(
                () -> new ByteArrayInputStream("port 7004\nhz 20\n".getBytes(StandardCharsets.ISO_8859_1)));
        Config c = ConfigLoader.load(new String[] {"-", "--hz", "30"}, opts);
        assertEquals(7004, c.getInt("port"));
        assertEquals(30, c.getInt("hz"));
        Path conf = file("f.conf", "port 1\ntimeout 5\n");
        Config c2 = ConfigLoader.load(new String[] {conf.toString(), "-"}, opts);
        assertEquals(7004, c2.getInt("port"), "stdin comes after the file");
        assertEquals(5, c2.getInt("timeout"));
    }

    @Test
    void includeIsRelativeToTheWorkingDirectoryWhichDirChanges() throws Exception {
        file("conf.d/a.conf", "maxmemory 1mb\n");
        file("conf.d/b.conf", "maxmemory 2mb\ntimeout 7\n");
        file("conf.d/.hidden.conf", "timeout 99\n");
        file("other/inc.conf", "hz 42\n");
        Path main = file("main.conf", "include conf.d/*.conf\ndir " + dir.resolve("other") + "\ninclude inc.conf\n"
                + "include " + dir.resolve("nothing-here") + "/*.conf\n");
        Config c = load(main.toString());
        assertEquals(2L << 20, c.getLong("maxmemory"), "glob matches are read in sorted order");
        assertEquals(7, c.getInt("timeout"), "'*' does not match a leading dot");
        assertEquals(42, c.getInt("hz"));
        assertEquals(3, c.includes().size());
    }

    @Test
    void includeOfAMissingFileIsFatal() throws Exception {
        Path main = file("main.conf", "include missing.conf\n");
        ConfigLoadException e = assertThrows(ConfigLoadException.class, () -> load(main.toString()));
        assertTrue(e.isLogMessage());
        assertEquals("Fatal error, can't open config file 'missing.conf': No such file or directory", e.getMessage());
        ConfigLoadException e2 = assertThrows(ConfigLoadException.class, () -> load("nope.conf"));
        assertEquals("Fatal error, can't open config file '" + dir.resolve("nope.conf")
                + "': No such file or directory", e2.getMessage());
    }

    @Test
    void errorsInAnIncludedFileCountItsOwnLines() throws Exception {
        file("inc.conf", "# one\nport x\n");
        Path main = file("main.conf", "port 1\nport 2\ninclude inc.conf\n");
        assertEquals(block(2, "port x", "argument couldn't be parsed into an integer"), fatal(main.toString()));
    }

    @Test
    void fatalErrorTexts() throws Exception {
        // Command-line options follow an empty line standing for the (absent) file.
        assertEquals(block(2, "port \"abc\"", "argument couldn't be parsed into an integer"), fatal("--port", "abc"));
        assertEquals(block(2, "port \"1\" \"2\"", "wrong number of arguments"), fatal("--port", "1", "2"));
        assertEquals(block(2, "nosuch \"1\"", "Bad directive or wrong number of arguments"), fatal("--nosuch", "1"));
        assertEquals(block(3, "hz \"x\"", "argument couldn't be parsed into an integer"),
                fatal("--port", "1", "--hz", "x"));
        String[][] files = {
                {"port 0 # comment", "wrong number of arguments"},
                {"port \"0\"x", "Unbalanced quotes in configuration line"},
                {"requirepass 'abc", "Unbalanced quotes in configuration line"},
                {"\"\" 1", "Bad directive or wrong number of arguments"},
                {"include a b", "Bad directive or wrong number of arguments"},
                {"user", "Bad directive or wrong number of arguments"},
                {"loadmodule", "Bad directive or wrong number of arguments"},
                {"foo.bar", "Module config specified without value"},
                {"sentinel monitor m 127.0.0.1 6379 2", "sentinel directive while not in sentinel mode"},
                {"daemonize maybe", "argument must be 'yes' or 'no'"},
                {"port 70000", "argument must be between 0 and 65535 inclusive"},
                {"maxmemory 1x", "argument must be a memory value"},
                {"maxmemory-clients 101%", "percentage argument must be less or equal to 100"},
                {"maxmemory-clients x", "argument must be a memory or percent value"},
                {"unixsocketperm 999", "argument couldn't be parsed as an octal number"},
                {"unixsocketperm 1777", "argument must be between 0 and 777 inclusive"},
                {"maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
                {"loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning"},
                {"loglevel debug notice", "wrong number of arguments"},
                {"shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force"},
                {"shutdown-on-sigterm save nosave", "shutdown options SAVE and NOSAVE can't be used simultaneously"},
                {"save 10", "Invalid save parameters"},
                {"save 0 1", "Invalid save parameters"},
                {"dir /nonexistent-lodestone-dir", "No such file or directory"},
                {"dir /etc/passwd", "Not a directory"},
                {"replicaof host 99999", "Invalid master port"},
                {"replicaof host", "wrong number of arguments"},
                {"client-output-buffer-limit normal 1 2", "Wrong number of arguments in buffer limit configuration."},
                {"client-output-buffer-limit master 1 1 1",
                        "Invalid client class specified in buffer limit configuration."},
                {"client-output-buffer-limit normal 1 1 -1",
                        "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
                {"oom-score-adj-values 1 2", "wrong number of arguments"},
                {"oom-score-adj-values 1 2 5000",
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
                {"notify-keyspace-events Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
                {"dbfilename a/b.rdb", "dbfilename can't be a path, just a filename"},
                {"appendfilename \"\"", "appendfilename can't be empty"},
                {"appenddirname a/b", "appenddirname can't be a path, just a dirname"},
                {"proc-title-template \"{nope}\"", "template format is invalid or contains unknown variables"},
                {"cluster-announce-hostname a_b", "Hostnames may only contain alphanumeric characters, hyphens or dots"},
                {"latency-tracking-info-percentiles x", "Invalid latency-tracking-info-percentiles parameters"},
                {"activedefrag yes", "Active defragmentation cannot be enabled: it requires a Redis server compiled "
                        + "with a modified Jemalloc like the one shipped by default with the Redis source distribution"},
                {"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "Too many bind addresses specified."},
                {"list-max-ziplist-entries", "Bad directive or wrong number of arguments"},
        };
        for (String[] f : files) {
            Path conf = file("bad.conf", "# first line\n" + f[0] + "\n");
            assertEquals(block(2, f[0], f[1]), fatal(conf.toString()), f[0]);
        }
    }

    @Test
    void errorsFoundAfterTheLinesHaveNoLineInfo() throws Exception {
        Path conf = file("c.conf", "cluster-enabled yes\nreplicaof h 1\n");
        assertEquals("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n",
                fatal(conf.toString()));
        Path conf2 = file("l.conf", "logfile /nonexistent-lodestone-dir/x.log\n");
        assertEquals("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n",
                fatal(conf2.toString()));
    }

    @Test
    void logfileIsOpenedRelativeToDir() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Path conf = file("c.conf", "dir " + dir.resolve("logs") + "\nlogfile server.log\n");
        Config c = load(conf.toString());
        assertTrue(Files.exists(dir.resolve("logs/server.log")));
        assertEquals(dir.resolve("logs/server.log"), c.resolvePath(c.getString("logfile")));
    }

    @Test
    void fileOnlyDirectivesAreRecorded() throws Exception {
        Set<String> commands = Set.of("flushall", "debug", "get", "set");
        ConfigLoader.Options opts = options().withCommandExists(commands::contains)
                .withUserValidator(args -> args.contains("bad") ? "Error in user declaration 'bad': Syntax error" : null);
        Config c = ConfigLoader.loadString("""
                rename-command FLUSHALL ""
                rename-command debug mydebug
                user alice on >pw ~* +@all
                loadmodule /x/mod.so a b
                mymod.setting 1 2
                list-max-ziplist-entries 5
                lua-replicate-commands yes
                sentinel
                """, opts);
        assertEquals(List.of(List.of("FLUSHALL", ""), List.of("debug", "mydebug")), c.renameCommands());
        assertEquals(List.of(List.of("alice", "on", ">pw", "~*", "+@all")), c.users());
        assertEquals(List.of(List.of("/x/mod.so", "a", "b")), c.loadModules());
        assertEquals(List.of("1", "2"), c.moduleConfigs().get("mymod.setting"));

        assertEquals("No such command in rename-command", loadError("rename-command nosuch x", opts));
        assertEquals("No such command in rename-command", loadError("rename-command get x\nrename-command get y", opts));
        assertEquals("Target command name already exists", loadError("rename-command get set", opts));
        assertEquals("Error in user declaration 'bad': Syntax error", loadError("user bob bad", opts));
    }

    private String loadError(String text, ConfigLoader.Options opts) {
        ConfigLoadException e = assertThrows(ConfigLoadException.class, () -> ConfigLoader.loadString(text, opts));
        String msg = e.getMessage();
        return msg.substring(msg.lastIndexOf('\n', msg.length() - 2) + 1, msg.length() - 1);
    }

    @Test
    void sentinelModeIsRefused() {
        ConfigLoadException e = assertThrows(ConfigLoadException.class, () -> load("--sentinel"));
        assertTrue(e.isLogMessage());
    }

    @Test
    void acceptedButNotImplementedDirectivesAreReported() throws Exception {
        Config c = ConfigLoader.loadString("port 1\ndaemonize no\nslave-read-only yes\nappendonly no\n"
                + "daemonize no\nrename-command get g\n", options());
        c.watchInt("port", v -> { }); // as a server binds what it acts on (a server's own: ConfigBindingsTest)
        assertEquals(List.of("daemonize", "replica-read-only", "appendonly"),
                c.acceptedButNotImplemented());
        assertTrue(c.isBound("PORT"));
        assertFalse(c.isBound("appendonly"));
    }

    @Test
    void hzIsClampedAndDirIsCanonical() throws Exception {
        assertEquals(500, ConfigLoader.loadString("hz 100000", options()).getInt("hz"));
        assertEquals(1, ConfigLoader.loadString("hz 0", options()).getInt("hz"));
        Files.createDirectories(dir.resolve("a/b"));
        Config c = ConfigLoader.loadString("dir a\ndir b/../b\n", options());
        assertEquals(dir.toRealPath().resolve("a/b").toString(), c.dir());
    }

    @Test
    void valuesKeepTheirBytes() throws Exception {
        Config c = ConfigLoader.loadString("requirepass \"\\xe9\\x00\\n\"\nmasterauth '\u00e9t\u00e9'\n", options());
        assertEquals("\u00e9\u0000\n", c.getString("requirepass"));
        assertEquals("\u00e9t\u00e9", c.getString("masterauth"));
    }

    /** The whole commented redis.conf of the Redis 7.0 package must load. */
    @Test
    void theRedisConfOfTheRedisPackageLoads() throws Exception {
        Path conf = Path.of("/etc/redis/redis.conf");
        assumeTrue(Files.isReadable(conf), "no /etc/redis/redis.conf");
        Config c = ConfigLoader.load(new String[] {conf.toString()}, options().withVerifyPaths(false));
        assertEquals(List.of("127.0.0.1", "-::1"), c.bindAddresses());
        assertEquals("/var/lib/redis", c.dir());
        assertEquals("{title} {listen-addr} {server-mode}", c.getString("proc-title-template"));
        assertEquals(ClientOutputBufferLimits.DEFAULTS, c.clientOutputBufferLimits());
        assertTrue(c.getBool("daemonize"));
    }
}
