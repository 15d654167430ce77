package io.lodestone.command.keys;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamValue;

/**
 * What generic commands need to know about a value's type: its name (TYPE, SCAN ... TYPE) and how to
 * duplicate it (COPY). Strings are plain {@code byte[]}; each {@code store.type} value class gets one
 * line in each method here when it arrives, so no other generic command has to learn about it.
 */
public final class KeyTypes {
    /** TYPE's reply for a missing key. */
    public static final String NONE = "none";

    private KeyTypes() {
    }

    /** Redis's getObjectTypeName: "none" for null, else the type's name ("string", "list", ...). */
    public static String name(Object value) {
        if (value == null) return NONE;
        if (value instanceof byte[]) return "string";
        if (value instanceof HashValue) return "hash";
        if (value instanceof io.lodestone.store.type.ZSetValue) return "zset";
        if (value instanceof ListValue) return "list";
        if (value instanceof SetValue) return "set";
        if (value instanceof StreamValue) return "stream";
        throw new IllegalStateException("no type name for " + value.getClass().getName());
    }

    /**
     * A copy sharing nothing mutable with {@code value} (COPY), or null when the type cannot be copied.
     * A string copy keeps its encoding: the caller carries the entry's flags over.
     */
    public static Object copy(Object value) {
        if (value instanceof byte[] s) return s.clone();
        if (value instanceof HashValue h) return h.copy();
        if (value instanceof io.lodestone.store.type.ZSetValue z) return z.copy();
        if (value instanceof ListValue l) return l.copy();
        if (value instanceof SetValue s) return s.copy();
        if (value instanceof StreamValue s) return s.copy();
        return null;
    }
}
