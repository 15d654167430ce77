package io.lodestone.diff;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lodestone.testsupport.RespClient;
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
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
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

    @TestFactory
    Stream<DynamicTest> caseFiles() throws IOException, URISyntaxException {
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
                () -> run(p)));
    }

    private static void run(Path file) throws Exception {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        assumeTrue(ServerProcess.lodestoneAvailable(), ServerProcess.LODESTONE_MAIN
                + " is not on the class path (use -D" + ServerProcess.TARGET_PROPERTY
                + "=redis to check the suite against Redis itself)");
        String name = file.getFileName().toString();
        CaseFile cases = CaseFile.parse(name, Files.readAllBytes(file));
        String[] args = cases.serverArgs().toArray(String[]::new);
        try (ServerProcess reference = ServerProcess.redis(args);
             ServerProcess target = ServerProcess.lodestone(args);
             Side ref = new Side(reference);
             Side sut = new Side(target)) {
            new Session(cases, ref, sut).run();
        }
    }

    /** Runs one case file step by step against both sides and compares. */
    private static final class Session {
        private final CaseFile cases;
        private final Side ref;
        private final Side sut;
        private final List<String> mismatches = new ArrayList<>();
        private final StringBuilder transcript = new StringBuilder();
        private int compared;

        Session(CaseFile cases, Side ref, Side sut) {
            this.cases = cases;
            this.ref = ref;
            this.sut = sut;
        }

        void run() throws IOException {
            String stoppedAt = null;
            for (CaseFile.Step step : cases.steps()) {
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
            writeTranscript();
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
            return Paths.get(System.getProperty("basedir", "."), "target", "diff-reports", cases.name());
        }

        private void writeTranscript() {
            try {
                Path path = reportPath();
                Files.createDirectories(path.getParent());
                Files.writeString(path, "# " + ref.name() + " vs " + sut.name() + ": each step, the reference "
                        + "reply, and the other reply where it differs\n" + transcript);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
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
