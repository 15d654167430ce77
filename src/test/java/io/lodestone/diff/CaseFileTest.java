package io.lodestone.diff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.util.SplitArgs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The case-file format and the reply normalizer: the suite's own machinery. */
class CaseFileTest {

    @Test
    void splitsLikeRedisCli() throws Exception {
        assertEquals(List.of("SET", "a b", "", "x'y", "q\""),
                strings(SplitArgs.split(bytes("SET \"a b\" \"\" 'x\\'y' \"q\\\"\""))));
        assertArrayEquals(new byte[] {0, (byte) 0xff, '\r', '\n', 'A'},
                SplitArgs.split(bytes("\"\\x00\\xff\\r\\n\\x41\""))[0]);
        assertEquals(List.of("a", "b"), strings(SplitArgs.split(bytes("  a\tb  "))));
        assertEquals(List.of("\\x4"), strings(SplitArgs.split(bytes("'\\x4'"))));
        assertNull(SplitArgs.split(bytes("\"open")), "unbalanced quotes");
        assertNull(SplitArgs.split(bytes("\"a\"b")), "unbalanced quotes");
        assertNull(SplitArgs.split(bytes("'a")), "unbalanced quotes");
    }

    @Test
    void parsesStepsAndDirectives() throws Exception {
        CaseFile f = CaseFile.parse("t.txt", bytes("""
                @server-args --requirepass secret
                # comment
                  # indented comment

                GET k
                @resp3
                @mask 0 id
                @unordered *.9
                HELLO
                @raw "PING\\r\\n"
                @send-raw "x"
                @read
                @expect-close
                @new-connection
                @sleep-ms 10
                """));
        assertEquals(List.of("--requirepass", "secret"), f.serverArgs());
        List<CaseFile.Step> steps = f.steps();
        assertEquals(List.of(CaseFile.Action.COMMAND, CaseFile.Action.COMMAND, CaseFile.Action.COMMAND,
                CaseFile.Action.RAW, CaseFile.Action.SEND_RAW, CaseFile.Action.READ, CaseFile.Action.EXPECT_CLOSE,
                CaseFile.Action.NEW_CONNECTION, CaseFile.Action.SLEEP), steps.stream().map(CaseFile.Step::action).toList());
        assertEquals(5, steps.get(0).line());
        assertTrue(steps.get(0).compare().exact());
        assertEquals(Set.of("server", "version", "id"), steps.get(1).compare().maskFields());
        CaseFile.Compare hello = steps.get(2).compare();
        assertEquals(Set.of(0), hello.maskLeaves());
        assertEquals(Set.of("id"), hello.maskFields());
        assertEquals(List.of(new CaseFile.Unordered(List.of("*", "9"), false)), hello.unordered());
        assertEquals("PING\r\n", new String(steps.get(3).args().get(0), StandardCharsets.UTF_8));
        assertEquals(10, steps.get(8).millis());
    }

    @Test
    void groupsStepsIntoRequiresBlocks() throws Exception {
        CaseFile f = CaseFile.parse("t.txt", bytes("""
                PING
                @requires LPUSH lrange lpush
                LPUSH l a
                @new-connection
                @requires client|reply
                @mask
                CLIENT REPLY ON
                @end-requires
                GET k
                @requires acl|whoami
                ACL WHOAMI
                """));
        assertEquals(List.of(new CaseFile.Requires(2, List.of("lpush", "lrange")),
                new CaseFile.Requires(5, List.of("client|reply")), new CaseFile.Requires(10, List.of("acl|whoami"))),
                f.blocks());
        List<CaseFile.Requires> blockOfStep = f.steps().stream().map(CaseFile.Step::block).toList();
        assertEquals(java.util.Arrays.asList(null, f.blocks().get(0), f.blocks().get(0), f.blocks().get(1), null,
                f.blocks().get(2)), blockOfStep);
        assertTrue(f.steps().get(3).compare().maskAll());
    }

    @Test
    void rejectsMistakesWithTheirLine() {
        assertMessage("t.txt:1: @requires needs at least one command name", "@requires\nPING\n");
        assertMessage("t.txt:2: @end-requires without @requires", "PING\n@end-requires\n");
        assertMessage("t.txt:2: the block of @requires a (line 1) has no steps", "@requires a\n@requires b\nPING\n");
        assertMessage("t.txt:2: the block of @requires a has no steps", "PING\n@requires a\n");
        assertMessage("t.txt:1: not a command name in @requires: a b", "@requires \"a b\"\nPING\n");
        assertMessage("t.txt:2: @server-args must come before the first step", "@requires a\n@server-args --x y\n");
        assertMessage("t.txt:2: @mask/@unordered must be followed by a step that reads a reply",
                "@mask\n@requires a\nPING\n");
        assertMessage("t.txt:2: unknown directive @nope", "GET a\n@nope\n");
        assertMessage("t.txt:2: @server-args must come before the first step", "PING\n@server-args --x y\n");
        assertMessage("t.txt:1: unbalanced quotes: SET \"a", "SET \"a\n");
        assertMessage("t.txt:2: @mask/@unordered must be followed by a step that reads a reply",
                "@mask\n@new-connection\n");
        assertMessage("t.txt:2: @mask/@unordered at the end of the file", "PING\n@mask\n");
        assertMessage("t.txt:1: @raw takes 1 argument(s), got 2", "@raw \"a\" \"b\"\n");
    }

    @Test
    void masksAndSortsBothRepliesAlike() {
        CaseFile.Compare shape = new CaseFile.Compare(true, Set.of(), Set.of(), List.of());
        assertEquals("*2\r\n$<masked>\r\n$-1\r\n", normalize("*2\r\n$3\r\nabc\r\n$-1\r\n", shape));

        CaseFile.Compare fields = new CaseFile.Compare(false, Set.of(), Set.of("id"), List.of());
        assertEquals("%2\r\n$2\r\nid\r\n:<masked>\r\n$1\r\nx\r\n:1\r\n",
                normalize("%2\r\n$2\r\nid\r\n:7\r\n$1\r\nx\r\n:1\r\n", fields));

        CaseFile.Compare cursor = new CaseFile.Compare(false, Set.of(0), Set.of(),
                List.of(new CaseFile.Unordered(List.of("1"), false)));
        assertEquals("*2\r\n$<masked>\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                normalize("*2\r\n$2\r\n17\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n", cursor));

        CaseFile.Compare pairs = new CaseFile.Compare(false, Set.of(), Set.of(),
                List.of(new CaseFile.Unordered(List.of(), true)));
        assertEquals("*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n",
                normalize("*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n", pairs));

        CaseFile.Compare nested = new CaseFile.Compare(false, Set.of(), Set.of(), List.of(
                new CaseFile.Unordered(List.of("*", "1"), false), new CaseFile.Unordered(List.of(), false)));
        assertEquals(normalize("*2\r\n*2\r\n+a\r\n*2\r\n:1\r\n:2\r\n*2\r\n+b\r\n*0\r\n", nested),
                normalize("*2\r\n*2\r\n+b\r\n*0\r\n*2\r\n+a\r\n*2\r\n:2\r\n:1\r\n", nested));
    }

    private static String normalize(String reply, CaseFile.Compare compare) {
        return new String(Normalizer.normalize(bytes(reply), compare), StandardCharsets.UTF_8);
    }

    private static void assertMessage(String expected, String content) {
        CaseFile.FormatException e = assertThrows(CaseFile.FormatException.class,
                () -> CaseFile.parse("t.txt", bytes(content)));
        assertEquals(expected, e.getMessage());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(byte[][] args) {
        return Arrays.stream(args).map(a -> new String(a, StandardCharsets.UTF_8)).toList();
    }
}
