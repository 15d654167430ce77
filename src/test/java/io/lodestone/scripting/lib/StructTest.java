package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** struct against redis-server 7.0's, byte for byte (see {@link LuaOracle}). */
class StructTest extends OracleTest {


    @Test
    void integersInEverySizeAndOrder() throws IOException {
        oracle.same("""
                local out = {}
                local formats = {'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i1', 'i2', 'I3', 'i5', 'i7', 'I8', 'i9',
                  'i12', 'I16', 'i32', 'i0'}
                local values = {0, 1, -1, 127, 128, 255, 256, -129, 65535, -32769, 2^31, -2^31, 2^32 + 5, 2^53 + 2,
                  2^63, -2^63, 2^64, 1e20, -1e20, 1.9, -1.9}
                for _, f in ipairs(formats) do
                  for _, order in ipairs({'<', '>'}) do
                    local line = {order .. f}
                    for _, v in ipairs(values) do
                      local packed = struct.pack(order .. f, v)
                      local unpacked = {struct.unpack(order .. f, packed)}
                      line[#line + 1] = hex(packed) .. '=' .. dump(unpacked[1]) .. '@' .. unpacked[2]
                    end
                    out[#out + 1] = table.concat(line, ' ')
                  end
                end
                return table.concat(out, '\\n')""");
    }

    @Test
    void floatsStringsPaddingAndAlignment() throws IOException {
        oracle.same("""
                local out = {}
                local function try(fmt, ...)
                  local ok, packed = pcall(struct.pack, fmt, ...)
                  if not ok then out[#out + 1] = fmt .. ' ' .. packed return end
                  out[#out + 1] = fmt .. ' ' .. hex(packed) .. ' ' .. dumpall(pcall(struct.unpack, fmt, packed))
                    .. ' ' .. dumpall(pcall(struct.size, fmt))
                end
                try('f', 1.5); try('>f', -0.1); try('<d', math.pi); try('>d', 1/0); try('f', 1e40); try('d', -0.0)
                try('c5', 'hello world'); try('c0', 'whole'); try('s', 'zero\\0inside'); try('c3', 'ab')
                try('b x x h', 1, 2); try('!4 b i', 1, 2); try('! b d', 1, 2.5); try('!2 b h b i', 1, 2, 3, 4)
                try('!8 b l b T', 1, 2, 3, 4); try('!1 b d', 1, 2); try('!16 b i16', 1, 2); try('!4 b I3 b', 1, 2, 3)
                try('>!4 h i <h i', 1, 2, 3, 4); try('  b  ', 7); try('bc0', 3, 'abc'); try('B c0', 2, 'xyz')
                try('i33', 1); try('!3 b', 1); try('z', 1); try('=i', 1); try('i99999999999', 1); try('c99999999999', 1)
                try('b', 'x'); try('s'); try('c1', {}); try('b\\0ignored', 1)
                return table.concat(out, '\\n')""");
    }

    @Test
    void unpackOffsetsAndErrors() throws IOException {
        oracle.same("""
                local out = {}
                local function try(...) out[#out + 1] = dumpall(pcall(struct.unpack, ...)) end
                local data = '\\1\\2\\3\\4\\5\\6\\7\\8'
                try('>I2', data); try('>I2', data, 3); try('>I2', data, 7); try('>I2', data, 8); try('>I2', data, 9)
                try('>I2', data, 0); try('>I2', data, -1); try('>I2', data, -5); try('b', data, 100)
                try('b c0', '\\3abc'); try('b c0', '\\5abc'); try('c0', 'abc'); try('s', 'abc'); try('s b', 'ab\\0\\9')
                try('x x b', data); try('!4 b i', data); try('d', 'short'); try('z', data); try(nil, data); try('b')
                try('bbbbbbbb', data); try('b', '12', 1)
                return table.concat(out, '\\n')""");
    }

    @Test
    void manyResultsAndSizes() throws IOException {
        oracle.same("""
                local out = {}
                local fmt = string.rep('b', 7990)
                local ok, n = pcall(function() return select('#', struct.unpack(fmt, string.rep('\\1', 7990))) end)
                out[#out + 1] = tostring(ok) .. ' ' .. tostring(n)
                fmt = string.rep('b', 8001)
                out[#out + 1] = select(2, pcall(struct.unpack, fmt, string.rep('\\1', 8001)))
                local function size(f) out[#out + 1] = f .. ' ' .. tostring(select(2, pcall(struct.size, f))) end
                size('b'); size('!b d'); size('!4 b d'); size('c10'); size('c0'); size('s'); size('i3 b'); size('z')
                size('<>= b'); size('!3'); size('i40'); size('q'); size('Hq'); size('')
                return table.concat(out, '\\n')""");
    }

    @Test
    void namesItsFunctionsInArgumentErrors() throws IOException {
        assertEquals("ok:user_script:28: bad argument #1 to 'pack' (invalid format option 'y')|"
                + "bad argument #1 to '?' (string expected, got no value)", oracle.same("""
                local a = select(2, pcall(function() return struct.pack('y') end))
                local b = select(2, pcall(struct.pack))
                return a .. '|' .. b"""));
    }
}
