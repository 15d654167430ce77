package io.lodestone.command.stream;

import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keyspace events of the stream commands (xadd, xtrim, xdel, xsetid, xgroup-*), names and order, as
 * redis-server 7.0 publishes them on {@code __keyevent@0__:*} for the same commands: both servers
 * get the commands and their event sequences must be equal.
 */
class StreamNotificationTest {
    private static final String[][] COMMANDS = {
            {"XADD", "s", "1-0", "f", "v"}, {"XADD", "s", "MAXLEN", "1", "2-0", "f", "v"},
            {"XADD", "s", "MAXLEN", "5", "3-0", "f", "v"}, {"XADD", "nokey", "NOMKSTREAM", "*", "f", "v"},
            {"XDEL", "s", "9-0"}, {"XDEL", "s", "2-0"}, {"XTRIM", "s", "MAXLEN", "0"}, {"XTRIM", "s", "MAXLEN", "0"},
            {"XSETID", "s", "5-0"}, {"XGROUP", "CREATE", "s", "g", "$"}, {"XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"},
            {"XGROUP", "SETID", "s", "g", "0"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c"},
            {"XGROUP", "CREATECONSUMER", "s", "g", "c"}, {"XADD", "s", "6-0", "f", "v"},
            {"XREADGROUP", "GROUP", "g", "reader", "STREAMS", "s", ">"}, {"XCLAIM", "s", "g", "claimer", "0", "6-0"},
            {"XAUTOCLAIM", "s", "g", "auto", "0", "0"}, {"XACK", "s", "g", "6-0"},
            {"XGROUP", "DELCONSUMER", "s", "g", "c"}, {"XGROUP", "DELCONSUMER", "s", "g", "nobody"},
            {"XGROUP", "DESTROY", "s", "g"}, {"XGROUP", "DESTROY", "s", "g"}, {"DEL", "s"}, {"SET", "end", "x"}};

    @BeforeAll
    static void needsRedis() {
        assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
    }

    /** The events {@code server} publishes for {@link #COMMANDS}, up to the final SET. */
    private static List<String> events(ServerProcess server) throws Exception {
        try (RespClient sub = RespClient.connect(server.port());
             RespClient c = RespClient.connect(server.port())) {
            c.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
            sub.call("PSUBSCRIBE", "__keyevent@0__:*");
            for (String[] command : COMMANDS) c.call(command);
            List<String> events = new ArrayList<>();
            while (true) {
                // A pmessage: *4, pattern, channel, key; the channel names the event.
                String message = new String(sub.readReply(), StandardCharsets.ISO_8859_1);
                String[] lines = message.split("\r\n");
                String event = lines[6].substring("__keyevent@0__:".length()) + " " + lines[8];
                events.add(event);
                if (event.equals("set end")) return events;
            }
        }
    }

    @Test
    void eventsAreRedisEventsInRedisOrder() throws Exception {
        List<String> want;
        try (ServerProcess redis = ServerProcess.redis()) {
            want = events(redis);
        }
        assertTrue(want.containsAll(List.of("xadd s", "xtrim s", "xdel s", "xsetid s", "xgroup-create m",
                "xgroup-setid s", "xgroup-createconsumer s", "xgroup-delconsumer s", "xgroup-destroy s")), want.toString());
        try (ServerProcess lodestone = ServerProcess.lodestone()) {
            assertEquals(want, events(lodestone));
        }
    }
}
