package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * Roberto Ierusalimschy's struct library ({@code struct.pack}, {@code unpack}, {@code size}), as
 * Redis 7.0 bundles it, with the sizes of x86-64's C types.
 *
 * <p>Format options: {@code >} big and {@code <} little endian (native, little, by default);
 * {@code !n} maximum alignment (8 when n is left out); {@code x} a padding byte; {@code b/B h/H l/L
 * T} signed/unsigned char, short, long and size_t; {@code i/In} and {@code I/In} integers of n
 * bytes (4 by default, at most 32); {@code cn} n chars (c0: the whole string when packing, the
 * previously read number as the length when unpacking); {@code s} a zero-terminated string;
 * {@code f} float; {@code d} double; spaces are ignored.
 */
public final class Struct {

    private static final int BIG = 0;
    private static final int LITTLE = 1;
    /** The largest integral size. */
    private static final int MAXINTSIZE = 32;
    /** The default of '!': the largest alignment of a C type, double's. */
    private static final int MAXALIGN = 8;

    private Struct() {
    }

    public static void open(Lua L) {
        LuaApi.install(L);
        L.newTable();
        LuaApi.setFunction(L, "pack", Struct::pack);
        LuaApi.setFunction(L, "unpack", Struct::unpack);
        LuaApi.setFunction(L, "size", Struct::size);
        L.setGlobal("struct");
    }

    /** A format string being read, NUL-terminated as C reads it, with the endianness and alignment so far. */
    private static final class Format {
        final ByteBuffer fmt;
        int pos;
        int endian = LITTLE;
        int align = 1;

        Format(ByteBuffer fmt) {
            this.fmt = fmt;
        }

        boolean more() {
            return CNumbers.at(fmt, pos) != 0;
        }

        int next() {
            return CNumbers.at(fmt, pos++);
        }

        /** getnum: the digits at the cursor, or df when there are none. */
        int number(int df) {
            if (!isDigit(CNumbers.at(fmt, pos))) {
                return df;
            }
            int a = 0;
            do {
                int digit = CNumbers.at(fmt, pos) - '0';
                if (a > Integer.MAX_VALUE / 10 || a * 10 > Integer.MAX_VALUE - digit) {
                    throw LuaApi.error("integral size overflow");
                }
                a = a * 10 + digit;
                pos++;
            } while (isDigit(CNumbers.at(fmt, pos)));
            return a;
        }

        /** optsize: the size of the option just read; 0 for the options that take no room. */
        long size(int opt) {
            switch (opt) {
                case 'B', 'b':
                    return 1;
                case 'H', 'h':
                    return 2;
                case 'L', 'l', 'T', 'd':
                    return 8;
                case 'f':
                    return 4;
                case 'x':
                    return 1;
                case 'c':
                    return number(1);
                case 'i', 'I': {
                    int sz = number(4);
                    if (sz > MAXINTSIZE) {
                        throw LuaApi.error("integral size " + sz + " is larger than limit of " + MAXINTSIZE);
                    }
                    return sz;
                }
                default:
                    return 0;
            }
        }

        /** gettoalign: the padding that aligns an item of this size at offset len. */
        int toAlign(long len, int opt, long size) {
            if (size == 0 || opt == 'c') {
                return 0;
            }
            if (Long.compareUnsigned(size, align) > 0) {
                size = align;
            }
            return (int) ((size - (len & (size - 1))) & (size - 1));
        }

        /** controloptions: space, endianness, alignment; anything else is an invalid option. */
        void control(int opt) {
            switch (opt) {
                case ' ' -> { }
                case '>' -> endian = BIG;
                case '<' -> endian = LITTLE;
                case '!' -> {
                    int a = number(MAXALIGN);
                    if (a <= 0 || (a & (a - 1)) != 0) {
                        throw LuaApi.error("alignment " + a + " is not a power of 2");
                    }
                    align = a;
                }
                default -> throw LuaApi.argError(1, "invalid format option '" + (char) opt + "'");
            }
        }
    }

    private static int pack(Lua L, Lua51Natives C, long l) {
        Format f = new Format(LuaApi.checkBytes(C, l, 1));
        // The C code pushes a nil to separate the arguments from its string buffer: an item
        // without its argument reads that nil ("got nil", not "got no value").
        C.lua_pushnil(l);
        int arg = 2;
        long totalsize = 0;
        LuaBuffer out = new LuaBuffer(64);
        while (f.more()) {
            int opt = f.next();
            long size = f.size(opt);
            int toalign = f.toAlign(totalsize, opt, size);
            totalsize += toalign;
            for (int i = 0; i < toalign; i++) {
                out.addChar(0);
            }
            switch (opt) {
                case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I' -> {
                    double n = LuaApi.checkNumber(C, l, arg++);
                    long value = n < 0 ? CNumbers.toLong(n) : CNumbers.toUnsignedLong(n);
                    out.addInteger(value, (int) size, f.endian == BIG);
                }
                case 'x' -> out.addChar(0);
                case 'f' -> out.addInteger(Float.floatToRawIntBits((float) LuaApi.checkNumber(C, l, arg++)), 4,
                        f.endian == BIG);
                case 'd' -> out.addInteger(Double.doubleToRawLongBits(LuaApi.checkNumber(C, l, arg++)), 8,
                        f.endian == BIG);
                case 'c', 's' -> {
                    ByteBuffer s = LuaApi.checkBytes(C, l, arg++);
                    long len = s.remaining();
                    if (size == 0) {
                        size = len;
                    }
                    if (len < size) {
                        throw LuaApi.argError(arg, "string too short");
                    }
                    out.addBytes(s, 0, (int) size);
                    if (opt == 's') {
                        out.addChar(0);
                        size++;
                    }
                }
                default -> f.control(opt);
            }
            totalsize += size;
        }
        out.push(L);
        return 1;
    }

    private static int unpack(Lua L, Lua51Natives C, long l) {
        Format f = new Format(LuaApi.checkBytes(C, l, 1));
        ByteBuffer data = LuaApi.checkBytes(C, l, 2);
        long ld = data.remaining();
        // Redis's fix: offset 0 would read before the data; the offset is a size_t, so a
        // negative one is huge and fails the length check below.
        long pos = LuaApi.optInteger(C, l, 3, 1);
        if (pos == 0) {
            throw LuaApi.argError(3, "offset must be 1 or greater");
        }
        pos--;
        C.lua_settop(l, 2);
        while (f.more()) {
            int opt = f.next();
            long size = f.size(opt);
            pos += f.toAlign(pos, opt, size);
            // The C code checks pos + size alone, which wraps for offsets just below 2^64 and
            // then reads before the data; here those are too short as well.
            if (Long.compareUnsigned(pos + size, ld) > 0 || Long.compareUnsigned(pos, ld) > 0) {
                throw LuaApi.argError(2, "data string too short");
            }
            if (!LuaApi.checkStack(C, l, 1)) {
                throw LuaApi.error("stack overflow (too many results)");
            }
            switch (opt) {
                case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I' ->
                        C.lua_pushnumber(l, getInteger(data, (int) pos, f.endian, Character.isLowerCase(opt), (int) size));
                case 'x' -> { }
                case 'f' -> C.lua_pushnumber(l, Float.intBitsToFloat((int) getBits(data, (int) pos, f.endian, 4)));
                case 'd' -> C.lua_pushnumber(l, Double.longBitsToDouble(getBits(data, (int) pos, f.endian, 8)));
                case 'c' -> {
                    if (size == 0) {
                        if (C.lua_isnumber(l, -1) == 0) {
                            throw LuaApi.error("format 'c0' needs a previous size");
                        }
                        size = CNumbers.toUnsignedLong(C.lua_tonumber(l, -1));
                        C.lua_settop(l, -2);
                        if (Long.compareUnsigned(pos + size, ld) > 0 || Long.compareUnsigned(size, ld) > 0) {
                            throw LuaApi.argError(2, "data string too short");
                        }
                    }
                    pushSlice(L, data, pos, size);
                }
                case 's' -> {
                    long e = pos;
                    while (e < ld && data.get((int) e) != 0) {
                        e++;
                    }
                    if (e == ld) {
                        throw LuaApi.error("unfinished string in data");
                    }
                    size = e - pos + 1;
                    pushSlice(L, data, pos, size - 1);
                }
                default -> f.control(opt);
            }
            pos += size;
        }
        C.lua_pushinteger(l, pos + 1);
        return C.lua_gettop(l) - 2;
    }

    private static void pushSlice(Lua L, ByteBuffer data, long pos, long size) {
        LuaApi.pushBytes(L, data, (int) pos, (int) size);
    }

    /** The integer's bits in a 64-bit accumulator: of more than 8 bytes, the last 8 read remain. */
    private static long getBits(ByteBuffer data, int pos, int endian, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = (v << 8) | (data.get(pos + (endian == BIG ? i : size - 1 - i)) & 0xff);
        }
        return v;
    }

    /** getinteger: the value as a double, sign-extended for signed formats (C's shift count wraps at 64). */
    private static double getInteger(ByteBuffer data, int pos, int endian, boolean signed, int size) {
        long v = getBits(data, pos, endian, size);
        if (!signed) {
            return unsignedToDouble(v);
        }
        long mask = -1L << (size * 8 - 1);
        if ((v & mask) != 0) {
            v |= mask;
        }
        return (double) v;
    }

    static double unsignedToDouble(long v) {
        return v >= 0 ? (double) v : ((v >>> 1) | (v & 1)) * 2.0;
    }

    private static int size(Lua L, Lua51Natives C, long l) {
        Format f = new Format(LuaApi.checkBytes(C, l, 1));
        long pos = 0;
        while (f.more()) {
            int opt = f.next();
            long size = f.size(opt);
            pos += f.toAlign(pos, opt, size);
            if (opt == 's') {
                throw LuaApi.argError(1, "option 's' has no fixed size");
            } else if (opt == 'c' && size == 0) {
                throw LuaApi.argError(1, "option 'c0' has no fixed size");
            }
            if (!Character.isLetterOrDigit(opt) || opt >= 128) {
                f.control(opt);
            }
            pos += size;
        }
        C.lua_pushinteger(l, pos);
        return 1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
