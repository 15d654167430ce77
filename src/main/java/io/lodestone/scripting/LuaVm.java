package io.lodestone.scripting;

import io.lodestone.scripting.lib.LuaStrings;
import party.iroiro.luajava.AbstractLua;
import party.iroiro.luajava.JFunction;
import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51;
import party.iroiro.luajava.lua51.Lua51Natives;

import java.nio.ByteBuffer;
import java.util.function.IntSupplier;
import java.nio.charset.StandardCharsets;

/**
 * One Lua 5.1 state and the raw C API over it, acting on the thread the running Java function was
 * called from. Strings go both ways as bytes through {@link LuaStrings} (luajava's own String
 * conversions use JNI's modified UTF-8).
 *
 * <p>Not thread-safe: used by the command thread only.
 */
final class LuaVm implements AutoCloseable {
    static final int REGISTRY = -10000;  // LUA_REGISTRYINDEX
    static final int GLOBALS = -10002;   // LUA_GLOBALSINDEX
    static final int TNIL = 0, TBOOLEAN = 1, TLIGHTUSERDATA = 2, TNUMBER = 3, TSTRING = 4, TTABLE = 5, TFUNCTION = 6;
    static final int MULTRET = -1;
    /** LUA_NOREF: no registry reference. */
    static final int NOREF = -2;

    final Lua51 lua;
    final Lua51Natives c;
    /** The main thread. */
    final long main;
    /** The thread the helpers act on: the main thread, or the coroutine a Java function was called from. */
    long L;
    private Lua thread;
    /** The Lua debugger's session on this state while one runs (SCRIPT DEBUG SYNC), else null. */
    LuaDebugger debugging;

    LuaVm() {
        lua = new Lua51();
        c = (Lua51Natives) lua.getLuaNatives();
        main = L = lua.getPointer();
        thread = lua;
        lua.openLibraries();
    }

    /** Makes the helpers act on the main thread (before a script is called from Java). */
    void onMainThread() {
        L = main;
        thread = lua;
    }

    /**
     * A Java function for Lua: {@code body} runs on the stack of the thread that called it and returns
     * how many results it pushed, or -1 to raise the value on top of the stack (what lua_error does
     * for a C function). A push that an error of a debug hook interrupted (a script kill) raises that error.
     */
    JFunction function(IntSupplier body) {
        return l -> {
            long previousL = L;
            Lua previousThread = thread;
            L = ((AbstractLua) l).getPointer();
            thread = l;
            try {
                return body.getAsInt();
            } catch (LuaStrings.Interrupted e) {
                return -1;
            } finally {
                L = previousL;
                thread = previousThread;
            }
        };
    }

    // ---- Strings ---------------------------------------------------------------------------------

    /** Pushes {@code len} bytes from {@code b[off]} as a Lua string. */
    void pushBytes(byte[] b, int off, int len) {
        LuaStrings.push(thread, b, off, len);
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
        return LuaStrings.copy(thread, idx);
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

    /** Pushes a Java function (see {@link #function}). */
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
