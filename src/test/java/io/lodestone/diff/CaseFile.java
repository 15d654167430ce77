package io.lodestone.diff;

import io.lodestone.util.SplitArgs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed differential case file: the arguments both servers start with, and the steps run
 * against both.
 *
 * <h2>Format</h2>
 * One step per line. Blank lines and lines whose first non-blank character is {@code #} are
 * ignored (there are no trailing comments: {@code #} may be part of a value). Any other line not
 * starting with {@code @} is a command, split into arguments like redis-cli does (see
 * {@link SplitArgs}: {@code "a\x00b"} is a binary argument, {@code ""} an empty one), sent as a
 * RESP multibulk; the one reply is compared byte for byte.
 *
 * <p>Directives (arguments split the same way):
 * <pre>
 * &#64;server-args ARG...   start both servers with these extra arguments (before any step)
 * &#64;resp3                send HELLO 3 on the current connection (server, version, id masked)
 * &#64;new-connection       close the connection and open a new one (RESP2, db 0, no name)
 * &#64;sleep-ms N           wait N ms (only where time must pass, e.g. for an expiry)
 * &#64;raw "BYTES"          send BYTES as they are (inline commands, bad protocol); compare one reply
 * &#64;send-raw "BYTES"     send BYTES as they are, read nothing
 * &#64;read                 read one reply and compare
 * &#64;expect-close         the server should close the connection now; compare whether it did
 *
 * Blocks of steps that need commands the server under test may not have yet:
 * &#64;requires CMD...      the steps from here to the next &#64;requires or &#64;end-requires (or the
 *                      end of the file) need every CMD ("lpush", or "client|reply" for a
 *                      subcommand); where one is missing the whole block is skipped on both servers
 * &#64;end-requires         ends the current block: later steps run unconditionally
 *
 * The following modify how the next reply is compared:
 * &#64;mask                 compare the shape only: types and lengths of aggregates, not the scalars
 * &#64;mask N|FIELD...      mask only some scalars: N is a leaf index (scalars numbered depth first
 *                      from 0); FIELD masks the value under that key of a top-level map, or of a
 *                      top-level array of key-value pairs (RESP2 form of a map)
 * &#64;unordered [PATH]     ignore the order of the elements of the reply, or of the aggregate at
 *                      PATH: element indexes joined by dots, * for every element ("1", "0.9",
 *                      "*.9"); several apply in the order written, so sort inner levels first
 * &#64;unordered-pairs [PATH]  same for key-value pairs of a flat array (RESP2 form of a map)
 * </pre>
 */
record CaseFile(String name, List<String> serverArgs, List<Step> steps, List<Requires> blocks) {

    enum Action {
        COMMAND, RAW, SEND_RAW, READ, EXPECT_CLOSE, NEW_CONNECTION, SLEEP
    }

    /** How to compare a reply: which scalars to mask, which aggregates to sort. */
    record Compare(boolean maskAll, Set<Integer> maskLeaves, Set<String> maskFields,
                   List<Unordered> unordered) {
        static final Compare EXACT = new Compare(false, Set.of(), Set.of(), List.of());

        boolean exact() {
            return !maskAll && maskLeaves.isEmpty() && maskFields.isEmpty() && unordered.isEmpty();
        }
    }

    /**
     * Sort the aggregate at {@code path} (empty: the reply itself); each path element is an index
     * or {@code *} for every element. {@code pairs} sorts key-value pairs of a flat array.
     */
    record Unordered(List<String> path, boolean pairs) { }

    /**
     * One step. {@code args} are the command arguments, or the single raw byte string for RAW and
     * SEND_RAW; {@code millis} is for SLEEP; {@code block} is the {@code @requires} block the step
     * belongs to, or null when it always runs.
     */
    record Step(int line, String source, Action action, List<byte[]> args, long millis, Compare compare,
                Requires block) {
        boolean readsReply() {
            return action == Action.COMMAND || action == Action.RAW || action == Action.READ;
        }
    }

    /**
     * A {@code @requires} block: it starts at {@code line} and its steps run only when the server
     * under test implements every one of {@code commands} (lower case; "container|sub" for a
     * subcommand, as COMMAND LIST names them).
     */
    record Requires(int line, List<String> commands) {
        String source() {
            return "@requires " + String.join(" ", commands);
        }
    }

    static final class FormatException extends Exception {
        FormatException(String file, int line, String message) {
            super(file + ":" + line + ": " + message);
        }
    }

    static CaseFile parse(String name, byte[] content) throws FormatException {
        List<String> serverArgs = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        List<Requires> blocks = new ArrayList<>();
        Requires block = null;
        int blockSteps = 0;
        Pending pending = new Pending();
        int lineNo = 0;
        int start = 0;
        while (start <= content.length) {
            int end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && content[end - 1] == '\r' ? end - 1 : end;
            byte[] line = Arrays.copyOfRange(content, start, stop);
            start = end + 1;
            String source = new String(line, StandardCharsets.UTF_8).strip();
            if (source.isEmpty() || source.startsWith("#")) {
                continue;
            }
            byte[][] split = SplitArgs.split(line);
            if (split == null) {
                throw new FormatException(name, lineNo, "unbalanced quotes: " + source);
            }
            List<byte[]> tokens = List.of(split);
            if (!source.startsWith("@")) {
                steps.add(new Step(lineNo, source, Action.COMMAND, tokens, 0, pending.take(), block));
                blockSteps++;
                continue;
            }
            String directive = new String(tokens.get(0), StandardCharsets.UTF_8);
            List<byte[]> rest = tokens.subList(1, tokens.size());
            int stepsBefore = steps.size();
            switch (directive) {
                case "@server-args" -> {
                    if (!steps.isEmpty() || block != null) {
                        throw new FormatException(name, lineNo, "@server-args must come before the first step");
                    }
                    rest.forEach(t -> serverArgs.add(new String(t, StandardCharsets.UTF_8)));
                }
                case "@resp3" -> {
                    expectArgs(name, lineNo, directive, rest, 0);
                    if (pending.any()) {
                        throw new FormatException(name, lineNo, "@resp3 has its own masks");
                    }
                    steps.add(new Step(lineNo, source, Action.COMMAND, List.of(bytes("HELLO"), bytes("3")), 0,
                            new Compare(false, Set.of(), Set.of("server", "version", "id"), List.of()), block));
                }
                case "@new-connection" -> {
                    expectArgs(name, lineNo, directive, rest, 0);
                    steps.add(new Step(lineNo, source, Action.NEW_CONNECTION, List.of(), 0, Compare.EXACT, block));
                }
                case "@sleep-ms" -> {
                    expectArgs(name, lineNo, directive, rest, 1);
                    steps.add(new Step(lineNo, source, Action.SLEEP, List.of(), number(name, lineNo, rest.get(0)),
                            Compare.EXACT, block));
                }
                case "@raw" -> {
                    expectArgs(name, lineNo, directive, rest, 1);
                    steps.add(new Step(lineNo, source, Action.RAW, List.copyOf(rest), 0, pending.take(), block));
                }
                case "@send-raw" -> {
                    expectArgs(name, lineNo, directive, rest, 1);
                    steps.add(new Step(lineNo, source, Action.SEND_RAW, List.copyOf(rest), 0, Compare.EXACT, block));
                }
                case "@read" -> {
                    expectArgs(name, lineNo, directive, rest, 0);
                    steps.add(new Step(lineNo, source, Action.READ, List.of(), 0, pending.take(), block));
                }
                case "@expect-close" -> {
                    expectArgs(name, lineNo, directive, rest, 0);
                    steps.add(new Step(lineNo, source, Action.EXPECT_CLOSE, List.of(), 0, Compare.EXACT, block));
                }
                case "@mask" -> {
                    pending.line = lineNo;
                    if (rest.isEmpty()) {
                        pending.maskAll = true;
                    }
                    for (byte[] t : rest) {
                        String s = new String(t, StandardCharsets.UTF_8);
                        if (s.chars().allMatch(Character::isDigit)) {
                            pending.maskLeaves.add(Integer.parseInt(s));
                        } else {
                            pending.maskFields.add(s);
                        }
                    }
                }
                case "@unordered", "@unordered-pairs" -> {
                    pending.line = lineNo;
                    if (rest.size() > 1) {
                        throw new FormatException(name, lineNo, directive + " takes at most one path");
                    }
                    List<String> path = rest.isEmpty() ? List.of()
                            : List.of(new String(rest.get(0), StandardCharsets.UTF_8).split("\\."));
                    for (String element : path) {
                        if (!element.equals("*") && !element.chars().allMatch(Character::isDigit)) {
                            throw new FormatException(name, lineNo, "bad path element in " + directive + ": " + element);
                        }
                    }
                    pending.unordered.add(new Unordered(path, directive.equals("@unordered-pairs")));
                }
                case "@requires", "@end-requires" -> {
                    if (block != null && blockSteps == 0) {
                        throw new FormatException(name, lineNo, "the block of " + block.source() + " (line "
                                + block.line() + ") has no steps");
                    }
                    if (directive.equals("@end-requires")) {
                        expectArgs(name, lineNo, directive, rest, 0);
                        if (block == null) {
                            throw new FormatException(name, lineNo, "@end-requires without @requires");
                        }
                        block = null;
                    } else {
                        block = new Requires(lineNo, commandNames(name, lineNo, rest));
                        blocks.add(block);
                        blockSteps = 0;
                    }
                }
                default -> throw new FormatException(name, lineNo, "unknown directive " + directive);
            }
            blockSteps += steps.size() - stepsBefore;
            if (pending.any() && !directive.startsWith("@mask")
                    && !directive.startsWith("@unordered")) {
                throw new FormatException(name, lineNo,
                        "@mask/@unordered must be followed by a step that reads a reply");
            }
        }
        if (pending.any()) {
            throw new FormatException(name, pending.line, "@mask/@unordered at the end of the file");
        }
        if (block != null && blockSteps == 0) {
            throw new FormatException(name, block.line(), "the block of " + block.source() + " has no steps");
        }
        return new CaseFile(name, List.copyOf(serverArgs), List.copyOf(steps), List.copyOf(blocks));
    }

    /** The arguments of {@code @requires}: command names, or "container|sub", in lower case. */
    private static List<String> commandNames(String file, int line, List<byte[]> args) throws FormatException {
        if (args.isEmpty()) {
            throw new FormatException(file, line, "@requires needs at least one command name");
        }
        Set<String> names = new LinkedHashSet<>();
        for (byte[] a : args) {
            String n = new String(a, StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
            if (!n.matches("[a-z0-9_-]+(\\|[a-z0-9_-]+)?")) {
                throw new FormatException(file, line, "not a command name in @requires: " + n);
            }
            names.add(n);
        }
        return List.copyOf(names);
    }

    /** Compare options collected from directives, waiting for the step they apply to. */
    private static final class Pending {
        int line;
        boolean maskAll;
        final Set<Integer> maskLeaves = new LinkedHashSet<>();
        final Set<String> maskFields = new LinkedHashSet<>();
        final List<Unordered> unordered = new ArrayList<>();

        boolean any() {
            return maskAll || !maskLeaves.isEmpty() || !maskFields.isEmpty() || !unordered.isEmpty();
        }

        Compare take() {
            if (!any()) {
                return Compare.EXACT;
            }
            Compare c = new Compare(maskAll, Set.copyOf(maskLeaves), Set.copyOf(maskFields), List.copyOf(unordered));
            maskAll = false;
            maskLeaves.clear();
            maskFields.clear();
            unordered.clear();
            return c;
        }
    }

    private static void expectArgs(String file, int line, String directive, List<byte[]> args, int n)
            throws FormatException {
        if (args.size() != n) {
            throw new FormatException(file, line, directive + " takes " + n + " argument(s), got " + args.size());
        }
    }

    private static long number(String file, int line, byte[] token) throws FormatException {
        try {
            return Long.parseLong(new String(token, StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            throw new FormatException(file, line, "not a number: " + new String(token, StandardCharsets.UTF_8));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
