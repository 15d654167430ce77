package io.lodestone.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lodestone.config.ConfigParam.Flag;
import io.lodestone.config.ConfigParam.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Guards over the parameter table itself. */
class ConfigRegistryTest {

    @Test
    void namesAreLowerCaseAndUnique() {
        Set<String> seen = new HashSet<>();
        for (String name : ConfigRegistry.allNames()) {
            assertEquals(ConfigSyntax.lower(name), name);
            assertTrue(seen.add(name), name);
            assertFalse(ConfigRegistry.FILE_ONLY_DIRECTIVES.contains(name), name);
        }
        // 192 names in CONFIG GET * of redis-server 7.0.15, plus 5 hidden parameters, plus Lodestone's own.
        long extensions = seen.stream().filter(n -> ConfigRegistry.lookup(n).has(ConfigParam.Flag.EXTENSION)).count();
        assertEquals(2, extensions);
        assertEquals(197, seen.size() - extensions);
    }

    @Test
    void aliasesResolveToTheirParameter() {
        ConfigParam p = ConfigRegistry.lookup("SLAVEOF");
        assertSame(ConfigRegistry.lookup("replicaof"), p);
        assertEquals("replicaof", p.name());
        assertEquals("slaveof", p.alias());
        assertSame(ConfigRegistry.lookup("hash-max-listpack-entries"), ConfigRegistry.lookup("hash-max-ziplist-entries"));
        assertSame(ConfigRegistry.lookup("busy-reply-threshold"), ConfigRegistry.lookup("lua-time-limit"));
        assertNull(ConfigRegistry.lookup("include"));
    }

    @Test
    void kindsAndFlags() {
        assertEquals(Kind.INTEGER, ConfigRegistry.lookup("port").kind());
        assertEquals(Kind.MEMORY, ConfigRegistry.lookup("maxmemory").kind());
        assertEquals(Kind.MEMORY_OR_PERCENT, ConfigRegistry.lookup("maxmemory-clients").kind());
        assertEquals(Kind.OCTAL, ConfigRegistry.lookup("unixsocketperm").kind());
        assertEquals(Kind.ENUM, ConfigRegistry.lookup("loglevel").kind());
        assertEquals(Kind.FLAGS, ConfigRegistry.lookup("shutdown-on-sigterm").kind());
        assertEquals(Kind.STRING, ConfigRegistry.lookup("requirepass").kind());
        assertEquals(Kind.SPECIAL, ConfigRegistry.lookup("save").kind());
        assertEquals(Kind.BOOL, ConfigRegistry.lookup("appendonly").kind());
        assertFalse(ConfigRegistry.lookup("daemonize").isMutable());
        assertTrue(ConfigRegistry.lookup("dir").has(Flag.PROTECTED));
        assertTrue(ConfigRegistry.lookup("dir").has(Flag.DENY_LOADING));
        assertTrue(ConfigRegistry.lookup("requirepass").has(Flag.SENSITIVE));
        assertTrue(ConfigRegistry.lookup("watchdog-period").has(Flag.HIDDEN));
        assertTrue(ConfigRegistry.lookup("bind").has(Flag.MULTI_ARG));
    }

    /** The parameters a running server implements: server/ConfigBindingsTest. */
    @Test
    void implementedParametersAreTheBoundOnes() {
        Config c = Config.defaults();
        assertFalse(c.isBound("lfu-decay-time"));
        c.watchLong("LFU-DECAY-TIME", v -> { });
        assertTrue(c.isBound("lfu-decay-time"));
        assertFalse(c.isBound("maxmemory"));
        c.onApply("maxmemory", cfg -> null);
        assertTrue(c.isBound("maxmemory"));
        c.readWhereUsed("cluster-slave-validity-factor");
        assertTrue(c.isBound("cluster-replica-validity-factor"), "an alias marks its parameter");
    }
}
