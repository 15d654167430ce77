package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * lua-cmsgpack 0.4.0 ({@code cmsgpack}), MessagePack for Lua, as Redis 7.0 bundles it.
 *
 * <p>Encoding: a number that is a 64-bit integer exactly becomes the smallest integer format,
 * any other number a float (0xca) if a float holds it exactly, else a double (0xcb); a table whose
 * keys are exactly 1..n is an array, any other a map; tables nested 16 deep, and values of
 * other types, become nil. Decoding: integers and floats become numbers (a uint 64 past 2^63
 * wraps to a negative number, as the C code converts it); str 8/16/32 and fix str become
 * strings; bin and ext formats are bad data.
 */
public final class CMsgPack {

    private static final int MAX_NESTING = 16;
    private static final double TWO_63 = 9223372036854775808.0;

    private CMsgPack() {
    }

    public static void open(Lua L) {
        LuaApi.install(L);
        L.newTable();
        LuaApi.setFunction(L, "pack", CMsgPack::pack);
        LuaApi.setFunction(L, "unpack", (lua, C, l) -> unpack(lua, C, l, 0, 0));
        LuaApi.setFunction(L, "unpack_one", CMsgPack::unpackOne);
        LuaApi.setFunction(L, "unpack_limit", CMsgPack::unpackLimit);
        L.push("cmsgpack");
        L.setField(-2, "_NAME");
        L.push("lua-cmsgpack 0.4.0");
        L.setField(-2, "_VERSION");
        L.push("Copyright (C) 2012, Salvatore Sanfilippo");
        L.setField(-2, "_COPYRIGHT");
        L.push("MessagePack C implementation for Lua");
        L.setField(-2, "_DESCRIPTION");
        L.setGlobal("cmsgpack");
    }

    // ----------------------------------------------------------------------------------------------
    // Encoding

    /** pack(...): every argument encoded, one after the other. */
    private static int pack(Lua L, Lua51Natives C, long l) {
        int nargs = C.lua_gettop(l);
        if (nargs == 0) {
            throw LuaApi.argError(0, "MessagePack pack needs input.");
        }
        if (!LuaApi.checkStack(C, l, nargs)) {
            throw LuaApi.argError(0, "Too many arguments for MessagePack pack.");
        }
        LuaBuffer buf = new LuaBuffer(64);
        for (int i = 1; i <= nargs; i++) {
            C.lua_pushvalue(l, i);
            encode(L, C, l, buf, 0);
        }
        buf.push(L);
        return 1;
    }

    /** mp_encode_lua_type: encodes the value on top of the stack and pops it. */
    private static void encode(Lua L, Lua51Natives C, long l, LuaBuffer buf, int level) {
        int t = C.lua_type(l, -1);
        if (t == LuaApi.TTABLE && level == MAX_NESTING) {
            t = LuaApi.TNIL;
        }
        switch (t) {
            case LuaApi.TSTRING -> encodeBytes(buf, LuaApi.bytes(C, l, -1));
            case LuaApi.TBOOLEAN -> buf.addChar(C.lua_toboolean(l, -1) != 0 ? 0xc3 : 0xc2);
            case LuaApi.TNUMBER -> encodeNumber(buf, C.lua_tonumber(l, -1));
            case LuaApi.TTABLE -> {
                if (!LuaApi.checkStack(C, l, 3)) {
                    throw LuaApi.error("stack overflow (in function table_is_an_array)");
                }
                if (isArray(C, l)) {
                    encodeArray(L, C, l, buf, level);
                } else {
                    encodeMap(L, C, l, buf, level);
                }
            }
            default -> buf.addChar(0xc0);
        }
        C.lua_settop(l, -2);
    }

    private static void encodeBytes(LuaBuffer buf, ByteBuffer s) {
        int len = s.remaining();
        if (len < 32) {
            buf.addChar(0xa0 | len);
        } else if (len <= 0xff) {
            buf.addChar(0xd9);
            buf.addChar(len);
        } else if (len <= 0xffff) {
            buf.addChar(0xda);
            buf.addInteger(len, 2, true);
        } else {
            buf.addChar(0xdb);
            buf.addInteger(len, 4, true);
        }
        buf.addBytes(s, 0, len);
    }

    /** An integer if (int64_t) n == n, else a float or a double. */
    private static void encodeNumber(LuaBuffer buf, double n) {
        if (n >= -TWO_63 && n < TWO_63 && (long) n == n) {
            encodeInt(buf, (long) n);
            return;
        }
        float f = (float) n;
        if (n == (double) f) {
            buf.addChar(0xca);
            buf.addInteger(Float.floatToRawIntBits(f), 4, true);
        } else {
            buf.addChar(0xcb);
            buf.addInteger(Double.doubleToRawLongBits(n), 8, true);
        }
    }

    private static void encodeInt(LuaBuffer buf, long n) {
        if (n >= 0) {
            if (n <= 127) {
                buf.addChar((int) n);
            } else if (n <= 0xff) {
                buf.addChar(0xcc);
                buf.addChar((int) n);
            } else if (n <= 0xffff) {
                buf.addChar(0xcd);
                buf.addInteger(n, 2, true);
            } else if (n <= 0xffffffffL) {
                buf.addChar(0xce);
                buf.addInteger(n, 4, true);
            } else {
                buf.addChar(0xcf);
                buf.addInteger(n, 8, true);
            }
        } else if (n >= -32) {
            buf.addChar((int) n);
        } else if (n >= -128) {
            buf.addChar(0xd0);
            buf.addChar((int) n);
        } else if (n >= -32768) {
            buf.addChar(0xd1);
            buf.addInteger(n, 2, true);
        } else if (n >= -2147483648L) {
            buf.addChar(0xd2);
            buf.addInteger(n, 4, true);
        } else {
            buf.addChar(0xd3);
            buf.addInteger(n, 8, true);
        }
    }

    private static void encodeLength(LuaBuffer buf, long n, int fix, int sixteen) {
        if (n <= 15) {
            buf.addChar(fix | (int) n);
        } else if (n <= 65535) {
            buf.addChar(sixteen);
            buf.addInteger(n, 2, true);
        } else {
            buf.addChar(sixteen + 1);
            buf.addInteger(n, 4, true);
        }
    }

    /**
     * table_is_an_array: every key a number that is a positive int exactly, and as many keys as
     * the largest one.
     */
    private static boolean isArray(Lua51Natives C, long l) {
        int top = C.lua_gettop(l);
        int count = 0;
        int max = 0;
        C.lua_pushnil(l);
        while (C.lua_next(l, -2) != 0) {
            C.lua_settop(l, -2);
            double n;
            if (C.lua_type(l, -1) != LuaApi.TNUMBER || (n = C.lua_tonumber(l, -1)) <= 0
                    || CNumbers.toInt(n) != n) {
                C.lua_settop(l, top);
                return false;
            }
            max = Math.max(max, (int) n);
            count++;
        }
        C.lua_settop(l, top);
        return max == count;
    }

    /**
     * An array of #t elements. The C code reads them with lua_gettable, but keys 1..n are all
     * present, so __index is never asked and a raw read is the same.
     */
    private static void encodeArray(Lua L, Lua51Natives C, long l, LuaBuffer buf, int level) {
        long len = C.lua_objlen(l, -1);
        encodeLength(buf, len, 0x90, 0xdc);
        for (long j = 1; j <= len; j++) {
            C.lua_rawgeti(l, -1, (int) j);
            encode(L, C, l, buf, level + 1);
        }
    }

    private static void encodeMap(Lua L, Lua51Natives C, long l, LuaBuffer buf, int level) {
        long len = 0;
        C.lua_pushnil(l);
        while (C.lua_next(l, -2) != 0) {
            C.lua_settop(l, -2);
            len++;
        }
        encodeLength(buf, len, 0x80, 0xde);
        C.lua_pushnil(l);
        while (C.lua_next(l, -2) != 0) {
            C.lua_pushvalue(l, -2);
            encode(L, C, l, buf, level + 1);
            encode(L, C, l, buf, level + 1);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Decoding

    /** Not enough data (MP_CUR_ERROR_EOF) or an unknown type byte (MP_CUR_ERROR_BADFMT). */
    private static final class Truncated extends RuntimeException {
        Truncated() {
            super(null, null, false, false);
        }
    }

    private static final class BadFormat extends RuntimeException {
        BadFormat() {
            super(null, null, false, false);
        }
    }

    /** A cursor over the input (mp_cur). */
    private static final class Cursor {
        final ByteBuffer s;
        int p;
        final int end;

        Cursor(ByteBuffer s, int p) {
            this.s = s;
            this.p = p;
            this.end = s.remaining();
        }

        long left() {
            return end - p;
        }

        void need(long n) {
            if (left() < n) {
                throw new Truncated();
            }
        }

        int u8(int at) {
            return s.get(p + at) & 0xff;
        }

        long big(int at, int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | u8(at + i);
            }
            return v;
        }
    }

    private static int unpackOne(Lua L, Lua51Natives C, long l) {
        long offset = LuaApi.optInteger(C, l, 2, 0);
        C.lua_settop(l, 1);
        return unpack(L, C, l, 1, offset);
    }

    private static int unpackLimit(Lua L, Lua51Natives C, long l) {
        long limit = LuaApi.checkInteger(C, l, 2);
        long offset = LuaApi.optInteger(C, l, 3, 0);
        C.lua_settop(l, 1);
        return unpack(L, C, l, limit, offset);
    }

    /**
     * mp_unpack_full: up to limit values from offset (all of them when both are 0); with a limit or
     * an offset, the offset after them comes first (-1 once the input is consumed).
     */
    private static int unpack(Lua L, Lua51Natives C, long l, long limit, long offset) {
        ByteBuffer s = LuaApi.checkBytes(C, l, 1);
        long len = s.remaining();
        boolean decodeAll = limit == 0 && offset == 0;
        if (offset < 0 || limit < 0) {
            throw LuaApi.error("Invalid request to unpack with offset of " + (int) offset
                    + " and limit of " + (int) len + ".");
        } else if (offset > len) {
            throw LuaApi.error("Start offset " + (int) offset + " greater than input length " + (int) len + ".");
        }
        if (decodeAll) {
            limit = Integer.MAX_VALUE;
        }
        Cursor c = new Cursor(s, (int) offset);
        int cnt = 0;
        try {
            for (; c.left() > 0 && cnt < limit; cnt++) {
                decode(L, C, l, c);
            }
        } catch (Truncated e) {
            throw LuaApi.error("Missing bytes in input.");
        } catch (BadFormat e) {
            throw LuaApi.error("Bad data format in input.");
        }
        if (!decodeAll) {
            C.lua_pushinteger(l, c.left() == 0 ? -1 : len - c.left());
            C.lua_insert(l, 2);
            cnt++;
        }
        return cnt;
    }

    /**
     * A table being filled: the C code recurses per nested array or map, which nests as deep as
     * the Lua stack allows (about 4000 levels), too deep for a Java thread's stack; so the nesting
     * is kept here instead, and the Lua stack operations happen in the C code's order.
     */
    private static final class Container {
        final boolean map;
        /** Items still to decode (a map has two per entry). */
        long left;
        int index = 1;

        Container(boolean map, long left) {
            this.map = map;
            this.left = left;
        }
    }

    /** mp_decode_to_lua_type: pushes the value at the cursor, with everything nested in it. */
    private static void decode(Lua L, Lua51Natives C, long l, Cursor c) {
        ArrayDeque<Container> open = new ArrayDeque<>();
        while (true) {
            Container opened = start(L, C, l, c);
            if (opened != null && opened.left > 0) {
                open.push(opened);
                startItem(C, l, opened);
                continue;
            }
            // A whole value is on top of the stack: store it into the tables it completes.
            while (true) {
                Container top = open.peek();
                if (top == null) {
                    return;
                }
                if (top.map && top.left % 2 == 0) {
                    top.left--;
                    break;
                }
                if (top.map) {
                    LuaApi.checkKey(C, l, -2);
                }
                C.lua_rawset(l, -3);
                top.left--;
                if (top.left > 0) {
                    startItem(C, l, top);
                    break;
                }
                open.pop();
            }
        }
    }

    /** Before each element of an array, its index (mp_decode_to_lua_array pushes it first). */
    private static void startItem(Lua51Natives C, long l, Container container) {
        if (!container.map) {
            C.lua_pushnumber(l, container.index++);
        }
    }

    /**
     * Reads one type byte and what follows it: pushes a scalar and returns null, or pushes a new
     * table and returns what remains to fill it with.
     */
    private static Container start(Lua L, Lua51Natives C, long l, Cursor c) {
        c.need(1);
        if (!LuaApi.checkStack(C, l, 1)) {
            throw LuaApi.error("stack overflow (too many return values at once; "
                    + "use unpack_one or unpack_limit instead.)");
        }
        int type = c.u8(0);
        switch (type) {
            case 0xcc -> number(C, l, c, 2, 1, false);
            case 0xd0 -> number(C, l, c, 2, 1, true);
            case 0xcd -> number(C, l, c, 3, 2, false);
            case 0xd1 -> number(C, l, c, 3, 2, true);
            case 0xce -> number(C, l, c, 5, 4, false);
            case 0xd2 -> number(C, l, c, 5, 4, true);
            case 0xcf, 0xd3 -> number(C, l, c, 9, 8, true);
            case 0xc0 -> {
                C.lua_pushnil(l);
                c.p++;
            }
            case 0xc3, 0xc2 -> {
                C.lua_pushboolean(l, type == 0xc3 ? 1 : 0);
                c.p++;
            }
            case 0xca -> {
                c.need(5);
                C.lua_pushnumber(l, Float.intBitsToFloat((int) c.big(1, 4)));
                c.p += 5;
            }
            case 0xcb -> {
                c.need(9);
                C.lua_pushnumber(l, Double.longBitsToDouble(c.big(1, 8)));
                c.p += 9;
            }
            case 0xd9 -> string(L, c, 2, 1);
            case 0xda -> string(L, c, 3, 2);
            case 0xdb -> string(L, c, 5, 4);
            case 0xdc -> {
                return container(C, l, c, false, 3, 2);
            }
            case 0xdd -> {
                return container(C, l, c, false, 5, 4);
            }
            case 0xde -> {
                return container(C, l, c, true, 3, 2);
            }
            case 0xdf -> {
                return container(C, l, c, true, 5, 4);
            }
            default -> {
                if ((type & 0x80) == 0) {
                    C.lua_pushinteger(l, type);
                    c.p++;
                } else if ((type & 0xe0) == 0xe0) {
                    C.lua_pushinteger(l, (byte) type);
                    c.p++;
                } else if ((type & 0xe0) == 0xa0) {
                    int n = type & 0x1f;
                    c.need(1 + n);
                    pushSlice(L, c, 1, n);
                } else if ((type & 0xf0) == 0x90) {
                    return container(C, l, c, false, 1, 0);
                } else if ((type & 0xf0) == 0x80) {
                    return container(C, l, c, true, 1, 0);
                } else {
                    throw new BadFormat();
                }
            }
        }
        return null;
    }

    /**
     * An integer format: size bytes in all, of which lengthBytes big-endian value bytes. Signed
     * ones are sign-extended; a uint 64 past 2^63 pushes as the int64 it wraps to, as in C.
     */
    private static void number(Lua51Natives C, long l, Cursor c, int size, int valueBytes, boolean signed) {
        c.need(size);
        long value = c.big(1, valueBytes);
        if (signed && valueBytes < 8) {
            int shift = 64 - 8 * valueBytes;
            value = (value << shift) >> shift;
        }
        C.lua_pushnumber(l, value);
        c.p += size;
    }

    /** A str with a length field of lengthBytes after the type byte. */
    private static void string(Lua L, Cursor c, int header, int lengthBytes) {
        c.need(header);
        long n = c.big(1, lengthBytes);
        c.need(header + n);
        pushSlice(L, c, header, (int) n);
    }

    private static void pushSlice(Lua L, Cursor c, int header, int n) {
        LuaApi.pushBytes(L, c.s, c.p + header, n);
        c.p += header + n;
    }

    /** An array or map header (a fix one has its length in the type byte) and its new table. */
    private static Container container(Lua51Natives C, long l, Cursor c, boolean map, int header, int lengthBytes) {
        c.need(header);
        long n = lengthBytes == 0 ? c.u8(0) & 0xf : c.big(1, lengthBytes);
        c.p += header;
        C.lua_newtable(l);
        if (!map && !LuaApi.checkStack(C, l, 1)) {
            throw LuaApi.error("stack overflow (in function mp_decode_to_lua_array)");
        }
        return new Container(map, map ? 2 * n : n);
    }
}
