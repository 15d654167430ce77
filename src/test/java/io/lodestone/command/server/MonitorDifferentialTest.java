package io.lodestone.command.server;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MONITOR against a real redis-server 7.0: the lines a monitor is fed, byte for byte once the
 * timestamp and the client ports are masked. Which commands are shown and in what order (after they
 * ran: MULTI, the queued commands, EXEC; a script's command before the commands it runs, from
 * "lua"), the quoting, the redacted arguments, the database after SELECT, a blocked command once,
 * what the monitor itself may still run, MONITOR inside a transaction, RESET.
 */
class MonitorDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();

    private static Twin.Conn conn(String name) {
        return TWIN.conn(name);
    }

    private Twin.Conn monitor() {
        Twin.Conn m = conn("monitor");
        m.call("MONITOR");
        return m;
    }

    /** The next {@code n} lines fed to the monitor on each server, compared with times and ports masked. */
    private static void fed(Twin.Conn m, int n, String what) {
        List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                expected.add(mask(m.real.readReply()));
                actual.add(mask(m.mine.readReply()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TWIN.twin().compare("monitor lines after " + what, expected.toString(), actual.toString());
    }

    private static String mask(byte[] line) {
        String s = RespClient.escape(line);
        return s.replaceFirst("\\+\\d+\\.\\d{6} \\[", "+<time> [").replaceAll("127\\.0\\.0\\.1:\\d+", "<addr>");
    }

    @Test
    void commandsAreShownQuotedAfterTheyRun() {
        Twin.Conn m = monitor(), c = conn("client");
        c.call("SET", "mon:a", new byte[]{'x', 1, '\n', '"', '\\', (byte) 0xff, '\t', 7, '\b', '\r'});
        c.call("GET", "mon:a");
        c.call("SELECT", "3");
        c.call("SET", "mon:k", "");
        c.call("SELECT", "0");
        c.call("GET"); // refused before the call: not shown
        c.call("NOSUCH", "x");
        c.call("CONFIG", "GET", "maxmemory"); // administrative: not shown
        c.call("INFO", "keyspace");
        c.call("BLPOP", "mon:nolist", "0.01"); // blocks, times out: shown once
        c.call("PING");
        fed(m, 8, "plain commands");
    }

    @Test
    void transactionsShowExecAfterTheirCommands() {
        Twin.Conn m = monitor(), c = conn("client");
        c.call("MULTI");
        c.call("SET", "mon:t", "v");
        c.call("INCR", "mon:t");
        c.call("EXEC");
        c.call("MULTI");
        c.call("syntax", "error");
        c.call("EXEC");
        c.call("MULTI");
        c.call("GET", "mon:t");
        c.call("DISCARD");
        c.call("MULTI");
        c.call("MONITOR");
        c.call("EXEC");
        fed(m, 10, "transactions");
    }

    @Test
    void scriptsShowTheirCommandFirstThenTheirCallsFromLua() {
        Twin.Conn m = monitor(), c = conn("client");
        c.call("SELECT", "2");
        c.call("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "mon:s", "v");
        c.call("EVALSHA", "nosuchsha", "0");
        c.call("EVAL_RO", "return redis.call('exists', KEYS[1])", "1", "mon:s");
        c.call("FUNCTION", "LOAD", "REPLACE",
                "#!lua name=monlib\nredis.register_function('montest', function() return redis.call('set', 'mon:f', 'bar') end)");
        c.call("FCALL", "montest", "0");
        c.call("FCALL", "nosuchfunction", "0");
        c.call("SELECT", "0");
        fed(m, 12, "scripts");
    }

    @Test
    void secretsAreRedacted() {
        Twin.Conn m = monitor(), c = conn("client");
        int port = TWIN.twin().ours.port(); // the same port to both; the key is missing, so MIGRATE connects nowhere
        c.callUnchecked("MIGRATE", "127.0.0.1", Integer.toString(port), "mon:nokey", "9", "5000", "AUTH2", "user", "pass");
        c.call("AUTH", "not-real");
        c.call("AUTH", "not-real", "not-a-password");
        c.call("HELLO", "2", "AUTH", "not-real", "not-a-password");
        c.call("ACL", "SETUSER", "mon-user", "on", ">secret"); // administrative: not shown
        c.call("ACL", "DELUSER", "mon-user");
        List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
        try {
            expected.add(mask(m.real.readReply()));
            actual.add(mask(m.mine.readReply()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TWIN.twin().compare("MIGRATE's line", expected.toString(), actual.toString());
        fed(m, 3, "AUTH and HELLO");
    }

    @Test
    void theMonitorIsAReplicaOfSortsUntilReset() {
        Twin.Conn m = monitor();
        String[] info = m.callUnchecked("CLIENT", "INFO"); // memory fields differ: compare the flags
        assertEquals("O", Twin.clientField(info[0], "flags"));
        assertEquals("O", Twin.clientField(info[1], "flags"));
        fed(m, 1, "CLIENT INFO"); // a monitor sees its own commands
        m.call("GET", "mon:x"); // refused: a replica can't interact with the keyspace
        m.send("MONITOR"); // ignored, without a reply
        m.call("PING");
        fed(m, 1, "PING");
        m.call("RESET");
        m.call("GET", "mon:x");
        Twin.Conn c = conn("client");
        c.call("SET", "mon:x", "1");
        c.call("ECHO", "not fed to a client after its RESET");
        m.call("PING"); // nothing more was fed: the next reply is PONG on both
        assertTrue(TWIN.twin().checks() > 0);
    }
}
