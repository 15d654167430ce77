package io.lodestone.server;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static io.lodestone.testsupport.RespClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CONFIG SET bind/port: a change that cannot listen is refused with Redis's error and changes nothing. */
class ListenersTest {
    @Test
    void failedRebindKeepsTheOldListeners() throws IOException {
        try (EmbeddedServer s = EmbeddedServer.start(); RespClient c = RespClient.connect(s.port());
             ServerSocket taken = new ServerSocket(0)) {
            assertEquals("-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.",
                    text(c.call("CONFIG", "SET", "bind", "999.999.999.999")).trim());
            assertEquals("-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port",
                    text(c.call("CONFIG", "SET", "port", Integer.toString(taken.getLocalPort()))).trim());
            try (RespClient again = RespClient.connect(s.port())) {
                assertTrue(text(again.call("PING")).startsWith("+PONG"));
            }
        }
    }
}
