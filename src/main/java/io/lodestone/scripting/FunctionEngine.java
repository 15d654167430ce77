package io.lodestone.scripting;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import party.iroiro.luajava.JFunction;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FUNCTION's Lua engine (Redis's function_lua.c): the Lua state every library is loaded into, which
 * is not EVAL's. A library's code runs once, at FUNCTION LOAD, to register its functions; FCALL then
 * calls a registered function with KEYS and ARGV as its two arguments.
 *
 * <p><b>Two views of the globals.</b> Every library's code runs in one environment: an empty,
 * read-only table whose metatable's {@code __index} is switched. While a library loads it reads the
 * library API, which holds only {@code redis} with register_function, log and the version (reading
 * anything else is Redis's "nonexistent global variable" error); while a function runs it reads the
 * sandboxed globals, with the whole {@code redis} API and no register_function. Functions defined by
 * the code keep that environment, so they see the globals when they are called.
 */
final class FunctionEngine extends LuaEngine {
    /** Redis's LOAD_TIMEOUT_MS: a library's code must be done registering by then. */
    static final long LOAD_TIMEOUT_MS = 500;

    /** A function its library registered: its name, the registry reference of its callback, description and flags. */
    record Function(String name, int ref, byte[] description, int flags) {
    }

    /** Registry references of the library API's proxy, of the environment and of its metatable. */
    private int libraryApi, env, envMeta;
    /** The library being loaded (Redis's load context), or null outside FUNCTION LOAD. */
    private Map<String, Function> loading;
    private long loadStartNanos, loadTimeoutMs;

    /** The libraries, for FUNCTION STATS while a function is busy. */
    FunctionLibraries libraries;

    FunctionEngine(ServerContext server) {
        super(server);
    }

    @Override
    public byte[] functionStats(int protocol) {
        io.lodestone.protocol.Reply r = new io.lodestone.protocol.Reply(
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, error -> { });
        r.protocol(protocol);
        FunctionCommands.stats(libraries, r);
        io.netty.buffer.ByteBuf b = r.take();
        try {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    @Override
    public boolean isEval() {
        return false;
    }

    @Override
    void setUp() {
        long L = vm.L;
        byte[] chunk = ENVIRONMENT.getBytes(StandardCharsets.ISO_8859_1);
        if (vm.load(chunk, 0, chunk.length, "@functions") != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
        api.pushLoadApi(registerFunction());
        vm.pushFunction(api.nonexistentGlobal());
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, protectRef);
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, sandbox);
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, refusalRef());
        if (vm.c.lua_pcall(L, 5, 3, 0) != 0) throw new IllegalStateException(vm.c.lua_tostring(L, -1));
        envMeta = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        env = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        libraryApi = vm.c.luaL_ref(L, LuaVm.REGISTRY);
    }

    /**
     * Builds the library API (the {@code redis} table given, behind Redis's error metatable, in a
     * globals table that has nothing else) and the environment every library runs in.
     */
    private static final String ENVIRONMENT = """
            local redis, nonexistent, protect, globals, newindex = ...
            local errors = {__index = nonexistent}
            setmetatable(redis, errors)
            local api = setmetatable({redis = redis}, {__index = nonexistent})
            api = protect(api)
            local envmt = {__index = globals, __newindex = newindex, __metatable = false}
            local env = setmetatable({}, envmt)
            return api, env, envmt
            """;

    /** Points the environment's reads at the registry value {@code ref} (the library API or the globals). */
    private void environmentReads(int ref) {
        long L = vm.L;
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, envMeta);
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, ref);
        vm.c.lua_setfield(L, -2, "__index");
        vm.c.lua_pop(L, 1);
    }

    /**
     * Redis's luaEngineCreate: runs a library's code (its shebang line blanked, so that line numbers
     * stay the user's) to collect the functions it registers. Returns them, or throws
     * {@link FunctionLibraries.LoadError} with Redis's text; nothing stays registered on failure.
     */
    Map<String, Function> create(byte[] code, int codeFrom, long timeoutMs) {
        LuaVm lua = vm();
        lua.onMainThread();
        long L = lua.L;
        Map<String, Function> functions = new LinkedHashMap<>();
        environmentReads(libraryApi);
        try {
            if (lua.load(code, codeFrom, code.length - codeFrom, "@user_function") != 0) {
                String err = lua.toCString(-1);
                throw new FunctionLibraries.LoadError("Error compiling function: " + err);
            }
            lua.c.lua_rawgeti(L, LuaVm.REGISTRY, env);
            lua.c.lua_setfenv(L, -2);
            loading = functions;
            loadStartNanos = System.nanoTime();
            loadTimeoutMs = timeoutMs;
            if (lua.c.lua_pcall(L, 0, 0, 0) != 0) {
                ScriptReplies.ErrorInfo info = ScriptReplies.errorInfo(lua);
                throw new FunctionLibraries.LoadError("Error registering functions: " + info.msg());
            }
            return functions;
        } catch (RuntimeException e) {
            free(functions);
            throw e;
        } finally {
            loading = null;
            lua.setTop(0);
            environmentReads(sandbox);
            setHook("", HOOK_COUNT);
        }
    }

    /** Redis's luaEngineLoadHook: a library's code that runs past its timeout is stopped. */
    @Override
    int hookOutsideRun() {
        if (loading == null || loadTimeoutMs <= 0) return 0;
        if ((System.nanoTime() - loadStartNanos) / 1_000_000 <= loadTimeoutMs) return 0;
        setHook("l", 0); // from now on at every line, so that pcall cannot keep it going
        ScriptReplies.pushError(vm, "FUNCTION LOAD timeout");
        return -1;
    }

    /** Releases the callbacks of functions no library holds any more. */
    void free(Map<String, Function> functions) {
        if (vm == null) return;
        for (Function f : functions.values()) vm.c.luaL_unref(vm.L, LuaVm.REGISTRY, f.ref());
        functions.clear();
    }

    /** Runs a registered function (Redis's luaEngineCall): KEYS and ARGV are its arguments. */
    void run(Client caller, Function f, byte[][] argv, int keysFrom, int numKeys, int argsFrom, int runFlags) {
        call(caller, f.name(), f.ref(), argv, keysFrom, numKeys, argsFrom, runFlags);
    }

    @Override
    int pushArguments(LuaVm lua, byte[][] argv, int keysFrom, int numKeys, int argsFrom) {
        pushArray(lua, argv, keysFrom, numKeys);
        pushArray(lua, argv, argsFrom, argv.length - argsFrom);
        return 2;
    }

    // ---- redis.register_function ---------------------------------------------------------------------

    /** Redis's luaRegisterFunction. */
    private JFunction registerFunction() {
        return vm.function(() -> {
            if (loading == null) return api.raise("redis.register_function can only be called on FUNCTION LOAD command");
            int argc = vm.top();
            if (argc < 1 || argc > 2) return api.raise("wrong number of arguments to redis.register_function");
            Object parsed = argc == 1 ? namedArgs() : positionalArgs();
            if (parsed instanceof String error) return api.raise(error);
            Function f = (Function) parsed;
            String error = null;
            if (!FunctionLibraries.validName(f.name())) {
                error = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
            } else if (loading.containsKey(f.name())) {
                error = "Function already exists in the library";
            }
            if (error != null) {
                vm.c.luaL_unref(vm.L, LuaVm.REGISTRY, f.ref());
                return api.raise(error);
            }
            loading.put(f.name(), f);
            return 0;
        });
    }

    /** redis.register_function(name, callback): the function, or the error text. */
    private Object positionalArgs() {
        long L = vm.L;
        if (!isString(1)) return "first argument to redis.register_function must be a string";
        if (vm.type(2) != LuaVm.TFUNCTION) return "second argument to redis.register_function must be a function";
        String name = name(vm.toBytes(1));
        vm.setTop(2);
        int ref = vm.c.luaL_ref(L, LuaVm.REGISTRY);
        return new Function(name, ref, null, 0);
    }

    /** redis.register_function{function_name=..., callback=..., description=..., flags={...}}. */
    private Object namedArgs() {
        long L = vm.L;
        if (vm.type(1) != LuaVm.TTABLE) {
            return "calling redis.register_function with a single argument is only applicable to Lua table"
                    + " (representing named arguments).";
        }
        String name = null;
        byte[] description = null;
        int flags = 0;
        int ref = LuaVm.NOREF;
        String error = null;
        vm.c.lua_pushnil(L);
        while (vm.c.lua_next(L, 1) != 0) {
            // stack: table, key, value
            if (!isString(-2)) {
                error = "named argument key given to redis.register_function is not a string";
                break;
            }
            vm.c.lua_pushvalue(L, -2); // a copy: reading a number key as a string must not change the key
            String key = vm.toCString(-1);
            vm.c.lua_pop(L, 1);
            if (key.equalsIgnoreCase("function_name")) {
                if (!isString(-1)) {
                    error = "function_name argument given to redis.register_function must be a string";
                    break;
                }
                name = name(copyString(-1));
            } else if (key.equalsIgnoreCase("description")) {
                if (!isString(-1)) {
                    error = "description argument given to redis.register_function must be a string";
                    break;
                }
                description = copyString(-1);
            } else if (key.equalsIgnoreCase("callback")) {
                if (vm.type(-1) != LuaVm.TFUNCTION) {
                    error = "callback argument given to redis.register_function must be a function";
                    break;
                }
                if (ref != LuaVm.NOREF) vm.c.luaL_unref(L, LuaVm.REGISTRY, ref);
                ref = vm.c.luaL_ref(L, LuaVm.REGISTRY); // pops the value
                continue;
            } else if (key.equalsIgnoreCase("flags")) {
                if (vm.type(-1) != LuaVm.TTABLE) {
                    error = "flags argument to redis.register_function must be a table representing function flags";
                    break;
                }
                int f = readFlags();
                if (f < 0) {
                    error = "unknown flag given";
                    break;
                }
                flags = f;
            } else {
                error = "unknown argument given to redis.register_function";
                break;
            }
            vm.c.lua_pop(L, 1);
        }
        if (error == null && name == null) error = "redis.register_function must get a function name argument";
        if (error == null && ref == LuaVm.NOREF) error = "redis.register_function must get a callback argument";
        if (error != null) {
            if (ref != LuaVm.NOREF) vm.c.luaL_unref(L, LuaVm.REGISTRY, ref);
            vm.setTop(0);
            return error;
        }
        return new Function(name, ref, description, flags);
    }

    /** Redis's luaRegisterFunctionReadFlags on the table on top of the stack: the flags, or -1 for an unknown one. */
    private int readFlags() {
        long L = vm.L;
        int flags = 0;
        for (int j = 1; ; j++) {
            vm.c.lua_pushnumber(L, j);
            vm.c.lua_gettable(L, -2);
            if (vm.type(-1) == LuaVm.TNIL) {
                vm.c.lua_pop(L, 1);
                return flags;
            }
            int bit = isString(-1) ? ScriptFlags.of(name(copyString(-1))) : 0;
            vm.c.lua_pop(L, 1);
            if (bit == 0) return -1;
            flags |= bit;
        }
    }

    /** lua_isstring: a string or a number. */
    private boolean isString(int idx) {
        int t = vm.type(idx);
        return t == LuaVm.TSTRING || t == LuaVm.TNUMBER;
    }

    /** The string (or number, as text) at {@code idx}, without converting the value in place. */
    private byte[] copyString(int idx) {
        vm.c.lua_pushvalue(vm.L, idx);
        byte[] b = vm.toBytes(-1);
        vm.c.lua_pop(vm.L, 1);
        return b;
    }

    private static String name(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
