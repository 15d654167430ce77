package io.lodestone.store;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamValue;
import io.lodestone.util.Numbers;

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
        if (v instanceof HashValue h) return h.isCompact() ? "listpack" : "hashtable";
        if (v instanceof io.lodestone.store.type.ZSetValue z) return z.encoding();
        if (v instanceof ListValue) return "quicklist"; // Redis 7.0: every list
        if (v instanceof SetValue s) return s.isIntset() ? "intset" : "hashtable";
        if (v instanceof StreamValue) return "stream";
        return "unknown";
    }

    /** What Redis's tryObjectEncoding picks for a freshly written string. */
    public static String stringEncoding(byte[] s) {
        if (Numbers.isLong(s)) return "int";
        return s.length <= EMBSTR_LIMIT ? "embstr" : "raw";
    }
}
