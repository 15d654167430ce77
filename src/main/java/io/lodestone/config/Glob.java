package io.lodestone.config;

/** Placeholder replaced by the config package's Glob. */
public final class Glob {
    private Glob() {
    }

    public static boolean match(byte[] p, byte[] s, boolean nocase) {
        return match(p, 0, s, 0, nocase);
    }

    private static boolean match(byte[] p, int pi, byte[] s, int si, boolean nocase) {
        while (pi < p.length) {
            byte c = p[pi];
            if (c == '*') {
                while (pi + 1 < p.length && p[pi + 1] == '*') pi++;
                if (pi + 1 == p.length) return true;
                for (int k = si; k <= s.length; k++) if (match(p, pi + 1, s, k, nocase)) return true;
                return false;
            }
            if (si >= s.length) return false;
            if (c == '?') {
                pi++;
                si++;
                continue;
            }
            if (Character.toLowerCase(c) != Character.toLowerCase(s[si]) && (!nocase || true) && c != s[si]) return false;
            pi++;
            si++;
        }
        return si == s.length;
    }
}
