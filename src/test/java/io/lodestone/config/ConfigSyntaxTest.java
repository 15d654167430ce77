package io.lodestone.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The config line syntax is Redis's sdssplitargs / sdscatrepr. */
class ConfigSyntaxTest {

    private static List<String> split(String line) {
        return ConfigSyntax.splitArgs(line);
    }

    @Test
    void blanksSeparateArguments() {
        assertEquals(List.of("port", "6379"), split("port 6379"));
        assertEquals(List.of("a", "b"), split(" \t a \t b \r\n"));
        assertEquals(List.of(), split("   "));
        assertEquals(List.of("a\u000bb"), split("a\u000bb"), "vertical tab skips leading blanks only");
    }

    @Test
    void doubleQuotesUnderstandEscapes() {
        assertEquals(List.of("a b"), split("\"a b\""));
        assertEquals(List.of("\n\r\t\b\u0007\\\"x"), split("\"\\n\\r\\t\\b\\a\\\\\\\"\\x\""));
        assertEquals(List.of("A\u00ff"), split("\"\\x41\\xFf\""));
        assertEquals(List.of("xg"), split("\"\\xg\""), "\\x without two hex digits is just x");
        assertEquals(List.of(""), split("\"\""));
        assertEquals(List.of("ab c"), split("a\"b c\""), "quotes may start inside an argument");
    }

    @Test
    void singleQuotesOnlyEscapeTheQuote() {
        assertEquals(List.of("it's"), split("'it\\'s'"));
        assertEquals(List.of("a\\nb"), split("'a\\nb'"));
    }

    @Test
    void unbalancedQuotes() {
        assertNull(split("\"abc"));
        assertNull(split("'abc"));
        assertNull(split("\"abc\"x"), "a closing quote must be followed by a blank");
        assertNull(split("'abc'x"));
        assertNull(split("\"abc\\"));
        assertEquals(List.of("abc", "x"), split("\"abc\" x"));
    }

    @Test
    void aNulByteEndsTheLine() {
        assertEquals(List.of("a"), split("a\u0000 b"));
    }

    @Test
    void reprQuotesSoThatSplitReadsItBack() {
        String value = "a \"b\"\\\n\r\t\u0007\b\u0001\u00e9";
        String repr = ConfigSyntax.repr(value);
        assertEquals("\"a \\\"b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xe9\"", repr);
        assertEquals(List.of(value), split(repr));
    }

    @Test
    void splitSpacesKeepsEmptyPieces() {
        assertEquals(List.of(), ConfigSyntax.splitSpaces(""));
        assertEquals(List.of("a", "", "b"), ConfigSyntax.splitSpaces("a  b"));
        assertEquals(List.of("", "a", ""), ConfigSyntax.splitSpaces(" a "));
    }

    @Test
    void trimAndLower() {
        assertEquals("port 1", ConfigSyntax.trim(" \tport 1\r\n", " \t\r\n"));
        assertEquals("port\u00c9", ConfigSyntax.lower("PORT\u00c9"));
    }
}
