package io.lodestone.scripting.lib;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * LuaBitOp 1.0.2 ({@code bit}), as Redis bundles it: operations on 32-bit integers held in Lua's
 * doubles. Every argument is normalised as LuaBitOp does: adding 2^52+2^51 moves the integer part
 * into the low 32 bits of the double's mantissa (rounding to nearest, ties to even), which are
 * taken as the operand; results return as signed 32-bit numbers.
 */
public final class Bit {

    /** 2^52 + 2^51. */
    private static final double NORMALISER = 6755399441055744.0;

    private Bit() {
    }

    public static void open(Lua L) {
        LuaApi.install(L);
        L.newTable();
        LuaApi.setFunction(L, "tobit", (lua, C, l) -> ret(C, l, barg(C, l, 1)));
        LuaApi.setFunction(L, "bnot", (lua, C, l) -> ret(C, l, ~barg(C, l, 1)));
        LuaApi.setFunction(L, "band", (lua, C, l) -> fold(C, l, Op.AND));
        LuaApi.setFunction(L, "bor", (lua, C, l) -> fold(C, l, Op.OR));
        LuaApi.setFunction(L, "bxor", (lua, C, l) -> fold(C, l, Op.XOR));
        LuaApi.setFunction(L, "lshift", (lua, C, l) -> ret(C, l, barg(C, l, 1) << (barg(C, l, 2) & 31)));
        LuaApi.setFunction(L, "rshift", (lua, C, l) -> ret(C, l, barg(C, l, 1) >>> (barg(C, l, 2) & 31)));
        LuaApi.setFunction(L, "arshift", (lua, C, l) -> ret(C, l, barg(C, l, 1) >> (barg(C, l, 2) & 31)));
        LuaApi.setFunction(L, "rol", (lua, C, l) -> ret(C, l, Integer.rotateLeft(barg(C, l, 1), barg(C, l, 2) & 31)));
        LuaApi.setFunction(L, "ror", (lua, C, l) -> ret(C, l, Integer.rotateRight(barg(C, l, 1), barg(C, l, 2) & 31)));
        LuaApi.setFunction(L, "bswap", (lua, C, l) -> ret(C, l, Integer.reverseBytes(barg(C, l, 1))));
        LuaApi.setFunction(L, "tohex", Bit::tohex);
        L.setGlobal("bit");
    }

    private enum Op { AND, OR, XOR }

    /** band, bor, bxor: the first argument combined with every other one, from the last down. */
    private static int fold(Lua51Natives C, long l, Op op) {
        int b = barg(C, l, 1);
        for (int i = C.lua_gettop(l); i > 1; i--) {
            int x = barg(C, l, i);
            b = switch (op) {
                case AND -> b & x;
                case OR -> b | x;
                case XOR -> b ^ x;
            };
        }
        return ret(C, l, b);
    }

    /**
     * tohex(x [, n]): n hexadecimal digits (8 by default, at most 8), upper case when n is negative.
     * Redis 7.0.15 crashes on n = -2^31 (its negation overflows, CVE-2024-31449); here it is taken as
     * -(2^31-1), as the fixed LuaBitOp does, giving 8 upper-case digits.
     */
    private static int tohex(Lua L, Lua51Natives C, long l) {
        int b = barg(C, l, 1);
        int n = C.lua_type(l, 2) == LuaApi.TNONE ? 8 : barg(C, l, 2);
        String digits = "0123456789abcdef";
        if (n == Integer.MIN_VALUE) {
            n = Integer.MIN_VALUE + 1;
        }
        if (n < 0) {
            n = -n;
            digits = "0123456789ABCDEF";
        }
        if (n > 8) {
            n = 8;
        }
        char[] buf = new char[n];
        for (int i = n; --i >= 0; ) {
            buf[i] = digits.charAt(b & 15);
            b >>>= 4;
        }
        C.lua_pushstring(l, new String(buf));
        return 1;
    }

    /** barg: the argument's low 32 bits after normalisation; a non-number is an error only if they are 0. */
    private static int barg(Lua51Natives C, long l, int idx) {
        double n = C.lua_tonumber(l, idx) + NORMALISER;
        int b = (int) Double.doubleToRawLongBits(n);
        if (b == 0 && C.lua_isnumber(l, idx) == 0) {
            throw LuaApi.typeError(C, l, idx, "number");
        }
        return b;
    }

    /** BRET: the 32-bit result as a signed number. */
    private static int ret(Lua51Natives C, long l, int b) {
        C.lua_pushnumber(l, b);
        return 1;
    }
}
