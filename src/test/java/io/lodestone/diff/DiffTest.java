package io.lodestone.diff;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.RespValue;
import io.lodestone.testsupport.ServerProcess;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.TestFactory;

/**
 * The differential suite: every case file under {@code src/test/resources/diff/} runs against a
 * fresh Lodestone and a fresh redis-server, and every reply must be the same bytes.
 *
 * <p>The case-file format is described in {@link CaseFile}. One dynamic test per file. A file's
 * mismatches are all collected (the file keeps running, as each step's reply is compared on its
 * own) and reported together with file:line, the command and both replies escaped; the run stops
 * early only when a connection is no longer usable on one side. A transcript of every step is
 * written to {@code target/diff-reports/<file>.txt}.
 *
 * <p>{@code @requires} blocks: before the first file, one Lodestone and one redis-server started
 * for the purpose are asked {@code COMMAND LIST} (what the build implements does not depend on a
 * file's server arguments, and a probe of their own leaves each file's servers untouched). A block
 * whose commands are not all in Lodestone's list is skipped on both sides, so the two command
 * streams stay identical; skipped blocks and the commands they miss go to the transcript and to the
 * test's output. A file whose every compared step is skipped is reported as skipped (an aborted
 * assumption). A name that Redis's own list lacks is a mistake in the case file and fails it.
 *
 * <p>Properties: {@code -Dlodestone.diff.target=redis} runs the suite Redis against Redis (the
 * suite's own check: it must pass 100%); {@code -Dlodestone.diff.files=strings,keys} runs only
 * those files; {@code -Dlodestone.diff.timeout.ms} bounds each reply (default 5000).
 */
class DiffTest {

    private static final String RESOURCE_DIR = "diff";
    private static final int MAX_REPORTED = 40;
    private static final Duration REPLY_TIMEOUT =
            Duration.ofMillis(Long.getLong("lodestone.diff.timeout.ms", 5000));
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    /** COMMAND LIST of both servers, asked once per run; see the class comment. */
    private static CommandLists commandLists;

    @TestFactory
    Stream<DynamicTest> caseFiles(TestReporter reporter) throws IOException, URISyntaxException {
        URL url = DiffTest.class.getClassLoader().getResource(RESOURCE_DIR);
        if (url == null) {
            throw new IOException("no " + RESOURCE_DIR + "/ directory on the test class path");
        }
        Path dir = Paths.get(url.toURI());
        Set<String> only = selectedFiles();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .filter(p -> only.isEmpty() || only.contains(baseName(p)))
                    .sorted()
                    .toList();
        }
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), sourceUri(p),
                () -> run(p, reporter)));
    }

    private static void run(Path file, TestReporter reporter) throws Exception {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        assumeTrue(ServerProcess.lodestoneAvailable(), ServerProcess.LODESTONE_MAIN
                + " is not on the class path (use -D" + ServerProcess.TARGET_PROPERTY
                + "=redis to check the suite against Redis itself)");
        String name = file.getFileName().toString();
        CaseFile cases = CaseFile.parse(name, Files.readAllBytes(file));
        Skips skips = Skips.of(cases, cases.blocks().isEmpty() ? null : commandLists());
        if (!skips.isEmpty()) {
            String summary = skips.describe(cases);
            System.out.println(summary);
            reporter.publishEntry(name, summary);
        }
        if (skips.everything(cases)) {
            writeTranscript(name, "# every step of " + name + " is in a skipped @requires block\n"
                    + skips.describe(cases) + "\n");
            abort(name + ": every compared step needs commands Lodestone lacks: "
                    + String.join(" ", skips.missingCommands()));
        }
        String[] args = cases.serverArgs().toArray(String[]::new);
        try (ServerProcess reference = ServerProcess.redis(args);
             ServerProcess target = ServerProcess.lodestone(args);
             Side ref = new Side(reference);
             Side sut = new Side(target)) {
            new Session(cases, skips, ref, sut).run();
        }
    }

    /** Both servers' COMMAND LIST, lower case. */
    private record CommandLists(Set<String> redis, Set<String> lodestone, String lodestoneName) { }

    private static synchronized CommandLists commandLists() throws IOException {
        if (commandLists == null) {
            try (ServerProcess reference = ServerProcess.redis();
                 ServerProcess target = ServerProcess.lodestone()) {
                commandLists = new CommandLists(commandList(reference), commandList(target), target.name());
            }
        }
        return commandLists;
    }

    private static Set<String> commandList(ServerProcess server) throws IOException {
        try (RespClient client = new RespClient("127.0.0.1", server.port(), REPLY_TIMEOUT)) {
            byte[] reply = client.call("COMMAND", "LIST");
            if (!(RespValue.parse(reply) instanceof RespValue.Aggregate list)) {
                throw new IOException(server.name() + " answered COMMAND LIST with " + RespClient.escape(reply));
            }
            return list.elements().stream().map(v -> v.text().toLowerCase(Locale.ROOT))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * The {@code @requires} blocks of one file that Lodestone cannot run, each with the commands it
     * lacks (in the order the block names them).
     */
    private record Skips(Map<CaseFile.Requires, List<String>> missing, String lodestoneName) {
        static Skips of(CaseFile cases, CommandLists lists) throws CaseFile.FormatException {
            Map<CaseFile.Requires, List<String>> missing = new LinkedHashMap<>();
            if (lists == null) {
                return new Skips(missing, "lodestone");
            }
            for (CaseFile.Requires block : cases.blocks()) {
                for (String command : block.commands()) {
                    if (!lists.redis().contains(command)) {
                        throw new CaseFile.FormatException(cases.name(), block.line(),
                                "@requires names " + command + ", which redis-server does not have");
                    }
                }
                List<String> lacks = block.commands().stream().filter(c -> !lists.lodestone().contains(c)).toList();
                if (!lacks.isEmpty()) {
                    missing.put(block, lacks);
                }
            }
            return new Skips(missing, lists.lodestoneName());
        }

        boolean isEmpty() {
            return missing.isEmpty();
        }

        boolean skips(CaseFile.Step step) {
            return step.block() != null && missing.containsKey(step.block());
        }

        /** True when no step that is compared (a reply, or a close) is left to run. */
        boolean everything(CaseFile cases) {
            return !isEmpty() && cases.steps().stream()
                    .filter(s -> s.readsReply() || s.action() == CaseFile.Action.EXPECT_CLOSE)
                    .allMatch(this::skips);
        }

        Set<String> missingCommands() {
            Set<String> all = new TreeSet<>();
            missing.values().forEach(all::addAll);
            return all;
        }

        /** One line per skipped block: where it starts, how many steps it has, what it lacks. */
        String describe(CaseFile cases) {
            StringBuilder sb = new StringBuilder().append(cases.name()).append(": ").append(missing.size())
                    .append(missing.size() == 1 ? " @requires block" : " @requires blocks")
                    .append(" skipped, ").append(lodestoneName).append(" lacks ")
                    .append(String.join(" ", missingCommands()));
            missing.forEach((block, lacks) -> sb.append("\n    ").append(line(cases, block, lacks)));
            return sb.toString();
        }

        String line(CaseFile cases, CaseFile.Requires block, List<String> lacks) {
            long steps = cases.steps().stream().filter(s -> s.block() == block).count();
            return cases.name() + ":" + block.line() + ": " + block.source() + " (" + steps
                    + (steps == 1 ? " step" : " steps") + ") skipped, lacks " + String.join(" ", lacks);
        }
    }

    /** Runs one case file step by step against both sides and compares. */
    private static final class Session {
        private final CaseFile cases;
        private final Skips skips;
        private final Side ref;
        private final Side sut;
        private final List<String> mismatches = new ArrayList<>();
        private final StringBuilder transcript = new StringBuilder();
        private int compared;

        Session(CaseFile cases, Skips skips, Side ref, Side sut) {
            this.cases = cases;
            this.skips = skips;
            this.ref = ref;
            this.sut = sut;
        }

        void run() throws IOException {
            String stoppedAt = null;
            CaseFile.Requires skipping = null;
            for (CaseFile.Step step : cases.steps()) {
                if (skips.skips(step)) {
                    if (step.block() != skipping) {
                        skipping = step.block();
                        transcript.append(skips.line(cases, skipping, skips.missing().get(skipping))).append('\n');
                    }
                    continue;
                }
                Outcome expected = ref.perform(step);
                Outcome actual = sut.perform(step);
                if (expected == null) {
                    transcript.append(location(step)).append(' ').append(step.source()).append('\n');
                    continue;
                }
                compared++;
                if (expected.timedOut()) {
                    // Redis had nothing to say: the step expects a reply that never comes.
                    mismatches.add(location(step) + " " + step.source() + "\n    case-file error: "
                            + ref.name() + " sent no reply");
                    stoppedAt = location(step);
                    break;
                }
                String want = expected.render(step.compare());
                String got = actual.render(step.compare());
                transcript.append(location(step)).append(' ').append(step.source()).append("\n    ")
                        .append(want).append('\n');
                if (!want.equals(got)) {
                    transcript.append("    DIFFERS, ").append(sut.name()).append(": ").append(got).append('\n');
                    mismatches.add(describe(step, expected, actual));
                    if (actual.broken()) {
                        // Later replies would answer earlier commands, or nothing at all.
                        stoppedAt = location(step);
                        break;
                    }
                }
            }
            writeTranscript(cases.name(), "# " + ref.name() + " vs " + sut.name() + ": each step, the reference "
                    + "reply, and the other reply where it differs\n"
                    + (skips.isEmpty() ? "" : "# " + skips.describe(cases).replace("\n", "\n# ") + "\n")
                    + transcript);
            if (mismatches.isEmpty()) {
                return;
            }
            StringBuilder msg = new StringBuilder()
                    .append(mismatches.size()).append(" of ").append(compared).append(" replies in ")
                    .append(cases.name()).append(" differ (").append(ref.name()).append(" vs ")
                    .append(sut.name()).append(")\n");
            mismatches.stream().limit(MAX_REPORTED).forEach(m -> msg.append(m).append('\n'));
            if (mismatches.size() > MAX_REPORTED) {
                msg.append("... ").append(mismatches.size() - MAX_REPORTED).append(" more in ")
                        .append(reportPath()).append('\n');
            }
            if (stoppedAt != null) {
                msg.append("stopped at ").append(stoppedAt).append(": a connection is no longer usable\n");
            }
            if (!sut.server.isAlive()) {
                msg.append(sut.name()).append(" exited; log tail:\n").append(tail(sut.server.log(), 3000));
            }
            if (!skips.isEmpty()) {
                msg.append(skips.describe(cases)).append('\n');
            }
            fail(msg.toString());
        }

        private String location(CaseFile.Step step) {
            return cases.name() + ":" + step.line() + ":";
        }

        private String describe(CaseFile.Step step, Outcome expected, Outcome actual) {
            String note = step.compare().exact() ? "" : " (after @mask/@unordered)";
            int width = Math.max(ref.name().length(), sut.name().length()) + 1;
            return location(step) + " " + step.source() + "\n"
                    + "    " + pad(ref.name() + ":", width) + " " + expected.render(step.compare()) + note + "\n"
                    + "    " + pad(sut.name() + ":", width) + " " + actual.render(step.compare());
        }

        private Path reportPath() {
            return DiffTest.reportPath(cases.name());
        }
    }

    private static Path reportPath(String file) {
        return Paths.get(System.getProperty("basedir", "."), "target", "diff-reports", file);
    }

    private static void writeTranscript(String file, String text) {
        try {
            Path path = reportPath(file);
            Files.createDirectories(path.getParent());
            Files.writeString(path, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What one step produced on one server: a reply, or that the connection was closed, timed out,
     * or (for {@code @expect-close}) stayed open.
     */
    private record Outcome(byte[] reply, String event) {
        static Outcome of(byte[] reply) {
            return new Outcome(reply, null);
        }

        static Outcome event(String event) {
            return new Outcome(null, event);
        }

        boolean timedOut() {
            return event != null && event.startsWith("<no reply");
        }

        /** The connection cannot carry on: closed, timed out or failed while reading. */
        boolean broken() {
            return event != null && !event.equals("<still open>");
        }

        String render(CaseFile.Compare compare) {
            if (reply == null) {
                return event;
            }
            try {
                return RespClient.escape(Normalizer.normalize(reply, compare));
            } catch (RuntimeException e) {
                return RespClient.escape(reply) + " <cannot normalize: " + e + ">";
            }
        }
    }

    /** One server and the current connection to it. */
    private static final class Side implements AutoCloseable {
        final ServerProcess server;
        private RespClient client;

        Side(ServerProcess server) throws IOException {
            this.server = server;
            this.client = connect();
        }

        String name() {
            return server.name();
        }

        /** Performs a step; returns null for steps that produce nothing to compare. */
        Outcome perform(CaseFile.Step step) throws IOException {
            try {
                switch (step.action()) {
                    case COMMAND -> {
                        return Outcome.of(client.call(step.args().toArray(byte[][]::new)));
                    }
                    case RAW -> {
                        client.sendRaw(step.args().get(0));
                        return Outcome.of(client.readReply());
                    }
                    case SEND_RAW -> {
                        client.sendRaw(step.args().get(0));
                        return null;
                    }
                    case READ -> {
                        return Outcome.of(client.readReply());
                    }
                    case EXPECT_CLOSE -> {
                        return Outcome.event(client.awaitClose(CLOSE_TIMEOUT) ? "<connection closed>" : "<still open>");
                    }
                    case NEW_CONNECTION -> {
                        client.close();
                        client = connect();
                        return null;
                    }
                    case SLEEP -> {
                        sleep(step.millis());
                        return null;
                    }
                    default -> throw new IllegalStateException(step.action().toString());
                }
            } catch (EOFException e) {
                return Outcome.event("<connection closed>");
            } catch (SocketTimeoutException e) {
                return Outcome.event("<no reply within " + REPLY_TIMEOUT.toMillis() + " ms>");
            } catch (IOException e) {
                if (step.action() == CaseFile.Action.NEW_CONNECTION) {
                    throw e;
                }
                return Outcome.event("<" + e + ">");
            }
        }

        private RespClient connect() throws IOException {
            return new RespClient("127.0.0.1", server.port(), REPLY_TIMEOUT);
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    private static Set<String> selectedFiles() {
        String only = System.getProperty("lodestone.diff.files", "").trim();
        if (only.isEmpty()) {
            return Set.of();
        }
        return Arrays.stream(only.split("[,\\s]+")).map(s -> s.endsWith(".txt") ? s.substring(0, s.length() - 4) : s)
                .collect(Collectors.toSet());
    }

    private static String baseName(Path p) {
        String n = p.getFileName().toString();
        return n.substring(0, n.length() - ".txt".length());
    }

    /** Points IDEs at the source file rather than the copy under target/. */
    private static URI sourceUri(Path copied) {
        Path source = Paths.get(System.getProperty("basedir", "."), "src", "test", "resources", RESOURCE_DIR,
                copied.getFileName().toString());
        return (Files.exists(source) ? source : copied).toUri();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String tail(String s, int chars) {
        return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
