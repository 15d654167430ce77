package io.lodestone.command.keys;

import io.lodestone.store.type.SetValue;

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
        if (value instanceof SetValue) return "set";
        throw new IllegalStateException("no type name for " + value.getClass().getName());
    }

    /**
     * A copy sharing nothing mutable with {@code value} (COPY), or null when the type cannot be copied.
     * A string copy keeps its encoding: the caller carries the entry's flags over.
     */
    public static Object copy(Object value) {
        if (value instanceof byte[] s) return s.clone();
        if (value instanceof SetValue s) return s.copy();
        return null;
    }
}
