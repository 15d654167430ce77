package io.lodestone.util;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Glob follows Redis's stringmatchlen; the cases mirror util.c's behaviour. */
class GlobTest {

    private static boolean m(String pattern, String s) {
        return Glob.match(pattern, s, false);
    }

    @Test
    void starAndQuestionMark() {
        assertTrue(m("*", "anything"));
        assertFalse(m("*", ""), "a star needs the string to be non-empty, as in Redis");
        assertTrue(m("", ""));
        assertTrue(m("h?llo", "hello"));
        assertFalse(m("h?llo", "hllo"));
        assertTrue(m("h*llo", "hllo"));
        assertTrue(m("h*llo", "heeeello"));
        assertTrue(m("**h*", "xhx"));
        assertTrue(m("a*", "a"));
        assertTrue(m("a**", "a"));
        assertFalse(m("a*b", "a"));
        assertTrue(m("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaab"));
        assertFalse(m("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }

    @Test
    void classes() {
        assertTrue(m("h[ae]llo", "hallo"));
        assertFalse(m("h[ae]llo", "hillo"));
        assertTrue(m("h[^e]llo", "hallo"));
        assertFalse(m("h[^e]llo", "hello"));
        assertTrue(m("h[a-b]llo", "hbllo"));
        assertTrue(m("h[b-a]llo", "hbllo"), "reversed ranges work");
        assertFalse(m("[]]", "]"), "']' right after '[' closes the class");
        assertTrue(m("[\\]]", "]"));
        assertFalse(m("[", "x"));
        assertTrue(m("[^", "x"), "an unterminated negated class matches any byte");
        assertTrue(m("[a-", "a"), "an unterminated class still compares what it has");
        assertFalse(m("[a-]", "-"), "the range is a..] (reversed), not a or -");
        assertTrue(m("[a-]", "a"));
    }

    @Test
    void escapes() {
        assertTrue(m("a\\*b", "a*b"));
        assertFalse(m("a\\*b", "axb"));
        assertTrue(m("h\\[llo", "h[llo"));
        assertTrue(m("\\", "\\"), "a trailing backslash is literal");
        assertTrue(m("x\\", "x\\"));
    }

    @Test
    void noCaseFoldsAsciiOnly() {
        assertTrue(Glob.match("MAX*", "maxmemory", true));
        assertTrue(Glob.match("[M-P]ORT", "port", true));
        assertFalse(Glob.match("MAX*", "maxmemory", false));
        assertFalse(Glob.match("\u00c9", "\u00e9", true), "no folding beyond ASCII");
        assertFalse(Glob.match("[\\P]", "p", true), "an escaped byte in a class compares exactly");
    }

    @Test
    void bytesCompareSigned() {
        byte[] pattern = "[a-\u00ff]".getBytes(StandardCharsets.ISO_8859_1);
        // 0xff is -1 as a C char: the range is -1..'a', so 'z' is outside and '0' inside
        assertFalse(Glob.match(pattern, "z".getBytes(StandardCharsets.ISO_8859_1), false));
        assertTrue(Glob.match(pattern, "0".getBytes(StandardCharsets.ISO_8859_1), false));
    }

    @Test
    void deepStarNestingIsBounded() {
        String pattern = "a*".repeat(5000) + "c";
        assertFalse(m(pattern, "a".repeat(6000)));
    }
}
