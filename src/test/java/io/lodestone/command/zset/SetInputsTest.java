package io.lodestone.command.zset;

import io.lodestone.command.CommandSpec;
import io.lodestone.command.Errors;
import io.lodestone.command.ServerContext;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.MemberSet;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Plain sets as inputs of the sorted-set algebra, each member with score 1. Until the set type
 * lands, a stand-in SADD stores a {@link MemberSet}; the expected lists are a real redis-server
 * 7.0.15's answers to the same commands.
 */
class SetInputsTest {
    private EmbeddedServer server;
    private RespClient client;

    /** A stand-in set value. */
    static final class StandInSet implements MemberSet {
        final LinkedHashSet<ByteBuffer> members = new LinkedHashSet<>();

        @Override
        public int memberCount() {
            return members.size();
        }

        @Override
        public boolean containsMember(byte[] member) {
            return members.contains(ByteBuffer.wrap(member));
        }

        @Override
        public void forEachMember(Consumer<byte[]> action) {
            for (ByteBuffer b : members) action.accept(b.array());
        }
    }

    static void register(ServerContext ctx) {
        CommandSpec spec = ctx.commands.spec("sadd");
        if (spec.implemented()) return;
        ctx.commands.handle("sadd", c -> {
            KeyEntry e = c.db().lookupWrite(c.argv[1]);
            if (e != null && !(e.value() instanceof StandInSet)) throw Errors.wrongType();
            StandInSet s = e == null ? new StandInSet() : (StandInSet) e.value();
            if (e == null) c.db().add(c.argv[1], s);
            int added = 0;
            for (int i = 2; i < c.argc; i++) if (s.members.add(ByteBuffer.wrap(c.argv[i]))) added++;
            c.server.keyspace.dirty++;
            c.reply.integer(added);
        });
    }

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(SetInputsTest::register);
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    /** The reply's bulk strings and integers joined by spaces (errors as they are). */
    private String call(String line) throws IOException {
        String raw = new String(client.call(line.split(" ")), StandardCharsets.ISO_8859_1);
        if (raw.startsWith("-")) return raw.substring(1).trim();
        StringBuilder sb = new StringBuilder();
        for (String part : raw.split("\r\n")) {
            if (part.startsWith("*") || part.startsWith("$")) continue;
            sb.append(part.startsWith(":") ? part.substring(1) : part).append(' ');
        }
        return sb.toString().trim();
    }

    @Test
    void setsCountWithScoreOne() throws IOException {
        call("SADD st a b x");
        call("SADD si 1 2 3");
        call("ZADD zs 5 a 10 b 20 c");
        assertEquals("x 1 a 6 b 11 c 20", call("ZUNION 2 zs st WITHSCORES"));
        assertEquals("x 3 a 13 b 23 c 40", call("ZUNION 2 zs st WEIGHTS 2 3 WITHSCORES"));
        assertEquals("a 6 b 11", call("ZINTER 2 zs st WITHSCORES"));
        assertEquals("a 5 b 10", call("ZINTER 2 st zs AGGREGATE MAX WITHSCORES"));
        assertEquals("c 20", call("ZDIFF 2 zs st WITHSCORES"));
        assertEquals("x 1", call("ZDIFF 2 st zs WITHSCORES"));
        assertEquals("2", call("ZINTERCARD 2 zs st"));
        assertEquals("1 1 2 1 3 1 a 5 b 10 c 20", call("ZUNION 2 si zs WITHSCORES"));
        assertEquals("6", call("ZUNIONSTORE out 2 st si"));
        assertEquals("1 1 2 1 3 1 a 1 b 1 x 1", call("ZRANGE out 0 -1 WITHSCORES"));
        assertEquals(Errors.WRONGTYPE, call("ZRANGE st 0 -1"));
        assertEquals("0", call("ZINTERCARD 2 st si"));
        assertEquals("a 2 b 2 x 2", call("ZINTER 2 st st WITHSCORES"));
        assertEquals("", call("ZDIFF 2 st st"));
    }
}
