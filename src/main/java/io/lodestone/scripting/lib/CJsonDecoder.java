package io.lodestone.scripting.lib;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51Natives;

/**
 * cjson.decode: Lua CJSON 2.1.0's tokenizer and parser over the script's bytes, read as
 * the C code reads a NUL-terminated string (a NUL byte ends the input). Errors carry cjson's
 * texts and positions: "Expected value but found invalid token at character 1".
 */
final class CJsonDecoder {

    private enum TokenType {
        T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END, T_STRING, T_NUMBER, T_BOOLEAN, T_NULL,
        T_COLON, T_COMMA, T_END, T_WHITESPACE, T_ERROR, T_UNKNOWN
    }

    /** ch2token: what each byte starts. */
    private static final TokenType[] CH2TOKEN = new TokenType[256];
    /** escape2char: what each byte after a backslash stands for; 0 for an invalid escape. */
    private static final byte[] ESCAPE2CHAR = new byte[256];

    static {
        Arrays.fill(CH2TOKEN, TokenType.T_ERROR);
        CH2TOKEN['{'] = TokenType.T_OBJ_BEGIN;
        CH2TOKEN['}'] = TokenType.T_OBJ_END;
        CH2TOKEN['['] = TokenType.T_ARR_BEGIN;
        CH2TOKEN[']'] = TokenType.T_ARR_END;
        CH2TOKEN[','] = TokenType.T_COMMA;
        CH2TOKEN[':'] = TokenType.T_COLON;
        CH2TOKEN[0] = TokenType.T_END;
        for (char c : " \t\n\r".toCharArray()) {
            CH2TOKEN[c] = TokenType.T_WHITESPACE;
        }
        // Tokens that need a closer look: literals, strings, numbers (and inf/nan/+ when allowed).
        for (char c : "fiInNt\"+-0123456789".toCharArray()) {
            CH2TOKEN[c] = TokenType.T_UNKNOWN;
        }
        ESCAPE2CHAR['"'] = '"';
        ESCAPE2CHAR['\\'] = '\\';
        ESCAPE2CHAR['/'] = '/';
        ESCAPE2CHAR['b'] = '\b';
        ESCAPE2CHAR['t'] = '\t';
        ESCAPE2CHAR['n'] = '\n';
        ESCAPE2CHAR['f'] = '\f';
        ESCAPE2CHAR['r'] = '\r';
        ESCAPE2CHAR['u'] = 'u';
    }

    /** json_token_t. */
    private static final class Token {
        TokenType type;
        int index;
        /** For T_ERROR, what went wrong. */
        String error;
        double number;
        boolean bool;
    }

    private final Lua L;
    private final Lua51Natives C;
    private final long l;
    private final CJson.Config cfg;
    private final ByteBuffer data;
    private int ptr;
    private int depth;
    /** The string being unescaped (json->tmp); never longer than the input. */
    private final byte[] tmp;
    private int tmpLen;

    private CJsonDecoder(Lua L, Lua51Natives C, long l, CJson.Config cfg, ByteBuffer data) {
        this.L = L;
        this.C = C;
        this.l = l;
        this.cfg = cfg;
        this.data = data;
        this.tmp = new byte[data.remaining()];
    }

    static int decode(Lua L, Lua51Natives C, long l, CJson.Config cfg) {
        if (C.lua_gettop(l) != 1) {
            throw LuaApi.argError(1, "expected 1 argument");
        }
        ByteBuffer data = LuaApi.checkBytes(C, l, 1);
        // Only the first character is sure to be ASCII, which is enough to recognise UTF-16/32.
        if (data.remaining() >= 2 && (data.get(0) == 0 || data.get(1) == 0)) {
            throw LuaApi.error("JSON parser does not support UTF-16 or UTF-32");
        }
        CJsonDecoder json = new CJsonDecoder(L, C, l, cfg, data);
        Token token = new Token();
        json.nextToken(token);
        json.processValue(token);
        json.nextToken(token);
        if (token.type != TokenType.T_END) {
            throw parseError("the end", token);
        }
        return 1;
    }

    private int at(int i) {
        return CNumbers.at(data, i);
    }

    private static LuaApi.LuaError parseError(String expected, Token token) {
        String found = token.type == TokenType.T_ERROR ? token.error : token.type.name();
        return LuaApi.error("Expected " + expected + " but found " + found + " at character " + (token.index + 1));
    }

    private void tokenError(Token token, String error) {
        token.type = TokenType.T_ERROR;
        token.index = ptr;
        token.error = error;
    }

    /** json_next_token. */
    private void nextToken(Token token) {
        int ch;
        while (true) {
            ch = at(ptr);
            token.type = CH2TOKEN[ch];
            if (token.type != TokenType.T_WHITESPACE) {
                break;
            }
            ptr++;
        }
        token.index = ptr;
        if (token.type == TokenType.T_ERROR) {
            tokenError(token, "invalid token");
            return;
        }
        if (token.type == TokenType.T_END) {
            return;
        }
        if (token.type != TokenType.T_UNKNOWN) {
            ptr++;
            return;
        }
        if (ch == '"') {
            nextStringToken(token);
        } else if (ch == '-' || ('0' <= ch && ch <= '9')) {
            if (!cfg.decodeInvalidNumbers && isInvalidNumber()) {
                tokenError(token, "invalid number");
                return;
            }
            nextNumberToken(token);
        } else if (startsWith("true")) {
            token.type = TokenType.T_BOOLEAN;
            token.bool = true;
            ptr += 4;
        } else if (startsWith("false")) {
            token.type = TokenType.T_BOOLEAN;
            token.bool = false;
            ptr += 5;
        } else if (startsWith("null")) {
            token.type = TokenType.T_NULL;
            ptr += 4;
        } else if (cfg.decodeInvalidNumbers && isInvalidNumber()) {
            // Only what strict JSON would refuse (inf, nan, hex, +) is read as a number here, so
            // that other bad tokens are reported as "invalid token".
            nextNumberToken(token);
        } else {
            tokenError(token, "invalid token");
        }
    }

    private boolean startsWith(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (at(ptr + i) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** json_is_invalid_number: numbers strtod reads but JSON forbids. */
    private boolean isInvalidNumber() {
        int p = ptr;
        if (at(p) == '+') {
            return true;
        }
        if (at(p) == '-') {
            p++;
        }
        if (at(p) == '0') {
            int ch2 = at(p + 1);
            return (ch2 | 0x20) == 'x' || ('0' <= ch2 && ch2 <= '9');
        } else if (at(p) <= '9') {
            return false;
        }
        return matchesIgnoreCase(p, "inf") || matchesIgnoreCase(p, "nan");
    }

    private boolean matchesIgnoreCase(int p, String word) {
        for (int i = 0; i < word.length(); i++) {
            int c = at(p + i);
            int lower = c >= 'A' && c <= 'Z' ? c + 32 : c;
            if (lower != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void nextNumberToken(Token token) {
        token.type = TokenType.T_NUMBER;
        CNumbers.Parsed parsed = CNumbers.strtod(data, ptr);
        if (parsed.end() == ptr) {
            tokenError(token, "invalid number");
        } else {
            token.number = parsed.value();
            ptr = parsed.end();
        }
    }

    /** json_next_string_token: unescapes into tmp. */
    private void nextStringToken(Token token) {
        ptr++;
        tmpLen = 0;
        int ch;
        while ((ch = at(ptr)) != '"') {
            if (ch == 0) {
                tokenError(token, "unexpected end of string");
                return;
            }
            if (ch == '\\') {
                int escaped = ESCAPE2CHAR[at(ptr + 1)];
                if (escaped == 'u') {
                    if (appendUnicodeEscape()) {
                        continue;
                    }
                    tokenError(token, "invalid unicode escape code");
                    return;
                }
                if (escaped == 0) {
                    tokenError(token, "invalid escape code");
                    return;
                }
                ptr++;
                ch = escaped;
            }
            tmp[tmpLen++] = (byte) ch;
            ptr++;
        }
        ptr++;
        token.type = TokenType.T_STRING;
    }

    private int decodeHex4(int p) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(at(p + i), 16);
            if (digit < 0 || at(p + i) >= 128) {
                return -1;
            }
            value = (value << 4) + digit;
        }
        return value;
    }

    /** json_append_unicode_escape: \\uXXXX, or a surrogate pair of them, as UTF-8. */
    private boolean appendUnicodeEscape() {
        int escapeLen = 6;
        int codepoint = decodeHex4(ptr + 2);
        if (codepoint < 0) {
            return false;
        }
        if ((codepoint & 0xF800) == 0xD800) {
            if ((codepoint & 0x400) != 0) {
                return false;
            }
            if (at(ptr + escapeLen) != '\\' || at(ptr + escapeLen + 1) != 'u') {
                return false;
            }
            int low = decodeHex4(ptr + 2 + escapeLen);
            if (low < 0 || (low & 0xFC00) != 0xDC00) {
                return false;
            }
            codepoint = (((codepoint & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            escapeLen = 12;
        }
        if (codepoint <= 0x7F) {
            tmp[tmpLen++] = (byte) codepoint;
        } else if (codepoint <= 0x7FF) {
            tmp[tmpLen++] = (byte) ((codepoint >> 6) | 0xC0);
            tmp[tmpLen++] = (byte) ((codepoint & 0x3F) | 0x80);
        } else if (codepoint <= 0xFFFF) {
            tmp[tmpLen++] = (byte) ((codepoint >> 12) | 0xE0);
            tmp[tmpLen++] = (byte) (((codepoint >> 6) & 0x3F) | 0x80);
            tmp[tmpLen++] = (byte) ((codepoint & 0x3F) | 0x80);
        } else {
            tmp[tmpLen++] = (byte) ((codepoint >> 18) | 0xF0);
            tmp[tmpLen++] = (byte) (((codepoint >> 12) & 0x3F) | 0x80);
            tmp[tmpLen++] = (byte) (((codepoint >> 6) & 0x3F) | 0x80);
            tmp[tmpLen++] = (byte) ((codepoint & 0x3F) | 0x80);
        }
        ptr += escapeLen;
        return true;
    }

    /** json_decode_descend: one more level, within decode_max_depth and the C stack limit. */
    private void descend(int slots) {
        depth++;
        if (depth <= cfg.decodeMaxDepth && LuaApi.checkStack(C, l, slots)) {
            return;
        }
        throw LuaApi.error("Found too many nested data structures (" + depth + ") at character " + ptr);
    }

    /**
     * json_process_value: pushes the value the token starts. The C code recurses into objects and
     * arrays (json_parse_object_context, json_parse_array_context), as deep as the Lua stack
     * allows once decode_max_depth is raised, too deep for a Java thread's stack; so the open
     * containers are kept here, and tokens are read and checked in the C code's order.
     */
    private void processValue(Token token) {
        // Each open container: OBJECT, or ARRAY with the index of its next element.
        ArrayDeque<int[]> open = new ArrayDeque<>();
        while (true) {
            boolean complete = true;
            switch (token.type) {
                case T_STRING -> LuaApi.pushBytes(L, tmp, 0, tmpLen);
                case T_NUMBER -> C.lua_pushnumber(l, token.number);
                case T_BOOLEAN -> C.lua_pushboolean(l, token.bool ? 1 : 0);
                case T_NULL -> LuaApi.pushNull(C, l);
                case T_OBJ_BEGIN -> {
                    descend(3);
                    C.lua_newtable(l);
                    nextToken(token);
                    if (token.type == TokenType.T_OBJ_END) {
                        depth--;
                    } else {
                        open.push(new int[] {OBJECT, 0});
                        objectKey(token);
                        complete = false;
                    }
                }
                case T_ARR_BEGIN -> {
                    descend(2);
                    C.lua_newtable(l);
                    nextToken(token);
                    if (token.type == TokenType.T_ARR_END) {
                        depth--;
                    } else {
                        open.push(new int[] {ARRAY, 1});
                        complete = false;
                    }
                }
                default -> throw parseError("value", token);
            }
            // A whole value is on top: store it, and read on to the next value or close containers.
            while (complete) {
                int[] container = open.peek();
                if (container == null) {
                    return;
                }
                if (container[0] == OBJECT) {
                    C.lua_rawset(l, -3);
                    nextToken(token);
                    if (token.type == TokenType.T_OBJ_END) {
                        depth--;
                        open.pop();
                        continue;
                    }
                    if (token.type != TokenType.T_COMMA) {
                        throw parseError("comma or object end", token);
                    }
                    nextToken(token);
                    objectKey(token);
                } else {
                    C.lua_rawseti(l, -2, container[1]++);
                    nextToken(token);
                    if (token.type == TokenType.T_ARR_END) {
                        depth--;
                        open.pop();
                        continue;
                    }
                    if (token.type != TokenType.T_COMMA) {
                        throw parseError("comma or array end", token);
                    }
                    nextToken(token);
                }
                complete = false;
            }
        }
    }

    private static final int OBJECT = 0;
    private static final int ARRAY = 1;

    /** An object's key and colon; leaves the token at the start of the value. */
    private void objectKey(Token token) {
        if (token.type != TokenType.T_STRING) {
            throw parseError("object key string", token);
        }
        LuaApi.pushBytes(L, tmp, 0, tmpLen);
        nextToken(token);
        if (token.type != TokenType.T_COLON) {
            throw parseError("colon", token);
        }
        nextToken(token);
    }
}
