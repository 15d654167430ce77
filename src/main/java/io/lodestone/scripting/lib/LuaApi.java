package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import party.iroiro.luajava.JFunction;
import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * The part of Lua's C API (lua.h, lauxlib.h) that the libraries need and luajava does not offer
 * directly: strings as bytes both ways, errors raised the way {@code luaL_error} and
 * {@code luaL_argerror} raise them (with the caller's position and the function's name), and
 * the {@code luaL_check*} argument readers with their exact messages.
 *
 * <p>Java strings stand for Lua byte strings one char per byte (ISO-8859-1) wherever a text may
 * carry bytes of the script's data, such as struct's "invalid format option".
 */
final class LuaApi {

    static final int TNONE = -1;
    static final int TNIL = 0;
    static final int TBOOLEAN = 1;
    static final int TLIGHTUSERDATA = 2;
    static final int TNUMBER = 3;
    static final int TSTRING = 4;
    static final int TTABLE = 5;
    static final int TFUNCTION = 6;

    /** lua_typename's names, by type number (TNONE is handled apart). */
    private static final String[] TYPE_NAMES =
            {"nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"};

    /** Registry field holding the function that names the running library function for argument errors. */
    private static final String ARG_NAMER = "lodestone.lib.argnamer";

    private LuaApi() {
    }

    /** A library function's body; it raises Lua errors by throwing {@link LuaError}. */
    @FunctionalInterface
    interface Body {
        int call(Lua L, Lua51Natives C, long l);
    }

    /**
     * A Lua error raised by a library function, turned into the Lua error value when the function
     * returns to luajava: as luaL_error, the caller's position ({@code luaL_where(L, 1)}) comes first.
     */
    static final class LuaError extends RuntimeException {
        private enum Kind { ERROR, ARGUMENT, VM, RETHROW }

        private final Kind kind;
        private final int narg;

        private LuaError(Kind kind, String message, int narg) {
            super(message, null, false, false);
            this.kind = kind;
            this.narg = narg;
        }
    }

    /** luaL_error: the message after the caller's position. */
    static LuaError error(String message) {
        return new LuaError(LuaError.Kind.ERROR, message, 0);
    }

    /**
     * An error the VM itself raises inside a C function (such as lua_settable's "table index is
     * nil"): no position, because the running function is not Lua code.
     */
    static LuaError vmError(String message) {
        return new LuaError(LuaError.Kind.VM, message, 0);
    }

    /**
     * The key checks of lua_settable / lua_rawset on a table at index key-1: Java must not let the
     * VM raise them, since its error would unwind through the JNI frames.
     */
    static void checkKey(Lua51Natives C, long l, int key) {
        int t = C.lua_type(l, key);
        if (t == TNIL) {
            throw vmError("table index is nil");
        }
        if (t == TNUMBER && Double.isNaN(C.lua_tonumber(l, key))) {
            throw vmError("table index is NaN");
        }
    }

    /**
     * A Lua call made by a library function failed (a debug hook may raise errors anywhere, as a
     * script kill does): its error value is on top of the stack and is raised again unchanged.
     */
    static LuaError rethrow() {
        return new LuaError(LuaError.Kind.RETHROW, "error raised during a call from Java", 0);
    }

    /** luaL_argerror: "bad argument #n to 'name' (extramsg)". */
    static LuaError argError(int narg, String extramsg) {
        return new LuaError(LuaError.Kind.ARGUMENT, extramsg, narg);
    }

    /** luaL_typerror: "bad argument #n to 'name' (tname expected, got type)". */
    static LuaError typeError(Lua51Natives C, long l, int narg, String tname) {
        return argError(narg, tname + " expected, got " + typeName(C, l, narg));
    }

    /** luaL_typename: the type name of the value at idx, "no value" past the top. */
    static String typeName(Lua51Natives C, long l, int idx) {
        int t = C.lua_type(l, idx);
        return t == TNONE ? "no value" : TYPE_NAMES[t];
    }

    /** lua_typename of a type number. */
    static String typeName(int type) {
        return type == TNONE ? "no value" : TYPE_NAMES[type];
    }

    /** Sets field {@code name} of the table on top of the stack to the function. */
    static void setFunction(Lua L, String name, Body body) {
        L.push(function(body));
        L.setField(-2, name);
    }

    static JFunction function(Body body) {
        return L -> {
            Lua51Natives C = (Lua51Natives) L.getLuaNatives();
            long l = L.getPointer();
            try {
                return body.call(L, C, l);
            } catch (LuaError e) {
                pushError(L, C, l, e);
                return -1;
            }
        };
    }

    /** Leaves the error value on top of the stack, for luajava to raise when the function returns -1. */
    private static void pushError(Lua L, Lua51Natives C, long l, LuaError e) {
        // Room for the position, the message and the namer's call; Lua keeps spare slots for
        // errors (EXTRA_STACK) should even this fail at the limit.
        checkStack(C, l, 3);
        try {
            String message = e.getMessage();
            switch (e.kind) {
                case RETHROW -> {
                    return;
                }
                case VM -> {
                    pushLatin1(L, message);
                    return;
                }
                case ARGUMENT -> message = argMessage(L, C, l, e.narg, message);
                case ERROR -> { }
            }
            C.luaL_where(l, 1);
            pushLatin1(L, message);
            C.lua_concat(l, 2);
        } catch (LuaError interrupted) {
            // A call made to build the message failed; its error is on top and wins.
        }
    }

    /**
     * luaL_argerror's text. It names the function as its caller did (lua_getinfo "n"); luajava has no
     * lua_getinfo, so a small Lua function holding debug.getinfo, installed by {@link #install},
     * looks at the frame of the running library function.
     */
    private static String argMessage(Lua L, Lua51Natives C, long l, int narg, String extramsg) {
        String name = null;
        String namewhat = "";
        C.lua_getfield(l, C.getRegistryIndex(), ARG_NAMER);
        if (C.lua_type(l, -1) == TFUNCTION) {
            if (C.lua_pcall(l, 0, 2, 0) != 0) {
                throw rethrow();
            }
            if (C.lua_type(l, -2) == TSTRING) {
                name = latin1(L, -2);
            }
            if (C.lua_type(l, -1) == TSTRING) {
                namewhat = latin1(L, -1);
            }
        }
        C.lua_settop(l, -3);
        if (namewhat.equals("method")) {
            narg--;
            if (narg == 0) {
                return "calling '" + name + "' on bad self (" + extramsg + ")";
            }
        }
        return "bad argument #" + narg + " to '" + (name == null ? "?" : name) + "' (" + extramsg + ")";
    }

    /**
     * Prepares a state for the libraries: keeps debug.getinfo where argument errors can reach it,
     * opening the debug library only for that if the state does not have it.
     */
    static void install(Lua L) {
        Lua51Natives C = (Lua51Natives) L.getLuaNatives();
        long l = L.getPointer();
        C.lua_getfield(l, C.getRegistryIndex(), ARG_NAMER);
        boolean installed = C.lua_type(l, -1) != TNIL;
        C.lua_settop(l, -2);
        if (installed) {
            return;
        }
        L.getGlobal("debug");
        boolean hadDebug = L.isTable(-1);
        L.pop(1);
        if (!hadDebug) {
            L.openLibrary("debug");
        }
        // Level 2 is the library function: 0 is getinfo, 1 this function, which the library function pcalls.
        L.run("local getinfo = debug.getinfo\n"
                + "return function() local ar = getinfo(2, 'n') if ar then return ar.name, ar.namewhat end end");
        C.lua_setfield(l, C.getRegistryIndex(), ARG_NAMER);
        if (!hadDebug) {
            L.pushNil();
            L.setGlobal("debug");
        }
        checkChunkFormat(L, C, l);
    }

    /**
     * The precompiled chunks of {@link #pushBytes} are laid out for a 64-bit little-endian Lua; a
     * different build refuses them, which is better found when the libraries open.
     */
    private static void checkChunkFormat(Lua L, Lua51Natives C, long l) {
        byte[] probe = {(byte) 0xff, 0, 'x'};
        try {
            pushBytes(L, probe, 0, probe.length);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("this Lua build does not load 64-bit little-endian chunks", e);
        }
        ByteBuffer b = bytes(C, l, -1);
        boolean same = b != null && b.remaining() == probe.length && b.get(0) == probe[0] && b.get(1) == 0
                && b.get(2) == 'x';
        C.lua_settop(l, -2);
        if (!same) {
            throw new IllegalStateException("binary strings do not reach this Lua build unchanged");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Strings as bytes

    /**
     * The bytes of the string at idx, as a read-only view of Lua's own memory (valid while the
     * string stays on the stack); a number there is converted in place, as lua_tolstring does.
     * Null when the value is neither.
     */
    static ByteBuffer bytes(Lua51Natives C, long l, int idx) {
        int t = C.lua_type(l, idx);
        if (t != TSTRING && t != TNUMBER) {
            return null;
        }
        ByteBuffer b = (ByteBuffer) C.luaJ_todirectbuffer(l, idx);
        return b == null ? ByteBuffer.allocate(0) : b;
    }

    /** luaL_checklstring. */
    static ByteBuffer checkBytes(Lua51Natives C, long l, int narg) {
        ByteBuffer b = bytes(C, l, narg);
        if (b == null) {
            throw typeError(C, l, narg, "string");
        }
        return b;
    }

    static String latin1(Lua L, int idx) {
        ByteBuffer b = bytes((Lua51Natives) L.getLuaNatives(), L.getPointer(), idx);
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.get(b.position(), a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    static void pushLatin1(Lua L, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        pushBytes(L, b, 0, b.length);
    }

    /**
     * lua_pushlstring. luajava pushes Java Strings through JNI's modified UTF-8, which is not binary
     * safe, and has no pushlstring; so beyond short ASCII, the bytes travel as the one constant of a
     * precompiled Lua 5.1 chunk (a function that returns it), which the VM loads and calls. That
     * call can only fail by a debug hook's error, which {@link #rethrow} carries.
     */
    static void pushBytes(Lua L, byte[] b, int off, int len) {
        if (len <= SHORT_ASCII && plainAscii(b, off, len)) {
            ((Lua51Natives) L.getLuaNatives()).lua_pushstring(L.getPointer(),
                    new String(b, off, len, StandardCharsets.ISO_8859_1));
            return;
        }
        loadConstant(L, chunk(len).put(b, off, len));
    }

    /** lua_pushlstring of len bytes of s from off (absolute), such as a slice of another Lua string. */
    static void pushBytes(Lua L, ByteBuffer s, int off, int len) {
        loadConstant(L, chunk(len).put(s.slice(off, len)));
    }

    /** A chunk buffer with the prefix written, ready for len bytes of the constant. */
    private static ByteBuffer chunk(int len) {
        return chunkBuffer(CHUNK_PREFIX.length + 8 + len + 1 + CHUNK_SUFFIX.length)
                .put(CHUNK_PREFIX).putLong(len + 1L);
    }

    private static void loadConstant(Lua L, ByteBuffer chunk) {
        Lua51Natives C = (Lua51Natives) L.getLuaNatives();
        long l = L.getPointer();
        chunk.put((byte) 0).put(CHUNK_SUFFIX);
        if (C.luaJ_loadbuffer(l, chunk, chunk.position(), "=bytes") != 0) {
            throw new IllegalStateException("cannot push a string: " + L.toString(-1));
        }
        if (C.lua_pcall(l, 0, 1, 0) != 0) {
            throw rethrow();
        }
    }

    private static final int SHORT_ASCII = 64;

    private static boolean plainAscii(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] <= 0) {
                return false;
            }
        }
        return true;
    }

    /*
     * The chunk, as lundump.c reads it on a 64-bit little-endian host: the header, then one function
     * (no source name, no parameters, stack of 2) whose code is LOADK 0 0; RETURN 0 2, whose one
     * constant is the string (type 4, size_t length counting a trailing NUL, the bytes, NUL), with
     * no nested functions and no debug information.
     */
    private static final byte[] CHUNK_PREFIX;
    private static final byte[] CHUNK_SUFFIX = new byte[16];

    static {
        ByteBuffer p = ByteBuffer.allocate(12 + 8 + 4 + 4 + 4 + 4 + 8 + 4 + 1).order(ByteOrder.LITTLE_ENDIAN);
        p.put(new byte[] {0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 8, 4, 8, 0});
        p.putLong(0);                 // source: none
        p.putInt(0).putInt(0);        // linedefined, lastlinedefined
        p.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 2); // nups, numparams, is_vararg, maxstacksize
        p.putInt(2);                  // code size
        p.putInt(1);                  // LOADK A=0 Bx=0
        p.putInt(30 | (2 << 23));     // RETURN A=0 B=2
        p.putInt(1);                  // one constant
        p.put((byte) TSTRING);
        CHUNK_PREFIX = p.array();
        // CHUNK_SUFFIX, four zero counts: no nested functions, no line info, no locals, no upvalue names.
    }

    private static final ThreadLocal<ByteBuffer> CHUNKS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN));

    /** Chunks up to this size reuse the thread's buffer; bigger ones get their own. */
    private static final int CACHED_CHUNK = 1 << 20;

    private static ByteBuffer chunkBuffer(int size) {
        ByteBuffer b = CHUNKS.get();
        if (b.capacity() < size) {
            if (size > CACHED_CHUNK) {
                return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
            }
            b = ByteBuffer.allocateDirect(Math.max(size, Math.min(CACHED_CHUNK, b.capacity() * 2)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            CHUNKS.set(b);
        }
        b.clear();
        return b;
    }

    // ----------------------------------------------------------------------------------------------
    // Argument readers (lauxlib.c)

    /** luaL_checknumber. */
    static double checkNumber(Lua51Natives C, long l, int narg) {
        double d = C.lua_tonumber(l, narg);
        if (d == 0 && C.lua_isnumber(l, narg) == 0) {
            throw typeError(C, l, narg, "number");
        }
        return d;
    }

    /** luaL_checkinteger: lua_tointeger's conversion of a double to a 64-bit integer. */
    static long checkInteger(Lua51Natives C, long l, int narg) {
        return CNumbers.toLong(checkNumber(C, l, narg));
    }

    /** luaL_optinteger. */
    static long optInteger(Lua51Natives C, long l, int narg, long def) {
        return C.lua_type(l, narg) <= TNIL ? def : checkInteger(C, l, narg);
    }

    /** luaL_checkoption with no default: the index of the argument's string in options. */
    static int checkOption(Lua L, Lua51Natives C, long l, int narg, String... options) {
        if (bytes(C, l, narg) == null) {
            throw typeError(C, l, narg, "string");
        }
        String name = latin1(L, narg);
        // A C string: whatever follows a NUL is not part of the option.
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            name = name.substring(0, nul);
        }
        for (int i = 0; i < options.length; i++) {
            if (options[i].equals(name)) {
                return i;
            }
        }
        throw argError(narg, "invalid option '" + name + "'");
    }

    /**
     * lua_checkstack: makes room for n more values, false past Lua's limit (LUAI_MAXCSTACK values
     * in this C function's frame). A C function may only push LUA_MINSTACK (20) values without it;
     * pushing more writes past the stack.
     */
    static boolean checkStack(Lua51Natives C, long l, int n) {
        return C.lua_checkstack(l, n) != 0;
    }

    /** cjson.null and JSON null: lightuserdata NULL. */
    static void pushNull(Lua51Natives C, long l) {
        C.lua_pushlightuserdata(l, 0);
    }

    static boolean isNull(Lua51Natives C, long l, int idx) {
        return C.lua_type(l, idx) == TLIGHTUSERDATA && C.lua_touserdata(l, idx) == 0;
    }
}
