package io.lodestone.command.pubsub;

import io.lodestone.command.ServerContext;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PUBLISH and SPUBLISH reach replicas, never the AOF (Redis's forceCommandPropagation with
 * PROPAGATE_REPL); inside MULTI they take their place among the transaction's effects.
 */
class PublishPropagationTest {
    private final List<String> aof = Collections.synchronizedList(new ArrayList<>());
    private final List<String> replicas = Collections.synchronizedList(new ArrayList<>());
    private EmbeddedServer server;
    private RespClient c;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedServer.start(ctx -> {
            ctx.addPropagation(ServerContext.PROPAGATE_AOF, (db, argv, argc) -> aof.add(Effects.format(argv, argc)));
            ctx.addPropagation(ServerContext.PROPAGATE_REPL, (db, argv, argc) -> replicas.add(Effects.format(argv, argc)));
        });
        c = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        server.close();
    }

    @Test
    void publishGoesToReplicasOnly() throws Exception {
        c.call("PUBLISH", "ch", "m");
        c.call("SPUBLISH", "sh", "m");
        c.call("MULTI");
        c.call("PUBLISH", "ch", "alone");
        c.call("EXEC");
        c.call("MULTI");
        c.call("SET", "k", "v");
        c.call("PUBLISH", "ch", "with a write");
        c.call("EXEC");
        assertEquals(List.of("PUBLISH ch m", "SPUBLISH sh m", "PUBLISH ch alone",
                "MULTI", "SET k v", "PUBLISH ch with a write", "EXEC"), replicas);
        assertEquals(List.of("MULTI", "SET k v", "EXEC"), aof);
    }
}
