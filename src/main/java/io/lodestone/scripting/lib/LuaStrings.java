package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * Lua strings as bytes, for the rest of scripting (redis.call's arguments and replies carry
 * arbitrary bytes): luajava's own String conversions go through JNI's modified UTF-8.
 */
public final class LuaStrings {

    private LuaStrings() {
    }

    /** lua_pushlstring: pushes len bytes of b from off as a Lua string. */
    public static void push(Lua L, byte[] b, int off, int len) {
        LuaApi.pushBytes(L, b, off, len);
    }

    public static void push(Lua L, byte[] b) {
        LuaApi.pushBytes(L, b, 0, b.length);
    }

    /**
     * lua_tolstring: a read-only view of the string at idx in Lua's memory, valid while the string
     * stays on the stack (a number there is converted in place); null for other types.
     */
    public static ByteBuffer view(Lua L, int idx) {
        return LuaApi.bytes((Lua51Natives) L.getLuaNatives(), L.getPointer(), idx);
    }

    /** A copy of the string at idx (see {@link #view}); null for other types. */
    public static byte[] copy(Lua L, int idx) {
        ByteBuffer b = view(L, idx);
        if (b == null) {
            return null;
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(0, bytes);
        return bytes;
    }
}
