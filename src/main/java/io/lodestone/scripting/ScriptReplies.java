package io.lodestone.scripting;

import io.lodestone.command.Args;
import io.lodestone.protocol.Reply;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Redis 7.0's conversions between command replies and Lua values (script_lua.c): a reply a script's
 * {@code redis.call} got becomes a Lua value (redisProtocolToLuaType), and the value a script returns
 * becomes the caller's reply (luaReplyToRedisReply).
 *
 * <p>Replies are parsed from the RESP bytes the command wrote, as Redis does: commands need no second
 * way of answering. The parser trusts its input, which Lodestone itself wrote.
 */
final class ScriptReplies {
    private ScriptReplies() {
    }

    // ---- Command reply -> Lua ----------------------------------------------------------------------

    /** Pushes the one reply in {@code in} (from its reader index) as a Lua value. */
    static void push(LuaVm vm, ByteBuf in) {
        vm.c.lua_checkstack(vm.L, 4);
        byte type = in.readByte();
        switch (type) {
            case ':' -> vm.c.lua_pushnumber(vm.L, (double) Long.parseLong(line(in)));
            case '$' -> {
                int n = Integer.parseInt(line(in));
                if (n < 0) {
                    vm.c.lua_pushboolean(vm.L, 0);
                } else {
                    pushRange(vm, in, n);
                    in.skipBytes(2);
                }
            }
            case '+' -> {
                vm.c.lua_createtable(vm.L, 0, 1);
                byte[] s = lineBytes(in);
                vm.pushBytes(s);
                vm.setField(-2, "ok");
            }
            case '-' -> {
                byte[] line = lineBytes(in);
                byte[] dashed = new byte[line.length + 1];
                dashed[0] = '-';
                System.arraycopy(line, 0, dashed, 1, line.length);
                pushError(vm, dashed, true);
            }
            case '*' -> {
                int n = Integer.parseInt(line(in));
                if (n < 0) {
                    vm.c.lua_pushboolean(vm.L, 0);
                    return;
                }
                vm.c.lua_createtable(vm.L, n, 0);
                for (int i = 1; i <= n; i++) {
                    push(vm, in);
                    vm.c.lua_rawseti(vm.L, -2, i);
                }
            }
            case '%' -> {
                int n = Integer.parseInt(line(in));
                vm.c.lua_createtable(vm.L, 0, 1);
                vm.c.lua_createtable(vm.L, 0, n);
                for (int i = 0; i < n; i++) {
                    push(vm, in);
                    push(vm, in);
                    vm.c.lua_rawset(vm.L, -3);
                }
                vm.setField(-2, "map");
            }
            case '~' -> {
                int n = Integer.parseInt(line(in));
                vm.c.lua_createtable(vm.L, 0, 1);
                vm.c.lua_createtable(vm.L, 0, n);
                for (int i = 0; i < n; i++) {
                    push(vm, in);
                    vm.c.lua_pushboolean(vm.L, 1);
                    vm.c.lua_rawset(vm.L, -3);
                }
                vm.setField(-2, "set");
            }
            case '_' -> {
                in.skipBytes(2);
                vm.c.lua_pushnil(vm.L);
            }
            case '#' -> {
                boolean t = in.readByte() == 't';
                in.skipBytes(2);
                vm.c.lua_pushboolean(vm.L, t ? 1 : 0);
            }
            case ',' -> {
                String d = line(in);
                vm.c.lua_createtable(vm.L, 0, 1);
                vm.c.lua_pushnumber(vm.L, parseDouble(d));
                vm.setField(-2, "double");
            }
            case '(' -> {
                byte[] digits = lineBytes(in);
                vm.c.lua_createtable(vm.L, 0, 1);
                vm.pushBytes(digits);
                vm.setField(-2, "big_number");
            }
            case '=' -> {
                int n = Integer.parseInt(line(in));
                byte[] format = new byte[3];
                in.readBytes(format);
                in.skipBytes(1); // ':'
                vm.c.lua_createtable(vm.L, 0, 1);
                vm.c.lua_createtable(vm.L, 0, 2);
                pushRange(vm, in, n - 4);
                vm.setField(-2, "string");
                vm.pushBytes(format);
                vm.setField(-2, "format");
                vm.setField(-2, "verbatim_string");
                in.skipBytes(2);
            }
            case '|' -> { // attributes are not shown to scripts: skipped, then the reply itself
                int n = Integer.parseInt(line(in));
                int top = vm.top();
                for (int i = 0; i < 2 * n; i++) push(vm, in);
                vm.setTop(top);
                push(vm, in);
            }
            default -> throw new IllegalStateException("unexpected reply type '" + (char) type + "'");
        }
    }

    private static void pushRange(LuaVm vm, ByteBuf in, int n) {
        byte[] b = new byte[n];
        in.readBytes(b);
        vm.pushBytes(b);
    }

    private static double parseDouble(String d) {
        return switch (d) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan", "-nan" -> Double.NaN;
            default -> Double.parseDouble(d);
        };
    }

    private static String line(ByteBuf in) {
        return new String(lineBytes(in), StandardCharsets.ISO_8859_1);
    }

    private static byte[] lineBytes(ByteBuf in) {
        int cr = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
        byte[] b = new byte[cr - in.readerIndex()];
        in.readBytes(b);
        in.skipBytes(2);
        return b;
    }

    /**
     * Redis's luaPushErrorBuff: a table {@code {err = "CODE message"}}. An error as a command replied
     * it ("-CODE message") keeps its code; a bare message gets ERR. {@code fromCommand} marks errors
     * already counted in the error statistics when the command replied them.
     */
    static void pushError(LuaVm vm, byte[] error, boolean fromCommand) {
        if (vm.debugging != null) vm.debugging.logError(error);
        String text = Args.cString(error);
        String code;
        String msg;
        if (text.startsWith("-")) {
            int space = text.indexOf(' ');
            code = space < 0 ? "ERR" : text.substring(1, space);
            msg = space < 0 ? text.substring(1) : text.substring(space + 1);
        } else {
            code = "ERR";
            msg = text;
        }
        msg = trim(msg);
        vm.c.lua_createtable(vm.L, 0, 2);
        pushText(vm, code + " " + msg);
        vm.setField(-2, "err");
        if (fromCommand) {
            vm.c.lua_pushboolean(vm.L, 1);
            vm.setField(-2, "ignore_error_stats_update");
        }
    }

    static void pushError(LuaVm vm, String message) {
        pushError(vm, message.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    /** sdstrim(msg, "\r\n"): CR and LF off both ends. */
    private static String trim(String s) {
        int a = 0, b = s.length();
        while (a < b && (s.charAt(a) == '\r' || s.charAt(a) == '\n')) a++;
        while (b > a && (s.charAt(b - 1) == '\r' || s.charAt(b - 1) == '\n')) b--;
        return s.substring(a, b);
    }

    /** Pushes Lodestone's raw-byte text (chars 0xDC80.. stand for bytes 0x80..) as the bytes it stands for. */
    static void pushText(LuaVm vm, String s) {
        byte[] b = new byte[s.length()];
        boolean ascii = true;
        for (int i = 0; i < b.length; i++) {
            char ch = s.charAt(i);
            if (ch >= 0xDC80 && ch <= 0xDCFF) {
                b[i] = (byte) (ch - 0xDC00);
                ascii = false;
            } else if (ch < 0x80) {
                b[i] = (byte) ch;
            } else {
                // other text (never in replies Lodestone writes): its UTF-8 bytes
                vm.pushBytes(s.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        if (ascii) vm.pushAscii(s);
        else vm.pushBytes(b);
    }

    // ---- Lua value -> caller's reply ----------------------------------------------------------------

    /** What a script's error table says (luaExtractErrorInformation). */
    record ErrorInfo(String msg, String source, String line, boolean ignoreStats) {
    }

    /**
     * Reads the error value at the top of the stack (not popped): a table with err/source/line/
     * ignore_error_stats_update fields, or a plain string ("ERR " is put before it).
     */
    static ErrorInfo errorInfo(LuaVm vm) {
        String msg = null;
        if (vm.type(-1) == LuaVm.TSTRING || vm.type(-1) == LuaVm.TNUMBER) msg = "ERR " + vm.toCString(-1);
        if (vm.type(-1) != LuaVm.TTABLE) return new ErrorInfo(msg, null, null, false);
        String source = null, line = null;
        boolean ignore = false;
        rawField(vm, -1, "err");
        if (isString(vm, -1)) msg = vm.toCString(-1);
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "source");
        if (isString(vm, -1)) source = vm.toCString(-1);
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "line");
        if (isString(vm, -1)) line = vm.toCString(-1);
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "ignore_error_stats_update");
        if (vm.type(-1) == LuaVm.TBOOLEAN) ignore = vm.c.lua_toboolean(vm.L, -1) != 0;
        vm.c.lua_pop(vm.L, 1);
        return new ErrorInfo(msg, source, line, ignore);
    }

    /**
     * Pushes {@code t[name]} of the table at {@code idx} without metamethods, as Redis 7.0 reads a
     * script's result: a Lua error raised here, outside any protected call, would abort the process.
     */
    private static void rawField(LuaVm vm, int idx, String name) {
        vm.pushAscii(name);
        vm.c.lua_rawget(vm.L, idx < 0 ? idx - 1 : idx);
    }

    private static boolean isString(LuaVm vm, int idx) {
        int t = vm.type(idx);
        return t == LuaVm.TSTRING || t == LuaVm.TNUMBER;
    }

    /**
     * Writes the value at the top of the stack to {@code out} and pops it. {@code scriptResp} is the
     * protocol the script chose with redis.setresp: with 2, false is a null and true is 1.
     */
    static void write(LuaVm vm, Reply out, int scriptResp, ErrorSink errors) {
        if (vm.c.lua_checkstack(vm.L, 4) == 0) {
            out.error("ERR reached lua stack limit");
            vm.c.lua_pop(vm.L, 1);
            return;
        }
        switch (vm.type(-1)) {
            case LuaVm.TSTRING -> out.bulk(vm.toBytes(-1));
            case LuaVm.TBOOLEAN -> {
                boolean b = vm.c.lua_toboolean(vm.L, -1) != 0;
                if (scriptResp == 2) {
                    if (b) out.integer(1);
                    else out.nullBulk();
                } else {
                    out.bool(b);
                }
            }
            case LuaVm.TNUMBER -> out.integer(toLongLong(vm.c.lua_tonumber(vm.L, -1)));
            case LuaVm.TTABLE -> {
                writeTable(vm, out, scriptResp, errors);
                return; // writeTable pops
            }
            default -> out.nullBulk();
        }
        vm.c.lua_pop(vm.L, 1);
    }

    /**
     * C's (long long) cast of a double as x86-64 does it: truncation, and the "integer indefinite"
     * value (the smallest long) for NaN and whatever is out of range, where Java would saturate.
     */
    static long toLongLong(double d) {
        return d >= -0x1p63 && d < 0x1p63 ? (long) d : Long.MIN_VALUE;
    }

    /** Receives an error a script returned, for the caller's reply and the error statistics. */
    interface ErrorSink {
        void error(Reply out, String message, boolean ignoreStats);
    }

    private static void writeTable(LuaVm vm, Reply out, int scriptResp, ErrorSink errors) {
        rawField(vm, -1, "err");
        if (vm.type(-1) == LuaVm.TSTRING) {
            vm.c.lua_pop(vm.L, 1);
            ErrorInfo info = errorInfo(vm);
            errors.error(out, info.msg(), info.ignoreStats());
            vm.c.lua_pop(vm.L, 1);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "ok");
        if (vm.type(-1) == LuaVm.TSTRING) {
            String ok = vm.toCString(-1).replace('\r', ' ').replace('\n', ' ');
            out.raw(statusBytes(ok));
            vm.c.lua_pop(vm.L, 2);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "double");
        if (vm.type(-1) == LuaVm.TNUMBER) {
            out.doubleValue(vm.c.lua_tonumber(vm.L, -1));
            vm.c.lua_pop(vm.L, 2);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "big_number");
        if (vm.type(-1) == LuaVm.TSTRING) {
            byte[] n = vm.toBytes(-1);
            for (int i = 0; i < n.length; i++) if (n[i] == '\r' || n[i] == '\n') n[i] = ' ';
            if (out.protocol() == 3) {
                out.raw(concat(new byte[] {'('}, n, CRLF));
            } else {
                out.bulk(n);
            }
            vm.c.lua_pop(vm.L, 2);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "verbatim_string");
        if (vm.type(-1) == LuaVm.TTABLE) {
            rawField(vm, -1, "format");
            if (vm.type(-1) == LuaVm.TSTRING) {
                byte[] format = vm.toBytes(-1);
                rawField(vm, -2, "string");
                if (vm.type(-1) == LuaVm.TSTRING) {
                    byte[] s = vm.toBytes(-1);
                    if (out.protocol() == 3) {
                        byte[] fmt = java.util.Arrays.copyOf(format, 3);
                        out.raw(concat(("=" + (s.length + 4) + "\r\n").getBytes(StandardCharsets.US_ASCII),
                                fmt, new byte[] {':'}, s, CRLF));
                    } else {
                        out.bulk(s);
                    }
                    vm.c.lua_pop(vm.L, 4);
                    return;
                }
                vm.c.lua_pop(vm.L, 1);
            }
            vm.c.lua_pop(vm.L, 1);
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "map");
        if (vm.type(-1) == LuaVm.TTABLE) {
            out.map(entries(vm));
            vm.c.lua_pushnil(vm.L);
            while (vm.c.lua_next(vm.L, -2) != 0) {
                vm.c.lua_pushvalue(vm.L, -2);
                write(vm, out, scriptResp, errors); // the key
                write(vm, out, scriptResp, errors); // the value
            }
            vm.c.lua_pop(vm.L, 2);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        rawField(vm, -1, "set");
        if (vm.type(-1) == LuaVm.TTABLE) {
            out.set(entries(vm));
            vm.c.lua_pushnil(vm.L);
            while (vm.c.lua_next(vm.L, -2) != 0) {
                vm.c.lua_pop(vm.L, 1);
                vm.c.lua_pushvalue(vm.L, -1);
                write(vm, out, scriptResp, errors);
            }
            vm.c.lua_pop(vm.L, 2);
            return;
        }
        vm.c.lua_pop(vm.L, 1);
        // An array: elements 1, 2, ... up to the first nil.
        int n = 0;
        while (true) {
            vm.c.lua_rawgeti(vm.L, -1, n + 1);
            boolean nil = vm.type(-1) == LuaVm.TNIL;
            vm.c.lua_pop(vm.L, 1);
            if (nil) break;
            n++;
        }
        out.array(n);
        for (int i = 1; i <= n; i++) {
            vm.c.lua_rawgeti(vm.L, -1, i);
            write(vm, out, scriptResp, errors);
        }
        vm.c.lua_pop(vm.L, 1);
    }

    /** The number of entries of the table at the top of the stack (a map's pairs, a set's members). */
    private static int entries(LuaVm vm) {
        int n = 0;
        vm.c.lua_pushnil(vm.L);
        while (vm.c.lua_next(vm.L, -2) != 0) {
            n++;
            vm.c.lua_pop(vm.L, 1);
        }
        return n;
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private static byte[] statusBytes(String ok) {
        byte[] b = new byte[ok.length() + 3];
        b[0] = '+';
        for (int i = 0; i < ok.length(); i++) {
            char ch = ok.charAt(i);
            b[i + 1] = (byte) (ch >= 0xDC80 && ch <= 0xDCFF ? ch - 0xDC00 : ch);
        }
        b[b.length - 2] = '\r';
        b[b.length - 1] = '\n';
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
