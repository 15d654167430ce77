package io.lodestone.store;

/** OBJECT ENCODING names, as Redis reports them for the value's current representation. */
public final class Encodings {
    /** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
    private static final int EMBSTR_LIMIT = 44;

    private Encodings() {
    }

    public static String of(KeyEntry e) {
        Object v = e.value();
        if (v instanceof byte[] s) {
            if (e.hasFlag(KeyEntry.FLAG_RAW)) return "raw";
            if (e.hasFlag(KeyEntry.FLAG_NOT_INT)) return s.length <= EMBSTR_LIMIT ? "embstr" : "raw";
            return stringEncoding(s);
        }
        return "unknown";
    }

    /** What Redis's tryObjectEncoding picks for a freshly written string. */
    public static String stringEncoding(byte[] s) {
        if (s.length <= 20 && isLong(s)) return "int";
        return s.length <= EMBSTR_LIMIT ? "embstr" : "raw";
    }

    private static boolean isLong(byte[] s) {
        int n = s.length, i = 0;
        if (n == 0) return false;
        if (s[0] == '-') {
            if (n == 1) return false;
            i = 1;
        }
        if (s[i] == '0') return n == 1;
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return false;
            if (v < (Long.MIN_VALUE + d) / 10) return false;
            v = v * 10 - d;
        }
        return s[0] == '-' || v != Long.MIN_VALUE;
    }
}
