package io.lodestone.scripting;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.protocol.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * EVAL's Lua world (Redis's eval.c): one Lua 5.1 state shared by every script, Redis's sandbox in
 * it, the script cache (SHA1 of the body to its compiled function), and the run of one script.
 *
 * <p><b>The sandbox.</b> As Redis 7.0: the libraries Redis loads (base, table, string, math, and
 * cjson, cmsgpack, bit, struct), globals limited to Redis's allow list (no print, loadfile, dofile,
 * io, os, package), Redis's pcall (an error table becomes its message), and every table reachable
 * from the globals read-only. Redis makes tables read-only with a flag its patched Lua checks on every
 * write; the stock Lua here gets the same effect from proxies: each protected table is an empty
 * table whose metatable reads through to the real one ({@code __index} is a table, so a read costs
 * what Lua's own lookup costs) and refuses writes ({@code __newindex}), and rawset and setmetatable
 * refuse protected tables. The globals' own proxy is the environment of every script and of what it
 * loadstrings (the thread's globals stay the real table, which luajava itself writes to on every call
 * of a Java function). A script walking {@code pairs(_G)} sees the empty proxy where Redis would show
 * the globals, and {@code getfenv(0)} gives the real table.
 *
 * <p>Created on first use: a server that never runs a script never loads the Lua library.
 */
public final class EvalEngine implements ServerContext.ScriptingInfo, ServerContext.BusyScript {
    /** Script flags (Redis's SCRIPT_FLAG_*). */
    static final int FLAG_NO_WRITES = 1, FLAG_ALLOW_OOM = 1 << 1, FLAG_ALLOW_STALE = 1 << 2, FLAG_NO_CLUSTER = 1 << 3,
            FLAG_EVAL_COMPAT_MODE = 1 << 4, FLAG_ALLOW_CROSS_SLOT = 1 << 5;

    /** A cached script: its body, flags and the registry reference of its compiled function. */
    record Script(String sha, byte[] body, int flags, int ref) {
    }

    final ServerContext server;
    private LuaVm vm;
    private RedisLuaApi api;
    private final Map<String, Script> scripts = new HashMap<>();
    private long scriptsBodyBytes;
    /** Registry reference of __redis__err__handler. */
    private int errorHandler;
    /** Registry reference of the real globals table (KEYS and ARGV are set there). */
    private int globals;
    /** Registry reference of the globals' read-only proxy: the environment of every script. */
    private int sandbox;
    /** The client scripts' commands run as (Redis's lua_client). */
    private Client scriptClient;
    /** The script running now, or null (read by the busy responder's thread too). */
    volatile ScriptRun current;
    /** SCRIPT KILL was accepted for the running script. */
    private volatile boolean killed;
    /** The running script passed busy-reply-threshold: other clients are being answered -BUSY. */
    private boolean busy;
    /** Registry references of debug.sethook (kept from before the sandbox) and of the count hook. */
    private int sethookRef, hookRef;
    private int runsSinceGc;

    public EvalEngine(ServerContext server) {
        this.server = server;
        server.scripting = this;
    }

    /** The Lua state, set up on first use. */
    LuaVm vm() {
        if (vm == null) {
            try {
                init();
            } catch (RuntimeException | Error e) {
                // a half-built state must never run a script: the next use starts over
                if (vm != null) vm.close();
                vm = null;
                throw e;
            }
        }
        return vm;
    }

    private void init() {
        vm = new LuaVm();
        api = new RedisLuaApi(this, vm);
        long L = vm.L;
        io.lodestone.scripting.lib.Libraries.openAll(vm.lua);
        api.register();
        vm.run(PCALL + ERROR_HANDLER, "@err_handler_def");
        vm.c.lua_getfield(L, LuaVm.GLOBALS, "__redis__err__handler");
        errorHandler = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        vm.c.lua_getfield(L, LuaVm.GLOBALS, "debug");
        vm.c.lua_getfield(L, -1, "sethook");
        sethookRef = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        vm.c.lua_pop(L, 1);
        vm.pushFunction(vm.function(this::countHook));
        hookRef = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        setHook("", HOOK_COUNT);
        vm.c.lua_pushvalue(L, LuaVm.GLOBALS);
        globals = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        // Lock the globals: the protection chunk gets the functions it cannot write in Lua.
        byte[] chunk = PROTECT.getBytes(StandardCharsets.ISO_8859_1);
        if (vm.load(chunk, 0, chunk.length, "@protect") != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
        vm.pushFunction(api.readonlyNewIndex());
        vm.c.lua_pushvalue(L, -1);
        refusalRef = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        vm.pushFunction(api.nonexistentGlobal());
        vm.pushFunction(rawset());
        vm.pushFunction(setmetatable());
        if (vm.c.lua_pcall(L, 4, 1, 0) != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
        sandbox = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        scriptClient = new Client(Long.MAX_VALUE - 1, server, new Reply(UnpooledByteBufAllocator.DEFAULT,
                server.stats::countError), null);
        scriptClient.isScript = true;
    }

    /** Instructions between two calls of the hook that watches a running script (Redis's 100000). */
    private static final int HOOK_COUNT = 100_000;

    /** debug.sethook(hook, mask, count) on the current thread (coroutines created later inherit it). */
    private void setHook(String mask, int count) {
        long L = vm.L;
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, sethookRef);
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, hookRef);
        vm.pushAscii(mask);
        vm.c.lua_pushnumber(L, count);
        if (vm.c.lua_pcall(L, 3, 0, 0) != 0) vm.c.lua_pop(L, 1);
    }

    /**
     * Redis's luaMaskCountHook: a script past busy-reply-threshold makes the server answer others
     * (-BUSY, SCRIPT KILL) while it runs; a killed script gets an error at every line from then on,
     * so that pcall cannot keep it alive.
     */
    private int countHook() {
        ScriptRun run = current;
        if (run == null) return 0;
        if (killed) {
            io.lodestone.util.Log.warning("Lua script killed by user with SCRIPT KILL.");
            setHook("l", 0);
            ScriptReplies.pushError(vm, "Script killed by user with SCRIPT KILL...");
            return -1;
        }
        if (!busy) {
            long threshold = server.config.getLong("busy-reply-threshold");
            long elapsed = run.elapsedMs();
            if (threshold > 0 && elapsed >= threshold) {
                io.lodestone.util.Log.warning("Slow script detected: still in execution after " + elapsed
                        + " milliseconds. You can try killing the script using the SCRIPT KILL command."
                        + " Script name is: " + run.funcName + ".");
                busy = true;
                if (server.busyMode != null) server.busyMode.enter(this, run.caller);
            }
        }
        return 0;
    }

    @Override
    public String kill(boolean eval) {
        ScriptRun run = current;
        if (run == null) return "-NOTBUSY No scripts in execution right now.";
        if (run.caller.isMaster) {
            return "-UNKILLABLE The busy script was sent by a master instance in the context of replication"
                    + " and cannot be killed.";
        }
        if (run.writeDirty) {
            return "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can"
                    + " either wait the script termination or kill the server in a hard way using the SHUTDOWN"
                    + " NOSAVE command.";
        }
        if (!eval) return "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
        killed = true;
        return "+OK";
    }

    @Override
    public boolean isEval() {
        return true;
    }

    /** Redis's pcall: a Lua error that is an error table becomes its message, for scripts written before 7.0. */
    private static final String PCALL = """
            local rawpcall = pcall
            local type = type
            local function result(ok, ...)
              if ok then return ok, ... end
              local e = ...
              if type(e) == 'table' then
                local m = e.err
                if type(m) == 'string' or type(m) == 'number' then e = m end
              end
              return false, e
            end
            pcall = function(...) return result(rawpcall(...)) end
            """;

    /** Redis's error handler: every error becomes a table with its message, source and line. */
    private static final String ERROR_HANDLER = """
            local dbg = debug
            function __redis__err__handler(err)
              local i = dbg.getinfo(2,'nSl')
              if i and i.what == 'C' then
                i = dbg.getinfo(3,'nSl')
              end
              if type(err) ~= 'table' then
                err = {err='ERR ' .. tostring(err)}
              end
              if i then
                err['source'] = i.source
                err['line'] = i.currentline
              end
              return err
            end
            """;

    /**
     * Keeps Redis's allow list of globals, then makes read-only proxies of the globals and of every
     * table reachable from them (metatables included). Returns the globals' proxy.
     */
    private static final String PROTECT = """
            local newindex, nonexistent, rawset_ro, setmetatable_ro = ...
            local G, rawset, ipairs = _G, rawset, ipairs
            local allowed = {
              string=1, cjson=1, bit=1, cmsgpack=1, math=1, table=1, struct=1, redis=1,
              __redis__err__handler=1, xpcall=1, tostring=1, getfenv=1, setmetatable=1, next=1,
              assert=1, tonumber=1, rawequal=1, collectgarbage=1, getmetatable=1, rawset=1, pcall=1,
              coroutine=1, type=1, _G=1, select=1, unpack=1, gcinfo=1, pairs=1, rawget=1,
              loadstring=1, ipairs=1, _VERSION=1, setfenv=1, load=1, error=1, newproxy=1 }
            local names = {}
            for k in next, G do names[#names + 1] = k end
            for _, k in ipairs(names) do if not allowed[k] then G[k] = nil end end
            local rawsetmt, getmt, type, next = setmetatable, getmetatable, type, next
            local proxies = {}
            local function protect(t)
              local p = proxies[t]
              if p then return p end
              p = {}
              proxies[t] = p
              local inner = {}
              for k, v in next, t do
                if type(v) == 'table' then inner[k] = v end
              end
              for k, v in next, inner do rawset(t, k, protect(v)) end
              local mt = getmt(t)
              local shown = false
              if type(mt) == 'table' then shown = protect(mt) end
              local pmt = {__index = t, __newindex = newindex, __metatable = shown}
              rawsetmt(p, pmt)
              return p
            end
            rawsetmt(G, {__index = nonexistent})
            G.rawset = rawset_ro
            G.setmetatable = setmetatable_ro
            local proxy = protect(G)
            rawset(G, '_G', proxy)
            local loadstring, setfenv, tostring = loadstring, setfenv, tostring
            -- Lua 5.1's luaO_chunkid, for the message of a refused binary chunk
            local function chunkid(source)
              local first = source:sub(1, 1)
              if first == '=' then return source:sub(2, 60) end
              if first == '@' then
                local f = source:sub(2)
                if #f > 52 then return '...' .. f:sub(-52) end
                return f
              end
              local s = source:match('^[^%z]*')
              local nl = s:find('\\n', 1, true)
              local len = 45
              if #s > len or nl then
                if nl and nl - 1 < len then len = nl - 1 end
                return '[string "' .. s:sub(1, len) .. '..."]'
              end
              return '[string "' .. s .. '"]'
            end
            -- Redis's Lua reads every chunk as source: precompiled bytecode is refused as the parser
            -- refuses its first byte (loading bytecode is a way to crash the VM).
            rawset(G, 'loadstring', function(s, name)
              if type(s) == 'string' and s:byte(1) == 27 then
                return nil, chunkid(tostring(name or s)) .. ":1: unexpected symbol near 'char(27)'"
              end
              local f, e = loadstring(s, name)
              if f then setfenv(f, proxy) end
              return f, e
            end)
            return proxy
            """;

    /** rawset refusing a protected table (its metatable reads through and writes nowhere). */
    private party.iroiro.luajava.JFunction rawset() {
        return vm.function(() -> {
            long L = vm.L;
            if (vm.type(1) != LuaVm.TTABLE) return api.raiseText(badArg(1, "rawset", "table", vm.type(1)));
            if (vm.type(2) == -1) return api.raiseText("bad argument #2 to 'rawset' (value expected)");
            if (vm.type(3) == -1) return api.raiseText("bad argument #3 to 'rawset' (value expected)");
            if (isProtected(1)) return api.readonlyError();
            // lua_rawset would raise these itself, unwinding through the JNI frames: raised here instead
            if (vm.type(2) == LuaVm.TNIL) return vmError("table index is nil");
            if (vm.type(2) == LuaVm.TNUMBER && Double.isNaN(vm.c.lua_tonumber(L, 2))) return vmError("table index is NaN");
            vm.setTop(3);
            vm.c.lua_rawset(L, 1);
            return 1;
        });
    }

    /** setmetatable refusing a protected table; otherwise Lua's own rules. */
    private party.iroiro.luajava.JFunction setmetatable() {
        return vm.function(() -> {
            long L = vm.L;
            int t2 = vm.type(2);
            if (vm.type(1) != LuaVm.TTABLE) return api.raiseText(badArg(1, "setmetatable", "table", vm.type(1)));
            if (t2 != LuaVm.TNIL && t2 != LuaVm.TTABLE) {
                return api.raiseText("bad argument #2 to 'setmetatable' (nil or table expected)");
            }
            if (isProtected(1)) return api.readonlyError();
            if (vm.c.luaL_getmetafield(L, 1, "__metatable") != 0) {
                vm.pushAscii("cannot change a protected metatable");
                return -1;
            }
            vm.setTop(2);
            vm.c.lua_setmetatable(L, 1);
            return 1;
        });
    }

    /** An error the VM raises inside a C function: no position. */
    private int vmError(String message) {
        vm.pushAscii(message);
        return -1;
    }

    private String badArg(int arg, String fname, String expected, int got) {
        String name = got == -1 ? "no value" : vm.c.lua_typename(vm.L, got);
        return "bad argument #" + arg + " to '" + fname + "' (" + expected + " expected, got " + name + ")";
    }

    /** Registry reference of the read-only refusal: the __newindex of every protected table. */
    private int refusalRef = -1;

    /** Whether the table at {@code idx} (a positive index) is a read-only proxy. */
    private boolean isProtected(int idx) {
        long L = vm.L;
        if (vm.c.lua_getmetatable(L, idx) == 0) return false;
        vm.c.lua_getfield(L, -1, "__newindex");
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, refusalRef);
        boolean ro = vm.c.lua_rawequal(L, -1, -2) != 0;
        vm.c.lua_pop(L, 3);
        return ro;
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

    public boolean exists(String sha) {
        return scripts.containsKey(sha.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public int scriptCount() {
        return scripts.size();
    }

    /** Redis's evalScriptsMemory, approximately: the bodies and their entries. */
    @Override
    public long scriptsMemory() {
        return scriptsBodyBytes + scripts.size() * 96L;
    }

    /** Memory the Lua state uses (used_memory_lua): its allocator's count. */
    @Override
    public long luaMemory() {
        if (vm == null) return 37 * 1024; // what a fresh state holds, without creating one
        return (long) vm.c.lua_gc(vm.main, 3, 0) * 1024 + vm.c.lua_gc(vm.main, 4, 0); // LUA_GCCOUNT, LUA_GCCOUNTB
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
    public void flush() {
        if (vm != null) vm.close();
        vm = null;
        api = null;
        scripts.clear();
        scriptsBodyBytes = 0;
        refusalRef = -1;
    }

    // ---- Running a script ----------------------------------------------------------------------------

    /**
     * Runs a cached script for {@code caller} (Redis's luaCallFunction in EVAL mode): KEYS and ARGV set,
     * the function called with the error handler, the result or the error written to the caller.
     */
    void run(Client caller, String sha, Script script, byte[][] argv, int keysFrom, int numKeys, int argsFrom, int runFlags) {
        LuaVm lua = vm();
        long L = lua.main;
        lua.onMainThread();
        ScriptRun run = new ScriptRun(server, caller, scriptClient, sha, runFlags);
        current = run;
        try {
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, errorHandler);
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, script.ref());
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, globals);
            pushArray(lua, argv, keysFrom, numKeys);
            lua.c.lua_setfield(L, -2, "KEYS");
            pushArray(lua, argv, argsFrom, argv.length - argsFrom);
            lua.c.lua_setfield(L, -2, "ARGV");
            lua.c.lua_pop(L, 1);
            int err = lua.c.lua_pcall(L, 0, 1, -2);
            if (err != 0) {
                replyError(lua, caller.reply, sha);
            } else {
                ScriptReplies.write(lua, caller.reply, scriptClient.reply.protocol(), EvalEngine::writeError);
            }
            // As Redis: a step of collection every 50 scripts, so that Lua never needs a long full cycle.
            if (++runsSinceGc == 50) {
                lua.c.lua_gc(L, 5, 50); // LUA_GCSTEP
                runsSinceGc = 0;
            }
        } finally {
            lua.onMainThread();
            lua.setTop(0); // whatever happened, the next script starts from an empty stack
            current = null;
            if (killed) setHook("", HOOK_COUNT);
            killed = false;
            if (busy) {
                busy = false;
                if (server.busyMode != null) server.busyMode.leave();
            }
            scriptClient.argv = null;
            scriptClient.scriptCaller = null;
            ByteBuf leftover = scriptClient.reply.take();
            if (leftover != null) leftover.release();
        }
    }

    private static void pushArray(LuaVm lua, byte[][] argv, int from, int n) {
        lua.c.lua_createtable(lua.L, n, 0);
        for (int j = 0; j < n; j++) {
            lua.pushBytes(argv[from + j]);
            lua.c.lua_rawseti(lua.L, -2, j + 1);
        }
    }

    /** A script error as Redis words it: the message, then where in the script it happened. */
    private static void replyError(LuaVm lua, Reply out, String sha) {
        if (lua.type(-1) != LuaVm.TTABLE) {
            String msg = lua.type(-1) == LuaVm.TSTRING ? lua.toCString(-1) : "execution failure";
            if (msg.length() > 100) msg = msg.substring(0, 100);
            out.error("ERR Error running script " + sha + ", " + msg);
            return;
        }
        ScriptReplies.ErrorInfo info = ScriptReplies.errorInfo(lua);
        String msg = info.msg() == null ? "ERR" : info.msg();
        if (info.line() != null && info.source() != null) {
            msg = msg + " script: " + sha + ", on " + info.source() + ":" + info.line() + ".";
        }
        writeError(out, msg, info.ignoreStats());
    }

    private static void writeError(Reply out, String msg, boolean ignoreStats) {
        if (ignoreStats) out.errorWithoutStats(msg);
        else out.error(msg);
    }
}
