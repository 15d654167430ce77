package io.lodestone.command.list;

import io.lodestone.config.KeyspaceEvents;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keyspace events of the list commands: names, order, and the "del" of a list that empties. The
 * expected sequence is what redis-server 7.0 published on __keyevent@0__:* for the same commands
 * (notify-keyspace-events KEA).
 */
class ListNotificationTest {
    @Test
    void eventsAreRedisEventsInRedisOrder() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (EmbeddedServer server = EmbeddedServer.start(ctx -> ctx.notifier = (type, event, key, db) -> {
            if ((type & (KeyspaceEvents.LIST | KeyspaceEvents.GENERIC)) != 0) {
                events.add(event + " " + new String(key, StandardCharsets.ISO_8859_1));
            }
        }, "notify-keyspace-events KEA");
             RespClient x = RespClient.connect(server.port());
             RespClient b = RespClient.connect(server.port())) {
            String[][] commands = {{"rpush", "l", "a", "b", "c"}, {"lpush", "l", "z"}, {"lpushx", "nokey", "a"},
                    {"lpop", "l"}, {"rpop", "l", "0"}, {"rpop", "l", "1"}, {"lset", "l", "0", "q"},
                    {"linsert", "l", "before", "q", "p"}, {"linsert", "l", "before", "zz", "p"}, {"lrem", "l", "0", "zz"},
                    {"lrem", "l", "1", "p"}, {"ltrim", "l", "0", "-1"}, {"rpush", "l", "x"},
                    {"lmove", "l", "d", "left", "right"}, {"rpoplpush", "l", "d"}, {"lmpop", "1", "d", "left", "count", "5"},
                    {"rpush", "t", "1", "2"}, {"ltrim", "t", "5", "6"}, {"rpush", "m", "a"}, {"blpop", "m", "0"},
                    {"rpush", "m", "a"}, {"blmove", "m", "n", "left", "left", "0"}, {"lrem", "n", "0", "a"}};
            for (String[] c : commands) x.call(c);
            servedAfterPush(x, b, new String[]{"blmove", "s", "dd", "right", "left", "0"}, "s", "v");
            servedAfterPush(x, b, new String[]{"blmpop", "0", "1", "s2", "left", "count", "3"}, "s2", "v", "w");
            servedAfterPush(x, b, new String[]{"brpop", "s3", "0"}, "s3", "v");
            assertEquals(List.of("rpush l", "lpush l", "lpop l", "rpop l", "lset l", "linsert l", "lrem l", "ltrim l",
                    "rpush l", "rpush d", "lpop l", "lpush d", "rpop l", "lpop d", "del d", "rpush t", "ltrim t", "del t",
                    "rpush m", "lpop m", "del m", "rpush m", "lpush n", "lpop m", "del m", "lrem n", "del n", "rpush s",
                    "lpush dd", "rpop s", "del s", "rpush s2", "lpop s2", "del s2", "rpush s3", "rpop s3", "del s3"),
                    new ArrayList<>(events));
        }
    }

    /** Blocks b with command, then pushes elements to key from x and waits for b's reply. */
    private static void servedAfterPush(RespClient x, RespClient b, String[] command, String key, String... elements)
            throws Exception {
        byte[][] raw = new byte[command.length][];
        for (int i = 0; i < command.length; i++) raw[i] = command[i].getBytes(StandardCharsets.UTF_8);
        b.send(raw);
        Wait.until(Duration.ofSeconds(10), "a blocked client",
                () -> Info.number(RespClient.text(x.call("INFO", "clients")), "blocked_clients") == 1);
        String[] push = new String[elements.length + 2];
        push[0] = "rpush";
        push[1] = key;
        System.arraycopy(elements, 0, push, 2, elements.length);
        x.call(push);
        b.readReply();
    }
}
