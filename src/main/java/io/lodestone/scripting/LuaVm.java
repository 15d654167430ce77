package io.lodestone.scripting;

import party.iroiro.luajava.JFunction;
import party.iroiro.luajava.lua51.Lua51;
import party.iroiro.luajava.lua51.Lua51Natives;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One Lua 5.1 state and the raw C API over it, with what luajava does not give: binary-safe strings.
 *
 * <p>Lua strings are bytes. luajava reads them binary-safely ({@code luaJ_tobuffer}) but pushes Java
 * strings through JNI's modified UTF-8, which turns a NUL into C0 80 and any char above 0x7F into two
 * bytes. So a string of bytes 1..0x7F is pushed as it is (the common case: keys, numbers, commands),
 * and any other is pushed as its Latin-1 text and then decoded in Lua by one {@code string.gsub}
 * with a table of the 129 two-byte sequences (C0 80, C2 80..BF, C3 80..BF) that modified UTF-8 makes
 * of a char 0..0xFF: unambiguous, since the plain bytes below 0x80 never produce a byte above it.
 *
 * <p>Not thread-safe: used by the command thread only.
 */
final class LuaVm implements AutoCloseable {
    static final int REGISTRY = -10000;  // LUA_REGISTRYINDEX
    static final int GLOBALS = -10002;   // LUA_GLOBALSINDEX
    static final int TNIL = 0, TBOOLEAN = 1, TLIGHTUSERDATA = 2, TNUMBER = 3, TSTRING = 4, TTABLE = 5, TFUNCTION = 6;
    static final int MULTRET = -1;

    final Lua51 lua;
    final Lua51Natives c;
    /** The main thread. */
    final long main;
    /**
     * The thread the helpers act on: the main thread, or the coroutine a Java function was called
     * from ({@link #enter}).
     */
    long L;
    /** Registry reference of the decoder of pushed Latin-1 text back to bytes. */
    private final int decoder;

    LuaVm() {
        lua = new Lua51();
        c = (Lua51Natives) lua.getLuaNatives();
        main = L = lua.getPointer();
        lua.openLibraries();
        String decode = "local map = {['\\192\\128'] = '\\0'}\n"
                + "for b = 128, 191 do map['\\194' .. string.char(b)] = string.char(b) end\n"
                + "for b = 128, 191 do map['\\195' .. string.char(b)] = string.char(b + 64) end\n"
                + "local gsub = string.gsub\n"
                + "return function(s) return (gsub(s, '[\\192\\194\\195][\\128-\\191]', map)) end\n";
        if (c.luaL_loadstring(L, decode) != 0 || c.lua_pcall(L, 0, 1, 0) != 0) {
            throw new IllegalStateException("the Lua byte decoder did not load: " + c.lua_tostring(L, -1));
        }
        decoder = c.luaL_ref(L, REGISTRY);
    }

    /** Called first by every Java function Lua calls: later helpers act on its thread. Returns the previous one. */
    long enter(party.iroiro.luajava.Lua thread) {
        long previous = L;
        L = ((party.iroiro.luajava.AbstractLua) thread).getPointer();
        return previous;
    }

    // ---- Strings ---------------------------------------------------------------------------------

    /** Pushes {@code len} bytes from {@code b[off]} as a Lua string. */
    void pushBytes(byte[] b, int off, int len) {
        boolean plain = true;
        for (int i = off, end = off + len; i < end; i++) {
            int x = b[i];
            if (x <= 0) {
                plain = false;
                break;
            }
        }
        String text = new String(b, off, len, StandardCharsets.ISO_8859_1);
        if (plain) {
            c.lua_pushstring(L, text);
            return;
        }
        c.lua_rawgeti(L, REGISTRY, decoder);
        c.lua_pushstring(L, text);
        c.lua_pcall(L, 1, 1, 0); // cannot fail: a gsub over a string
    }

    void pushBytes(byte[] b) {
        pushBytes(b, 0, b.length);
    }

    /** Pushes ASCII text (names, numbers, messages Lodestone writes). */
    void pushAscii(String s) {
        c.lua_pushstring(L, s);
    }

    /** The bytes of the string (or number, converted in place as lua_tolstring does) at {@code idx}; null otherwise. */
    byte[] toBytes(int idx) {
        int t = c.lua_type(L, idx);
        if (t != TSTRING && t != TNUMBER) return null;
        ByteBuffer buf = (ByteBuffer) c.luaJ_tobuffer(L, idx);
        if (buf == null) return null;
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    /** The string at {@code idx} up to its first NUL, as Lodestone's raw-byte text (what C's %s of it prints). */
    String toCString(int idx) {
        byte[] b = toBytes(idx);
        return b == null ? null : io.lodestone.command.Args.cString(b);
    }

    // ---- Tables and values -------------------------------------------------------------------------

    /** Sets {@code t[key] = top of stack} (popped) for the table at {@code idx} (negative: counted before the value). */
    void setField(int idx, String key) {
        c.lua_setfield(L, idx, key);
    }

    /** Pushes a Java function. */
    void pushFunction(JFunction f) {
        lua.push(f);
    }

    int top() {
        return c.lua_gettop(L);
    }

    void setTop(int n) {
        c.lua_settop(L, n);
    }

    int type(int idx) {
        return c.lua_type(L, idx);
    }

    /** Loads {@code code} as a chunk named {@code name}; on failure, the error message is on the stack. */
    int load(byte[] code, int off, int len, String name) {
        if (len > 0 && code[off] == 0x1B) {
            // Redis's Lua never loads bytecode: the parser refuses its signature byte
            String id = name.startsWith("@") || name.startsWith("=") ? name.substring(1) : name;
            c.lua_pushstring(L, id + ":1: unexpected symbol near 'char(27)'");
            return 3; // LUA_ERRSYNTAX
        }
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        b.put(code, off, len).flip();
        return c.luaJ_loadbuffer(L, b, len, name);
    }

    /** Runs Lua source at start-up; a failure is a bug in Lodestone. */
    void run(String code, String name) {
        byte[] b = code.getBytes(StandardCharsets.ISO_8859_1);
        if (load(b, 0, b.length, name) != 0 || c.lua_pcall(L, 0, 0, 0) != 0) {
            throw new IllegalStateException("Lua start-up code " + name + " failed: " + c.lua_tostring(L, -1));
        }
    }

    @Override
    public void close() {
        lua.close();
    }
}
