package io.lodestone.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A parsed RESP3 value: the command table's data files, and replies read from peers. */
public sealed interface RespValue {
    record Simple(String text) implements RespValue {
    }

    record Error(String text) implements RespValue {
    }

    record Int(long value) implements RespValue {
    }

    record Bulk(byte[] bytes) implements RespValue {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    record Double(double value) implements RespValue {
    }

    record Bool(boolean value) implements RespValue {
    }

    record Null() implements RespValue {
    }

    enum Kind { ARRAY, MAP, SET, PUSH }

    /** Arrays, sets, pushes, and maps (whose items alternate key, value). */
    record Aggregate(Kind kind, List<RespValue> items) implements RespValue {
        public RespValue get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }

        /** For maps: the value under a simple or bulk string key, or null. */
        public RespValue field(String key) {
            for (int i = 0; i + 1 < items.size(); i += 2) {
                if (key.equals(RespValue.text(items.get(i)))) return items.get(i + 1);
            }
            return null;
        }
    }

    /** The text of a simple or bulk string, else null. */
    static String text(RespValue v) {
        if (v instanceof Simple s) return s.text();
        if (v instanceof Bulk b) return b.text();
        return null;
    }
}
