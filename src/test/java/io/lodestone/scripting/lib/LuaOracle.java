package io.lodestone.scripting.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import party.iroiro.luajava.Lua;
import party.iroiro.luajava.lua51.Lua51;

/**
 * Runs the same Lua snippet in redis-server 7.0's Lua (EVAL, after SCRIPT FLUSH so that its
 * cjson starts from the defaults) and in a fresh luajava Lua 5.1 state with the standard
 * libraries and {@link Libraries#openAll}, and compares what they return byte for byte.
 *
 * <p>A snippet is a function body. It runs under pcall, with the chunk named {@code @user_script}
 * as Redis names it, so that errors carry the same positions; the result is "ok:" or "err:"
 * followed by tostring of the first returned value. Snippets should return strings (or numbers
 * and booleans, which tostring renders the same on both sides).
 */
final class LuaOracle implements AutoCloseable {

    /**
     * A deterministic rendering of any value, for snippets that compare tables: pairs() visits keys
     * in the same order on both sides (same Lua, same insertions).
     */
    static final String DUMP = """
            local function dump(v, d)
              d = d or 0
              local t = type(v)
              if t == 'table' then
                if d > 40 then return '...' end
                local parts = {}
                for k, x in pairs(v) do parts[#parts + 1] = dump(k, d + 1) .. '=' .. dump(x, d + 1) end
                return '{' .. table.concat(parts, ',') .. '}'
              elseif t == 'string' then return string.format('%q', v)
              elseif t == 'number' then return string.format('%.17g', v)
              else return tostring(v) end
            end
            local function dumpall(...)
              local parts = {}
              for i = 1, select('#', ...) do parts[i] = dump((select(i, ...))) end
              return select('#', ...) .. ':' .. table.concat(parts, ' ')
            end
            local function deepeq(a, b)
              if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end
              for k, v in pairs(a) do if not deepeq(v, b[k]) then return false end end
              for k in pairs(b) do if a[k] == nil then return false end end
              return true
            end
            local function hex(s)
              return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end))
            end
            """;

    private final ServerProcess redis;
    private final RespClient client;

    private LuaOracle(ServerProcess redis, RespClient client) {
        this.redis = redis;
        this.client = client;
    }

    static LuaOracle start() throws IOException {
        ServerProcess redis = ServerProcess.redis();
        try {
            return new LuaOracle(redis, RespClient.connect(redis.port()));
        } catch (IOException | RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    static String script(String snippet) {
        return DUMP + "local function body()\n" + snippet + "\nend\n"
                + "local ok, r = pcall(body)\n"
                + "return (ok and 'ok:' or 'err:') .. tostring(r)\n";
    }

    /** What redis-server's Lua returns for the snippet. */
    byte[] redis(String snippet) throws IOException {
        byte[] flushed = client.call("SCRIPT", "FLUSH");
        assertEquals("+OK\r\n", RespClient.text(flushed));
        byte[] reply = client.call("EVAL".getBytes(StandardCharsets.US_ASCII),
                script(snippet).getBytes(StandardCharsets.ISO_8859_1), "0".getBytes(StandardCharsets.US_ASCII));
        if (reply.length == 0 || reply[0] != '$') {
            throw new AssertionError("redis-server did not return a string for " + snippet + ": "
                    + RespClient.escape(reply));
        }
        int start = 1;
        while (reply[start] != '\n') {
            start++;
        }
        return Arrays.copyOfRange(reply, start + 1, reply.length - 2);
    }

    /** What our libraries in a fresh Lua 5.1 state return for the snippet. */
    static byte[] ours(String snippet) {
        try (Lua L = new Lua51()) {
            L.openLibraries();
            Libraries.openAll(L);
            byte[] source = script(snippet).getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer chunk = ByteBuffer.allocateDirect(source.length).put(source).flip();
            L.load(chunk, "@user_script");
            L.pCall(0, 1);
            ByteBuffer result = L.toBuffer(-1);
            byte[] bytes = new byte[result.remaining()];
            result.get(bytes);
            return bytes;
        }
    }

    /** Asserts both sides return the same bytes, and returns them as Latin-1 text. */
    String same(String snippet) throws IOException {
        byte[] expected = redis(snippet);
        byte[] actual = ours(snippet);
        assertEquals(RespClient.escape(expected), RespClient.escape(actual), () -> "snippet:\n" + snippet);
        return RespClient.text(expected);
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } finally {
            redis.close();
        }
    }
}
