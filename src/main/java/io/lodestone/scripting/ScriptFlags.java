package io.lodestone.scripting;

/**
 * The flags a script declares (Redis's SCRIPT_FLAG_* and scripts_flags_def): in an EVAL script's
 * {@code #!lua flags=...} line or in a function's {@code flags} table.
 */
final class ScriptFlags {
    static final int NO_WRITES = 1, ALLOW_OOM = 1 << 1, ALLOW_STALE = 1 << 2, NO_CLUSTER = 1 << 3,
            EVAL_COMPAT_MODE = 1 << 4, ALLOW_CROSS_SLOT = 1 << 5;

    /** The flags users name, in the order Redis lists them (FUNCTION LIST). */
    private static final String[] NAMES = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"};
    private static final int[] BITS = {NO_WRITES, ALLOW_OOM, ALLOW_STALE, NO_CLUSTER, ALLOW_CROSS_SLOT};

    private ScriptFlags() {
    }

    /** The bit of a flag's name (case-insensitive, as Redis compares them), or 0 if unknown. */
    static int of(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equalsIgnoreCase(name)) return BITS[i];
        }
        return 0;
    }

    /** The names of the flags set in {@code flags}, in Redis's order. */
    static java.util.List<String> names(int flags) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            if ((flags & BITS[i]) != 0) out.add(NAMES[i]);
        }
        return out;
    }
}
