package io.lodestone.scripting;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * EVAL's Lua world (Redis's eval.c): the script cache (SHA1 of the body to its compiled function)
 * over a Lua state of its own, and the run of one script with KEYS and ARGV as globals.
 */
public final class EvalEngine extends LuaEngine {
    /** A cached script: its body, flags and the registry reference of its compiled function. */
    record Script(String sha, byte[] body, int flags, int ref) {
    }

    private final Map<String, Script> scripts = new HashMap<>();
    private long scriptsBodyBytes;
    /** SCRIPT DEBUG SYNC's sessions. */
    final LuaDebugger debugger = new LuaDebugger(this);

    EvalEngine(ServerContext server) {
        super(server);
    }

    @Override
    void setUp() {
    }

    @Override
    public boolean isEval() {
        return true;
    }

    // ---- The script cache ---------------------------------------------------------------------------

    static String sha1hex(byte[] data) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-1").digest(data);
            char[] out = new char[40];
            for (int i = 0; i < 20; i++) {
                out[2 * i] = Character.forDigit((h[i] >> 4) & 0xF, 16);
                out[2 * i + 1] = Character.forDigit(h[i] & 0xF, 16);
            }
            return new String(out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Script script(String sha) {
        return scripts.get(sha);
    }

    boolean exists(String sha) {
        return scripts.containsKey(sha.toLowerCase(java.util.Locale.ROOT));
    }

    int scriptCount() {
        return scripts.size();
    }

    /** Redis's evalScriptsMemory, approximately: the bodies and their entries. */
    long scriptsMemory() {
        return scriptsBodyBytes + scripts.size() * 96L;
    }

    /**
     * Redis's luaCreateFunction: the cached script for {@code body}, compiling it if new. On a
     * compile or shebang error, null and the error in {@code error[0]}.
     */
    Script create(byte[] body, String[] error) {
        String sha = sha1hex(body);
        Script s = scripts.get(sha);
        if (s != null) return s;
        int[] flags = {0};
        int shebangLen = Shebang.parse(body, flags, error);
        if (shebangLen < 0) return null;
        LuaVm lua = vm();
        // A shebang line is skipped but its newline kept, so that line numbers stay the user's.
        if (lua.load(body, shebangLen, body.length - shebangLen, "@user_script") != 0) {
            error[0] = "Error compiling script (new function): " + lua.toCString(-1);
            lua.c.lua_pop(lua.L, 1);
            return null;
        }
        lua.c.lua_rawgeti(lua.L, LuaVm.REGISTRY, sandbox);
        lua.c.lua_setfenv(lua.L, -2);
        int ref = lua.c.luaL_ref(lua.L, LuaVm.REGISTRY);
        s = new Script(sha, body, flags[0], ref);
        scripts.put(sha, s);
        scriptsBodyBytes += body.length;
        return s;
    }

    /** SCRIPT FLUSH: a new Lua state and an empty cache (Redis's scriptingReset). */
    void flush() {
        closeVm();
        scripts.clear();
        scriptsBodyBytes = 0;
    }

    /** Runs a cached script for {@code caller} (Redis's evalGenericCommand after its checks). */
    void run(Client caller, Script script, byte[][] argv, int keysFrom, int numKeys, int argsFrom, int runFlags) {
        call(caller, script.sha(), script.ref(), argv, keysFrom, numKeys, argsFrom, runFlags);
    }

    /** EVAL's KEYS and ARGV are globals (set in the real table: the sandbox reads through to it). */
    @Override
    int pushArguments(LuaVm lua, byte[][] argv, int keysFrom, int numKeys, int argsFrom) {
        long L = lua.L;
        lua.c.lua_rawgeti(L, LuaVm.REGISTRY, globals);
        pushArray(lua, argv, keysFrom, numKeys);
        lua.c.lua_setfield(L, -2, "KEYS");
        pushArray(lua, argv, argsFrom, argv.length - argsFrom);
        lua.c.lua_setfield(L, -2, "ARGV");
        lua.c.lua_pop(L, 1);
        return 0;
    }
}
