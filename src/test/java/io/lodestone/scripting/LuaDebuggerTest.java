package io.lodestone.scripting;

import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Lua debugger's SYNC sessions (SCRIPT DEBUG SYNC, then EVAL), driven with raw RESP against a
 * real redis-server 7.0 and against Lodestone: the same commands get the same bytes back, from the
 * first stop to {@code <endsession>}, the EVAL's reply and the connection's close.
 */
class LuaDebuggerTest {
    private static final int READ_TIMEOUT_MS = 10_000;

    private static ServerProcess redis;
    private static ServerProcess lodestone;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        redis = ServerProcess.redis();
        lodestone = ServerProcess.lodestone();
    }

    @AfterAll
    static void stop() {
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
    }

    /** A script with locals of several types, a nested function, redis.call()s and the debugger's functions. */
    private static final String SCRIPT = """
            local count = 3
            local name = 'bin\\0ary\\r\\n'
            local ratio = -0.25
            local flag = true
            local nothing = nil
            local list = {1, 'two', {3, {4}}}
            local map = {key = 'value'}
            redis.call('set', KEYS[1], ARGV[1])
            local function double(x)
              local y = x * 2
              return y
            end
            local z = double(count)
            redis.debug('z is', z, list, map, nothing)
            redis.breakpoint()
            redis.call('rpush', KEYS[2], 'a', 'b', 'c')
            return {z, redis.call('get', KEYS[1]), redis.call('lrange', KEYS[2], 0, -1)}
            """;

    @Test
    void steppingSessionIsRedisByteForByte() throws Exception {
        String[][] commands = {
            {"help"}, {"s"}, {"n"}, {"step"}, {"print"}, {"p", "name"}, {"p", "KEYS"}, {"p", "ARGV"}, {"p", "nope"},
            {"list"}, {"l", "8", "2"}, {"l", "0", "1"}, {"l", "100"}, {"whole"},
            {"n"}, {"n"}, {"n"}, {"n"}, {"print"}, {"p", "list"}, {"p", "map"},
            {"b", "10"}, {"b", "16", "99", "x"}, {"b"}, {"c"}, {"trace"}, {"p"}, {"p", "x"}, {"b", "-16"}, {"b", "-16"},
            {"e", "x * 10"}, {"e", "{1, 'a', {b = true}}"}, {"e", "local q = 1"}, {"e", "1 +"}, {"e", "error('boom')"},
            {"e", "nosuchglobal"}, {"e", "1.5e300"}, {"e", "2^53"},
            {"r", "get", "ldb:a"}, {"r", "set", "ldb:b", "x\u0000y"}, {"r", "get", "ldb:b"}, {"r", "incr", "ldb:a"},
            {"r", "hset", "ldb:h", "f", "1"}, {"r", "hgetall", "ldb:h"}, {"r", "exists", "ldb:a", "ldb:b", "ldb:c"},
            {"r", "nosuchcommand"}, {"r", "mset", "k1", "1", "k2", "2", "k3", "3", "k4", "4", "k5", "5", "k6", "6"},
            {"m"}, {"m", "10"}, {"e", "string.rep('x', 100)"}, {"e", "string.rep('y', 100)"}, {"m", "0"},
            {"e", "string.rep('z', 100)"}, {"m", "70"}, {"e", "string.rep('w', 100)"},
            {"zzz"}, {"r"}, {"hello\u0000world"}, {"b", "0"}, {"b"}, {"c"}, {"s"}, {"s"}, {"s"}};
        List<String> expected = session(redis, SCRIPT, new String[] {"ldb:a", "ldb:l"}, new String[] {"41"}, commands);
        List<String> got = session(lodestone, SCRIPT, new String[] {"ldb:a", "ldb:l"}, new String[] {"41"}, commands);
        assertEquals(String.join("\n", expected), String.join("\n", got));
        assertTrue(got.get(got.size() - 1).endsWith("<closed>"), got.get(got.size() - 1));
        assertTrue(String.join("\n", got).contains("+<debug> line 14: \"z is\", 6, {1; \"two\"; {3; {4}}}, {[\"key\"]=\"value\"}, nil"));
        assertTrue(lodestone.logContains("Redis synchronous debugging eval session ended"));
    }

    @Test
    void anErrorInTheScriptEndsTheSession() throws Exception {
        String script = "redis.call('set', KEYS[1], 'text')\nlocal ok = redis.pcall('incr', KEYS[1])\n"
                + "redis.call('incr', KEYS[1])\nreturn 1\n";
        String[][] commands = {{"s"}, {"p", "ok"}, {"s"}, {"p", "ok"}, {"s"}};
        sameOnBoth(script, new String[] {"ldb:err"}, new String[0], commands);
        sameOnBoth("local t = {}\nlocal x = t.a.b\nreturn x", new String[0], new String[0], new String[][] {{"n"}, {"n"}});
        // an error before the script runs: the session starts and ends all the same
        sameOnBoth("return 1", new String[0], new String[0], new String[0][], "notanumber");
    }

    @Test
    void abortAndBrokenProtocolEndTheSession() throws Exception {
        sameOnBoth("local a = 1\nredis.call('set', KEYS[1], 'kept')\nreturn a", new String[] {"ldb:abort"}, new String[0],
                new String[][] {{"n"}, {"n"}, {"a"}});
        for (String raw : new String[] {"*1\r\n$0\r\n\r\n", "hello\r\n", "*2000\r\n"}) {
            List<String> expected = rawSession(redis, raw);
            assertEquals(expected, rawSession(lodestone, raw));
        }
    }

    @Test
    void aScriptRunningTooLongStopsWithTheTimeoutReason() throws Exception {
        for (ServerProcess server : List.of(redis, lodestone)) {
            try (Conn c = new Conn(server)) {
                c.command("config", "set", "busy-reply-threshold", "200");
            }
        }
        try {
            String script = "local i = 0\nwhile true do\n  i = i + 1\nend\n";
            // where in the loop the count hook finds it varies: the lines are left out
            for (ServerProcess server : List.of(redis, lodestone)) {
                List<String> got = session(server, script, new String[0], new String[0], new String[][] {{"c"}, {"a"}});
                String all = String.join("\n", got).replaceAll("[0-9]", "N");
                assertTrue(all.contains("c => *N\r\n+* Stopped at N, stop reason = timeout reached, infinite loop?\r\n"), server + ": " + all);
                assertTrue(all.contains("a => *N\r\n+<endsession>\r\n\nrest => -ERR script aborted for user request script:"),
                        server + ": " + all);
                assertTrue(all.endsWith("<closed>"), all);
            }
        } finally {
            for (ServerProcess server : List.of(redis, lodestone)) {
                try (Conn c = new Conn(server)) {
                    c.command("config", "set", "busy-reply-threshold", "5000");
                }
            }
        }
    }

    @Test
    void refusalsAreRedisOnes() throws Exception {
        List<List<String>> outcomes = new ArrayList<>();
        for (ServerProcess server : List.of(redis, lodestone)) {
            List<String> out = new ArrayList<>();
            try (Conn c = new Conn(server)) {
                out.add(c.command("script", "debug", "maybe"));
                out.add(c.command("multi") + c.command("script", "debug", "sync") + c.command("exec"));
                c.send("ping");
                c.send("script", "debug", "sync");
                out.add(c.reply() + c.reply());
                out.add(c.command("script", "load", "return 1"));
                out.add(c.command("script", "debug", "sync"));
                out.add(c.command("evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"));
                out.add(c.command("evalsha_ro", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"));
                out.add(c.command("evalsha", "nosuchsha", "0"));
                out.add(c.command("script", "debug", "no"));
                out.add(c.command("eval", "return 'not debugged'", "0"));
                out.add(c.command("ping"));
            }
            outcomes.add(out);
        }
        assertEquals(outcomes.get(0), outcomes.get(1));
    }

    @Test
    void whatLodestoneDoesDifferently() throws Exception {
        try (Conn c = new Conn(lodestone)) {
            // forked sessions need fork(): refused, pointing at SYNC
            String yes = c.command("script", "debug", "yes");
            assertTrue(yes.startsWith("-ERR SCRIPT DEBUG YES") && yes.contains("SCRIPT DEBUG SYNC"), yes);
            // a debugging EVAL inside a transaction is refused
            assertEquals("+OK\r\n", c.command("script", "debug", "sync"));
            assertEquals("+OK\r\n+QUEUED\r\n*1\r\n-ERR A script can not be debugged inside MULTI/EXEC\r\n",
                    c.command("multi") + c.command("eval", "return 1", "0") + c.command("exec"));
            // commands sent with EVAL in one write are all run, in order
            c.send(new String[] {"eval", "local a = 1\nlocal b = 2\nreturn a + b", "0"}, new String[] {"s"}, new String[] {"p"});
            assertEquals("*2\r\n+* Stopped at 1, stop reason = step over\r\n+-> 1   local a = 1\r\n", c.reply());
            assertEquals("*2\r\n+* Stopped at 2, stop reason = step over\r\n+-> 2   local b = 2\r\n", c.reply());
            assertEquals("*1\r\n+<value> a = 1\r\n", c.reply());
            // the server is blocked meanwhile: another client waits, then is answered
            try (Conn other = new Conn(lodestone)) {
                other.send("incr", "ldb:waiting");
                assertEquals(null, other.replyWithin(300));
                c.send("c");
                assertEquals("*1\r\n+<endsession>\r\n", c.reply());
                assertEquals(":3\r\n", c.reply());
                assertTrue(c.closed());
                assertEquals(":1\r\n", other.reply());
            }
        }
        // a client that goes away mid-session: the script runs on, to its end
        try (Conn c = new Conn(lodestone)) {
            c.command("script", "debug", "sync");
            c.command("eval", "redis.call('set', KEYS[1], 'one')\nredis.call('set', KEYS[1], 'two')", "1", "ldb:gone");
        }
        try (Conn c = new Conn(lodestone)) {
            assertEquals("$3\r\ntwo\r\n", c.command("get", "ldb:gone"));
        }
    }

    // ---- Sessions --------------------------------------------------------------------------------

    private static void sameOnBoth(String script, String[] keys, String[] args, String[][] commands,
                                   String... numKeys) throws IOException {
        List<String> expected = session(redis, script, keys, args, commands, numKeys);
        List<String> got = session(lodestone, script, keys, args, commands, numKeys);
        assertEquals(String.join("\n", expected), String.join("\n", got));
    }

    /**
     * One session: SCRIPT DEBUG SYNC, EVAL, then each command with its reply; after the last command,
     * whatever else comes (the EVAL's reply once the session ended) and whether the connection closed.
     */
    private static List<String> session(ServerProcess server, String script, String[] keys, String[] args,
                                        String[][] commands, String... numKeys) throws IOException {
        List<String> transcript = new ArrayList<>();
        try (Conn c = new Conn(server)) {
            transcript.add(c.command("script", "debug", "sync"));
            List<String> eval = new ArrayList<>(List.of("eval", script, numKeys.length > 0 ? numKeys[0] : Integer.toString(keys.length)));
            eval.addAll(List.of(keys));
            eval.addAll(List.of(args));
            transcript.add("eval => " + c.command(eval.toArray(new String[0])));
            boolean ended = transcript.get(1).contains("+<endsession>\r\n");
            for (String[] command : commands) {
                if (ended) break;
                String reply = c.command(command);
                transcript.add(String.join(" ", command) + " => " + reply);
                ended = reply.contains("+<endsession>\r\n") || reply.endsWith("<closed>");
            }
            transcript.add("rest => " + c.rest());
        }
        return transcript;
    }

    /** SCRIPT DEBUG SYNC, EVAL, then raw bytes: the replies until the connection closes. */
    private static List<String> rawSession(ServerProcess server, String raw) throws IOException {
        try (Conn c = new Conn(server)) {
            List<String> out = new ArrayList<>();
            out.add(c.command("script", "debug", "sync"));
            out.add(c.command("eval", "return 1", "0"));
            c.out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.add(c.rest());
            return out;
        }
    }

    /** A raw RESP connection that reads one reply at a time, with bounded waits. */
    private static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final java.io.PushbackInputStream in;
        private boolean eof;

        Conn(ServerProcess server) throws IOException {
            socket = new Socket("127.0.0.1", server.port());
            socket.setSoTimeout(READ_TIMEOUT_MS);
            out = socket.getOutputStream();
            in = new java.io.PushbackInputStream(socket.getInputStream(), 1);
        }

        void send(String... args) throws IOException {
            send(new String[][] {args});
        }

        /** Several commands in one write. */
        void send(String[]... commands) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (String[] args : commands) {
                b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                for (String a : args) {
                    byte[] v = a.getBytes(StandardCharsets.ISO_8859_1);
                    b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    b.writeBytes(v);
                    b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            out.write(b.toByteArray());
            out.flush();
        }

        String command(String... args) throws IOException {
            send(args);
            return reply();
        }

        /** One whole RESP reply, as received; "<closed>" when the connection ended instead. */
        String reply() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            return value(b) ? b.toString(StandardCharsets.ISO_8859_1) : b.toString(StandardCharsets.ISO_8859_1) + "<closed>";
        }

        /** A reply if one starts within {@code ms}, else null. */
        String replyWithin(int ms) throws IOException {
            socket.setSoTimeout(ms);
            try {
                int first = in.read();
                if (first < 0) return "<closed>";
                socket.setSoTimeout(READ_TIMEOUT_MS);
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(first);
                valueAfter(first, b);
                return b.toString(StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException e) {
                return null;
            } finally {
                socket.setSoTimeout(READ_TIMEOUT_MS);
            }
        }

        /** Everything until the server closes the connection, then "<closed>" (or "<open>" after the bound). */
        String rest() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
            socket.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                try {
                    int ch = in.read();
                    if (ch < 0) return b.toString(StandardCharsets.ISO_8859_1) + "<closed>";
                    b.write(ch);
                } catch (SocketTimeoutException e) {
                    // keep waiting for the close
                } catch (java.net.SocketException e) {
                    return b.toString(StandardCharsets.ISO_8859_1) + "<closed>";
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1) + "<open>";
        }

        boolean closed() throws IOException {
            if (eof) return true;
            socket.setSoTimeout(100);
            try {
                int ch = in.read();
                eof = ch < 0;
                if (!eof) in.unread(ch);
            } catch (SocketTimeoutException e) {
                eof = false;
            } catch (java.net.SocketException e) {
                eof = true;
            } finally {
                socket.setSoTimeout(READ_TIMEOUT_MS);
            }
            return eof;
        }

        private boolean value(ByteArrayOutputStream b) throws IOException {
            int type = in.read();
            if (type < 0) {
                eof = true;
                return false;
            }
            b.write(type);
            return valueAfter(type, b);
        }

        private boolean valueAfter(int type, ByteArrayOutputStream b) throws IOException {
            String line = line(b);
            if (line == null) return false;
            switch (type) {
                case '$' -> {
                    int n = Integer.parseInt(line);
                    for (int i = 0; n >= 0 && i < n + 2; i++) {
                        int ch = in.read();
                        if (ch < 0) return false;
                        b.write(ch);
                    }
                }
                case '*' -> {
                    int n = Integer.parseInt(line);
                    for (int i = 0; i < n; i++) {
                        if (!value(b)) return false;
                    }
                }
                default -> {
                }
            }
            return true;
        }

        private String line(ByteArrayOutputStream b) throws IOException {
            StringBuilder s = new StringBuilder();
            int prev = -1;
            while (true) {
                int ch = in.read();
                if (ch < 0) {
                    eof = true;
                    return null;
                }
                b.write(ch);
                if (prev == '\r' && ch == '\n') return s.substring(0, s.length() - 1);
                s.append((char) ch);
                prev = ch;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
