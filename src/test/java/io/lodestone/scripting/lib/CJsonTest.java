package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** cjson against redis-server 7.0's, byte for byte (see {@link LuaOracle}). */
class CJsonTest extends OracleTest {


    /** Each JSON text decoded, then re-encoded (invalid numbers allowed) or its error. */
    private static String decodeEach(String setup, String... texts) {
        StringBuilder s = new StringBuilder(setup).append("\nlocal out = {}\n");
        for (String text : texts) {
            s.append("do local ok, v = pcall(cjson.decode, ").append(lua(text)).append(")\n")
                    .append("if ok then cjson.encode_invalid_numbers(true) ok, v = pcall(cjson.encode, v) end\n")
                    .append("out[#out + 1] = tostring(v) end\n");
        }
        return s.append("return table.concat(out, '\\n')").toString();
    }

    /** A Lua string literal for any text (bytes as decimal escapes where needed). */
    static String lua(String text) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append(c);
            } else {
                s.append(String.format("\\%03d", (int) c & 0xff));
            }
        }
        return s.append('"').toString();
    }

    @Test
    void redisSuiteNumericDecoding() throws IOException {
        assertEquals("ok:0 -5000 -1 0.0003 1023.2 0",
                oracle.same("return table.concat(cjson.decode(\"[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]\"), \" \")"));
    }

    @Test
    void redisSuiteStringDecodingAndSmokeTest() throws IOException {
        assertEquals("ok:a b", oracle.same("""
                local decoded = cjson.decode('{"keya": "a", "keyb": "b"}')
                return decoded.keya .. ' ' .. decoded.keyb"""));
        // unit/scripting "EVAL - JSON smoke test", its asserts turned into one string of results.
        assertEquals("ok:true true true true false false false false true", oracle.same("""
                local r = {}
                local some_map = {s1="Some string", n1=100, a1={"Some","String","Array"}, nil1=nil, b1=true, b2=false}
                local encoded = cjson.encode(some_map)
                local decoded = cjson.decode(encoded)
                r[#r+1] = table.concat(some_map) == table.concat(decoded)
                cjson.encode_keep_buffer(false)
                encoded = cjson.encode(some_map)
                decoded = cjson.decode(encoded)
                r[#r+1] = table.concat(some_map) == table.concat(decoded)
                local table1 = {one="one", [1]="one"}
                decoded = cjson.decode(cjson.encode(table1))
                r[#r+1] = decoded["one"] == table1["one"] and decoded["1"] == table1[1]
                local array1 = {[1]="one", [2]="two"}
                r[#r+1] = table.concat(array1) == table.concat(cjson.decode(cjson.encode(array1)))
                local invalid_map = {}
                invalid_map[false] = "false"
                r[#r+1] = pcall(cjson.encode, invalid_map)
                cjson.encode_max_depth(1)
                r[#r+1] = pcall(cjson.encode, some_map)
                cjson.decode_max_depth(1)
                r[#r+1] = pcall(cjson.decode, '{"obj": {"array": [1,2,3,4]}}')
                r[#r+1] = pcall(cjson.encode, {num1=0/0})
                cjson.encode_invalid_numbers(true)
                r[#r+1] = pcall(cjson.encode, {num1=0/0})
                for i = 1, #r do r[i] = tostring(r[i]) end
                return table.concat(r, ' ')"""));
    }

    @Test
    void encodesEveryByteWithCjsonsEscapes() throws IOException {
        String json = oracle.same("""
                local t = {}
                for i = 0, 255 do t[#t + 1] = string.char(i) end
                return cjson.encode(table.concat(t))""");
        assertTrue(json.contains("\\/") && json.contains("\\u007f") && json.contains("\\u0000"), json);
    }

    @Test
    void encodesNumbersWithPrintfG() throws IOException {
        oracle.same("""
                return cjson.encode({0.1, -0.0, 1/3, 1e15, 1e16, 123456789012345678, 2^53, -2^63, 1e-5, 1e-4,
                  5e-324, 1.7976931348623157e308, 100, 0.5, 3.14159265358979, 99999999999999.5, 1e100, -1e-100})""");
        oracle.same("""
                local out = {}
                for p = 1, 14 do
                  out[#out + 1] = tostring(cjson.encode_number_precision(p)) .. '=' .. cjson.encode({math.pi, 2/3, 123456.789, 1e21})
                end
                out[#out + 1] = select(2, pcall(cjson.encode_number_precision, 15))
                out[#out + 1] = select(2, pcall(cjson.encode_number_precision, 0))
                out[#out + 1] = select(2, pcall(cjson.encode_number_precision, 'x'))
                return table.concat(out, '\\n')""");
        assertEquals("ok:{\"1.5\":1}", oracle.same("return cjson.encode({[1.5] = 1})"));
    }

    @Test
    void invalidNumbersAreRefusedWrittenOrNull() throws IOException {
        oracle.same("""
                local out = {}
                local values = {0/0, -(0/0), 1/0, -1/0}
                for _, v in ipairs(values) do out[#out + 1] = select(2, pcall(cjson.encode, v)) end
                out[#out + 1] = select(2, pcall(cjson.encode, {[1/0] = 1}))
                for _, setting in ipairs({true, 'on', 'null', false, 'off'}) do
                  out[#out + 1] = tostring(cjson.encode_invalid_numbers(setting))
                  out[#out + 1] = select(2, pcall(cjson.encode, values))
                  out[#out + 1] = select(2, pcall(cjson.encode, {[1/0] = 1}))
                end
                out[#out + 1] = select(2, pcall(cjson.encode_invalid_numbers, 'maybe'))
                out[#out + 1] = select(2, pcall(cjson.encode_invalid_numbers, 1))
                out[#out + 1] = tostring(cjson.encode_invalid_numbers())
                return table.concat(out, '\\n')""");
    }

    @Test
    void sparseArraysFollowRatioAndSafe() throws IOException {
        oracle.same("""
                local out = {}
                local function try(t) out[#out + 1] = select(2, pcall(cjson.encode, t)) end
                local a, b, c = cjson.encode_sparse_array()
                out[#out + 1] = tostring(a) .. ' ' .. b .. ' ' .. c
                try({[1]=1, [2]=2, [100]=3}); try({[10]=1}); try({[11]=1}); try({[3]=1, [4]=2, [6]=3})
                try({1, 2, nil, 4}); try({}); try({[2^31]=1}); try({[2^31]=1, [3]=2}); try({1, 2, x=1})
                try({[0]=1}); try({[-1]=1}); try({[1.5]=1, [1]=2})
                a, b, c = cjson.encode_sparse_array(true, 0, 0)
                out[#out + 1] = tostring(a) .. ' ' .. b .. ' ' .. c
                try({[1]=1, [2]=2, [100]=3})
                a, b, c = cjson.encode_sparse_array('on', 1, 2)
                out[#out + 1] = tostring(a) .. ' ' .. b .. ' ' .. c
                try({[1]=1, [3]=2}); try({[1]=1, [2]=2, [4]=3})
                out[#out + 1] = select(2, pcall(cjson.encode_sparse_array, true, -1))
                out[#out + 1] = select(2, pcall(cjson.encode_sparse_array, true, 1, -1))
                out[#out + 1] = select(2, pcall(cjson.encode_sparse_array, 1))
                out[#out + 1] = select(2, pcall(cjson.encode_sparse_array, true, 1, 1, 1))
                return table.concat(out, '\\n')""");
    }

    @Test
    void unsupportedValuesAndKeysAreRefused() throws IOException {
        oracle.same("""
                local out = {}
                local function try(v) out[#out + 1] = select(2, pcall(cjson.encode, v)) end
                try(tostring); try(coroutine.create(function() end)); try({[true] = 1}); try({[{}] = 1}); try({f = tostring})
                try(cjson.null); try({cjson.null, nil, 3}); try(nil); try(true); try('')
                out[#out + 1] = select(2, pcall(cjson.encode))
                out[#out + 1] = select(2, pcall(cjson.encode, 1, 2))
                out[#out + 1] = select(2, pcall(function() return cjson.encode() end))
                out[#out + 1] = select(2, pcall(function() return cjson.encode(tostring) end))
                return table.concat(out, '\\n')""");
    }

    @Test
    void nestingIsLimitedBothWays() throws IOException {
        oracle.same("""
                local out = {}
                local deep = {}
                local t = deep
                for i = 1, 1000 do t[1] = {} t = t[1] end
                out[#out + 1] = select(2, pcall(cjson.encode, deep))
                local ok, s = pcall(cjson.encode, deep[1])
                out[#out + 1] = tostring(ok) .. #s
                local loop = {} loop.again = loop
                out[#out + 1] = select(2, pcall(cjson.encode, loop))
                out[#out + 1] = select(2, pcall(cjson.decode, string.rep('[', 1001) .. string.rep(']', 1001)))
                ok = pcall(cjson.decode, string.rep('[', 1000) .. string.rep(']', 1000))
                out[#out + 1] = tostring(ok)
                out[#out + 1] = select(2, pcall(cjson.decode, '{"a":' .. string.rep('{"b":', 1000)))
                out[#out + 1] = tostring(cjson.encode_max_depth(3)) .. tostring(cjson.decode_max_depth(2))
                out[#out + 1] = select(2, pcall(cjson.encode, {{{{1}}}}))
                out[#out + 1] = select(2, pcall(cjson.encode, {{{1}}}))
                out[#out + 1] = select(2, pcall(cjson.decode, '[[[1]]]'))
                out[#out + 1] = select(2, pcall(cjson.decode, '  {"x" :{"y": 1}}'))
                out[#out + 1] = select(2, pcall(cjson.encode_max_depth, 0))
                out[#out + 1] = select(2, pcall(cjson.decode_max_depth, 'deep'))
                return table.concat(out, '\\n')""");
    }

    @Test
    void raisedDepthLimitsStopWhereLuasStackEnds() throws IOException {
        String result = oracle.same("""
                cjson.encode_max_depth(100000)
                cjson.decode_max_depth(100000)
                local deep = {}
                local t = deep
                for i = 1, 10000 do t[1] = {} t = t[1] end
                local out = {select(2, pcall(cjson.encode, deep))}
                out[#out + 1] = select(2, pcall(cjson.decode, string.rep('[', 10000) .. string.rep(']', 10000)))
                out[#out + 1] = select(2, pcall(cjson.decode, string.rep('{"a":', 10000)))
                local ok, s = pcall(cjson.encode, deep[1][1][1][1][1][1][1][1][1][1])
                out[#out + 1] = tostring(ok) .. ' ' .. tostring(s)
                return table.concat(out, '\\n')""");
        assertTrue(result.contains("excessive nesting (7998)"), result);
    }

    @Test
    void decodesStringsAndEscapes() throws IOException {
        oracle.same(decodeEach("",
                "\"\\u00e9\\ud83d\\ude00\\n\\/\\b\\f\\r\\t\\\"\\\\\"", "\"\\u0000\"", "\"\\uD834\\uDD1E\"",
                "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud800\\u0041\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\x\"",
                "\"abc", "\"a\u00ff\u0080b\"", "\"\t\"", "{\"k\\u0041\":[\"v\"]}"));
    }

    @Test
    void decodeErrorsNameTokenAndCharacter() throws IOException {
        String[] texts = {"", " ", "[", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[1 2]", "{1:2}", "nul", "tru", "fals",
            "[1]x", "\u0000", "a\u0000", "[1,\u0000]", "01", "-", "-a", "+1", "0x10", "0X1p4", "-0x", "inf", "-inf",
            "Infinity", "-Infinity", "nan", "-nan", "NaN", "nan(123)", "1e", "1e+", ".5", "1.", "1.5e3", "-0",
            "1E400", "-1e-400", "123456789012345678901234567890", "4.9e-324", "  [ true , false , null ]  ",
            "{\"a\":1,\"a\":2}", "[[], {}, [{}]]", "}", "]", ":", ",", "'x'", "\"\u0001\"", "truex", "null null"};
        oracle.same(decodeEach("", texts));
        oracle.same(decodeEach("cjson.decode_invalid_numbers(false)", texts));
    }

    @Test
    void decodeArguments() throws IOException {
        oracle.same("""
                local out = {}
                out[#out + 1] = select(2, pcall(cjson.decode, 123))
                out[#out + 1] = select(2, pcall(cjson.decode, nil))
                out[#out + 1] = select(2, pcall(cjson.decode))
                out[#out + 1] = select(2, pcall(cjson.decode, '1', '2'))
                out[#out + 1] = select(2, pcall(function() return cjson.decode({}) end))
                out[#out + 1] = tostring(cjson.decode('null') == cjson.null)
                out[#out + 1] = type(cjson.decode('[null]')[1])
                out[#out + 1] = tostring(cjson.decode_invalid_numbers('off')) .. tostring(cjson.decode_invalid_numbers())
                out[#out + 1] = select(2, pcall(cjson.decode_invalid_numbers, 'null'))
                return table.concat(out, '\\n')""");
    }

    @Test
    void moduleTableAndNew() throws IOException {
        assertEquals("ok:cjson 2.1.0 userdata userdata: (nil) true", oracle.same("""
                return cjson._NAME .. ' ' .. cjson._VERSION .. ' ' .. type(cjson.null) .. ' ' .. tostring(cjson.null)
                  .. ' ' .. tostring(cjson.null ~= nil)"""));
        oracle.same("""
                local c = cjson.new()
                c.encode_max_depth(1)
                c.encode_number_precision(3)
                local out = {cjson.encode({{1}}), select(2, pcall(c.encode, {{1}})), c.encode(math.pi), cjson.encode(math.pi),
                  tostring(c.null == cjson.null), c._VERSION, tostring(c.encode_keep_buffer(false)), tostring(cjson.encode_keep_buffer())}
                local names = {}
                for k in pairs(c) do names[#names + 1] = k end
                table.sort(names)
                out[#out + 1] = table.concat(names, ',')
                return table.concat(out, '\\n')""");
    }

    @Test
    void roundTripsNestedData() throws IOException {
        oracle.same("""
                local v = {name = 'x', list = {1, 2.5, -3e-7, 'four', true, false, cjson.null},
                  nested = {deeper = {deepest = {'a/b', '\\0\\1\\127\\255'}}}, [7] = 'seven'}
                local once = cjson.encode(v)
                local twice = cjson.encode(cjson.decode(once))
                return once .. '\\n' .. twice .. '\\n' .. dump(cjson.decode(once))""");
    }
}
