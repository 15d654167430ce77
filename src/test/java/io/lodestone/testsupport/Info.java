package io.lodestone.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one reader of INFO replies in tests: {@code name:value} lines, split at the first colon (values
 * such as {@code slave0:ip=...,port=...} keep theirs). Section headers ({@code # Server}), blank lines and
 * a RESP bulk header ({@code $1234}) have no colon and are skipped, so the text of a reply and its raw
 * RESP2 bytes read the same.
 */
public final class Info {

    private Info() {
    }

    /** Every field in the order the server wrote them. */
    public static Map<String, String> parse(String info) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }

    /** The value of one field, or null when the reply has no such field. */
    public static String field(String info, String name) {
        return parse(info).get(name);
    }

    /** A numeric field; fails when it is missing. */
    public static long number(String info, String name) {
        String value = field(info, name);
        if (value == null) {
            throw new AssertionError("no INFO field " + name + " in:\n" + info);
        }
        return Long.parseLong(value);
    }

    /** {@link #parse} of the raw reply bytes of {@code INFO} from a {@link RespClient}. */
    public static Map<String, String> parse(byte[] reply) {
        return parse(RespClient.text(reply));
    }
}
