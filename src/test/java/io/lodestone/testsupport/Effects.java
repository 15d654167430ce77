package io.lodestone.testsupport;

import java.nio.charset.StandardCharsets;

/** Renders propagated effects (ServerContext.Propagation callbacks) as text for assertions. */
public final class Effects {
    private Effects() {
    }

    /** "set k v": the arguments, bytes as ISO-8859-1, joined by spaces. */
    public static String format(byte[][] argv, int argc) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < argc; i++) {
            if (i > 0) sb.append(' ');
            sb.append(new String(argv[i], StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    /** "0: set k v": the database, then the arguments. */
    public static String formatWithDb(int db, byte[][] argv, int argc) {
        return db + ": " + format(argv, argc);
    }
}
