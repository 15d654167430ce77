package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** bit (LuaBitOp) against redis-server 7.0's, byte for byte (see {@link LuaOracle}). */
class BitTest extends OracleTest {

    /** Operands that exercise the 2^52+2^51 normalisation: fractions, halves, past 32 and 53 bits. */
    private static final String VALUES = "{0, 1, -1, 2^31, 2^31 - 1, -2^31, -2^31 - 1, 2^32, 2^32 + 1, 2^32 - 1, 0.5, 1.5, "
            + "2.5, -0.5, -1.5, 3.4999, 2^52, 2^52 + 1, 2^53, 2^60, 1e20, -1e20, 0/0, 1/0, -1/0, 0x7fffffff, "
            + "4294967295, '12', '0x10', ' 7 ', '1e3', 1437217655, 0x12345678, -0x12345678}";

    @Test
    void redisSuiteNumericalSanity() throws IOException {
        assertEquals("ok:true", oracle.same("""
                assert(0x7fffffff == 2147483647, "broken hex literals")
                assert(0xffffffff == -1 or 0xffffffff == 2^32-1, "broken hex literals")
                assert(tostring(-1) == "-1", "broken tostring()")
                assert(tostring(0xffffffff) == "-1" or tostring(0xffffffff) == "4294967295", "broken tostring()")
                return true"""));
    }

    @Test
    void redisSuiteMinimalFunctionality() throws IOException {
        assertEquals("ok:true", oracle.same("""
                assert(bit.tobit(1) == 1)
                assert(bit.band(1) == 1)
                assert(bit.bxor(1,2) == 3)
                assert(bit.bor(1,2,4,8,16,32,64,128) == 255)
                return true"""));
    }

    @Test
    void unaryFunctionsNormaliseEveryOperand() throws IOException {
        oracle.same("local values = " + VALUES + """

                local out = {}
                for i, v in ipairs(values) do
                  out[i] = bit.tobit(v) .. ' ' .. bit.bnot(v) .. ' ' .. bit.bswap(v) .. ' ' .. bit.tohex(v)
                end
                return table.concat(out, '\\n')""");
    }

    @Test
    void binaryAndShiftFunctions() throws IOException {
        oracle.same("local values = " + VALUES + """

                local out = {}
                local counts = {-33, -1, 0, 1, 4, 31, 32, 33, 2.5, 2^32 + 3}
                for i, v in ipairs(values) do
                  local line = {bit.band(v, 0xff00ff), bit.bor(v, 1, 2, 4), bit.bxor(v, -1, 0x55), bit.band(v), bit.bor(v)}
                  for _, n in ipairs(counts) do
                    line[#line + 1] = bit.lshift(v, n) .. ',' .. bit.rshift(v, n) .. ',' .. bit.arshift(v, n)
                      .. ',' .. bit.rol(v, n) .. ',' .. bit.ror(v, n)
                  end
                  out[i] = table.concat(line, ' ')
                end
                return table.concat(out, '\\n')""");
    }

    @Test
    void tohexWidthsAndCase() throws IOException {
        // n = -2^31 is left out: redis-server 7.0.15 crashes on it (CVE-2024-31449).
        oracle.same("""
                local out = {}
                for n = -10, 10 do
                  out[#out + 1] = bit.tohex(0x12345678, n) .. '|' .. bit.tohex(-1, n) .. '|' .. bit.tohex(255, n)
                end
                out[#out + 1] = bit.tohex(-1, -2^31 + 1) .. bit.tohex(-1, 2^31 - 1) .. bit.tohex(-1, 2^32 + 3)
                return table.concat(out, '\\n')""");
    }

    @Test
    void nonNumbersAreRefusedWithLuaBitOpsText() throws IOException {
        String result = oracle.same("""
                local out = {}
                local function try(...) out[#out + 1] = select(2, pcall(...)) end
                try(bit.tobit, 'x'); try(bit.tobit); try(bit.tobit, nil); try(bit.band, 1, {}); try(bit.bor, 1, 2, true)
                try(bit.tohex, 1, nil); try(bit.lshift, 1); try(bit.tobit, '0'); try(bit.tobit, 'abc0')
                try(function() return bit.bxor(1, 'y') end)
                try(function() local b = bit return b.rol({}, 1) end)
                return table.concat(out, '\\n')""");
        assertTrue(result.contains("number expected, got"), result);
    }
}
