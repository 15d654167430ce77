package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;
import java.util.Arrays;

import party.iroiro.luajava.Lua;

/**
 * A string being built, pushed as one Lua string at the end: luaL_Buffer's part in the C
 * libraries (and cjson's strbuf, cmsgpack's mp_buf).
 */
final class LuaBuffer {

    private byte[] b;
    private int len;

    LuaBuffer(int capacity) {
        b = new byte[Math.max(16, capacity)];
    }

    int length() {
        return len;
    }

    private void ensure(int n) {
        if (len + n > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, len + n));
        }
    }

    void addChar(int c) {
        ensure(1);
        b[len++] = (byte) c;
    }

    void addAscii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            b[len++] = (byte) s.charAt(i);
        }
    }

    void addBytes(byte[] s) {
        ensure(s.length);
        System.arraycopy(s, 0, b, len, s.length);
        len += s.length;
    }

    /** n bytes of s from off (absolute), s's position untouched. */
    void addBytes(ByteBuffer s, int off, int n) {
        ensure(n);
        s.get(off, b, len, n);
        len += n;
    }

    /** The low n bytes of v, most significant first (big-endian), or least significant first. */
    void addInteger(long v, int n, boolean bigEndian) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            int shift = 8 * (bigEndian ? n - 1 - i : i);
            b[len++] = shift < 64 ? (byte) (v >>> shift) : 0;
        }
    }

    /** luaL_pushresult. */
    void push(Lua L) {
        LuaApi.pushBytes(L, b, 0, len);
    }
}
