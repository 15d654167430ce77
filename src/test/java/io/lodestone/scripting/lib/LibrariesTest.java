package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** What {@link Libraries#openAll} gives a script, against redis-server 7.0's Lua (see {@link LuaOracle}). */
class LibrariesTest extends OracleTest {


    @Test
    void everyLibraryHasRedissFieldsAndFunctions() throws IOException {
        String fields = oracle.same("""
                local out = {}
                for _, name in ipairs({'cjson', 'cmsgpack', 'bit', 'struct'}) do
                  local lib = _G[name]
                  local keys = {}
                  for k, v in pairs(lib) do
                    keys[#keys + 1] = k .. ':' .. type(v) .. (type(v) == 'string' and ('=' .. v) or '')
                  end
                  table.sort(keys)
                  out[#out + 1] = name .. ' ' .. type(lib) .. ' ' .. table.concat(keys, ' ')
                end
                return table.concat(out, '\\n')""");
        assertTrue(fields.contains("decode_invalid_numbers:function") && fields.contains("unpack_limit:function")
                && fields.contains("tohex:function") && fields.contains("size:function"), fields);
    }

    @Test
    void librariesWorkInsideCoroutines() throws IOException {
        oracle.same("""
                local co = coroutine.create(function(json)
                  local v = cjson.decode(json)
                  coroutine.yield(cjson.encode(v) .. hex(cmsgpack.pack(v)))
                  coroutine.yield(bit.tohex(bit.bor(v[1], 0x100)) .. hex(struct.pack('>I2', v[1])))
                  return select(2, pcall(struct.pack, 'z'))
                end)
                local out = {}
                local _, r = coroutine.resume(co, '[7, "x"]')
                out[#out + 1] = r
                _, r = coroutine.resume(co)
                out[#out + 1] = r
                _, r = coroutine.resume(co)
                out[#out + 1] = r
                return table.concat(out, '\\n')""");
    }
}
