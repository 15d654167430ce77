package io.lodestone.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.command.ServerContext;
import io.lodestone.config.Config;
import io.lodestone.testsupport.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What a running server implements is what it binds, so the start-up log cannot go stale. */
class ConfigBindingsTest {
    private static final Path MAIN = Path.of("src/main/java/io/lodestone");
    /** A parameter read by name: config.getBool("rdbchecksum"), server.config.getInt("databases")... */
    private static final Pattern READ_BY_NAME = Pattern.compile(
            "\\b(?:getBool|getLong|getInt|getString|getEnum|getEnumValue|getFormatted|getValue)\\(\"([a-z_-]+)\"\\)");
    /** Config's getters of their own, and the parameter each reads. */
    private static final Map<String, String> TYPED_GETTERS = Map.of(
            "saveRules", "save", "clientOutputBufferLimits", "client-output-buffer-limit",
            "bindAddresses", "bind", "replicaOf", "replicaof", "notifyKeyspaceEvents", "notify-keyspace-events",
            "dir", "dir", "resolvePath", "dir", "oomScoreAdjValues", "oom-score-adj-values",
            "latencyTrackingInfoPercentiles", "latency-tracking-info-percentiles");

    @Test
    void theStartupLogNamesOnlyWhatNothingBinds() {
        try (EmbeddedServer server = EmbeddedServer.start(ctx -> { },
                "daemonize no", "slave-read-only yes", "appendonly no", "rename-command get g")) {
            Config config = server.context().config;
            assertEquals(List.of("daemonize"), config.acceptedButNotImplemented());
            for (String name : List.of("port", "bind", "protected-mode", "requirepass", "databases", "loglevel",
                    "logfile", "maxclients", "timeout", "proto-max-bulk-len", "always-show-logo", "hz", "dir",
                    "dbfilename", "client-query-buffer-limit", "appendonly", "appendfsync", "save",
                    "replica-read-only", "slave-read-only", "repl-timeout", "hash-max-listpack-entries",
                    "notify-keyspace-events", "client-output-buffer-limit", "masterauth", "io-threads",
                    "maxmemory", "maxmemory-samples", "maxmemory-policy", "lazyfree-lazy-user-del")) {
                assertTrue(config.isBound(name), name);
            }
            for (String name : List.of("jemalloc-bg-thread", "active-defrag-cycle-min", "io-threads-do-reads", "daemonize")) {
                assertFalse(config.isBound(name), name);
            }
        }
    }

    @Test
    void everyParameterTheServerReadsIsBound() throws IOException {
        Set<String> read = new TreeSet<>();
        for (Path file : sources()) {
            // The config package reads values to rewrite and check them (aclfile, cluster-enabled), not to act.
            if (file.startsWith(MAIN.resolve("config"))) continue;
            read.addAll(parametersRead(Files.readString(file)));
        }
        try (EmbeddedServer server = EmbeddedServer.start(ctx -> { })) {
            Config config = server.context().config;
            for (String name : read) assertTrue(config.isBound(name), name + " is read but not bound");
        }
    }

    @Test
    void everyParameterDeclaredReadWhereUsedIsRead() throws IOException {
        Set<String> read = new TreeSet<>();
        for (Path file : sources()) {
            if (file.endsWith("ConfigBindings.java")) continue;
            read.addAll(parametersRead(Files.readString(file)));
        }
        for (String name : ConfigBindings.READ_WHERE_USED) assertTrue(read.contains(name), name + " is read nowhere");
    }

    @Test
    void fieldsTakeTheirValuesFromTheConfig() {
        try (EmbeddedServer server = EmbeddedServer.start(ctx -> { }, "hz 42", "repl-timeout 7",
                "set-max-intset-entries 9", "replica-read-only no", "repl-diskless-load swapdb")) {
            ServerContext s = server.context();
            assertEquals(42, s.process.hz);
            assertEquals(server.port(), s.process.port);
            assertEquals(7, s.replication.timeoutSeconds);
            assertEquals(9, s.encodings.setMaxIntsetEntries);
            assertFalse(s.repl.replicaReadOnly);
            assertEquals("swapdb", s.masterLink.disklessLoad);
            assertEquals("noeviction", s.limits.maxmemoryPolicy);
            assertEquals(1024L * 1024 * 1024, s.limits.clientQueryBufferLimit);
        }
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        }
    }

    /** The parameters a source file reads; Config's own getters (one {@code return} line each) are not reads. */
    private static Set<String> parametersRead(String source) {
        Set<String> names = new TreeSet<>();
        source = source.replaceAll("(?m)^\\s*return \\(.*$", "");
        Matcher m = READ_BY_NAME.matcher(source);
        while (m.find()) names.add(m.group(1));
        for (Map.Entry<String, String> g : TYPED_GETTERS.entrySet()) {
            if (Pattern.compile("config\\(?\\)?\\." + g.getKey() + "\\(").matcher(source).find()) names.add(g.getValue());
        }
        return names;
    }
}
