package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * The C API pieces luajava lacks: strings pushed and read as bytes (every byte value, every
 * length around the short-ASCII shortcut), C's number formatting and strtod checked against the
 * real Lua 5.1 VM's own string.format and tonumber, and argument errors naming the function.
 */
class LuaApiTest {

    private static final long SEED = 77L;

    private static Lua newState() {
        Lua L = new Lua51();
        L.openLibraries();
        Libraries.openAll(L);
        return L;
    }

    /** Runs source as a chunk named "t", so that positions read "t:line:". */
    private static void run(Lua L, String source) {
        byte[] bytes = source.getBytes(StandardCharsets.US_ASCII);
        L.load(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip(), "=t");
        L.pCall(0, 0);
    }

    private static byte[] stringAt(Lua L, int idx) {
        ByteBuffer b = L.toBuffer(idx);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    @Test
    void pushedBytesArriveUnchangedWhateverTheLength() {
        Random random = new Random(SEED);
        try (Lua L = newState()) {
            L.run("function check(s) return #s, string.byte(s, 1), string.byte(s, -1), s .. '' end");
            for (int length : new int[] {0, 1, 2, 63, 64, 65, 255, 4096, 4097, 100_000}) {
                for (boolean ascii : new boolean[] {true, false}) {
                    byte[] bytes = new byte[length];
                    for (int i = 0; i < length; i++) {
                        bytes[i] = (byte) (ascii ? 'a' + random.nextInt(26) : random.nextInt(256));
                    }
                    L.setTop(0);
                    L.getGlobal("check");
                    LuaStrings.push(L, bytes);
                    L.pCall(1, 4);
                    assertEquals(length, (int) L.toNumber(1));
                    assertArrayEquals(bytes, LuaStrings.copy(L, 4), "length " + length + " ascii " + ascii);
                }
            }
            byte[] all = new byte[256];
            for (int i = 0; i < 256; i++) {
                all[i] = (byte) i;
            }
            L.setTop(0);
            LuaApi.pushBytes(L, all, 10, 200);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 10, 210), stringAt(L, 1));
        }
    }

    @Test
    void formatGIsPrintfG() {
        Random random = new Random(SEED);
        try (Lua L = newState()) {
            Lua51Natives C = (Lua51Natives) L.getLuaNatives();
            L.run("function fmt(p, x) return string.format('%.' .. p .. 'g', x) end");
            double[] fixed = {0.0, -0.0, 1, -1, 0.5, 2.5, 1e15, 1e16, 1e21, 1e-4, 1e-5, 123456789012345678.0, 5e-324,
                Double.MAX_VALUE, Double.MIN_NORMAL, 0.1, 1.0 / 3, 9.5, 99999999999999.5, 999999999999999.0,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            for (int i = 0; i < 4000; i++) {
                double x = i < fixed.length ? fixed[i] : switch (i % 3) {
                    case 0 -> Double.longBitsToDouble(random.nextLong());
                    case 1 -> random.nextInt(1_000_000) / Math.pow(10, random.nextInt(12));
                    default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(60) - 30);
                };
                if (Double.isNaN(x)) {
                    continue;
                }
                int precision = 1 + random.nextInt(17);
                L.setTop(0);
                L.getGlobal("fmt");
                C.lua_pushnumber(L.getPointer(), precision);
                C.lua_pushnumber(L.getPointer(), x);
                L.pCall(2, 1);
                assertEquals(L.toString(1), CNumbers.formatG(x, precision), x + " at %." + precision + "g");
            }
        }
    }

    @Test
    void strtodReadsWhatLuasTonumberReads() {
        Random random = new Random(SEED);
        try (Lua L = newState()) {
            L.run("function num(s) return tonumber(s) end");
            for (int i = 0; i < 3000; i++) {
                StringBuilder s = new StringBuilder();
                if (random.nextBoolean()) {
                    s.append('-');
                }
                int digits = 1 + random.nextInt(25);
                for (int d = 0; d < digits; d++) {
                    s.append((char) ('0' + random.nextInt(10)));
                }
                if (random.nextBoolean()) {
                    s.insert(s.length() - random.nextInt(digits), '.');
                }
                if (random.nextBoolean()) {
                    s.append('e').append(random.nextInt(700) - 350);
                }
                String text = s.toString();
                CNumbers.Parsed parsed = CNumbers.strtod(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), 0);
                assertEquals(text.length(), parsed.end(), text);
                L.setTop(0);
                L.getGlobal("num");
                L.push(text);
                L.pCall(1, 1);
                assertEquals(Double.doubleToRawLongBits(L.toNumber(1)), Double.doubleToRawLongBits(parsed.value()), text);
            }
        }
    }

    @Test
    void argumentErrorsNameTheFunctionAsItsCallerDid() {
        try (Lua L = newState()) {
            run(L, "local ok, e1 = pcall(function() return bit.tobit('x') end)\n"
                    + "local t = {f = bit.tohex}\n"
                    + "local ok2, e2 = pcall(function() return t:f() end)\n"
                    + "local ok3, e3 = pcall(bit.bnot)\n"
                    + "local alias = struct.pack\n"
                    + "local ok4, e4 = pcall(function() return alias('q') end)\n"
                    + "result = e1 .. '|' .. e2 .. '|' .. e3 .. '|' .. e4");
            L.getGlobal("result");
            assertEquals("t:1: bad argument #1 to 'tobit' "
                    + "(number expected, got string)|"
                    + "t:3: calling 'f' on bad self "
                    + "(number expected, got table)|"
                    + "bad argument #1 to '?' (number expected, got no value)|"
                    + "t:6: bad argument #1 to 'alias' "
                    + "(invalid format option 'q')", L.toString(-1));
        }
    }

    @Test
    void anErrorFromADebugHookDuringAPushIsRaisedUnchanged() {
        try (Lua L = newState()) {
            // A hook that fails only inside the chunk that carries a pushed string (a binary chunk
            // without a source name has the source "=?"), as a script kill may fail anywhere.
            run(L, "debug.sethook(function()\n"
                    + "  local info = debug.getinfo(2, 'S')\n"
                    + "  if info and info.source == '=?' then error({killed = true}) end\n"
                    + "end, '', 1)\n"
                    + "local ok, e = pcall(cjson.encode, {string.rep('\\255', 100)})\n"
                    + "debug.sethook()\n"
                    + "result = tostring(ok) .. ' ' .. type(e) .. ' ' .. tostring(type(e) == 'table' and e.killed)");
            L.getGlobal("result");
            assertEquals("false table true", L.toString(-1));
        }
    }

    @Test
    void theDebugLibraryStaysClosedWhenTheStateHadNone() {
        try (Lua L = new Lua51()) {
            L.openLibrary("base");
            L.openLibrary("string");
            Libraries.openAll(L);
            run(L, "debugType = type(debug)\nok, e = pcall(function() return bit.tobit({}) end)");
            L.getGlobal("debugType");
            assertEquals("nil", L.toString(-1));
            L.getGlobal("e");
            assertEquals("t:2: bad argument #1 to 'tobit' "
                    + "(number expected, got table)", L.toString(-1));
        }
    }
}
