package io.lodestone.command;

import io.lodestone.testsupport.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command table's own invariants and coverage. (Its agreement with a live redis-server, byte for
 * byte, is {@code diff.CommandTableDiffTest}.)
 */
class CommandTableTest {
    /** Every command the foundation milestone promises; the table must implement each. */
    private static final List<String> REQUIRED = List.of(
            "get", "set", "setnx", "setex", "psetex", "mget", "mset", "msetnx", "getset", "getdel", "getex",
            "append", "strlen", "incr", "decr", "incrby", "decrby", "incrbyfloat", "getrange", "setrange",
            "substr", "lcs", "setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro",
            "del", "unlink", "exists", "type", "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl",
            "expiretime", "pexpiretime", "persist", "rename", "renamenx", "copy", "move", "swapdb", "keys",
            "scan", "randomkey", "dbsize", "touch", "flushdb", "flushall", "object|encoding", "object|refcount",
            "object|idletime", "object|freq", "info", "command", "command|count", "command|info", "command|list",
            "command|getkeys", "command|docs", "time", "debug", "shutdown", "ping", "echo", "quit", "reset",
            "select", "auth", "hello", "client|id", "client|setname", "client|getname", "client|list",
            "client|info", "client|kill", "client|no-evict", "config|get", "config|set", "config|resetstat",
            "config|rewrite");

    private static EmbeddedServer lodestone;

    @BeforeAll
    static void start() throws Exception {
        lodestone = EmbeddedServer.start();
    }

    @AfterAll
    static void stop() {
        if (lodestone != null) lodestone.close();
    }

    @Test
    void everyPromisedCommandIsImplemented() {
        CommandTable table = lodestone.context().commands;
        for (String name : REQUIRED) {
            CommandSpec spec = table.spec(name);
            assertNotNull(spec, name);
            assertTrue(spec.implemented(), name + " has no handler");
        }
    }

    @Test
    void flagsAreConsistent() {
        for (CommandSpec top : lodestone.context().commands.allSpecs()) {
            List<CommandSpec> specs = new ArrayList<>(top.subcommands().values());
            specs.add(top);
            for (CommandSpec s : specs) {
                assertFalse(s.is(CommandSpec.WRITE) && s.is(CommandSpec.READONLY), s.fullName());
                assertTrue(s.arity() != 0, s.fullName());
                if (s.is(CommandSpec.WRITE)) assertTrue(s.aclCategories().contains("@write"), s.fullName());
            }
        }
        // A well-known drift in hand-typed tables: LTRIM is a write.
        assertTrue(lodestone.context().commands.spec("ltrim").is(CommandSpec.WRITE));
    }
}
