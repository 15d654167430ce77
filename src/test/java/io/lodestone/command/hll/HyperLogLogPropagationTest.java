package io.lodestone.command.hll;

import io.lodestone.testsupport.Effects;
import io.lodestone.testsupport.EmbeddedServer;
import io.lodestone.testsupport.RespClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the HyperLogLog commands send to AOF and replicas, as a real redis-server 7.0 writes them to
 * its AOF: PFADD and PFMERGE as themselves when they change data, PFCOUNT of one key when it
 * caches a fresh cardinality (a "read" that writes), PFDEBUG GETREG/TODENSE when they convert.
 */
class HyperLogLogPropagationTest {
    private final List<String> stream = new CopyOnWriteArrayList<>();
    private final List<byte[][]> raw = new CopyOnWriteArrayList<>();
    private EmbeddedServer server;
    private RespClient client;

    @BeforeEach
    void start() throws IOException {
        server = EmbeddedServer.start(ctx -> ctx.addPropagation((db, argv, argc) -> {
            stream.add(Effects.formatWithDb(db, argv, argc));
            raw.add(Arrays.copyOf(argv, argc));
        }));
        client = RespClient.connect(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private List<String> run(String... cmd) throws IOException {
        stream.clear();
        client.call(cmd);
        return new ArrayList<>(stream);
    }

    @Test
    void pfaddPropagatesOnlyWhenItChangesSomething() throws IOException {
        assertEquals(List.of("0: PFADD h a b"), run("PFADD", "h", "a", "b"));
        assertEquals(List.of(), run("PFADD", "h", "a"));
        assertEquals(List.of("0: PFADD h2"), run("PFADD", "h2"));
        assertEquals(List.of(), run("PFADD", "h2"));
        client.call("SET", "s", "not an hll");
        assertEquals(List.of(), run("PFADD", "s", "x"));
    }

    @Test
    void pfcountPropagatesWhenItRefreshesTheCachedCardinality() throws IOException {
        client.call("PFADD", "h", "a", "b");
        assertEquals(List.of("0: PFCOUNT h"), run("PFCOUNT", "h"));
        assertEquals(List.of(), run("PFCOUNT", "h"));
        client.call("PFADD", "h", "c");
        assertEquals(List.of(), run("PFCOUNT", "h", "h"));
        assertEquals(List.of(), run("PFCOUNT", "missing"));
        client.call("SELECT", "3");
        client.call("PFADD", "h", "z");
        assertEquals(List.of("3: PFCOUNT h"), run("PFCOUNT", "h"));
    }

    @Test
    void pfmergeAlwaysPropagates() throws IOException {
        client.call("PFADD", "a", "1");
        assertEquals(List.of("0: PFMERGE m a missing"), run("PFMERGE", "m", "a", "missing"));
        assertEquals(List.of("0: PFMERGE m"), run("PFMERGE", "m"));
        client.call("SET", "s", "x");
        assertEquals(List.of(), run("PFMERGE", "m", "s"));
    }

    @Test
    void pfdebugPropagatesAnEncodingChange() throws IOException {
        client.call("PFADD", "a", "1");
        client.call("PFADD", "b", "1");
        assertEquals(List.of(), run("PFDEBUG", "ENCODING", "a"));
        assertEquals(List.of(), run("PFDEBUG", "DECODE", "a"));
        assertEquals(List.of("0: PFDEBUG TODENSE a"), run("PFDEBUG", "TODENSE", "a"));
        assertEquals(List.of(), run("PFDEBUG", "TODENSE", "a"));
        assertEquals(List.of("0: PFDEBUG GETREG b"), run("PFDEBUG", "GETREG", "b"));
        assertEquals(List.of(), run("PFDEBUG", "GETREG", "b"));
    }

    @Test
    void insideMultiTheWritesGoTogether() throws IOException {
        client.call("MULTI");
        client.call("PFADD", "t", "a");
        client.call("PFCOUNT", "t");
        client.call("PFCOUNT", "t");
        client.call("PFMERGE", "u", "t");
        stream.clear();
        client.call("EXEC");
        assertEquals(List.of("0: MULTI", "0: PFADD t a", "0: PFCOUNT t", "0: PFMERGE u t", "0: EXEC"), new ArrayList<>(stream));
    }

    @Test
    void aValueSetByAClientIsNeverWrittenInPlace() throws IOException {
        // SET's argument array is the stored value and also sits in the propagation stream.
        client.call("PFADD", "src", "a", "b", "c");
        byte[] reply = client.call("GET", "src");
        int header = new String(reply, StandardCharsets.ISO_8859_1).indexOf("\r\n") + 2;
        byte[] hll = Arrays.copyOfRange(reply, header, reply.length - 2);
        assertEquals(HyperLogLog.SPARSE, hll[4]);
        stream.clear();
        raw.clear();
        client.call(new byte[][]{"SET".getBytes(), "k".getBytes(), hll});
        byte[] propagated = raw.get(0)[2];
        byte[] copy = propagated.clone();
        client.call("PFCOUNT", "k");
        client.call("PFADD", "k", "d", "e", "f", "g");
        client.call("PFDEBUG", "TODENSE", "k");
        assertArrayEquals(copy, propagated);
    }
}
