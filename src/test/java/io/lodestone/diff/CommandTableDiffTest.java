package io.lodestone.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.RespValue;
import io.lodestone.testsupport.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replies of COMMAND that depend on which commands exist, compared with Redis for the commands
 * Lodestone has. Redis 7.0 has 240 commands and Lodestone fewer until every milestone is done, so
 * COMMAND COUNT, COMMAND, COMMAND INFO, COMMAND DOCS without arguments and COMMAND LIST cannot be
 * compared whole in a case file: here Lodestone's COMMAND LIST says what exists, and every fact
 * about those commands must be Redis's, byte for byte.
 *
 * <p>Subcommands come in hash order, and Redis seeds its hash function at random: the subcommands
 * of an entry are compared sorted, as are the entries of the replies without arguments. Uses the
 * same servers as {@link DiffTest} ({@code -Dlodestone.diff.target=redis} compares Redis with
 * itself).
 */
class CommandTableDiffTest {

    private static ServerProcess reference;
    private static ServerProcess target;
    private static RespClient ref;
    private static RespClient sut;
    private static RespClient ref3;
    private static RespClient sut3;
    /** Lodestone's COMMAND LIST: top-level commands and "container|sub" subcommands. */
    private static List<String> listed;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        assumeTrue(ServerProcess.lodestoneAvailable(), ServerProcess.LODESTONE_MAIN + " is not on the class path");
        reference = ServerProcess.redis();
        target = ServerProcess.lodestone();
        ref = reference.client();
        sut = target.client();
        ref3 = reference.client();
        sut3 = target.client();
        ref3.call("HELLO", "3");
        sut3.call("HELLO", "3");
        listed = names(sut.call("COMMAND", "LIST"));
    }

    @AfterAll
    static void stop() throws IOException {
        for (AutoCloseable c : new AutoCloseable[] {ref, sut, ref3, sut3, reference, target}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // Closing is best effort.
            }
        }
    }

    @Test
    void commandListNamesOnlyRedisCommands() throws IOException {
        Set<String> redis = new TreeSet<>(names(ref.call("COMMAND", "LIST")));
        assertEquals(listed.size(), new TreeSet<>(listed).size(), "COMMAND LIST has duplicates: " + listed);
        List<String> unknown = listed.stream().filter(n -> !redis.contains(n)).toList();
        assertEquals(List.of(), unknown, "in Lodestone's COMMAND LIST but not in Redis's");
        for (String n : listed) {
            if (n.contains("|")) {
                assertTrue(listed.contains(n.substring(0, n.indexOf('|'))), n + " is listed without its container");
            }
        }
        assertTrue(topLevel().contains("command"), "COMMAND LIST does not list itself: " + listed);
    }

    @Test
    void commandCountIsTheNumberOfTopLevelCommands() throws IOException {
        assertEquals(text((":" + topLevel().size() + "\r\n").getBytes(StandardCharsets.US_ASCII)),
                text(sut.call("COMMAND", "COUNT")));
    }

    @Test
    void commandInfoOfEveryListedCommandIsRedis() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (String n : listed) {
            compareInfo(mismatches, ref, sut, "COMMAND", "INFO", n);
            compareInfo(mismatches, ref3, sut3, "COMMAND", "INFO", n);
        }
        report(mismatches);
    }

    @Test
    void commandDocsOfEveryListedCommandIsRedis() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (String n : listed) {
            compareDocs(mismatches, ref, sut, "COMMAND", "DOCS", n);
            compareDocs(mismatches, ref3, sut3, "COMMAND", "DOCS", n);
        }
        report(mismatches);
    }

    /** COMMAND and COMMAND INFO: every top-level command once, in hash order (compared sorted). */
    @Test
    void commandWithoutArgumentsIsRedisInfoOfTheTopLevelCommands() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (RespClient[] pair : new RespClient[][] {{ref, sut}, {ref3, sut3}}) {
            String want = infos(pair[0].call(withNames("COMMAND", "INFO")));
            check(mismatches, "COMMAND", want, infos(pair[1].call("COMMAND")));
            check(mismatches, "COMMAND INFO", want, infos(pair[1].call("COMMAND", "INFO")));
        }
        report(mismatches);
    }

    @Test
    void commandDocsWithoutArgumentsIsRedisDocsOfTheTopLevelCommands() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (RespClient[] pair : new RespClient[][] {{ref, sut}, {ref3, sut3}}) {
            String want = docs(pair[0].call(withNames("COMMAND", "DOCS")));
            check(mismatches, "COMMAND DOCS", want, docs(pair[1].call("COMMAND", "DOCS")));
        }
        report(mismatches);
    }

    /** COMMAND LIST FILTERBY: Redis's answer, less the commands Lodestone does not list. */
    @Test
    void commandListFiltersAreRedisFiltersOverTheListedCommands() throws IOException {
        List<String> mismatches = new ArrayList<>();
        List<String[]> filters = new ArrayList<>();
        for (String category : names(ref.call("ACL", "CAT"))) {
            filters.add(new String[] {"ACLCAT", category});
        }
        for (String pattern : List.of("*", "g*", "*et*", "?et", "[cm]*", "*|*", "client|*", "config|?et", "x*")) {
            filters.add(new String[] {"PATTERN", pattern});
        }
        for (String[] f : filters) {
            List<String> want = names(ref.call("COMMAND", "LIST", "FILTERBY", f[0], f[1])).stream()
                    .filter(listed::contains).sorted().toList();
            List<String> got = names(sut.call("COMMAND", "LIST", "FILTERBY", f[0], f[1])).stream().sorted().toList();
            check(mismatches, "COMMAND LIST FILTERBY " + f[0] + " " + f[1], want.toString(), got.toString());
        }
        report(mismatches);
    }

    private static List<String> topLevel() {
        return listed.stream().filter(n -> !n.contains("|")).toList();
    }

    private static String[] withNames(String... head) {
        return Stream.concat(Arrays.stream(head), topLevel().stream()).toArray(String[]::new);
    }

    private static void compareInfo(List<String> mismatches, RespClient want, RespClient got, String... command)
            throws IOException {
        check(mismatches, String.join(" ", command), infos(want.call(command)), infos(got.call(command)));
    }

    private static void compareDocs(List<String> mismatches, RespClient want, RespClient got, String... command)
            throws IOException {
        check(mismatches, String.join(" ", command), docs(want.call(command)), docs(got.call(command)));
    }

    /** A COMMAND INFO reply: entries sorted, and in each the subcommands (element 9) sorted. */
    private static String infos(byte[] reply) {
        if (!(RespValue.parse(reply) instanceof RespValue.Aggregate a)) {
            return text(reply);
        }
        List<RespValue> entries = new ArrayList<>();
        for (RespValue e : a.elements()) {
            if (e instanceof RespValue.Aggregate entry && entry.elements().size() == 10) {
                List<RespValue> fields = new ArrayList<>(entry.elements());
                RespValue.Aggregate subs = (RespValue.Aggregate) fields.get(9);
                fields.set(9, sorted(subs, 1));
                e = new RespValue.Aggregate(entry.type(), fields);
            }
            entries.add(e);
        }
        return text(sorted(new RespValue.Aggregate(a.type(), entries), 1).encode());
    }

    /** A COMMAND DOCS reply: commands sorted, and in each the pairs under "subcommands" sorted. */
    private static String docs(byte[] reply) {
        if (!(RespValue.parse(reply) instanceof RespValue.Aggregate a)) {
            return text(reply);
        }
        List<RespValue> pairs = new ArrayList<>(a.elements());
        for (int i = 1; i < pairs.size(); i += 2) {
            if (pairs.get(i) instanceof RespValue.Aggregate doc) {
                List<RespValue> fields = new ArrayList<>(doc.elements());
                for (int j = 0; j + 1 < fields.size(); j += 2) {
                    if ("subcommands".equals(fields.get(j).text())) {
                        fields.set(j + 1, sorted((RespValue.Aggregate) fields.get(j + 1), 2));
                    }
                }
                pairs.set(i, new RespValue.Aggregate(doc.type(), fields));
            }
        }
        return text(sorted(new RespValue.Aggregate(a.type(), pairs), 2).encode());
    }

    private static void check(List<String> mismatches, String what, String want, String got) {
        if (!want.equals(got)) {
            mismatches.add(what + "\n    redis:     " + clip(want) + "\n    lodestone: " + clip(got));
        }
    }

    private static void report(List<String> mismatches) {
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " replies differ:\n" + String.join("\n", mismatches));
        }
    }

    /** The aggregate with its elements, or its key-value pairs ({@code group} 2), sorted by their bytes. */
    private static RespValue.Aggregate sorted(RespValue.Aggregate a, int group) {
        List<List<RespValue>> groups = new ArrayList<>();
        for (int i = 0; i < a.elements().size(); i += group) {
            groups.add(a.elements().subList(i, Math.min(i + group, a.elements().size())));
        }
        groups.sort((x, y) -> Arrays.compareUnsigned(encode(x), encode(y)));
        List<RespValue> out = new ArrayList<>();
        groups.forEach(out::addAll);
        return new RespValue.Aggregate(a.type(), out);
    }

    private static byte[] encode(List<RespValue> values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        values.forEach(v -> out.writeBytes(v.encode()));
        return out.toByteArray();
    }

    /** The names in a flat reply of bulk strings (COMMAND LIST, ACL CAT), lower case. */
    private static List<String> names(byte[] reply) {
        if (!(RespValue.parse(reply) instanceof RespValue.Aggregate a)) {
            throw new IllegalStateException("not a list of names: " + text(reply));
        }
        return a.elements().stream().map(v -> v.text().toLowerCase(Locale.ROOT)).toList();
    }

    private static String text(byte[] reply) {
        return RespClient.escape(reply);
    }

    private static String clip(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }
}
