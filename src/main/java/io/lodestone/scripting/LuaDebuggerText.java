package io.lodestone.scripting;

import io.lodestone.scripting.lib.CNumbers;
import io.lodestone.util.Numbers;
import io.lodestone.util.SplitArgs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Lua debugger's text, byte for byte as Redis 7.0's eval.c makes it: the client's commands read
 * as ldbReplParseCommand reads them, Lua values shown as ldbCatStackValue shows them, command replies
 * as ldbRedisProtocolToHuman shows them.
 */
final class LuaDebuggerText {
    /** LDB_MAX_VALUES_DEPTH: LUA_MINSTACK / 2. */
    private static final int MAX_VALUES_DEPTH = 10;

    private LuaDebuggerText() {
    }

    /** The help command's text. */
    static final String[] HELP = {
        "Redis Lua debugger help:",
        "[h]elp               Show this help.",
        "[s]tep               Run current line and stop again.",
        "[n]ext               Alias for step.",
        "[c]ontinue           Run till next breakpoint.",
        "[l]ist               List source code around current line.",
        "[l]ist [line]        List source code around [line].",
        "                     line = 0 means: current position.",
        "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
        "                     to show before/after [line].",
        "[w]hole              List all source code. Alias for 'list 1 1000000'.",
        "[p]rint              Show all the local variables.",
        "[p]rint <var>        Show the value of the specified variable.",
        "                     Can also show global vars KEYS and ARGV.",
        "[b]reak              Show all breakpoints.",
        "[b]reak <line>       Add a breakpoint to the specified line.",
        "[b]reak -<line>      Remove breakpoint from the specified line.",
        "[b]reak 0            Remove all breakpoints.",
        "[t]race              Show a backtrace.",
        "[e]val <code>        Execute some Lua code (in a different callframe).",
        "[r]edis <cmd>        Execute a Redis command.",
        "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
        "                     Specifying zero as <len> means unlimited.",
        "[a]bort              Stop the execution of the script. In sync",
        "                     mode dataset changes will be retained.",
        "",
        "Debugger functions you can call from Lua scripts:",
        "redis.debug()        Produce logs in the debugger console.",
        "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
        "                     next line of code."};

    /** A command read: its arguments and the bytes it took; no arguments when the protocol is broken. */
    record Parsed(byte[][] argv, int consumed) {
    }

    private static final Parsed PROTOCOL_ERROR = new Parsed(null, 0);

    /**
     * Redis's ldbReplParseCommand: one "*N" array of "$len" bulks (1 to 1024 of them, each of 1 to
     * 1024 bytes) at the start of {@code b}, found with C's string functions (which stop at a NUL
     * byte, and skip what comes before the '*'). Null when more bytes are needed.
     */
    static Parsed parseCommand(byte[] b) {
        if (b.length == 0) return null;
        int p = find(b, 0, (byte) '*', (byte) 0);
        if (p < 0) return PROTOCOL_ERROR;
        int eol = find(b, p, (byte) '\r', (byte) '\n');
        if (eol < 0) return null;
        int argc = Numbers.atoi(Arrays.copyOfRange(b, p + 1, eol));
        if (argc <= 0 || argc > 1024) return PROTOCOL_ERROR;
        p = eol + 2;
        byte[][] argv = new byte[argc][];
        for (int j = 0; j < argc; j++) {
            if (p >= b.length || b[p] == 0) return null;
            if (b[p] != '$') return PROTOCOL_ERROR;
            eol = find(b, p, (byte) '\r', (byte) '\n');
            if (eol < 0) return null;
            int slen = Numbers.atoi(Arrays.copyOfRange(b, p + 1, eol));
            if (slen <= 0 || slen > 1024) return PROTOCOL_ERROR;
            p = eol + 2;
            if (p + slen + 2 > b.length) return null;
            argv[j] = Arrays.copyOfRange(b, p, p + slen);
            p += slen;
            if (b[p] != '\r' || b[p + 1] != '\n') return PROTOCOL_ERROR;
            p += 2;
        }
        return new Parsed(argv, p);
    }

    /** strchr (second == 0) or strstr of the two bytes, from {@code from}, stopping at a NUL byte. */
    private static int find(byte[] b, int from, byte first, byte second) {
        for (int i = from; i < b.length && b[i] != 0; i++) {
            if (b[i] == first && (second == 0 || (i + 1 < b.length && b[i + 1] == second))) return i;
        }
        return -1;
    }

    /** Redis's ldbCatStackValueRec: the value at (absolute) {@code idx}, tables as Lua-like literals. */
    static void catValue(LuaVm vm, Bytes s, int idx, int level) {
        if (level++ == MAX_VALUES_DEPTH) {
            s.add("<max recursion level reached! Nested table?>");
            return;
        }
        long L = vm.L;
        int t = vm.type(idx);
        switch (t) {
            case LuaVm.TSTRING -> repr(s, vm.toBytes(idx));
            case LuaVm.TBOOLEAN -> s.add(vm.c.lua_toboolean(L, idx) != 0 ? "true" : "false");
            case LuaVm.TNUMBER -> s.add(CNumbers.formatG(vm.c.lua_tonumber(L, idx), 6));
            case LuaVm.TNIL -> s.add("nil");
            case LuaVm.TTABLE -> {
                vm.c.lua_checkstack(L, 4);
                int expected = 1;
                boolean isArray = true;
                Bytes array = new Bytes(), full = new Bytes();
                vm.c.lua_pushnil(L);
                while (vm.c.lua_next(L, idx) != 0) {
                    int value = vm.top(), key = value - 1;
                    if (isArray && (vm.type(key) != LuaVm.TNUMBER || vm.c.lua_tonumber(L, key) != expected)) isArray = false;
                    catValue(vm, array, value, level);
                    array.add("; ");
                    full.add("[");
                    catValue(vm, full, key, level);
                    full.add("]=");
                    catValue(vm, full, value, level);
                    full.add("; ");
                    vm.c.lua_pop(L, 1);
                    expected++;
                }
                Bytes chosen = isArray ? array : full;
                s.add("{").add(chosen.toByteArray(), Math.max(0, chosen.size() - 2)).add("}");
            }
            case LuaVm.TFUNCTION, 7, 8, LuaVm.TLIGHTUSERDATA -> {
                String type = t == LuaVm.TFUNCTION ? "function" : t == 7 ? "userdata" : t == 8 ? "thread" : "light-userdata";
                long p = vm.c.lua_topointer(L, idx);
                s.add("\"" + type + "@" + (p == 0 ? "(nil)" : "0x" + Long.toHexString(p)) + "\"");
            }
            default -> s.add("\"<unknown-lua-type>\"");
        }
    }

    /** sdscatrepr of the bytes: quoted, with C escapes and \xHH for other unprintable bytes. */
    static void repr(Bytes s, byte[] b) {
        s.add(SplitArgs.repr(new String(b, StandardCharsets.ISO_8859_1)));
    }

    /**
     * Redis's ldbRedisProtocolToHuman from {@code p}: returns where the reply ends. A type it does not
     * know (a RESP3 big number, verbatim string or attribute) adds nothing and is not skipped, as in Redis.
     */
    static int human(Bytes o, byte[] r, int p) {
        if (p >= r.length) return p;
        int cr = p + 1;
        while (cr < r.length && r[cr] != '\r') cr++;
        String head = new String(r, p + 1, cr - p - 1, StandardCharsets.ISO_8859_1);
        switch (r[p]) {
            case ':' -> {
                o.add(head);
                return cr + 2;
            }
            case '$' -> {
                int len = Integer.parseInt(head);
                if (len == -1) {
                    o.add("NULL");
                    return cr + 2;
                }
                repr(o, Arrays.copyOfRange(r, cr + 2, cr + 2 + len));
                return cr + 2 + len + 2;
            }
            case '+', '-' -> {
                repr(o, Arrays.copyOfRange(r, p, cr));
                return cr + 2;
            }
            case '*', '~', '%' -> {
                byte type = r[p];
                int n = Integer.parseInt(head);
                p = cr + 2;
                if (type == '*' && n == -1) {
                    o.add("NULL");
                    return p;
                }
                boolean map = type == '%', set = type == '~';
                o.add(map ? "{" : set ? "~(" : "[");
                for (int j = 0; j < n; j++) {
                    p = human(o, r, p);
                    if (map) {
                        o.add(" => ");
                        p = human(o, r, p);
                    }
                    if (j != n - 1) o.add(",");
                }
                o.add(map ? "}" : set ? ")" : "]");
                return p;
            }
            case '_' -> {
                o.add("(null)");
                return cr + 2;
            }
            case '#' -> {
                o.add(r[p + 1] == 't' ? "#true" : "#false");
                return cr + 2;
            }
            case ',' -> {
                o.add("(double) ").add(head);
                return cr + 2;
            }
            default -> {
                return p;
            }
        }
    }

    /** The bytes up to the first NUL (what C's string functions see). */
    static byte[] cString(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return Arrays.copyOf(b, i);
        return b;
    }

    /** A byte buffer that takes text (Latin-1) and bytes. */
    static final class Bytes extends ByteArrayOutputStream {
        Bytes add(String s) {
            writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Bytes add(byte[] b) {
            writeBytes(b);
            return this;
        }

        Bytes add(byte[] b, int len) {
            write(b, 0, len);
            return this;
        }
    }
}
