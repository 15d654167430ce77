package io.lodestone.testsupport;

import java.io.IOException;
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

    /**
     * How much one command raises the dirty counter ({@code rdb_changes_since_last_save}), which
     * decides whether a call is propagated at all.
     */
    public static long dirtyOf(RespClient client, String... command) throws IOException {
        long before = dirty(client);
        client.call(command);
        return dirty(client) - before;
    }

    private static long dirty(RespClient client) throws IOException {
        return number(RespClient.text(client.call("INFO", "persistence")), "rdb_changes_since_last_save");
    }
}
