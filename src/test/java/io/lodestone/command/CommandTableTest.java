package io.lodestone.command;

import io.lodestone.protocol.RespParser;
import io.lodestone.protocol.RespValue;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import io.lodestone.testsupport.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The command table against a live redis-server 7.0, and the table's own invariants. */
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
    private static ServerProcess redis;

    @BeforeAll
    static void start() throws Exception {
        lodestone = EmbeddedServer.start();
        if (ServerProcess.redisAvailable()) redis = ServerProcess.redis();
    }

    @AfterAll
    static void stop() {
        if (lodestone != null) lodestone.close();
        if (redis != null) redis.close();
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

    /** COMMAND INFO of every implemented command equals the live server's (subcommands compared by name). */
    @Test
    void commandInfoAgreesWithLiveRedis() throws Exception {
        assumeTrue(redis != null, "redis-server is not installed");
        try (RespClient ours = RespClient.connect(lodestone.port()); RespClient theirs = redis.client()) {
            ours.call("HELLO", "3");
            theirs.call("HELLO", "3");
            int checked = 0;
            for (CommandSpec spec : lodestone.context().commands.implemented()) {
                RespValue a = new RespParser(ours.call("COMMAND", "INFO", spec.fullName())).next();
                RespValue b = new RespParser(theirs.call("COMMAND", "INFO", spec.fullName())).next();
                assertSameInfo(first(b), first(a), spec.fullName());
                checked++;
            }
            assertTrue(checked >= REQUIRED.size() / 2, "checked " + checked);
        }
    }

    private static RespValue.Aggregate first(RespValue v) {
        return (RespValue.Aggregate) ((RespValue.Aggregate) v).get(0);
    }

    private static void assertSameInfo(RespValue.Aggregate redis, RespValue.Aggregate ours, String name) {
        assertEquals(10, ours.size(), name);
        for (int i = 0; i < 9; i++) assertEquals(canonical(redis.get(i)), canonical(ours.get(i)), name + " field " + i);
        Map<String, RespValue.Aggregate> theirSubs = byName((RespValue.Aggregate) redis.get(9));
        Map<String, RespValue.Aggregate> ourSubs = byName((RespValue.Aggregate) ours.get(9));
        assertTrue(theirSubs.keySet().containsAll(ourSubs.keySet()), name + " subcommands " + ourSubs.keySet());
        for (Map.Entry<String, RespValue.Aggregate> e : ourSubs.entrySet()) {
            assertSameInfo(theirSubs.get(e.getKey()), e.getValue(), e.getKey());
        }
    }

    private static Map<String, RespValue.Aggregate> byName(RespValue.Aggregate list) {
        Map<String, RespValue.Aggregate> m = new LinkedHashMap<>();
        for (RespValue v : list.items()) m.put(RespValue.text(((RespValue.Aggregate) v).get(0)), (RespValue.Aggregate) v);
        return m;
    }

    /** A comparable rendering; sets compare without order, as RESP3 sets are unordered. */
    private static String canonical(RespValue v) {
        if (v instanceof RespValue.Aggregate a) {
            List<String> items = new ArrayList<>();
            for (RespValue item : a.items()) items.add(canonical(item));
            if (a.kind() == RespValue.Kind.SET) {
                Set<String> sorted = new TreeSet<>(items);
                return "~" + sorted;
            }
            return a.kind() + items.toString();
        }
        if (v instanceof RespValue.Bulk b) return "$" + b.text();
        if (v instanceof RespValue.Simple s) return "+" + s.text();
        if (v instanceof RespValue.Int i) return ":" + i.value();
        return v.toString();
    }
}
