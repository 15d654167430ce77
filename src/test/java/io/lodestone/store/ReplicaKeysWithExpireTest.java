package io.lodestone.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A replica expires, in cron, exactly the keys its own clients gave a TTL (Redis's expireSlaveKeys):
 * not those its master wrote, whose DEL the master sends.
 */
class ReplicaKeysWithExpireTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void cronExpiresOnlyTheReplicasOwnKeys() {
        Keyspace ks = new Keyspace(16);
        ks.expiryRole(Keyspace.ExpiryRole.WRITABLE_REPLICA); // a replica its own clients write to
        Database db = ks.db(3);
        long past = System.currentTimeMillis() - 1000;
        db.setExpire(db.add(b("mine"), b("v")), past);
        ks.obeyingMaster = true;
        db.setExpire(db.add(b("masters"), b("v")), past);
        ks.obeyingMaster = false;
        db.setExpire(db.add(b("later"), b("v")), System.currentTimeMillis() + 100_000);

        ks.activeExpireCycle(1_000_000);
        assertNull(db.peek(b("mine")));
        assertNotNull(db.peek(b("masters")));
        assertNotNull(db.peek(b("later")));
        assertEquals(1, ks.expiredKeys());

        ks.activeExpire(false); // DEBUG SET-ACTIVE-EXPIRE 0 stops this too, as in Redis
        db.setExpire(db.peek(b("later")), past);
        ks.activeExpireCycle(1_000_000);
        assertNotNull(db.peek(b("later")));
        ks.activeExpire(true);
        ks.activeExpireCycle(1_000_000);
        assertNull(db.peek(b("later")));
        assertEquals(2, ks.expiredKeys());
    }
}
