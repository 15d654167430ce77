package io.lodestone.command.server;

import io.lodestone.testsupport.EmbeddedExtension;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SLOWLOG as Redis 7.0 keeps it: what is logged, how arguments are cut and secrets redacted. */
class SlowLogTest {
    @RegisterExtension
    static final EmbeddedExtension SERVER = new EmbeddedExtension();

    private RespClient c;

    @BeforeEach
    void reset() throws IOException {
        c = SERVER.client();
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "128");
        c.call("SLOWLOG", "RESET");
    }

    /** The arguments of the newest entry, as the RESP text of its fourth element. */
    private String newestArgs() throws IOException {
        return text(c.call("SLOWLOG", "GET", "1"));
    }

    @Test
    void logsEveryCallOverTheThresholdNewestFirstAndKeepsTheMaximum() throws IOException {
        c.call("CONFIG", "SET", "slowlog-max-len", "3");
        for (int i = 0; i < 10; i++) c.call("PING");
        assertEquals(":3", text(c.call("SLOWLOG", "LEN")).trim());
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1");
        c.call("SLOWLOG", "RESET");
        c.call("PING");
        assertEquals(":0", text(c.call("SLOWLOG", "LEN")).trim());
        assertEquals("-ERR count should be greater than or equal to -1", text(c.call("SLOWLOG", "GET", "-2")).trim());
    }

    @Test
    void argumentsAreCutAndSecretsRedacted() throws IOException {
        c.call("SADD", "set", "foo", "A".repeat(129));
        assertTrue(newestArgs().contains("A".repeat(128) + "... (1 more bytes)"), newestArgs());
        String[] many = new String[40];
        many[0] = "SADD";
        many[1] = "set2";
        for (int i = 2; i < 40; i++) many[i] = Integer.toString(i);
        c.call(many);
        assertTrue(newestArgs().contains("... (9 more arguments)"), newestArgs());
        c.call("CONFIG", "SET", "masterauth", "secret");
        String e = newestArgs();
        assertTrue(e.contains("masterauth") && e.contains("(redacted)") && !e.contains("secret"), e);
        c.call("CONFIG", "SET", "masterauth", "");
    }

    @Test
    void execIsNotLoggedTheCommandsItRanAre() throws IOException {
        c.call("MULTI");
        c.call("SET", "k", "v");
        c.call("EXEC");
        String log = text(c.call("SLOWLOG", "GET", "-1"));
        assertTrue(log.contains("$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv") && !log.contains("EXEC"), log);
    }
}
