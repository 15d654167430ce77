package io.lodestone.replication;

import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seed setup: master and replica share one requirepass and the replica has no masterauth.
 * Redis's replica fails with NOAUTH there; Lodestone's authenticates with its own requirepass.
 */
class SeedSetupTest {
    @Test
    void aReplicaWithoutMasterauthUsesItsOwnRequirepass() throws Exception {
        try (EmbeddedServer m = EmbeddedServer.start("requirepass seed-secret");
             EmbeddedServer r = EmbeddedServer.start("requirepass seed-secret");
             Jedis jm = new Jedis("127.0.0.1", m.port()); Jedis jr = new Jedis("127.0.0.1", r.port())) {
            jm.auth("seed-secret");
            jr.auth("seed-secret");
            jm.set("before", "1");
            jr.replicaof("127.0.0.1", m.port());
            Wait.until(Duration.ofSeconds(20), "the link", () -> jr.info("replication").contains("master_link_status:up"));
            jm.set("after", "2");
            Wait.until(Duration.ofSeconds(20), "the write", () -> "2".equals(jr.get("after")));
            assertEquals("1", jr.get("before"));
        }
    }
}
