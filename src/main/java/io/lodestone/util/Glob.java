package io.lodestone.util;

import java.nio.charset.StandardCharsets;

/**
 * Redis's glob-style matcher ({@code stringmatchlen} in util.c), byte for byte.
 *
 * <p>Used by CONFIG GET, KEYS, SCAN MATCH, PSUBSCRIBE and ACL key patterns. Supported syntax:
 * <ul>
 *   <li>{@code *} any sequence (also empty), {@code ?} exactly one byte;</li>
 *   <li>{@code [abc]}, {@code [a-z]} (bounds may be reversed), {@code [^a]} negation;
 *       an unterminated class ends at the end of the pattern;</li>
 *   <li>{@code \x} matches {@code x} literally, also inside a class.</li>
 * </ul>
 *
 * <p>Quirks kept on purpose because clients can observe them: bytes are compared as signed
 * (C {@code char} on x86), so a range like {@code [a-\xff]} behaves as in Redis; case folding
 * for {@code nocase} is ASCII only; an escaped byte inside a class is compared case-sensitively.
 *
 * <p>One deliberate difference from 7.0: recursion over {@code *} is capped at 1000 nested
 * stars (the limit later Redis versions added), so a hostile pattern cannot exhaust the
 * stack of a network thread.
 */
public final class Glob {

    private static final int MAX_NESTING = 1000;

    private Glob() {
    }

    /** True if {@code string} matches {@code pattern}. */
    public static boolean match(byte[] pattern, byte[] string, boolean nocase) {
        return new Matcher(pattern, string, nocase).match(0, 0, 0);
    }

    /** Convenience for names and patterns held as one-byte-per-char strings (ISO-8859-1). */
    public static boolean match(String pattern, String string, boolean nocase) {
        return match(pattern.getBytes(StandardCharsets.ISO_8859_1),
                string.getBytes(StandardCharsets.ISO_8859_1), nocase);
    }

    /** True if the pattern contains a glob metacharacter that CONFIG GET treats as a pattern. */
    public static boolean hasGlobChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[') return true;
        }
        return false;
    }

    /** One match attempt; carries the "skip longer matches" short cut of util.c. */
    private static final class Matcher {
        private final byte[] p;
        private final byte[] s;
        private final boolean nocase;
        private boolean skipLongerMatches;

        Matcher(byte[] pattern, byte[] string, boolean nocase) {
            this.p = pattern;
            this.s = string;
            this.nocase = nocase;
        }

        /* The C code walks NUL-terminated buffers and sometimes peeks one byte past the
         * counted length; reading 0 there keeps the same decisions without going out of bounds. */
        private int pat(int i) {
            return i < p.length ? p[i] : 0;
        }

        private static int lower(int c) {
            return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
        }

        private boolean same(int a, int b) {
            return nocase ? lower(a) == lower(b) : a == b;
        }

        boolean match(int pi, int si, int nesting) {
            if (nesting > MAX_NESTING) return false;
            int plen = p.length - pi;
            int slen = s.length - si;
            while (plen > 0 && slen > 0) {
                switch (p[pi]) {
                    case '*' -> {
                        while (plen > 1 && p[pi + 1] == '*') {
                            pi++;
                            plen--;
                        }
                        if (plen == 1) return true;
                        while (slen > 0) {
                            if (match(pi + 1, si, nesting + 1)) return true;
                            if (skipLongerMatches) return false;
                            si++;
                            slen--;
                        }
                        /* Nothing after this star matched anywhere in the rest of the string:
                         * earlier stars cannot do better by consuming more. */
                        skipLongerMatches = true;
                        return false;
                    }
                    case '?' -> {
                        si++;
                        slen--;
                    }
                    case '[' -> {
                        pi++;
                        plen--;
                        boolean not = plen > 0 && p[pi] == '^';
                        if (not) {
                            pi++;
                            plen--;
                        }
                        boolean matched = false;
                        while (true) {
                            if (pat(pi) == '\\' && plen >= 2) {
                                pi++;
                                plen--;
                                if (p[pi] == s[si]) matched = true;
                            } else if (plen > 0 && p[pi] == ']') {
                                break;
                            } else if (plen == 0) {
                                pi--;
                                plen++;
                                break;
                            } else if (plen >= 3 && p[pi + 1] == '-') {
                                int start = p[pi];
                                int end = p[pi + 2];
                                int c = s[si];
                                if (start > end) {
                                    int t = start;
                                    start = end;
                                    end = t;
                                }
                                if (nocase) {
                                    start = lower(start);
                                    end = lower(end);
                                    c = lower(c);
                                }
                                pi += 2;
                                plen -= 2;
                                if (c >= start && c <= end) matched = true;
                            } else if (same(p[pi], s[si])) {
                                matched = true;
                            }
                            pi++;
                            plen--;
                        }
                        if (not) matched = !matched;
                        if (!matched) return false;
                        si++;
                        slen--;
                    }
                    case '\\' -> {
                        if (plen >= 2) {
                            pi++;
                            plen--;
                        }
                        if (!same(p[pi], s[si])) return false;
                        si++;
                        slen--;
                    }
                    default -> {
                        if (!same(p[pi], s[si])) return false;
                        si++;
                        slen--;
                    }
                }
                pi++;
                plen--;
                if (slen == 0) {
                    while (plen > 0 && p[pi] == '*') {
                        pi++;
                        plen--;
                    }
                    break;
                }
            }
            return plen == 0 && slen == 0;
        }
    }
}
