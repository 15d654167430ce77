package io.lodestone.command;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** rename-command: the old name is gone, the new one runs the command, "" removes it. */
class RenameCommandTest {
    @Test
    void renamedAndRemovedCommands() throws IOException {
        try (EmbeddedServer s = EmbeddedServer.start("rename-command flushdb badger", "rename-command keys \"\"");
             RespClient c = RespClient.connect(s.port())) {
            c.call("SET", "k", "v");
            assertTrue(text(c.call("FLUSHDB")).startsWith("-ERR unknown command 'FLUSHDB'"));
            assertTrue(text(c.call("KEYS", "*")).startsWith("-ERR unknown command 'KEYS'"));
            assertEquals(":1", text(c.call("DBSIZE")).trim());
            assertEquals("+OK", text(c.call("BADGER")).trim());
            assertEquals(":0", text(c.call("DBSIZE")).trim());
        }
    }
}
