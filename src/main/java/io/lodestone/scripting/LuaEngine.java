package io.lodestone.scripting;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.protocol.Reply;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * What EVAL's and FUNCTION's Lua worlds share (Redis's script_lua.c and script.c): one Lua 5.1 state
 * with Redis's libraries and {@code redis} API, Redis's sandbox, the client scripts' commands run as,
 * the hook that watches a running script (busy-reply-threshold, SCRIPT KILL / FUNCTION KILL), and the
 * call of a script with its result or error written to the caller. {@link EvalEngine} adds the script
 * cache; {@link FunctionEngine} the libraries.
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
 * of a Java function), and no function a script can reach gives it: getfenv and setfenv are gone, as
 * in Redis with its 2025 security fixes, and what loadstring and load compile runs in the sandbox. A
 * script walking {@code pairs(_G)} sees the empty proxy where Redis would show the globals.
 *
 * <p>Created on first use: a server that never runs a script never loads the Lua library.
 */
abstract class LuaEngine implements ServerContext.BusyScript {
    final ServerContext server;
    LuaVm vm;
    RedisLuaApi api;
    /** Registry reference of __redis__err__handler. */
    int errorHandler;
    /** Registry reference of the real globals table. */
    int globals;
    /** Registry reference of the globals' read-only proxy. */
    int sandbox;
    /** Registry reference of the function that makes a read-only proxy of a table (and of the tables in it). */
    int protectRef;
    /** The client scripts' commands run as (Redis's lua_client, or the engine's client for functions). */
    Client scriptClient;
    /** The script running now, or null (read by the busy responder's thread too). */
    volatile ScriptRun current;
    /** The script being killed was told so (SCRIPT KILL or FUNCTION KILL accepted). */
    private volatile boolean killed;
    /** The running script passed busy-reply-threshold: other clients are being answered -BUSY. */
    private boolean busy;
    /** Registry references of debug.sethook (kept from before the sandbox) and of the count hook. */
    private int sethookRef, hookRef;
    /** Registry reference of the debug library, kept from before the sandbox for the Lua debugger. */
    int debugLibRef;
    private int runsSinceGc;

    LuaEngine(ServerContext server) {
        this.server = server;
    }

    /** The Lua state, set up on first use. */
    LuaVm vm() {
        if (vm == null) {
            try {
                init();
                setUp();
            } catch (RuntimeException | Error e) {
                // a half-built state must never run a script: the next use starts over
                if (vm != null) vm.close();
                vm = null;
                throw e;
            }
        }
        return vm;
    }

    /** What the engine adds to a new state, after the shared set-up. */
    abstract void setUp();

    /** Closes the state; the next use builds a new one. */
    void closeVm() {
        if (vm != null) vm.close();
        vm = null;
        api = null;
        refusalRef = -1;
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
        debugLibRef = vm.c.luaL_ref(L, LuaVm.REGISTRY);
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
        vm.pushFunction(loadstring());
        vm.pushFunction(load());
        if (vm.c.lua_pcall(L, 6, 2, 0) != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
        protectRef = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        sandbox = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        scriptClient = new Client(Long.MAX_VALUE - 1, server, new Reply(UnpooledByteBufAllocator.DEFAULT,
                server.stats::countError), null);
        scriptClient.isScript = true;
    }

    /** Instructions between two calls of the hook that watches a running script (Redis's 100000). */
    static final int HOOK_COUNT = 100_000;

    /** debug.sethook(hook, mask, count) on the current thread (coroutines created later inherit it). */
    void setHook(String mask, int count) {
        long L = vm.L;
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, sethookRef);
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, hookRef);
        vm.pushAscii(mask);
        vm.c.lua_pushnumber(L, count);
        if (vm.c.lua_pcall(L, 3, 0, 0) != 0) vm.c.lua_pop(L, 1);
    }

    /**
     * The hook outside a script run (a library being loaded): 0 to go on, or -1 with an error pushed
     * to stop the code.
     */
    int hookOutsideRun() {
        return 0;
    }

    /**
     * Redis's luaMaskCountHook: a script past busy-reply-threshold makes the server answer others
     * (-BUSY, SCRIPT KILL) while it runs; a killed script gets an error at every line from then on,
     * so that pcall cannot keep it alive.
     */
    private int countHook() {
        ScriptRun run = current;
        if (run == null) return hookOutsideRun();
        if (vm.debugging != null) return vm.debugging.hook(run);
        if (killed) {
            // Redis 7.0 words it so for FUNCTION KILL too
            io.lodestone.util.Log.warning("Lua script killed by user with SCRIPT KILL.");
            setHook("l", 0);
            ScriptReplies.pushError(vm, "Script killed by user with SCRIPT KILL...");
            return -1;
        }
        if (busy) {
            if (server.busyMode != null) server.busyMode.runPending();
            return 0;
        }
        long threshold = server.config.getLong("busy-reply-threshold");
        long elapsed = run.elapsedMs();
        if (threshold > 0 && elapsed >= threshold) {
            io.lodestone.util.Log.warning("Slow script detected: still in execution after " + elapsed
                    + " milliseconds. You can try killing the script using the " + killCommand()
                    + " command. Script name is: " + run.funcName + ".");
            busy = true;
            if (server.busyMode != null) server.busyMode.enter(this, run.caller);
        }
        return 0;
    }

    private String killCommand() {
        return isEval() ? "SCRIPT KILL" : "FUNCTION KILL";
    }

    /** Redis's slowevalerr or slowscripterr: the -BUSY text naming this engine's KILL. */
    @Override
    public String busyError() {
        return "BUSY Redis is busy running a script. You can only call " + killCommand() + " or SHUTDOWN NOSAVE.";
    }

    /** FUNCTION STATS while an EVAL script is busy: Redis's slowevalerr (a function's engine answers it). */
    @Override
    public byte[] functionStats(int protocol) {
        return ("-" + busyError() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Redis's scriptKill: {@code eval} is SCRIPT KILL, else FUNCTION KILL. */
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
        // SCRIPT KILL does not kill a function, nor FUNCTION KILL an EVAL script.
        if (eval != isEval()) return "-" + busyError();
        killed = true;
        return "+OK";
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
     * table reachable from them (metatables included), and of the strings' metatable; loadstring and
     * load compile source only, in the sandbox. Returns the globals' proxy and the function
     * that protects a table that way.
     */
    private static final String PROTECT = """
            local newindex, nonexistent, rawset_ro, setmetatable_ro, loadstring_src, load_src = ...
            local G, rawset, ipairs = _G, rawset, ipairs
            -- Redis 7.0's allow list with its 2025 security fixes (getfenv, setfenv and newproxy went:
            -- getfenv(0) is the real globals table)
            local allowed = {
              string=1, cjson=1, bit=1, cmsgpack=1, math=1, table=1, struct=1, redis=1,
              __redis__err__handler=1, xpcall=1, tostring=1, setmetatable=1, next=1,
              assert=1, tonumber=1, rawequal=1, collectgarbage=1, getmetatable=1, rawset=1, pcall=1,
              coroutine=1, type=1, _G=1, select=1, unpack=1, gcinfo=1, pairs=1, rawget=1,
              loadstring=1, ipairs=1, _VERSION=1, load=1, error=1 }
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
            G.loadstring = loadstring_src
            G.load = load_src
            local proxy = protect(G)
            rawset(G, '_G', proxy)
            -- The metatable strings share is read-only too (Redis's fix for CVE-2025-46818): what
            -- getmetatable('') gives is its proxy, and its __index is the string library's proxy.
            local smt = getmt('')
            local sproxy = protect(smt)
            rawset(smt, '__metatable', sproxy)
            return proxy, protect
            """;

    /**
     * loadstring as Redis's Lua has it: source only (Redis's Lua refuses precompiled chunks, which can
     * crash the VM), and what it compiles runs in the sandbox.
     */
    private party.iroiro.luajava.JFunction loadstring() {
        return vm.function(() -> {
            int t = vm.type(1);
            if (t != LuaVm.TSTRING && t != LuaVm.TNUMBER) return api.raiseText(badArg(1, "loadstring", "string", t));
            byte[] code = vm.toBytes(1);
            String name = chunkName(2, "loadstring", vm.toCString(1));
            if (name == null) return -1;
            return compileInSandbox(code, name);
        });
    }

    /** load(reader [, name]): the reader's pieces read first, then compiled as loadstring does. */
    private party.iroiro.luajava.JFunction load() {
        return vm.function(() -> {
            long L = vm.L;
            if (vm.type(1) != LuaVm.TFUNCTION) return api.raiseText(badArg(1, "load", "function", vm.type(1)));
            String name = chunkName(2, "load", "=(load)");
            if (name == null) return -1;
            java.io.ByteArrayOutputStream code = new java.io.ByteArrayOutputStream();
            while (true) {
                vm.c.lua_pushvalue(L, 1);
                if (vm.c.lua_pcall(L, 0, 1, 0) != 0) {
                    // as inside lua_load: the error is what load returns, made a table by the error handler
                    boolean table = vm.type(-1) == LuaVm.TTABLE;
                    String msg = table ? null : vm.toCString(-1);
                    if (table) vm.c.lua_insert(L, 1);
                    vm.setTop(table ? 1 : 0);
                    vm.c.lua_pushnil(L);
                    if (table) vm.c.lua_insert(L, 1);
                    else ScriptReplies.pushError(vm, msg == null ? "(error object is not a string)" : msg);
                    return 2;
                }
                int t = vm.type(-1);
                if (t == LuaVm.TNIL) break;
                if (t != LuaVm.TSTRING && t != LuaVm.TNUMBER) {
                    // Lua's generic_reader raises it inside lua_load, whose error handler makes it an
                    // error table that load returns
                    vm.c.luaL_where(L, 1);
                    String where = vm.toCString(-1);
                    vm.setTop(0);
                    vm.c.lua_pushnil(L);
                    ScriptReplies.pushError(vm, where + "reader function must return a string");
                    return 2;
                }
                byte[] piece = vm.toBytes(-1);
                vm.c.lua_pop(L, 1);
                if (piece.length == 0) break;
                code.writeBytes(piece);
            }
            return compileInSandbox(code.toByteArray(), name);
        });
    }

    /** luaL_optstring: the chunk name argument, or its default; null with the error pushed. */
    private String chunkName(int arg, String fname, String otherwise) {
        int t = vm.type(arg);
        if (t == -1 || t == LuaVm.TNIL) return otherwise;
        if (t != LuaVm.TSTRING && t != LuaVm.TNUMBER) {
            api.raiseText(badArg(arg, fname, "string", t));
            return null;
        }
        vm.c.lua_pushvalue(vm.L, arg);
        String name = vm.toCString(-1);
        vm.c.lua_pop(vm.L, 1);
        return name;
    }

    /**
     * Compiles {@code code} as source: a chunk starting as precompiled bytecode gets a blank first, so
     * that Lua's parser refuses its first byte with its own message, on the same line. Pushes the
     * function (its environment the sandbox) or nil and the error; returns 2 or 1.
     */
    private int compileInSandbox(byte[] code, String name) {
        long L = vm.L;
        if (code.length > 0 && code[0] == 0x1B) {
            byte[] source = new byte[code.length + 1];
            source[0] = ' ';
            System.arraycopy(code, 0, source, 1, code.length);
            code = source;
        }
        vm.setTop(0);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(code.length);
        b.put(code).flip();
        if (vm.c.luaJ_loadbuffer(L, b, code.length, name) != 0) {
            vm.c.lua_pushnil(L);
            vm.c.lua_insert(L, -2);
            return 2;
        }
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, sandbox);
        vm.c.lua_setfenv(L, -2);
        return 1;
    }

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

    // ---- Running a script ----------------------------------------------------------------------------

    /** Memory the Lua state uses (used_memory_vm_eval, used_memory_vm_functions): its allocator's count. */
    long luaMemory() {
        if (vm == null) return 37 * 1024; // what a fresh state holds, without creating one
        return (long) vm.c.lua_gc(vm.main, 3, 0) * 1024 + vm.c.lua_gc(vm.main, 4, 0); // LUA_GCCOUNT, LUA_GCCOUNTB
    }


    /**
     * Pushes what the script is called with (after the error handler and the function) and returns
     * how many arguments that is: EVAL sets KEYS and ARGV as globals, a function gets them as arguments.
     */
    abstract int pushArguments(LuaVm lua, byte[][] argv, int keysFrom, int numKeys, int argsFrom);

    /**
     * Redis's luaCallFunction: calls the function at registry reference {@code fnRef} for
     * {@code caller} with the error handler, and writes its result or its error to the caller.
     */
    void call(Client caller, String funcName, int fnRef, byte[][] argv, int keysFrom, int numKeys, int argsFrom,
              int runFlags) {
        LuaVm lua = vm();
        long L = lua.main;
        lua.onMainThread();
        ScriptRun run = new ScriptRun(server, caller, scriptClient, funcName, runFlags);
        run.callerArgv = argv;
        current = run;
        // A Lua debugger session (Redis's luaLdbLineHook) watches every line instead of the count
        boolean debugging = lua.debugging != null;
        if (debugging) setHook("l", HOOK_COUNT);
        try {
            int handler = lua.top() + 1;
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, errorHandler);
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, fnRef);
            int nargs = pushArguments(lua, argv, keysFrom, numKeys, argsFrom);
            int err = lua.c.lua_pcall(L, nargs, 1, handler);
            if (err != 0) {
                replyError(lua, caller, funcName);
            } else {
                ScriptReplies.write(lua, caller.reply, scriptClient.reply.protocol(), (out, msg, ignore) -> writeError(caller, msg, ignore));
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
            if (debugging) setHook("", HOOK_COUNT);
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

    static void pushArray(LuaVm lua, byte[][] argv, int from, int n) {
        lua.c.lua_createtable(lua.L, n, 0);
        for (int j = 0; j < n; j++) {
            lua.pushBytes(argv[from + j]);
            lua.c.lua_rawseti(lua.L, -2, j + 1);
        }
    }

    /** A script error as Redis words it: the message, then where in the script it happened. */
    private static void replyError(LuaVm lua, Client caller, String funcName) {
        Reply out = caller.reply;
        if (lua.type(-1) != LuaVm.TTABLE) {
            String msg = lua.type(-1) == LuaVm.TSTRING ? lua.toCString(-1) : "execution failure";
            if (msg.length() > 100) msg = msg.substring(0, 100);
            out.error("ERR Error running script " + funcName + ", " + msg);
            return;
        }
        ScriptReplies.ErrorInfo info = ScriptReplies.errorInfo(lua);
        String msg = info.msg() == null ? "ERR" : info.msg();
        if (info.line() != null && info.source() != null) {
            msg = msg + " script: " + funcName + ", on " + info.source() + ":" + info.line() + ".";
        }
        writeError(caller, msg, info.ignoreStats());
    }

    /**
     * The script's error to its caller. One already counted where it arose (a command the script
     * called) is not counted again, but the script's call still failed (Redis's afterErrorReply with
     * ERR_REPLY_FLAG_NO_STATS_UPDATE).
     */
    private static void writeError(Client caller, String msg, boolean ignoreStats) {
        if (!ignoreStats) {
            caller.reply.error(msg);
            return;
        }
        caller.reply.errorWithoutStats(msg);
        if (caller.cmd != null) caller.cmd.failedCalls++;
    }

    /** Redis's luaProtectTable: a read-only proxy of the table on top of the stack, which it replaces. */
    void protectTop() {
        long L = vm.L;
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, protectRef);
        vm.c.lua_insert(L, -2);
        if (vm.c.lua_pcall(L, 1, 1, 0) != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
    }

    /** The registry reference of the refusal every protected table's __newindex is. */
    int refusalRef() {
        return refusalRef;
    }
}
