package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Seeded random data through cjson and cmsgpack, in redis-server and here, compared byte for byte:
 * nested tables of numbers (integers at every boundary, fractions, huge, tiny, NaN, infinities),
 * strings of arbitrary bytes and booleans are encoded, decoded and encoded again; random byte
 * strings and random JSON-like texts go through the decoders. The seed is in every failure
 * message; {@code -Dlodestone.fuzz.seed=n} replays one.
 */
class RoundTripFuzzTest extends OracleTest {

    private static final long SEED = Long.getLong("lodestone.fuzz.seed", 20261207L);
    private static final int SNIPPETS = 12;
    private static final int CASES_PER_SNIPPET = 25;


    /** Lua source for random values. */
    private static final class Generator {
        private final Random random;
        private final boolean withNull;

        Generator(Random random, boolean withNull) {
            this.random = random;
            this.withNull = withNull;
        }

        String value(int depth) {
            int pick = random.nextInt(depth >= 4 ? 8 : 11);
            return switch (pick) {
                case 0, 1 -> integer();
                case 2, 3 -> fraction();
                case 4, 5 -> string(random.nextInt(3) == 0 ? 40 : 8);
                case 6 -> random.nextBoolean() ? "true" : "false";
                case 7 -> withNull && random.nextBoolean() ? "cjson.null" : special();
                case 8 -> array(depth);
                default -> map(depth);
            };
        }

        String integer() {
            long[] edges = {0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 2147483647L, 2147483648L,
                4294967295L, 4294967296L, 1L << 53, Long.MAX_VALUE};
            long v = random.nextInt(3) == 0 ? edges[random.nextInt(edges.length)] + random.nextInt(3) - 1
                    : random.nextLong() >> random.nextInt(64);
            return "(" + (random.nextBoolean() ? "-" : "") + Long.toString(v).replace("-", "") + ")";
        }

        private String fraction() {
            double v = switch (random.nextInt(4)) {
                case 0 -> random.nextDouble();
                case 1 -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(40) - 20);
                case 2 -> random.nextInt(100000) / 100.0;
                default -> Double.longBitsToDouble(random.nextLong());
            };
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return special();
            }
            return "(" + Double.toString(v) + ")";
        }

        private String special() {
            String[] values = {"(0/0)", "(-(0/0))", "(1/0)", "(-1/0)", "(-0.0)", "(2^63)", "(-2^63)", "(2^64)", "(5e-324)",
                "(1.7976931348623157e308)", "(0.1)", "(1/3)"};
            return values[random.nextInt(values.length)];
        }

        String string(int maxLength) {
            int n = random.nextInt(maxLength + 1);
            StringBuilder s = new StringBuilder("\"");
            String interesting = "\"\\/\b\f\n\r\t\u0000\u001f\u007f\u0080\u00ff\u00e9 aZ{}[]:,";
            for (int i = 0; i < n; i++) {
                int c = random.nextInt(3) == 0 ? random.nextInt(256) : interesting.charAt(random.nextInt(interesting.length()));
                s.append(String.format("\\%03d", c));
            }
            return s.append('"').toString();
        }

        private String array(int depth) {
            int n = random.nextInt(7);
            StringBuilder s = new StringBuilder("{");
            for (int i = 0; i < n; i++) {
                // Sometimes a hole or an explicit index, which makes sparse arrays and objects.
                if (random.nextInt(8) == 0) {
                    s.append('[').append(random.nextInt(30) + 1).append("]=");
                }
                s.append(random.nextInt(10) == 0 ? "nil" : value(depth + 1)).append(',');
            }
            return s.append('}').toString();
        }

        private String map(int depth) {
            int n = random.nextInt(6);
            StringBuilder s = new StringBuilder("{");
            for (int i = 0; i < n; i++) {
                String key = random.nextInt(5) == 0 ? integer() : random.nextInt(6) == 0 ? fraction() : string(6);
                if (key.contains("0/0")) {
                    key = "\"nan\"";
                }
                s.append('[').append(key).append("]=").append(value(depth + 1)).append(',');
            }
            return s.append('}').toString();
        }
    }

    private static String cases(Generator generator) {
        StringBuilder s = new StringBuilder("local cases = {\n");
        for (int i = 0; i < CASES_PER_SNIPPET; i++) {
            s.append("function() return ").append(generator.value(0)).append(" end,\n");
        }
        return s.append("}\nlocal out = {}\n").toString();
    }

    @Test
    void cjsonEncodesDecodesAndReencodesAsRedis() throws IOException {
        Random random = new Random(SEED);
        for (int i = 0; i < SNIPPETS; i++) {
            String snippet = cases(new Generator(random, true)) + """
                    for i, case in ipairs(cases) do
                      local v = case()
                      local ok, s = pcall(cjson.encode, v)
                      if ok then
                        local d = cjson.decode(s)
                        s = s .. ' ' .. dump(d) .. ' ' .. select(2, pcall(cjson.encode, d))
                      end
                      out[i] = s
                    end
                    return table.concat(out, '\\n')""";
            String result = same(snippet, i);
            assertTrue(result.startsWith("ok:"), "seed " + SEED + ": " + result);
        }
    }

    @Test
    void cmsgpackPacksUnpacksAndRepacksAsRedis() throws IOException {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < SNIPPETS; i++) {
            String snippet = cases(new Generator(random, false)) + """
                    for i, case in ipairs(cases) do
                      local v = case()
                      local p = cmsgpack.pack(v, i)
                      local a, b = cmsgpack.unpack(p)
                      out[i] = hex(p) .. ' ' .. dump(a) .. ' ' .. dump(b) .. ' ' .. hex(cmsgpack.pack(a))
                    end
                    return table.concat(out, '\\n')""";
            String result = same(snippet, i);
            assertTrue(result.startsWith("ok:"), "seed " + SEED + ": " + result);
        }
    }

    @Test
    void cmsgpackDecodesRandomBytesAsRedis() throws IOException {
        Random random = new Random(SEED + 2);
        int[] types = {0x00, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa3, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4,
            0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
            0xe0, 0xff};
        for (int i = 0; i < SNIPPETS; i++) {
            StringBuilder s = new StringBuilder("local inputs = {\n");
            for (int k = 0; k < CASES_PER_SNIPPET * 2; k++) {
                s.append('"');
                int n = random.nextInt(16);
                for (int j = 0; j < n; j++) {
                    int b = random.nextInt(3) == 0 ? random.nextInt(256) : random.nextInt(2) == 0 ? types[random.nextInt(types.length)] : random.nextInt(4);
                    s.append(String.format("\\%03d", b));
                }
                s.append("\",\n");
            }
            s.append("""
                    }
                    local out = {}
                    for i, input in ipairs(inputs) do
                      out[i] = hex(input) .. ' ' .. dumpall(pcall(cmsgpack.unpack, input)) .. ' '
                        .. dumpall(pcall(cmsgpack.unpack_limit, input, 2, 1))
                    end
                    return table.concat(out, '\\n')""");
            same(s.toString(), i);
        }
    }

    @Test
    void cjsonDecodesRandomTextsAsRedis() throws IOException {
        Random random = new Random(SEED + 3);
        String[] tokens = {"{", "}", "[", "]", ",", ":", "\"a\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\x\"", "1",
            "-2.5e3", "0", "01", "-", "+1", "0x1f", "1e", ".5", "true", "false", "null", "nan", "-inf", "Infinity",
            " ", "\t", "\n", "x", "\\", "\"", "\u0000", "tru", "\"\\u12\"", "1e999", "-0"};
        for (int i = 0; i < SNIPPETS; i++) {
            StringBuilder s = new StringBuilder("local inputs = {\n");
            for (int k = 0; k < CASES_PER_SNIPPET * 2; k++) {
                StringBuilder text = new StringBuilder();
                int n = 1 + random.nextInt(10);
                for (int j = 0; j < n; j++) {
                    text.append(tokens[random.nextInt(tokens.length)]);
                }
                s.append(CJsonTest.lua(text.toString())).append(",\n");
            }
            s.append("""
                    }
                    local out = {}
                    cjson.encode_invalid_numbers(true)
                    for i, input in ipairs(inputs) do
                      local ok, v = pcall(cjson.decode, input)
                      out[i] = tostring(ok) .. ' ' .. dump(v) .. ' ' .. (ok and select(2, pcall(cjson.encode, v)) or '')
                    end
                    return table.concat(out, '\\n')""");
            same(s.toString(), i);
        }
    }

    @Test
    void structPacksAndUnpacksRandomFormatsAsRedis() throws IOException {
        Random random = new Random(SEED + 4);
        String[] options = {"b", "B", "h", "H", "l", "L", "T", "i", "I", "i1", "I2", "i3", "I5", "i8", "I9", "i16",
            "f", "d", "x", "c1", "c3", "c0", "s", " ", "<", ">", "!", "!1", "!2", "!4", "!8", "!16"};
        for (int i = 0; i < SNIPPETS; i++) {
            StringBuilder s = new StringBuilder("local cases = {\n");
            for (int k = 0; k < CASES_PER_SNIPPET; k++) {
                StringBuilder format = new StringBuilder();
                StringBuilder args = new StringBuilder();
                int n = 1 + random.nextInt(8);
                for (int j = 0; j < n; j++) {
                    String option = options[random.nextInt(options.length)];
                    format.append(option);
                    char kind = option.charAt(0);
                    if (kind == 'c' || kind == 's') {
                        args.append(',').append(new Generator(random, false).string(6));
                    } else if ("bBhHlLTiIfd".indexOf(kind) >= 0) {
                        args.append(',').append(random.nextBoolean() ? new Generator(random, false).integer()
                                : "(" + (random.nextDouble() - 0.5) * Math.pow(2, random.nextInt(70)) + ")");
                    }
                }
                s.append("{'").append(format).append("'").append(args).append("},\n");
            }
            s.append("""
                    }
                    local out = {}
                    for i, case in ipairs(cases) do
                      local ok, packed = pcall(struct.pack, unpack(case))
                      local line = {case[1], tostring(ok), ok and hex(packed) or packed}
                      if ok then
                        line[#line + 1] = dumpall(pcall(struct.unpack, case[1], packed))
                        line[#line + 1] = dumpall(pcall(struct.unpack, case[1], packed .. '\\0\\0\\0', 2))
                      end
                      line[#line + 1] = dumpall(pcall(struct.size, case[1]))
                      out[i] = table.concat(line, ' ')
                    end
                    return table.concat(out, '\\n')""");
            same(s.toString(), i);
        }
    }

    private static String same(String snippet, int index) throws IOException {
        try {
            return oracle.same(snippet);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + SEED + ", snippet " + index + ": " + e.getMessage(), e);
        }
    }
}
