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

    /**
     * Thrown when a push was interrupted by an error a debug hook raised (such as a script kill):
     * that error value is on top of the stack, and a JFunction re-raises it by returning -1.
     */
    public static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("a Lua error interrupted the push; it is on top of the stack", null, false, false);
        }
    }

    /**
     * lua_pushlstring: pushes len bytes of b from off as a Lua string.
     *
     * @throws Interrupted if a debug hook raised an error meanwhile
     */
    public static void push(Lua L, byte[] b, int off, int len) {
        try {
            LuaApi.pushBytes(L, b, off, len);
        } catch (LuaApi.LuaError e) {
            throw new Interrupted();
        }
    }

    public static void push(Lua L, byte[] b) {
        push(L, b, 0, b.length);
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
