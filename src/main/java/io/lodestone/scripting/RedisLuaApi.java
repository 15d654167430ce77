package io.lodestone.scripting;

import io.lodestone.command.CommandSpec;
import io.lodestone.protocol.DoubleFormat;
import io.lodestone.util.Log;
import io.lodestone.util.Version;
import io.netty.buffer.ByteBuf;
import party.iroiro.luajava.JFunction;

import java.nio.charset.StandardCharsets;

/**
 * The {@code redis} table scripts see (Redis 7.0's script_lua.c and eval.c), math.random and
 * math.randomseed over Redis's own 48-bit generator, and the functions behind the read-only globals.
 *
 * <p>Each function follows the C API's convention through luajava: it works on the stack of the
 * thread that called it, returns how many results it pushed, or -1 to raise the value on top of the
 * stack as a Lua error (what Redis's functions do with lua_error).
 */
final class RedisLuaApi {
    /** Redis's REDIS_LRAND48_MAX. */
    private static final double LRAND48_MAX = Integer.MAX_VALUE;
    private static final long RAND48_MASK = (1L << 48) - 1;

    private final LuaEngine engine;
    private final LuaVm vm;
    /** Redis's rand.c state: a 48-bit linear congruential generator, as lrand48. */
    private long rand48 = 0x1234ABCD330EL;

    RedisLuaApi(LuaEngine engine, LuaVm vm) {
        this.engine = engine;
        this.vm = vm;
    }

    private JFunction fn(java.util.function.IntSupplier body) {
        return vm.function(body);
    }

    /** Builds the {@code redis} table and replaces math.random/randomseed; leaves nothing on the stack. */
    void register() {
        long L = vm.L;
        vm.c.lua_createtable(L, 0, 32);
        field("call", fn(() -> redisCall(true)));
        field("pcall", fn(() -> redisCall(false)));
        logAndVersion();
        field("setresp", fn(this::setResp));
        field("sha1hex", fn(this::sha1hex));
        field("error_reply", fn(this::errorReply));
        field("status_reply", fn(this::statusReply));
        field("set_repl", fn(this::setRepl));
        number("REPL_NONE", 0);
        number("REPL_AOF", 1);
        number("REPL_SLAVE", 2);
        number("REPL_REPLICA", 2);
        number("REPL_ALL", 3);
        field("acl_check_cmd", fn(this::aclCheckCmd));
        field("breakpoint", fn(() -> {
            // redis.breakpoint(): in a debugger session, stop at the next line
            LuaDebugger session = vm.debugging;
            if (session != null) session.breakpointCalled();
            vm.c.lua_pushboolean(vm.L, session != null ? 1 : 0);
            return 1;
        }));
        field("debug", fn(() -> {
            // redis.debug(...): its arguments logged in a debugger session
            if (vm.debugging != null) vm.debugging.debugCalled();
            return 0;
        }));
        field("replicate_commands", fn(() -> {
            vm.c.lua_pushboolean(vm.L, 1); // deprecated: scripts are always replicated by effects
            return 1;
        }));
        vm.c.lua_setfield(L, LuaVm.GLOBALS, "redis");

        vm.c.lua_getfield(L, LuaVm.GLOBALS, "math");
        field("random", fn(this::random));
        field("randomseed", fn(this::randomSeed));
        vm.c.lua_pop(L, 1);
    }

    /**
     * Pushes the {@code redis} table a library's code sees while FUNCTION LOAD runs it (Redis's
     * library API): register_function, log and the version, nothing that touches data.
     */
    void pushLoadApi(JFunction registerFunction) {
        vm.c.lua_createtable(vm.L, 0, 8);
        field("register_function", registerFunction);
        logAndVersion();
    }

    /** redis.log, its levels and the version fields, on the table on top of the stack. */
    private void logAndVersion() {
        field("log", fn(this::log));
        number("LOG_DEBUG", 0);
        number("LOG_VERBOSE", 1);
        number("LOG_NOTICE", 2);
        number("LOG_WARNING", 3);
        number("REDIS_VERSION_NUM", versionNum());
        vm.pushAscii(Version.REDIS_VERSION);
        vm.setField(-2, "REDIS_VERSION");
    }

    private void field(String name, JFunction f) {
        vm.pushFunction(f);
        vm.setField(-2, name);
    }

    private void number(String name, double v) {
        vm.c.lua_pushnumber(vm.L, v);
        vm.setField(-2, name);
    }

    private static int versionNum() {
        String[] p = Version.REDIS_VERSION.split("\\.");
        return (Integer.parseInt(p[0]) << 16) | (Integer.parseInt(p[1]) << 8) | Integer.parseInt(p[2]);
    }

    /** Pushes Redis's error table for {@code message} and returns -1: raise it. */
    int raise(String message) {
        ScriptReplies.pushError(vm, message);
        return -1;
    }

    // ---- redis.call / redis.pcall ------------------------------------------------------------------

    /** Redis's luaArgsToRedisArgv: strings as they are, numbers as %.17g; null after pushing the error. */
    private byte[][] argv() {
        int argc = vm.top();
        if (argc == 0) {
            ScriptReplies.pushError(vm, "Please specify at least one argument for this redis lib call");
            return null;
        }
        byte[][] argv = new byte[argc][];
        for (int j = 0; j < argc; j++) {
            int t = vm.type(j + 1);
            if (t == LuaVm.TNUMBER) {
                argv[j] = DoubleFormat.g17(vm.c.lua_tonumber(vm.L, j + 1)).getBytes(StandardCharsets.US_ASCII);
            } else if (t == LuaVm.TSTRING) {
                argv[j] = vm.toBytes(j + 1);
            } else {
                vm.setTop(0);
                ScriptReplies.pushError(vm, "Lua redis lib command arguments must be strings or integers");
                return null;
            }
        }
        vm.setTop(0);
        return argv;
    }

    /** Redis's luaRedisGenericCommand. */
    private int redisCall(boolean raise) {
        ScriptRun run = engine.current;
        if (run == null) return raise("redis.call/pcall can only be called inside a script invocation");
        byte[][] argv = argv();
        if (argv == null) return raise ? -1 : 1;
        LuaDebugger session = vm.debugging;
        if (session != null) session.logCommand(argv);
        String err = run.call(argv, argv.length);
        if (err != null) {
            ScriptReplies.pushError(vm, err.getBytes(StandardCharsets.ISO_8859_1), true);
            return raise ? -1 : 1;
        }
        ByteBuf out = run.scriptClient.reply.take();
        try {
            boolean error = out.getByte(out.readerIndex()) == '-';
            byte[] raw = session != null && session.stepping() ? io.netty.buffer.ByteBufUtil.getBytes(out) : null;
            ScriptReplies.push(vm, out);
            if (raw != null) session.logReply(raw);
            return raise && error ? -1 : 1;
        } finally {
            out.release();
        }
    }

    // ---- The other redis.* functions ---------------------------------------------------------------

    private int sha1hex() {
        if (vm.top() != 1) return raise("wrong number of arguments");
        byte[] s = vm.toBytes(1);
        vm.pushAscii(EvalEngine.sha1hex(s == null ? new byte[0] : s));
        return 1;
    }

    private int errorReply() {
        if (vm.top() != 1 || vm.type(-1) != LuaVm.TSTRING) {
            ScriptReplies.pushError(vm, "wrong number or type of arguments");
            return 1;
        }
        byte[] err = vm.toBytes(-1);
        if (err.length == 0 || err[0] != '-') {
            byte[] dashed = new byte[err.length + 1];
            dashed[0] = '-';
            System.arraycopy(err, 0, dashed, 1, err.length);
            err = dashed;
        }
        ScriptReplies.pushError(vm, err, false);
        return 1;
    }

    private int statusReply() {
        if (vm.top() != 1 || vm.type(-1) != LuaVm.TSTRING) {
            ScriptReplies.pushError(vm, "wrong number or type of arguments");
            return 1;
        }
        vm.c.lua_createtable(vm.L, 0, 1);
        vm.c.lua_pushvalue(vm.L, -2);
        vm.setField(-2, "ok");
        return 1;
    }

    private int setRepl() {
        ScriptRun run = engine.current;
        if (run == null) return raise("redis.set_repl can only be called inside a script invocation");
        if (vm.top() != 1) return raise("redis.set_repl() requires two arguments.");
        int flags = (int) vm.c.lua_tonumber(vm.L, -1);
        if ((flags & ~3) != 0) return raise("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        run.scriptClient.propagationMask = flags;
        return 0;
    }

    private int aclCheckCmd() {
        ScriptRun run = engine.current;
        if (run == null) return raise("redis.acl_check_cmd can only be called inside a script invocation");
        byte[][] argv = argv();
        if (argv == null) return -1;
        CommandSpec cmd = engine.server.commands.lookupCommand(argv, argv.length);
        if (cmd == null) return raise("Invalid command passed to redis.acl_check_cmd()");
        boolean ok = engine.server.access.permits(run.caller.user, cmd, argv, argv.length);
        vm.c.lua_pushboolean(vm.L, ok ? 1 : 0);
        return 1;
    }

    private int log() {
        int argc = vm.top();
        if (argc < 2) return raise("redis.log() requires two arguments or more.");
        if (vm.c.lua_isnumber(vm.L, 1) == 0) return raise("First argument must be a number (log level).");
        int level = (int) vm.c.lua_tonumber(vm.L, 1);
        if (level < 0 || level > 3) return raise("Invalid debug level.");
        StringBuilder msg = new StringBuilder();
        for (int j = 2; j <= argc; j++) {
            String s = vm.toCString(j);
            if (s == null) continue;
            if (j != 2) msg.append(' ');
            msg.append(s);
        }
        switch (level) {
            case 0 -> Log.debug(msg.toString());
            case 1 -> Log.verbose(msg.toString());
            case 2 -> Log.notice(msg.toString());
            default -> Log.warning(msg.toString());
        }
        return 0;
    }

    private int setResp() {
        ScriptRun run = engine.current;
        if (run == null) return raise("redis.setresp can only be called inside a script invocation");
        if (vm.top() != 1) return raise("redis.setresp() requires one argument.");
        int resp = (int) vm.c.lua_tonumber(vm.L, -1);
        if (resp != 2 && resp != 3) return raise("RESP version must be 2 or 3.");
        run.scriptClient.reply.protocol(resp);
        return 0;
    }

    // ---- math.random over Redis's generator ---------------------------------------------------------

    /** Redis's redisLrand48: the top 31 bits of the next state. */
    private int lrand48() {
        rand48 = (rand48 * 0x5DEECE66DL + 0xB) & RAND48_MASK;
        return (int) (rand48 >>> 17);
    }

    private int random() {
        if (engine.current == null) return raiseText("math.random can only be called inside a script invocation");
        double r = (lrand48() % (long) LRAND48_MAX) / LRAND48_MAX;
        switch (vm.top()) {
            case 0 -> vm.c.lua_pushnumber(vm.L, r);
            case 1 -> {
                Integer u = checkInt(1, "random");
                if (u == null) return -1;
                if (u < 1) return argError(1, "random", "interval is empty");
                vm.c.lua_pushnumber(vm.L, Math.floor(r * u) + 1);
            }
            case 2 -> {
                Integer l = checkInt(1, "random");
                if (l == null) return -1;
                Integer u = checkInt(2, "random");
                if (u == null) return -1;
                if (l > u) return argError(2, "random", "interval is empty");
                vm.c.lua_pushnumber(vm.L, Math.floor(r * ((double) u - l + 1)) + l);
            }
            default -> {
                return raiseText("wrong number of arguments");
            }
        }
        return 1;
    }

    private int randomSeed() {
        if (engine.current == null) return raiseText("math.randomseed can only be called inside a script invocation");
        Integer seed = checkInt(1, "randomseed");
        if (seed == null) return -1;
        rand48 = ((long) (seed >>> 16) << 32) | ((long) (seed & 0xFFFF) << 16) | 0x330E;
        return 0;
    }

    /** luaL_checkint: the argument as an int (a number or a numeric string), else the error pushed and null. */
    private Integer checkInt(int arg, String fname) {
        if (vm.c.lua_isnumber(vm.L, arg) == 0) {
            String got = vm.type(arg) == -1 ? "no value" : vm.c.lua_typename(vm.L, vm.type(arg));
            argError(arg, fname, "number expected, got " + got);
            return null;
        }
        return (int) (long) vm.c.lua_tonumber(vm.L, arg);
    }

    /** luaL_argerror: "bad argument #n to 'f' (msg)", positioned at the calling Lua code. */
    private int argError(int arg, String fname, String msg) {
        return raiseText("bad argument #" + arg + " to '" + fname + "' (" + msg + ")");
    }

    /** luaL_error from a C function: the message after the position of the Lua code that called it. */
    int raiseText(String message) {
        vm.c.luaL_where(vm.L, 1);
        vm.pushAscii(message);
        vm.c.lua_concat(vm.L, 2);
        return -1;
    }

    // ---- The read-only globals --------------------------------------------------------------------

    /** __index of the globals: reading a global that does not exist is an error (luaProtectedTableError). */
    JFunction nonexistentGlobal() {
        return fn(() -> {
            String name = vm.toCString(2);
            if (name == null) return raiseText("Second argument to luaProtectedTableError must be a string or number");
            return raiseText("Script attempted to access nonexistent global variable '" + name + "'");
        });
    }

    /** __newindex of every protected table: Redis's read-only tables refuse any change. */
    JFunction readonlyNewIndex() {
        return fn(() -> raiseText("Attempt to modify a readonly table"));
    }

    /** The error of rawset and setmetatable on a protected table: raised in C, so without a position. */
    int readonlyError() {
        vm.pushAscii("Attempt to modify a readonly table");
        return -1;
    }
}
