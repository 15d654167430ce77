package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** cmsgpack against redis-server 7.0's, byte for byte (see {@link LuaOracle}). */
class CMsgPackTest extends OracleTest {


    @Test
    void redisSuitePacksDoubleAndNegativeInt64() throws IOException {
        assertEquals("ok:cb3fb999999999999a", oracle.same("return hex(cmsgpack.pack(0.1))"));
        assertEquals("ok:d3ffffff0000000000", oracle.same("return hex(cmsgpack.pack(-1099511627776))"));
    }

    @Test
    void redisSuiteSmokeTest() throws IOException {
        assertEquals("ok:true true true true true true true", oracle.same("""
                local str_lt_32 = string.rep("x", 30)
                local str_lt_255 = string.rep("x", 250)
                local str_lt_65535 = string.rep("x", 65530)
                local str_long = string.rep("x", 100000)
                local array_big = {}
                for i=1, 100000 do array_big[i] = i end
                local map_big = {}
                for i=1, 100000 do map_big[tostring(i)] = i end
                local some_map = {s1=str_lt_32, s2=str_lt_255, s3=str_lt_65535, s4=str_long, d1=0.1, i1=1, i2=250,
                  i3=65530, i4=100000, i5=2^40, i6=-1, i7=-120, i8=-32000, i9=-100000, i10=-3147483648,
                  a1={1, 2, 3, 4, 5}, a2={1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18},
                  a3=array_big, m1={a=1, b=2}, m2=map_big, b1=false, b2=true, n=nil}
                local encoded = cmsgpack.pack(some_map)
                local r = {}
                r[#r+1] = deepeq(some_map, cmsgpack.unpack(encoded))
                local offset, decoded_one = cmsgpack.unpack_one(encoded, 0)
                r[#r+1] = deepeq(some_map, decoded_one) and offset == -1
                local encoded_multiple = cmsgpack.pack(str_lt_32, str_lt_255, str_lt_65535, str_long)
                local offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, 0)
                r[#r+1] = obj == str_lt_32
                offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
                r[#r+1] = obj == str_lt_255
                offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
                r[#r+1] = obj == str_lt_65535
                offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
                r[#r+1] = obj == str_long
                r[#r+1] = offset == -1
                for i = 1, #r do r[i] = tostring(r[i]) end
                return table.concat(r, ' ') .. '\\n' .. hex(string.sub(encoded, 1, 4000))""").lines().findFirst().get());
    }

    @Test
    void redisSuiteCircularReferencesStopAtDepth16() throws IOException {
        String h = "82a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882"
                + "a17905a17881a17882a17905a17881a17882a17905a17881a178c0";
        assertEquals("ok:" + h + " true true true", oracle.same("""
                local a = {x=nil,y=5}
                local b = {x=a}
                a['x'] = b
                local encoded = cmsgpack.pack(a)
                local re = cmsgpack.unpack(encoded)
                local ok = re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.y == re.y and re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x == nil
                return hex(encoded) .. ' ' .. tostring(ok) .. ' ' .. tostring(re.x.x.x.x.x.x.x.x.y == re.y)
                  .. ' ' .. tostring(re.y == 5)"""));
    }

    @Test
    void numbersChooseIntFloatOrDouble() throws IOException {
        oracle.same("""
                local values = {0, 127, 128, 255, 256, 65535, 65536, 2^32 - 1, 2^32, 2^53, 2^63, -2^63, 2^64, -2^64,
                  -1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31 - 1, 0.5, -0.0, 0.1, 1e300, 1/3,
                  3.4028234663852886e38, 3.4028235677973366e38, 1e-45, 1/0, -1/0, 0/0, -(0/0)}
                local out = {}
                for i, v in ipairs(values) do
                  local packed = cmsgpack.pack(v)
                  out[i] = hex(packed) .. '=' .. dump(cmsgpack.unpack(packed))
                end
                return table.concat(out, '\\n')""");
    }

    @Test
    void stringsAndContainersUseEveryLengthFormat() throws IOException {
        oracle.same("""
                local out = {}
                for _, n in ipairs({0, 1, 31, 32, 255, 256, 65535, 65536}) do
                  local s = string.rep('\\255', n)
                  local packed = cmsgpack.pack(s)
                  out[#out + 1] = n .. ' ' .. hex(string.sub(packed, 1, 8)) .. ' ' .. #packed .. ' ' .. tostring(cmsgpack.unpack(packed) == s)
                end
                for _, n in ipairs({0, 15, 16, 65535, 65536}) do
                  local a, m = {}, {}
                  for i = 1, n do a[i] = i % 3 == 0 or i m['k' .. i] = false end
                  local pa, pm = cmsgpack.pack(a), cmsgpack.pack(m)
                  out[#out + 1] = n .. ' ' .. hex(string.sub(pa, 1, 8)) .. ' ' .. #pa .. ' ' .. hex(string.sub(pm, 1, 5)) .. ' ' .. #pm
                    .. ' ' .. tostring(deepeq(cmsgpack.unpack(pa), a))
                end
                return table.concat(out, '\\n')""");
    }

    @Test
    void tablesAreArraysOnlyWithKeysOneToN() throws IOException {
        oracle.same("""
                local out = {}
                local function try(v) out[#out + 1] = hex(cmsgpack.pack(v)) end
                try({1, 2, 3}); try({1, nil, 3}); try({[2] = 1}); try({[0] = 1, 1}); try({[1.5] = 1}); try({[2^31] = 1})
                try({1, 2, x = 3}); try({}); try({{}, {{}}}); try({tostring, true, false}); try(tostring)
                try(coroutine.create(function() end)); try(nil); try(cjson.null)
                local deep = {}
                local t = deep
                for i = 1, 20 do t[1] = {i} t = t[1] end
                try(deep)
                local meta = setmetatable({1, 2}, {__index = function() error('never') end})
                try(meta)
                try(string.rep('a', 10), 5, {k = 'v'})
                return table.concat(out, '\\n')""");
    }

    @Test
    void decodingErrorsAndSpecialFormats() throws IOException {
        oracle.same("""
                local out = {}
                local function try(s, ...) out[#out + 1] = dumpall(pcall(cmsgpack.unpack, s, ...)) end
                try(''); try('\\192'); try('\\195\\194'); try('\\207\\255\\255\\255\\255\\255\\255\\255\\255')
                try('\\207\\128\\0\\0\\0\\0\\0\\0\\0'); try('\\211\\128\\0\\0\\0\\0\\0\\0\\0'); try('\\206\\255\\255\\255\\255')
                try('\\210\\128\\0\\0\\0'); try('\\209\\128\\0'); try('\\208\\128'); try('\\205\\255\\255'); try('\\204\\200')
                try('\\202\\127\\192\\0\\0'); try('\\203\\127\\248\\0\\0\\0\\0\\0\\1'); try('\\224'); try('\\255')
                try('\\196\\1a'); try('\\193'); try('\\199\\1\\1a'); try('\\212\\1\\1')
                try('\\217\\3abc'); try('\\218\\0\\3abc'); try('\\219\\0\\0\\0\\3abc'); try('\\217\\5abc'); try('\\219\\255')
                try('\\220\\0\\2\\1\\2'); try('\\221\\0\\0\\0\\1\\1'); try('\\222\\0\\1\\161a\\1'); try('\\223\\0\\0\\0\\1\\1\\2')
                try('\\147\\1\\2'); try('\\129\\192\\1'); try('\\129\\202\\127\\192\\0\\0\\1'); try('\\130\\1\\2\\1\\3')
                try(12); try(nil); try({})
                return table.concat(out, '\\n')""");
    }

    @Test
    void unpackOneAndLimitWalkAStream() throws IOException {
        oracle.same("""
                local out = {}
                local stream = cmsgpack.pack(1, 'two', {3}, {four = 4}, 5.5)
                out[#out + 1] = hex(stream)
                out[#out + 1] = dumpall(cmsgpack.unpack(stream))
                local offset = 0
                for i = 1, 7 do
                  local r = {pcall(cmsgpack.unpack_one, stream, offset)}
                  out[#out + 1] = dumpall(unpack(r))
                  if not r[1] or r[2] == -1 then break end
                  offset = r[2]
                end
                local function try(...) out[#out + 1] = dumpall(pcall(...)) end
                try(cmsgpack.unpack_limit, stream, 2); try(cmsgpack.unpack_limit, stream, 2, 3)
                try(cmsgpack.unpack_limit, stream, 0, 2); try(cmsgpack.unpack_limit, stream, 100)
                try(cmsgpack.unpack_limit, stream, -1); try(cmsgpack.unpack_one, stream, -1)
                try(cmsgpack.unpack_one, stream, #stream); try(cmsgpack.unpack_one, stream, #stream + 1)
                try(cmsgpack.unpack_limit, stream); try(cmsgpack.unpack_limit, stream, 'x')
                try(cmsgpack.unpack_one, stream, 1.9); try(cmsgpack.unpack_one, '\\146\\1')
                try(cmsgpack.pack); try(function() return cmsgpack.pack() end); try(cmsgpack.pack, nil, nil)
                return table.concat(out, '\\n')""");
    }

    @Test
    void unpackingMoreValuesThanTheStackHoldsFails() throws IOException {
        String result = oracle.same("""
                local out = {}
                for _, n in ipairs({7990, 7998, 7999, 8000, 9000}) do
                  local r = {pcall(cmsgpack.unpack, string.rep('\\1', n))}
                  out[#out + 1] = n .. ' ' .. tostring(r[1]) .. ' ' .. #r .. ' ' .. tostring(r[2])
                end
                local nested = string.rep('\\145', 9000) .. '\\1'
                out[#out + 1] = select(2, pcall(cmsgpack.unpack, nested))
                return table.concat(out, '\\n')""");
        assertTrue(result.contains("stack overflow"), result);
    }

    @Test
    void moduleTable() throws IOException {
        assertEquals("ok:cmsgpack|lua-cmsgpack 0.4.0|Copyright (C) 2012, Salvatore Sanfilippo|"
                + "MessagePack C implementation for Lua", oracle.same("""
                return cmsgpack._NAME .. '|' .. cmsgpack._VERSION .. '|' .. cmsgpack._COPYRIGHT .. '|' .. cmsgpack._DESCRIPTION"""));
    }
}
