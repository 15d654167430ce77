package io.lodestone.command.dump;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RESTORE's effects: propagation as Redis 7.0 writes it to the AOF, keyspace events, WATCH, LRU clock. */
class DumpCommandsTest {
    private EmbeddedServer server;
    private RespClient client;
    private final List<String> stream = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < argc; i++) {
                if (i > 0) sb.append(' ');
                String a = new String(argv[i], StandardCharsets.ISO_8859_1);
                sb.append(a.chars().allMatch(ch -> ch >= 32 && ch < 127) ? a : "<bin>");
            }
            stream.add(sb.toString());
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private byte[] dumpOf(String value) throws IOException {
        client.call("SET", "src", value);
        byte[] reply = client.call("DUMP", "src");
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        int crlf = text.indexOf("\r\n");
        int n = Integer.parseInt(text.substring(1, crlf));
        return java.util.Arrays.copyOfRange(reply, crlf + 2, crlf + 2 + n);
    }

    private String call(Object... args) throws IOException {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i] instanceof byte[] b ? b : args[i].toString().getBytes(StandardCharsets.ISO_8859_1);
        }
        return RespClient.text(client.call(a));
    }

    @Test
    void propagatesRelativeTtlAsAbsoluteWithAbsttl() throws IOException {
        byte[] p = dumpOf("v");
        stream.clear();
        long before = System.currentTimeMillis();
        assertEquals("+OK\r\n", call("RESTORE", "a", "0", p));
        assertEquals("+OK\r\n", call("RESTORE", "b", "100000", p));
        assertEquals("+OK\r\n", call("RESTORE", "c", "5000000000000", p, "ABSTTL"));
        long after = System.currentTimeMillis();
        assertEquals("+OK\r\n", call("RESTORE", "c", "100000", p, "REPLACE"));
        assertEquals(4, stream.size(), stream.toString());
        assertEquals("RESTORE a 0 <bin>", stream.get(0));
        String[] b = stream.get(1).split(" ");
        assertEquals(5, b.length, stream.get(1));
        long when = Long.parseLong(b[2]);
        assertTrue(when >= before + 100000 - 1000 && when <= after + 100000 + 1000, stream.get(1));
        assertEquals("ABSTTL", b[4]);
        assertEquals("RESTORE c 5000000000000 <bin> ABSTTL", stream.get(2));
        assertTrue(stream.get(3).matches("RESTORE c \\d+ <bin> REPLACE ABSTTL"), stream.get(3));
    }

    @Test
    void expiredRestoreOfReplacedKeyPropagatesDel() throws IOException {
        byte[] p = dumpOf("v");
        client.call("SET", "k", "old");
        stream.clear();
        assertEquals("+OK\r\n", call("RESTORE", "k", "1000", p, "ABSTTL", "REPLACE"));
        assertEquals(":0\r\n", call("EXISTS", "k"));
        assertEquals(List.of("DEL k"), stream);
        stream.clear();
        assertEquals("+OK\r\n", call("RESTORE", "k", "1000", p, "ABSTTL"));
        assertEquals(List.of(), stream);
        // Errors change nothing and propagate nothing.
        assertTrue(call("RESTORE", "k", "-1", p).startsWith("-ERR Invalid TTL"));
        assertEquals(List.of(), stream);
    }

    @Test
    void keyspaceEventAndWatch() throws IOException {
        byte[] p = dumpOf("v");
        client.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
        try (RespClient sub = RespClient.connect(server.port()); RespClient other = RespClient.connect(server.port())) {
            sub.call("PSUBSCRIBE", "__key*__:*");
            other.call("WATCH", "w");
            assertEquals("+OK\r\n", call("RESTORE", "w", "0", p));
            String ev1 = RespClient.text(sub.readReply());
            String ev2 = RespClient.text(sub.readReply());
            assertTrue(ev1.contains("__keyspace@0__:w") && ev1.endsWith("$7\r\nrestore\r\n"), ev1);
            assertTrue(ev2.contains("__keyevent@0__:restore") && ev2.endsWith("$1\r\nw\r\n"), ev2);
            other.call("MULTI");
            other.call("PING");
            assertEquals("*-1\r\n", RespClient.text(other.call("EXEC")));
        }
    }

    @Test
    void idletimeSetsTheAccessClock() throws IOException {
        byte[] p = dumpOf("v");
        assertEquals("+OK\r\n", call("RESTORE", "k", "0", p, "IDLETIME", "1000"));
        long idle = Long.parseLong(call("OBJECT", "IDLETIME", "k").trim().substring(1));
        assertTrue(idle >= 1000 && idle <= 1002, "idle " + idle);
        assertEquals("+OK\r\n", call("RESTORE", "k2", "0", p));
        long idle2 = Long.parseLong(call("OBJECT", "IDLETIME", "k2").trim().substring(1));
        assertTrue(idle2 <= 2, "idle " + idle2);
    }

    @Test
    void freqSetsTheLfuCounterUnderAnLfuPolicy() throws IOException {
        byte[] p = dumpOf("v");
        client.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
        try {
            assertEquals("+OK\r\n", call("RESTORE", "k", "0", p, "FREQ", "100"));
            assertEquals(":100\r\n", call("OBJECT", "FREQ", "k"));
            // a new key starts at LFU_INIT_VAL; accesses make the counter grow, logarithmically
            client.call("SET", "n", "v");
            assertEquals(":5\r\n", call("OBJECT", "FREQ", "n"));
            for (int i = 0; i < 200; i++) client.call("GET", "n");
            long freq = Long.parseLong(call("OBJECT", "FREQ", "n").trim().substring(1));
            assertTrue(freq > 5 && freq < 100, "freq " + freq);
            assertTrue(call("OBJECT", "IDLETIME", "k").startsWith("-ERR An LFU maxmemory policy is selected"));
        } finally {
            client.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
        assertTrue(call("OBJECT", "FREQ", "k").startsWith("-ERR An LFU maxmemory policy is not selected"));
    }

    /** MIGRATE deletes what the target acknowledged and propagates exactly that as one DEL. */
    @Test
    void migratePropagatesAcknowledgedKeysAsDel() throws IOException {
        try (EmbeddedServer target = EmbeddedServer.start(); RespClient t = RespClient.connect(target.port())) {
            t.call("SET", "b", "taken");
            client.call("MSET", "a", "1", "b", "2", "c", "3");
            stream.clear();
            String reply = call("MIGRATE", "127.0.0.1", target.port(), "", "0", "5000", "KEYS", "a", "b", "c", "nokey");
            assertTrue(reply.startsWith("-ERR Target instance replied with error: BUSYKEY"), reply);
            assertEquals(List.of("DEL a c"), stream);
            assertEquals(":1\r\n", call("EXISTS", "b"));
            assertEquals("$1\r\n1\r\n", RespClient.text(t.call("GET", "a")));
            stream.clear();
            assertEquals("+OK\r\n", call("MIGRATE", "127.0.0.1", target.port(), "b", "0", "5000", "COPY", "REPLACE"));
            assertEquals(List.of(), stream);
            assertEquals("$1\r\n2\r\n", RespClient.text(t.call("GET", "b")));
            assertEquals("+NOKEY\r\n", call("MIGRATE", "127.0.0.1", target.port(), "zzz", "0", "5000"));
            assertTrue(call("INFO", "stats").contains("migrate_cached_sockets:1\r\n"));
        }
    }

    @Test
    void dumpOfEveryTypeRestoresToTheSameContent() throws IOException {
        client.call("RPUSH", "l", "a", "1", "b");
        client.call("SADD", "s", "x", "y");
        client.call("HSET", "h", "f", "v");
        client.call("ZADD", "z", "1.5", "m");
        for (String[] kv : new String[][] {{"l", "LRANGE", "0", "-1"}, {"s", "SORT", "ALPHA"}, {"h", "HGETALL"},
                {"z", "ZRANGE", "0", "-1", "WITHSCORES"}}) {
            byte[] reply = client.call("DUMP", kv[0]);
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            int crlf = text.indexOf("\r\n");
            byte[] p = java.util.Arrays.copyOfRange(reply, crlf + 2, crlf + 2 + Integer.parseInt(text.substring(1, crlf)));
            assertEquals("+OK\r\n", call("RESTORE", kv[0] + "2", "0", p));
            List<String> a = new ArrayList<>(List.of(kv));
            List<String> b = new ArrayList<>(List.of(kv));
            a.remove(0);
            b.remove(0);
            a.add(1, kv[0]);
            b.add(1, kv[0] + "2");
            assertEquals(call(a.toArray()), call(b.toArray()));
        }
    }
}
