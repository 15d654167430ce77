package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * Lua CJSON 2.1.0 ({@code cjson}) with Redis 7.0's changes: the module table, its configuration
 * functions and the encoder; {@link CJsonDecoder} decodes.
 *
 * <p>Each module table (the global one, and each {@code cjson.new()}) has its own configuration,
 * shared by its functions as the C closures share their config upvalue. Encoding follows the C
 * code: numbers with {@code %.14g} (encode_number_precision), strings with cjson's escapes
 * (including {@code \/} and {@code \u007f}), tables as arrays when every key is a positive
 * integer and the array is not too sparse, else as objects whose number keys become strings.
 */
public final class CJson {

    private CJson() {
    }

    /** json_config_t, with cjson's defaults (Redis raised both depths to 1000). */
    static final class Config {
        boolean encodeSparseConvert = false;
        int encodeSparseRatio = 2;
        int encodeSparseSafe = 10;
        int encodeMaxDepth = 1000;
        /** 0 refuses NaN and Inf, 1 writes them ("nan", "inf"), 2 writes null. */
        int encodeInvalidNumbers = 0;
        int encodeNumberPrecision = 14;
        boolean encodeKeepBuffer = true;
        boolean decodeInvalidNumbers = true;
        int decodeMaxDepth = 1000;
    }

    public static void open(Lua L) {
        LuaApi.install(L);
        pushModule(L);
        L.setGlobal("cjson");
    }

    /** lua_cjson_new: a module table with a fresh configuration. */
    private static void pushModule(Lua L) {
        Config cfg = new Config();
        L.newTable();
        LuaApi.setFunction(L, "encode", (lua, C, l) -> encode(lua, C, l, cfg));
        LuaApi.setFunction(L, "decode", (lua, C, l) -> CJsonDecoder.decode(lua, C, l, cfg));
        LuaApi.setFunction(L, "encode_sparse_array", (lua, C, l) -> {
            argInit(C, l, 3);
            cfg.encodeSparseConvert = enumOption(lua, C, l, 1, cfg.encodeSparseConvert ? 1 : 0, null) == 1;
            cfg.encodeSparseRatio = integerOption(C, l, 2, cfg.encodeSparseRatio, 0, Integer.MAX_VALUE);
            cfg.encodeSparseSafe = integerOption(C, l, 3, cfg.encodeSparseSafe, 0, Integer.MAX_VALUE);
            return 3;
        });
        LuaApi.setFunction(L, "encode_max_depth", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.encodeMaxDepth = integerOption(C, l, 1, cfg.encodeMaxDepth, 1, Integer.MAX_VALUE);
            return 1;
        });
        LuaApi.setFunction(L, "decode_max_depth", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.decodeMaxDepth = integerOption(C, l, 1, cfg.decodeMaxDepth, 1, Integer.MAX_VALUE);
            return 1;
        });
        LuaApi.setFunction(L, "encode_number_precision", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.encodeNumberPrecision = integerOption(C, l, 1, cfg.encodeNumberPrecision, 1, 14);
            return 1;
        });
        // The buffer it keeps is C's business; the setting is still read and reported.
        LuaApi.setFunction(L, "encode_keep_buffer", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.encodeKeepBuffer = enumOption(lua, C, l, 1, cfg.encodeKeepBuffer ? 1 : 0, null) == 1;
            return 1;
        });
        LuaApi.setFunction(L, "encode_invalid_numbers", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.encodeInvalidNumbers = enumOption(lua, C, l, 1, cfg.encodeInvalidNumbers, "off", "on", "null");
            return 1;
        });
        LuaApi.setFunction(L, "decode_invalid_numbers", (lua, C, l) -> {
            argInit(C, l, 1);
            cfg.decodeInvalidNumbers = enumOption(lua, C, l, 1, cfg.decodeInvalidNumbers ? 1 : 0, null) == 1;
            return 1;
        });
        LuaApi.setFunction(L, "new", (lua, C, l) -> {
            pushModule(lua);
            return 1;
        });
        LuaApi.pushNull((Lua51Natives) L.getLuaNatives(), L.getPointer());
        L.setField(-2, "null");
        L.push("cjson");
        L.setField(-2, "_NAME");
        L.push("2.1.0");
        L.setField(-2, "_VERSION");
    }

    // ----------------------------------------------------------------------------------------------
    // Configuration arguments

    /** json_arg_init: at most args arguments, padded with nils. */
    private static void argInit(Lua51Natives C, long l, int args) {
        if (C.lua_gettop(l) > args) {
            throw LuaApi.argError(args + 1, "found too many arguments");
        }
        C.lua_settop(l, args);
    }

    /** json_integer_option: sets from a non-nil argument within [min, max], pushes the value. */
    private static int integerOption(Lua51Natives C, long l, int idx, int setting, int min, int max) {
        if (C.lua_type(l, idx) != LuaApi.TNIL) {
            int value = (int) LuaApi.checkInteger(C, l, idx);
            // cjson checks the range against argument 1 whatever the argument's position.
            if (value < min || value > max) {
                throw LuaApi.argError(1, "expected integer between " + min + " and " + max);
            }
            setting = value;
        }
        C.lua_pushinteger(l, setting);
        return setting;
    }

    /**
     * json_enum_option: a boolean (true is option 1) or one of the option names ("off"/"on" when
     * none are given) sets it; pushes a boolean for settings 0 and 1, else the option's name.
     */
    private static int enumOption(Lua L, Lua51Natives C, long l, int idx, int setting, String... options) {
        if (options == null) {
            options = new String[] {"off", "on"};
        }
        if (C.lua_type(l, idx) != LuaApi.TNIL) {
            if (C.lua_type(l, idx) == LuaApi.TBOOLEAN) {
                setting = C.lua_toboolean(l, idx);
            } else {
                setting = LuaApi.checkOption(L, C, l, idx, options);
            }
        }
        if (setting == 0 || setting == 1) {
            C.lua_pushboolean(l, setting);
        } else {
            C.lua_pushstring(l, options[setting]);
        }
        return setting;
    }

    // ----------------------------------------------------------------------------------------------
    // Encoding

    /** cjson's escapes for each byte; null where the byte stands for itself. */
    private static final byte[][] ESCAPES = new byte[256][];

    static {
        for (int c = 0; c < 32; c++) {
            ESCAPES[c] = String.format("\\u%04x", c).getBytes(StandardCharsets.US_ASCII);
        }
        ESCAPES['\b'] = "\\b".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['\t'] = "\\t".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['\n'] = "\\n".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['\f'] = "\\f".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['\r'] = "\\r".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['"'] = "\\\"".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['/'] = "\\/".getBytes(StandardCharsets.US_ASCII);
        ESCAPES['\\'] = "\\\\".getBytes(StandardCharsets.US_ASCII);
        ESCAPES[127] = "\\u007f".getBytes(StandardCharsets.US_ASCII);
    }

    private static int encode(Lua L, Lua51Natives C, long l, Config cfg) {
        if (C.lua_gettop(l) != 1) {
            throw LuaApi.argError(1, "expected 1 argument");
        }
        LuaBuffer out = new LuaBuffer(256);
        appendData(C, l, cfg, out);
        out.push(L);
        return 1;
    }

    /**
     * A table being written. The C code recurses per nested table, which the Lua stack lets go
     * about 8000 levels deep once encode_max_depth is raised, too deep for a Java thread's stack;
     * so the nesting is kept here, and the Lua stack holds what the C code's frames would.
     */
    private static final class Open {
        final boolean array;
        final int length;
        int next = 1;
        /** An element or value of this table is on top of the stack, to be popped. */
        boolean started;

        Open(boolean array, int length) {
            this.array = array;
            this.length = length;
        }
    }

    /** json_append_data: the value on top of the stack, and all it holds. */
    private static void appendData(Lua51Natives C, long l, Config cfg, LuaBuffer out) {
        ArrayDeque<Open> open = new ArrayDeque<>();
        int depth = 0;
        while (true) {
            int t = C.lua_type(l, -1);
            switch (t) {
                case LuaApi.TSTRING -> appendString(LuaApi.bytes(C, l, -1), out);
                case LuaApi.TNUMBER -> appendNumber(C, l, cfg, -1, out);
                case LuaApi.TBOOLEAN -> out.addAscii(C.lua_toboolean(l, -1) != 0 ? "true" : "false");
                case LuaApi.TTABLE -> {
                    depth++;
                    // json_check_encode_depth also needs 3 free stack slots (table, key, value).
                    if (depth > cfg.encodeMaxDepth || !LuaApi.checkStack(C, l, 3)) {
                        throw LuaApi.error("Cannot serialise, excessive nesting (" + depth + ")");
                    }
                    int len = arrayLength(C, l, cfg);
                    if (len > 0) {
                        out.addChar('[');
                        open.push(new Open(true, len));
                    } else {
                        out.addChar('{');
                        C.lua_pushnil(l);
                        open.push(new Open(false, 0));
                    }
                }
                case LuaApi.TNIL -> out.addAscii("null");
                default -> {
                    if (LuaApi.isNull(C, l, -1)) {
                        out.addAscii("null");
                    } else {
                        throw encodeError(t, "type not supported");
                    }
                }
            }
            // Move to the next value to write, closing the tables that are done.
            while (true) {
                Open table = open.peek();
                if (table == null) {
                    return;
                }
                if (table.array ? nextElement(C, l, table, out) : nextEntry(C, l, cfg, table, out)) {
                    break;
                }
                open.pop();
                depth--;
            }
        }
    }

    /** json_append_array's loop: pushes the next element, or closes the array and returns false. */
    private static boolean nextElement(Lua51Natives C, long l, Open array, LuaBuffer out) {
        if (array.started) {
            C.lua_settop(l, -2);
        }
        if (array.next > array.length) {
            out.addChar(']');
            return false;
        }
        if (array.next > 1) {
            out.addChar(',');
        }
        C.lua_rawgeti(l, -1, array.next++);
        array.started = true;
        return true;
    }

    /**
     * json_append_object's loop: writes the next key and leaves its value on top, or closes the
     * object and returns false.
     */
    private static boolean nextEntry(Lua51Natives C, long l, Config cfg, Open object, LuaBuffer out) {
        if (object.started) {
            C.lua_settop(l, -2);
        }
        if (C.lua_next(l, -2) == 0) {
            out.addChar('}');
            return false;
        }
        if (object.started) {
            out.addChar(',');
        }
        object.started = true;
        int keyType = C.lua_type(l, -2);
        if (keyType == LuaApi.TNUMBER) {
            out.addChar('"');
            appendNumber(C, l, cfg, -2, out);
            out.addAscii("\":");
        } else if (keyType == LuaApi.TSTRING) {
            appendString(LuaApi.bytes(C, l, -2), out);
            out.addChar(':');
        } else {
            throw encodeError(keyType, "table key must be a number or string");
        }
        return true;
    }

    private static LuaApi.LuaError encodeError(int type, String reason) {
        return LuaApi.error("Cannot serialise " + LuaApi.typeName(type) + ": " + reason);
    }

    private static void appendString(ByteBuffer s, LuaBuffer out) {
        int n = s.remaining();
        out.addChar('"');
        int plain = 0;
        for (int i = 0; i < n; i++) {
            byte[] escape = ESCAPES[s.get(i) & 0xff];
            if (escape != null) {
                out.addBytes(s, plain, i - plain);
                out.addBytes(escape);
                plain = i + 1;
            }
        }
        out.addBytes(s, plain, n - plain);
        out.addChar('"');
    }

    private static void appendNumber(Lua51Natives C, long l, Config cfg, int idx, LuaBuffer out) {
        double num = C.lua_tonumber(l, idx);
        boolean invalid = Double.isNaN(num) || Double.isInfinite(num);
        if (cfg.encodeInvalidNumbers == 0) {
            if (invalid) {
                throw encodeError(C.lua_type(l, idx), "must not be NaN or Inf");
            }
        } else if (cfg.encodeInvalidNumbers == 1) {
            // The C code writes NaN itself, since printf may write "-nan".
            if (Double.isNaN(num)) {
                out.addAscii("nan");
                return;
            }
        } else if (invalid) {
            out.addAscii("null");
            return;
        }
        out.addAscii(CNumbers.formatG(num, cfg.encodeNumberPrecision));
    }

    /**
     * lua_array_length: -1 for an object (a key that is not a positive integer, or an excessively
     * sparse array when converting is on), else the largest index. The largest index is a C int
     * assigned from a double, so an index of 2^31 or more makes it INT_MIN.
     */
    private static int arrayLength(Lua51Natives C, long l, Config cfg) {
        int max = 0;
        int items = 0;
        C.lua_pushnil(l);
        while (C.lua_next(l, -2) != 0) {
            double k;
            if (C.lua_type(l, -2) == LuaApi.TNUMBER && (k = C.lua_tonumber(l, -2)) != 0
                    && Math.floor(k) == k && k >= 1) {
                if (k > max) {
                    max = CNumbers.toInt(k);
                }
                items++;
                C.lua_settop(l, -2);
                continue;
            }
            C.lua_settop(l, -3);
            return -1;
        }
        if (cfg.encodeSparseRatio > 0 && max > items * cfg.encodeSparseRatio && max > cfg.encodeSparseSafe) {
            if (!cfg.encodeSparseConvert) {
                throw encodeError(LuaApi.TTABLE, "excessively sparse array");
            }
            return -1;
        }
        return max;
    }
}
