package io.lodestone.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One RESP2/RESP3 reply as a tree, for tests that compare replies structurally (masking
 * nondeterministic fields, ignoring the order of unordered collections).
 *
 * <p>{@link #parse} followed by {@link #encode} gives back the original bytes exactly.
 */
public sealed interface RespValue {

    /** The type byte: {@code + - : $ * _ , # ( ! = % ~ > |}. */
    char type();

    /** A value with no children: simple, error, integer, bulk, null, double, boolean, big number, verbatim. */
    record Scalar(char type, byte[] payload) implements RespValue { }

    /** The RESP2 nulls: {@code $-1} and {@code *-1}. */
    record Nil(char type) implements RespValue { }

    /** Array, set, push or map; a map's elements alternate key, value. */
    record Aggregate(char type, List<RespValue> elements) implements RespValue { }

    /** A RESP3 attribute ({@code |}) and the value it annotates. */
    record Attributed(Aggregate attributes, RespValue value) implements RespValue {
        @Override
        public char type() {
            return '|';
        }
    }

    /** Stands for a scalar whose content is not compared; keeps its type. */
    record Masked(char type) implements RespValue { }

    static RespValue parse(byte[] bytes) {
        Parser p = new Parser(bytes);
        RespValue v = p.value();
        if (p.pos != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after a RESP value at " + p.pos);
        }
        return v;
    }

    /** The RESP bytes of this value; a masked scalar is written as its type byte and {@code <masked>}. */
    default byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Parser.encode(this, out);
        return out.toByteArray();
    }

    /** The payload of a scalar as text (UTF-8), or null for any other value. */
    default String text() {
        return this instanceof Scalar s ? new String(s.payload(), StandardCharsets.UTF_8) : null;
    }

    final class Parser {
        private final byte[] buf;
        private int pos;

        private Parser(byte[] buf) {
            this.buf = buf;
        }

        private RespValue value() {
            char type = (char) buf[pos++];
            String header = line();
            return switch (type) {
                case '+', '-', ':', '_', ',', '#', '(' ->
                        new Scalar(type, header.getBytes(StandardCharsets.ISO_8859_1));
                case '$', '!', '=' -> {
                    int len = Integer.parseInt(header);
                    if (len < 0) {
                        yield new Nil(type);
                    }
                    byte[] payload = java.util.Arrays.copyOfRange(buf, pos, pos + len);
                    pos += len + 2;
                    yield new Scalar(type, payload);
                }
                case '*', '~', '>', '%', '|' -> {
                    int n = Integer.parseInt(header);
                    if (n < 0) {
                        yield new Nil(type);
                    }
                    int count = type == '%' || type == '|' ? 2 * n : n;
                    List<RespValue> elements = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        elements.add(value());
                    }
                    Aggregate aggregate = new Aggregate(type, elements);
                    yield type == '|' ? new Attributed(aggregate, value()) : aggregate;
                }
                default -> throw new IllegalArgumentException("not a RESP type byte: " + type);
            };
        }

        private String line() {
            int start = pos;
            while (!(buf[pos] == '\r' && buf[pos + 1] == '\n')) {
                pos++;
            }
            String s = new String(buf, start, pos - start, StandardCharsets.ISO_8859_1);
            pos += 2;
            return s;
        }

        private static void encode(RespValue v, ByteArrayOutputStream out) {
            if (v instanceof Scalar s) {
                if (s.type() == '$' || s.type() == '!' || s.type() == '=') {
                    ascii(out, s.type() + Integer.toString(s.payload().length) + "\r\n");
                    out.writeBytes(s.payload());
                } else {
                    out.write(s.type());
                    out.writeBytes(s.payload());
                }
                ascii(out, "\r\n");
            } else if (v instanceof Nil n) {
                ascii(out, n.type() + "-1\r\n");
            } else if (v instanceof Aggregate a) {
                int n = a.type() == '%' || a.type() == '|' ? a.elements().size() / 2 : a.elements().size();
                ascii(out, a.type() + Integer.toString(n) + "\r\n");
                a.elements().forEach(e -> encode(e, out));
            } else if (v instanceof Attributed a) {
                encode(a.attributes(), out);
                encode(a.value(), out);
            } else if (v instanceof Masked m) {
                ascii(out, m.type() + "<masked>\r\n");
            }
        }

        private static void ascii(ByteArrayOutputStream out, String s) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
