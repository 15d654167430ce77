package io.lodestone.scripting;

import io.lodestone.command.Client;
import io.lodestone.command.Connection;
import io.lodestone.scripting.LuaDebuggerText.Bytes;
import io.lodestone.util.Log;
import io.lodestone.util.Numbers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static io.lodestone.scripting.LuaDebuggerText.cString;
import static io.lodestone.util.Numbers.atoi;

/**
 * Redis 7.0's Lua debugger (eval.c's ldb*), in its synchronous mode: SCRIPT DEBUG SYNC makes the
 * client's next EVAL a debugging session. The server is blocked meanwhile, as Redis is: a line hook
 * stops the script, then the debugger reads commands from the client's socket itself (RESP arrays,
 * parsed as ldbReplParseCommand parses them) and answers each with its logs, one RESP array of
 * status lines. At the end {@code <endsession>} is sent, then the EVAL's reply, and the connection
 * is closed.
 *
 * <p>The command thread is Netty's event loop, inside the script: the socket is read and written
 * through its file descriptor ({@link Connection.RawSocket}), non-blocking, waiting for the client
 * as Redis's blocking read does. What the client sent after EVAL and the decoder holds is read first.
 *
 * <p>Lodestone has no lua_getstack/lua_getlocal from Java: the debug library's getinfo and getlocal
 * (kept from before the sandbox) are called instead, two levels up (getinfo itself, then the Java
 * function the hook or redis.debug is).
 *
 * <p>Differences from Redis: SCRIPT DEBUG YES (forked sessions) is refused, the JVM cannot fork; a
 * debugging EVAL inside MULTI/EXEC is refused; commands the client sends in one write are all run, in
 * order (Redis keeps the first and drops the rest); an {@code eval} whose error is not a string logs
 * it (Redis crashes); read-only tables of the sandbox (proxies) print as empty tables.
 */
final class LuaDebugger {
    private static final int BREAKPOINTS_MAX = 64;
    private static final int MAXLEN_DEFAULT = 256;
    /** The most a client's pending debugger commands may hold. */
    private static final int CBUF_MAX = 1 << 20;
    /** Redis's connSendTimeout of the debugging client. */
    private static final long SEND_TIMEOUT_NANOS = 5_000_000_000L;
    /** How the REPL ends: back to the script, the client gone, or an error (pushed) to raise. */
    private static final int GO_ON = 0, GONE = 1, RAISE = 2;

    private final EvalEngine engine;
    private Connection.RawSocket socket;
    private final List<byte[]> logs = new ArrayList<>();
    /** The script's source, split into lines. */
    private byte[][] src = new byte[0][];
    private final int[] bp = new int[BREAKPOINTS_MAX];
    private int bpcount;
    /** Stop at the next line (and log redis.call()s meanwhile). */
    private boolean step;
    /** redis.breakpoint() was called: stop at the next line. */
    private boolean luabp;
    private int currentline;
    /** Bytes received from the client and not yet run as commands. */
    private byte[] cbuf = new byte[0];
    private long maxlen;
    private boolean maxlenHintSent;
    /** The client's bytes broke the protocol: the session ends with an error. */
    private boolean parseError;
    /** What {@link #info} read: currentline, short_src and name of a stack level. */
    private int infoLine;
    private String infoSource, infoName;

    LuaDebugger(EvalEngine engine) {
        this.engine = engine;
    }

    // ---- The session -------------------------------------------------------------------------------

    /**
     * Redis's evalGenericCommandWithDebugging: {@code eval} (EVAL's checks and run) inside a session,
     * which ends, whatever happened, with {@code <endsession>} and the client closed after the reply.
     */
    void session(Client c, Runnable eval) {
        Connection.RawSocket s = c.conn.rawSocket();
        LuaVm vm = engine.vm();
        c.conn.flushOutput(); // earlier replies go out before the session's
        Log.warning("Redis synchronous debugging eval session started");
        socket = s;
        logs.clear();
        step = true;
        luabp = false;
        bpcount = 0;
        maxlen = MAXLEN_DEFAULT;
        maxlenHintSent = false;
        parseError = false;
        src = splitLines(c.argv[1]);
        cbuf = s.takeBuffered();
        vm.debugging = this;
        try {
            eval.run();
        } finally {
            vm.debugging = null;
            log("<endsession>");
            sendLogs();
            Log.warning("Redis synchronous debugging eval session ended");
            socket = null;
            src = new byte[0][];
            cbuf = new byte[0];
            c.closing = true; // closed once the EVAL's reply is written
        }
    }

    /** The source without its trailing newlines, split at each newline (sdssplitlen). */
    private static byte[][] splitLines(byte[] body) {
        int len = body.length;
        while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r')) len--;
        if (len == 0) return new byte[0][];
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (body[i] == '\n') {
                lines.add(Arrays.copyOfRange(body, start, i));
                start = i + 1;
            }
        }
        lines.add(Arrays.copyOfRange(body, start, len));
        return lines.toArray(new byte[0][]);
    }

    // ---- The line hook ------------------------------------------------------------------------------

    /**
     * Redis's luaLdbLineHook, called for every line and every 100000 instructions: stops where asked
     * (a step, a breakpoint, redis.breakpoint(), a script running past busy-reply-threshold) and runs
     * the REPL. Returns 0, or -1 with the error to raise pushed.
     */
    int hook(ScriptRun run) {
        LuaVm vm = engine.vm;
        boolean countEvent = vm.type(2) != LuaVm.TNUMBER; // a line event comes with its line
        if (!countEvent) {
            // the common case, made cheap: a line where nothing stops
            currentline = (int) vm.c.lua_tonumber(vm.L, 2);
            if (!step && !luabp && !isBreakpoint(currentline)) return 0;
        }
        if (!info(0, "Sl")) return 0;
        currentline = infoLine;
        boolean bp = isBreakpoint(currentline) || luabp;
        boolean timeout = false;
        if (infoSource == null || !infoSource.contains("user_script")) return 0;
        if (countEvent && !step && !bp) {
            long limit = engine.server.config.getLong("busy-reply-threshold");
            if (run.elapsedMs() < (limit > 0 ? limit : 5000)) return 0;
            timeout = true;
            step = true;
        }
        if (!step && !bp) return 0;
        String reason = bp ? (luabp ? "redis.breakpoint() called" : "break point")
                : timeout ? "timeout reached, infinite loop?" : "step over";
        step = false;
        luabp = false;
        log("* Stopped at " + currentline + ", stop reason = " + reason);
        logSourceLine(currentline);
        sendLogs();
        int outcome = repl();
        if (outcome == RAISE) return -1;
        if (outcome == GONE && timeout) {
            vm.pushAscii("timeout during Lua debugging with client closing connection");
            return -1;
        }
        run.startNanos = System.nanoTime();
        return 0;
    }

    /** Whether redis.call()s are logged now (Redis's ldbIsEnabled). */
    boolean stepping() {
        return step;
    }

    /** redis.breakpoint(). */
    void breakpointCalled() {
        luabp = true;
    }

    /** redis.debug(...): its arguments (on the stack) logged. */
    void debugCalled() {
        Bytes s = new Bytes().add("<debug> line " + currentline + ": ");
        int argc = engine.vm.top();
        for (int i = 1; i <= argc; i++) {
            LuaDebuggerText.catValue(engine.vm, s, i, 0);
            if (i != argc) s.add(", ");
        }
        log(s.toByteArray());
    }

    /** A command a script runs while stepping: "{@code <redis>} argv..." (ten arguments at most). */
    void logCommand(byte[][] argv) {
        if (!step) return;
        Bytes s = new Bytes().add("<redis>");
        for (int j = 0; j < argv.length; j++) {
            if (j == 10) {
                s.add(" ... (" + (argv.length - j - 1) + " more)"); // Redis's count, one short
                break;
            }
            s.add(" ").add(argv[j]);
        }
        log(s.toByteArray());
    }

    /** The reply a command gave a script while stepping, in ldbRedisProtocolToHuman's form. */
    void logReply(byte[] reply) {
        Bytes s = new Bytes().add("<reply> ");
        LuaDebuggerText.human(s, reply, 0);
        logWithMaxLen(s.toByteArray());
    }

    /** An error pushed to the script while stepping (luaPushErrorBuff's log). */
    void logError(byte[] error) {
        if (step) log(new Bytes().add("<error> ").add(cString(error)).toByteArray());
    }

    // ---- The REPL ----------------------------------------------------------------------------------

    /** Redis's ldbRepl: runs the client's commands until one goes back to the script. */
    private int repl() {
        LuaVm vm = engine.vm;
        byte[] buf = new byte[1024];
        while (true) {
            byte[][] argv;
            while ((argv = parseCommand()) == null) {
                if (parseError) {
                    parseError = false;
                    vm.pushAscii("protocol error");
                    return RAISE;
                }
                int n = read(buf);
                if (n <= 0) {
                    // the client is gone: the script runs on without stopping
                    step = false;
                    bpcount = 0;
                    return GONE;
                }
                byte[] more = Arrays.copyOf(cbuf, cbuf.length + n);
                System.arraycopy(buf, 0, more, cbuf.length, n);
                cbuf = more;
                if (cbuf.length > CBUF_MAX) {
                    cbuf = new byte[0];
                    vm.pushAscii("max client buffer reached");
                    return RAISE;
                }
            }
            int argc = argv.length;
            switch (new String(cString(argv[0]), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)) {
                case "h", "help" -> help();
                case "s", "step", "n", "next" -> {
                    step = true;
                    return GO_ON;
                }
                case "c", "continue" -> {
                    return GO_ON;
                }
                case "t", "trace" -> trace();
                case "m", "maxlen" -> maxlen(argv);
                case "b", "break" -> breakpoints(argv);
                case "e", "eval" -> eval(argv);
                case "a", "abort" -> {
                    vm.pushAscii("script aborted for user request");
                    return RAISE;
                }
                case "r", "redis" -> {
                    if (argc > 1) redis(argv);
                    else unknown();
                }
                case "p", "print" -> {
                    if (argc == 2) print(argv[1]);
                    else printAll();
                }
                case "l", "list" -> {
                    int around = currentline, ctx = 5, num = argc > 1 ? atoi(argv[1]) : 0;
                    if (num > 0) around = num;
                    if (argc > 2) ctx = atoi(argv[2]);
                    list(around, ctx);
                }
                case "w", "whole" -> list(1, 1000000);
                default -> unknown();
            }
            sendLogs();
        }
    }

    private void unknown() {
        log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
    }

    /** Reads what the client sent: waits for it as a blocking read would; -1 when it is gone. */
    private int read(byte[] buf) {
        long pause = 50_000;
        while (true) {
            int n = socket.read(buf);
            if (n != 0) return n;
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /** The next command in what the client sent, or null (more bytes needed, or {@link #parseError}). */
    private byte[][] parseCommand() {
        LuaDebuggerText.Parsed parsed = LuaDebuggerText.parseCommand(cbuf);
        if (parsed == null) return null;
        if (parsed.argv() == null) {
            parseError = true;
            return null;
        }
        cbuf = Arrays.copyOfRange(cbuf, parsed.consumed(), cbuf.length);
        return parsed.argv();
    }

    private void help() {
        for (String line : LuaDebuggerText.HELP) log(line);
    }

    // ---- Source and breakpoints ----------------------------------------------------------------------

    private byte[] sourceLine(int line) {
        int idx = line - 1;
        if (idx < 0 || idx >= src.length) return "<out of range source code line>".getBytes(StandardCharsets.US_ASCII);
        return cString(src[idx]);
    }

    /** "%s%-3d %s": the marks of the current line and of a breakpoint, the number, the line. */
    private void logSourceLine(int lnum) {
        boolean bp = isBreakpoint(lnum), current = currentline == lnum;
        String prefix = current && bp ? "->#" : current ? "-> " : bp ? "  #" : "   ";
        StringBuilder n = new StringBuilder(Integer.toString(lnum));
        while (n.length() < 3) n.append(' ');
        log(new Bytes().add(prefix).add(n.toString()).add(" ").add(sourceLine(lnum)).toByteArray());
    }

    private void list(int around, int context) {
        for (int j = 1; j <= src.length; j++) {
            if (around != 0 && Math.abs(around - j) > context) continue;
            logSourceLine(j);
        }
    }

    private boolean isBreakpoint(int line) {
        for (int j = 0; j < bpcount; j++) if (bp[j] == line) return true;
        return false;
    }

    private void breakpoints(byte[][] argv) {
        if (argv.length == 1) {
            if (bpcount == 0) {
                log("No breakpoints set. Use 'b <line>' to add one.");
                return;
            }
            log(bpcount + " breakpoints set:");
            for (int j = 0; j < bpcount; j++) logSourceLine(bp[j]);
            return;
        }
        for (int j = 1; j < argv.length; j++) {
            Long line = Numbers.isLong(argv[j]) ? Numbers.parseLong(argv[j]) : null;
            if (line == null) {
                log(new Bytes().add("Invalid argument:'").add(cString(argv[j])).add("'").toByteArray());
            } else if (line == 0) {
                bpcount = 0;
                log("All breakpoints removed.");
            } else if (line > 0) {
                if (bpcount == BREAKPOINTS_MAX) {
                    log("Too many breakpoints set.");
                } else if (line <= src.length && !isBreakpoint((int) (long) line)) {
                    bp[bpcount++] = (int) (long) line;
                    list((int) (long) line, 1);
                } else {
                    log("Wrong line number.");
                }
            } else {
                log(deleteBreakpoint((int) -line) ? "Breakpoint removed." : "No breakpoint in the specified line.");
            }
        }
    }

    /**
     * Redis's ldbDelBreakpoint, with its memmove of {@code count - j} bytes where as many ints were
     * meant: on x86-64 (little-endian) the breakpoints after the removed one are not all kept.
     */
    private boolean deleteBreakpoint(int line) {
        for (int j = 0; j < bpcount; j++) {
            if (bp[j] != line) continue;
            bpcount--;
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(bp.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asIntBuffer().put(bp);
            byte[] raw = bytes.array();
            System.arraycopy(raw, (j + 1) * 4, raw, j * 4, bpcount - j);
            bytes.asIntBuffer().get(bp);
            return true;
        }
        return false;
    }

    private void maxlen(byte[][] argv) {
        if (argv.length == 2) {
            int v = atoi(argv[1]);
            maxlenHintSent = true; // the user knows about the command
            if (v != 0 && v <= 60) v = 60;
            maxlen = v;
        }
        log(maxlen != 0 ? "<value> replies are truncated at " + maxlen + " bytes." : "<value> replies are unlimited.");
    }

    // ---- Values and the Lua stack ------------------------------------------------------------------

    /**
     * debug.getinfo at stack level {@code level} as lua_getstack counts (0: the function running):
     * reads its currentline, short_src and name. False when there is no such level.
     */
    private boolean info(int level, String what) {
        LuaVm vm = engine.vm;
        long L = vm.L;
        int top = vm.top();
        try {
            vm.c.lua_rawgeti(L, LuaVm.REGISTRY, engine.debugLibRef);
            vm.c.lua_getfield(L, -1, "getinfo");
            vm.c.lua_pushnumber(L, level + 2);
            vm.pushAscii(what);
            if (vm.c.lua_pcall(L, 2, 1, 0) != 0 || vm.type(-1) != LuaVm.TTABLE) return false;
            vm.c.lua_getfield(L, -1, "currentline");
            infoLine = (int) vm.c.lua_tonumber(L, -1);
            vm.c.lua_getfield(L, -2, "short_src");
            infoSource = vm.type(-1) == LuaVm.TSTRING ? vm.toCString(-1) : null;
            vm.c.lua_getfield(L, -3, "name");
            infoName = vm.type(-1) == LuaVm.TSTRING ? vm.toCString(-1) : null;
            return true;
        } finally {
            vm.setTop(top);
        }
    }

    /** debug.getlocal at {@code level}: the name, its value pushed; or null, nothing pushed. */
    private String local(int level, int i) {
        LuaVm vm = engine.vm;
        long L = vm.L;
        int top = vm.top();
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, engine.debugLibRef);
        vm.c.lua_getfield(L, -1, "getlocal");
        vm.c.lua_pushnumber(L, level + 2);
        vm.c.lua_pushnumber(L, i);
        if (vm.c.lua_pcall(L, 2, 2, 0) != 0 || vm.type(-2) != LuaVm.TSTRING) {
            vm.setTop(top);
            return null;
        }
        String name = vm.toCString(-2);
        vm.c.lua_remove(L, -2);
        vm.c.lua_remove(L, -2); // the debug table
        return name;
    }

    /** Redis's ldbPrint: the innermost local of that name, or the global KEYS or ARGV. */
    private void print(byte[] var) {
        String name = new String(cString(var), StandardCharsets.ISO_8859_1);
        for (int l = 0; info(l, "S"); l++) {
            String local;
            for (int i = 1; (local = local(l, i)) != null; i++) {
                boolean found = local.equals(name);
                if (found) logStackValue("<value> ");
                engine.vm.c.lua_pop(engine.vm.L, 1);
                if (found) return;
            }
        }
        if (name.equals("ARGV") || name.equals("KEYS")) {
            engine.vm.c.lua_getfield(engine.vm.L, LuaVm.GLOBALS, name);
            logStackValue("<value> ");
            engine.vm.c.lua_pop(engine.vm.L, 1);
        } else {
            log("No such variable.");
        }
    }

    /** Redis's ldbPrintAll: the locals of the current function. */
    private void printAll() {
        int vars = 0;
        if (info(0, "S")) {
            String local;
            for (int i = 1; (local = local(0, i)) != null; i++) {
                if (!local.contains("(*temporary)")) {
                    logStackValue("<value> " + local + " = ");
                    vars++;
                }
                engine.vm.c.lua_pop(engine.vm.L, 1);
            }
        }
        if (vars == 0) log("No local variables in the current context.");
    }

    private void trace() {
        int level = 0;
        while (info(level, "Snl")) {
            if (infoSource != null && infoSource.contains("user_script")) {
                log((level == 0 ? "In " : "From ") + (infoName != null ? infoName : "top level") + ":");
                logSourceLine(infoLine);
            }
            level++;
        }
        if (level == 0) log("<error> Can't retrieve Lua stack.");
    }

    /** Redis's ldbEval: the code as an expression ("return " before it), else as statements. */
    private void eval(byte[][] argv) {
        LuaVm vm = engine.vm;
        long L = vm.L;
        Bytes code = new Bytes();
        for (int j = 1; j < argv.length; j++) {
            if (j > 1) code.add(" ");
            code.add(argv[j]);
        }
        byte[] statements = code.toByteArray();
        byte[] expr = new Bytes().add("return ").add(statements).toByteArray();
        if (vm.load(expr, 0, expr.length, "@ldb_eval") != 0) {
            vm.c.lua_pop(L, 1);
            if (vm.load(statements, 0, statements.length, "@ldb_eval") != 0) {
                log(new Bytes().add("<error> ").add(errorText()).toByteArray());
                vm.c.lua_pop(L, 1);
                return;
            }
        }
        vm.c.lua_rawgeti(L, LuaVm.REGISTRY, engine.sandbox);
        vm.c.lua_setfenv(L, -2);
        if (vm.c.lua_pcall(L, 0, 1, 0) != 0) {
            log(new Bytes().add("<error> ").add(errorText()).toByteArray());
            vm.c.lua_pop(L, 1);
            return;
        }
        logStackValue("<retval> ");
        vm.c.lua_pop(L, 1);
    }

    /** The error on top of the stack as text: a string, or an error table's message. */
    private byte[] errorText() {
        LuaVm vm = engine.vm;
        if (vm.type(-1) == LuaVm.TTABLE) {
            vm.c.lua_getfield(vm.L, -1, "err");
            byte[] err = vm.type(-1) == LuaVm.TSTRING ? vm.toBytes(-1) : null;
            vm.c.lua_pop(vm.L, 1);
            if (err != null) return cString(err);
        }
        byte[] s = vm.type(-1) == LuaVm.TSTRING || vm.type(-1) == LuaVm.TNUMBER ? vm.toBytes(-1) : null;
        return s != null ? cString(s) : "(error object is not a string)".getBytes(StandardCharsets.US_ASCII);
    }

    /** Redis's ldbRedis: redis.call() with the arguments, logged as the script's calls are while stepping. */
    private void redis(byte[][] argv) {
        LuaVm vm = engine.vm;
        long L = vm.L;
        if (vm.c.lua_checkstack(L, argv.length + 1) == 0) {
            logReply("max lua stack reached".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        vm.c.lua_getfield(L, LuaVm.GLOBALS, "redis");
        vm.c.lua_getfield(L, -1, "call");
        for (int j = 1; j < argv.length; j++) vm.pushBytes(argv[j]);
        step = true; // redis.call() logs
        vm.c.lua_pcall(L, argv.length - 1, 1, 0);
        step = false;
        vm.c.lua_pop(L, 2);
    }

    private void logStackValue(String prefix) {
        Bytes s = new Bytes().add(prefix);
        LuaDebuggerText.catValue(engine.vm, s, engine.vm.top(), 0);
        logWithMaxLen(s.toByteArray());
    }

    // ---- Logs -----------------------------------------------------------------------------------------

    private void log(String entry) {
        logs.add(entry.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void log(byte[] entry) {
        logs.add(entry);
    }

    /** Redis's ldbLogWithMaxLen: trimmed to maxlen bytes, with a hint the first time. */
    private void logWithMaxLen(byte[] entry) {
        boolean trimmed = false;
        if (maxlen != 0 && entry.length > maxlen) {
            entry = new Bytes().add(entry, (int) maxlen).add(" ...").toByteArray();
            trimmed = true;
        }
        log(entry);
        if (trimmed && !maxlenHintSent) {
            maxlenHintSent = true;
            log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
        }
    }

    /** Redis's ldbSendLogs: the logs as an array of status lines (CR and LF made spaces), then forgotten. */
    private void sendLogs() {
        Bytes out = new Bytes().add("*" + logs.size() + "\r\n");
        for (byte[] entry : logs) {
            out.write('+');
            for (byte b : entry) out.write(b == '\r' || b == '\n' ? ' ' : b);
            out.add("\r\n");
        }
        logs.clear();
        byte[] b = out.toByteArray();
        int off = 0;
        long deadline = System.nanoTime() + SEND_TIMEOUT_NANOS;
        // An error or the timeout drops the rest: the next read finds the client gone.
        while (off < b.length && socket != null) {
            int n = socket.write(b, off, b.length - off);
            if (n < 0) return;
            off += n;
            if (n == 0) {
                if (System.nanoTime() > deadline) return;
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }
    }

}
