package io.lodestone.persistence.aof;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifest format of Redis 7.0 (aof.c): parsing with its errors, formatting, file naming. */
class AofManifestTest {

    private static AofManifest parse(String s) throws AofManifest.FormatException {
        return AofManifest.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String error(String s) {
        return assertThrows(AofManifest.FormatException.class, () -> parse(s)).getMessage();
    }

    @Test
    void roundTripKeepsBaseHistoryIncrOrder() throws Exception {
        String text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                + "file appendonly.aof.2.incr.aof seq 2 type h\n"
                + "file appendonly.aof.3.incr.aof seq 3 type i\n"
                + "file appendonly.aof.4.incr.aof seq 4 type i\n";
        AofManifest m = parse(text);
        assertEquals(text, m.format());
        assertEquals("appendonly.aof.2.base.rdb", m.base().fileName());
        assertEquals(2, m.history().size());
        assertEquals(2, m.incr().size());
    }

    @Test
    void linesMayComeInAnyOrderWithAnyKeyCaseCommentsAndExtraPairs() throws Exception {
        AofManifest m = parse("# a comment\nfile a.1.incr.aof seq 1 type i\nTYPE b SEQ 1 FILE \"a.1.base.rdb\" extra x\n");
        assertEquals("file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n", m.format());
    }

    @Test
    void namesThatNeedItAreQuotedAsSdscatrepr() throws Exception {
        AofManifest m = new AofManifest();
        m.newBaseName("my aof\t\"x\"\u00e9", true);
        String line = m.format();
        assertEquals("file \"my aof\\t\\\"x\\\"\\xe9.1.base.rdb\" seq 1 type b\n", line);
        assertEquals("my aof\t\"x\"\u00e9.1.base.rdb", parse(line).base().fileName());
    }

    @Test
    void errorsAreRedissMessages() {
        assertEquals("Found an empty AOF manifest", error(""));
        assertEquals("Invalid AOF manifest file format", error("\n"));
        assertEquals("Invalid AOF manifest file format", error("file a seq 1\n"));
        assertEquals("Invalid AOF manifest file format", error("file a seq 1 type\n"));
        assertEquals("Invalid AOF manifest file format", error("file a seq 0 type b\n"));
        assertEquals("Invalid AOF manifest file format", error("file \"a seq 1 type b\n"));
        assertEquals("The AOF manifest file contains too long line", error("file a seq 1 type b"));
        assertEquals("The AOF manifest file contains too long line", error("file " + "a".repeat(1100) + " seq 1 type b\n"));
        assertEquals("Found duplicate base file information", error("file a seq 1 type b\nfile b seq 2 type b\n"));
        assertEquals("Found a non-monotonic sequence number", error("file a seq 2 type i\nfile b seq 2 type i\n"));
        assertEquals("Unknown AOF file type", error("file a seq 1 type x\n"));
        assertEquals("File can't be a path, just a filename", error("file ../a seq 1 type b\n"));
    }

    @Test
    void errorCarriesTheLineExceptForTooLongLines() {
        var e = assertThrows(AofManifest.FormatException.class, () -> parse("# c\nfile a seq 1 type z  \n"));
        assertEquals(2, e.lineNumber);
        assertEquals("file a seq 1 type z", e.line);
        var tooLong = assertThrows(AofManifest.FormatException.class, () -> parse("x".repeat(2000)));
        assertNull(tooLong.line);
    }

    @Test
    void onlyCommentsIsAnEmptyManifestNotAnError() throws Exception {
        assertTrue(parse("# nothing\n").isEmpty());
    }

    @Test
    void rewriteTurnsBaseAndCoveredIncrIntoHistory() throws Exception {
        AofManifest m = parse("file x.1.base.rdb seq 1 type b\nfile x.1.incr.aof seq 1 type i\n");
        AofManifest t = m.copy();
        assertEquals("x.2.incr.aof", t.newIncrName("x"));
        assertEquals("x.2.base.aof", t.newBaseName("x", false));
        t.markRewrittenIncrAsHistory(true);
        assertEquals("file x.2.base.aof seq 2 type b\n"
                + "file x.1.incr.aof seq 1 type h\n"
                + "file x.1.base.rdb seq 1 type h\n"
                + "file x.2.incr.aof seq 2 type i\n", t.format());
        assertEquals("file x.1.base.rdb seq 1 type b\nfile x.1.incr.aof seq 1 type i\n", m.format(), "the original is untouched");
        t.clearHistory();
        assertEquals("file x.2.base.aof seq 2 type b\nfile x.2.incr.aof seq 2 type i\n", t.format());
    }

    @Test
    void lastIncrCreatesTheFirstOne() {
        AofManifest m = new AofManifest();
        assertEquals("appendonly.aof.1.incr.aof", m.lastIncrName("appendonly.aof"));
        assertEquals("appendonly.aof.1.incr.aof", m.lastIncrName("appendonly.aof"));
    }
}
