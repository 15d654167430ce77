package io.lodestone.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Parses complete RESP2/RESP3 values from a byte array (data files, captured replies). */
public final class RespParser {
    private final byte[] data;
    private int pos;

    public RespParser(byte[] data) {
        this.data = data;
    }

    public boolean hasMore() {
        return pos < data.length;
    }

    public RespValue next() {
        byte type = data[pos++];
        String line = line();
        switch (type) {
            case '+':
                return new RespValue.Simple(line);
            case '-':
                return new RespValue.Error(line);
            case ':':
                return new RespValue.Int(Long.parseLong(line));
            case ',':
                return new RespValue.Double(parseDouble(line));
            case '#':
                return new RespValue.Bool(line.equals("t"));
            case '_':
                return new RespValue.Null();
            case '$':
            case '=':
            case '!': {
                int n = Integer.parseInt(line);
                if (n < 0) return new RespValue.Null();
                byte[] b = new byte[n];
                System.arraycopy(data, pos, b, 0, n);
                pos += n + 2;
                return new RespValue.Bulk(b);
            }
            case '*':
            case '~':
            case '>':
            case '%': {
                int n = Integer.parseInt(line);
                if (n < 0) return new RespValue.Null();
                RespValue.Kind kind = switch (type) {
                    case '~' -> RespValue.Kind.SET;
                    case '>' -> RespValue.Kind.PUSH;
                    case '%' -> RespValue.Kind.MAP;
                    default -> RespValue.Kind.ARRAY;
                };
                int items = kind == RespValue.Kind.MAP ? n * 2 : n;
                List<RespValue> list = new ArrayList<>(items);
                for (int i = 0; i < items; i++) list.add(next());
                return new RespValue.Aggregate(kind, List.copyOf(list));
            }
            default:
                throw new IllegalArgumentException("bad RESP type byte '" + (char) type + "' at " + (pos - 1));
        }
    }

    private String line() {
        int start = pos;
        while (data[pos] != '\r') pos++;
        String s = new String(data, start, pos - start, StandardCharsets.US_ASCII);
        pos += 2;
        return s;
    }

    private static double parseDouble(String s) {
        return switch (s) {
            case "inf" -> java.lang.Double.POSITIVE_INFINITY;
            case "-inf" -> java.lang.Double.NEGATIVE_INFINITY;
            case "nan" -> java.lang.Double.NaN;
            default -> java.lang.Double.parseDouble(s);
        };
    }
}
