package io.lodestone.command.transaction;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** MULTI/EXEC/WATCH semantics and what a transaction propagates. */
class TransactionTest {
    private final List<String> propagated = Collections.synchronizedList(new ArrayList<>());
    private EmbeddedServer server;
    private RespClient a;
    private RespClient b;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < argc; i++) sb.append(i == 0 ? "" : " ").append(new String(argv[i], StandardCharsets.UTF_8));
            propagated.add(sb.toString());
        }));
        a = RespClient.connect(server.port());
        b = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
        server.close();
    }

    private static String s(byte[] reply) {
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    void resetDiscardsTheTransactionAndItsWatches() throws Exception {
        assertEquals("+OK\r\n", s(a.call("WATCH", "w")));
        assertEquals("+OK\r\n", s(a.call("MULTI")));
        assertEquals("+QUEUED\r\n", s(a.call("SET", "k", "1")));
        assertEquals("+RESET\r\n", s(a.call("RESET")));
        assertEquals("-ERR EXEC without MULTI\r\n", s(a.call("EXEC")));
        assertEquals("$-1\r\n", s(a.call("GET", "k")));
        // The WATCH went with it: a change of w no longer dooms the next transaction.
        assertEquals("+OK\r\n", s(b.call("SET", "w", "1")));
        assertEquals("+OK\r\n", s(a.call("MULTI")));
        assertEquals("+QUEUED\r\n", s(a.call("SET", "k", "2")));
        assertEquals("*1\r\n+OK\r\n", s(a.call("EXEC")));
    }

    @Test
    void queuedCommandsRunAtExecAndReplyAsOneArray() throws Exception {
        assertEquals("+OK\r\n", s(a.call("MULTI")));
        assertEquals("+QUEUED\r\n", s(a.call("SET", "k", "1")));
        assertEquals("+QUEUED\r\n", s(a.call("INCR", "k")));
        assertEquals("+QUEUED\r\n", s(a.call("GET", "k")));
        assertEquals("$-1\r\n", s(b.call("GET", "k"))); // nothing ran yet
        assertEquals("*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n", s(a.call("EXEC")));
        assertEquals(List.of("MULTI", "SET k 1", "INCR k", "EXEC"), propagated);
    }

    @Test
    void oneWriteInsideExecIsNotWrapped() throws Exception {
        a.call("MULTI");
        a.call("SET", "k", "v");
        a.call("GET", "k");
        assertEquals("*2\r\n+OK\r\n$1\r\nv\r\n", s(a.call("EXEC")));
        assertEquals(List.of("SET k v"), propagated);
    }

    @Test
    void errorsWhileQueueingAbortExec() throws Exception {
        a.call("MULTI");
        assertEquals("-ERR wrong number of arguments for 'set' command\r\n", s(a.call("SET", "k")));
        assertEquals("+QUEUED\r\n", s(a.call("SET", "k", "v")));
        assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", s(a.call("EXEC")));
        assertEquals("$-1\r\n", s(a.call("GET", "k")));
        assertEquals(List.of(), propagated);
    }

    @Test
    void runtimeErrorsDoNotStopTheOtherCommands() throws Exception {
        a.call("SET", "s", "notanumber");
        a.call("MULTI");
        a.call("INCR", "s");
        a.call("SET", "t", "1");
        assertEquals("*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n", s(a.call("EXEC")));
    }

    @Test
    void watchedKeyChangedByAnotherClientFailsExec() throws Exception {
        a.call("SET", "w", "1");
        assertEquals("+OK\r\n", s(a.call("WATCH", "w")));
        b.call("SET", "w", "12");
        a.call("MULTI");
        a.call("SET", "w", "mine");
        assertEquals("*-1\r\n", s(a.call("EXEC")));
        assertEquals("$2\r\n12\r\n", s(a.call("GET", "w")));
    }

    @Test
    void watchSeesExpiryAndFlushAndUnwatchForgets() throws Exception {
        a.call("SET", "e", "1", "PX", "20");
        a.call("WATCH", "e");
        Wait.until(Duration.ofSeconds(5), "e to expire", () -> s(b.call("PTTL", "e")).equals(":-2\r\n"));
        a.call("MULTI");
        a.call("PING");
        assertEquals("*-1\r\n", s(a.call("EXEC")));

        a.call("SET", "f", "1");
        a.call("WATCH", "f");
        b.call("FLUSHALL");
        a.call("MULTI");
        assertEquals("*-1\r\n", s(a.call("EXEC")));

        a.call("SET", "u", "1");
        a.call("WATCH", "u");
        a.call("UNWATCH");
        b.call("SET", "u", "2");
        a.call("MULTI");
        a.call("GET", "u");
        assertEquals("*1\r\n$1\r\n2\r\n", s(a.call("EXEC")));
    }

    @Test
    void transactionControlErrors() throws Exception {
        assertEquals("-ERR EXEC without MULTI\r\n", s(a.call("EXEC")));
        assertEquals("-ERR DISCARD without MULTI\r\n", s(a.call("DISCARD")));
        a.call("MULTI");
        assertEquals("-ERR MULTI calls can not be nested\r\n", s(a.call("MULTI")));
        assertEquals("-ERR WATCH inside MULTI is not allowed\r\n", s(a.call("WATCH", "x")));
        assertEquals("+OK\r\n", s(a.call("DISCARD")));
        assertEquals("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
                s(a.call("EXEC", "x")));
    }
}
