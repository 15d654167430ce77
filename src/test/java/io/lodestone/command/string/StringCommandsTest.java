package io.lodestone.command.string;

import io.lodestone.util.LongDouble;
import io.lodestone.testsupport.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.BitOP;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The string commands through a real client (Jedis) against an embedded server. */
class StringCommandsTest {
    private EmbeddedServer server;
    private Jedis jedis;

    @BeforeEach
    void start() {
        server = EmbeddedServer.start(StandIns::register);
        jedis = new Jedis("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        jedis.close();
        server.close();
    }

    private Object send(String command, String... args) {
        byte[] name = SafeEncoder.encode(command);
        return jedis.sendCommand(() -> name, args);
    }

    private String encoding(String key) {
        String debug = SafeEncoder.encode((byte[]) send("DEBUG", "OBJECT", key));
        return debug.replaceAll(".*encoding:(\\w+).*", "$1");
    }

    private static String error(Runnable r) {
        return assertThrows(JedisDataException.class, r::run).getMessage();
    }

    @Test
    void setAndGetAnItem() {
        assertEquals("OK", jedis.set("greeting", "hello"));
        assertEquals("hello", jedis.get("greeting"));
        assertNull(jedis.get("nothing"));
    }

    @Test
    void valuesAreBinarySafe() {
        byte[] value = {0, (byte) 0xFF, '\r', '\n', 0x7F, (byte) 0x80};
        jedis.set(SafeEncoder.encode("bin"), value);
        assertArrayEquals(value, jedis.get(SafeEncoder.encode("bin")));
        assertEquals(6, jedis.strlen("bin"));
    }

    @Test
    void nxAndXxDecideWhetherTheSetHappens() {
        assertNull(jedis.set("k", "v", SetParams.setParams().xx()));
        assertEquals("OK", jedis.set("k", "v", SetParams.setParams().nx()));
        assertNull(jedis.set("k", "w", SetParams.setParams().nx()));
        assertEquals("OK", jedis.set("k", "w", SetParams.setParams().xx()));
        assertEquals("w", jedis.get("k"));
        assertEquals(0, jedis.setnx("k", "x"));
        assertEquals("ERR syntax error", error(() -> send("SET", "k", "v", "NX", "XX")));
    }

    @Test
    void setGetRepliesWithTheOldValue() {
        assertNull(jedis.setGet("k", "a"));
        assertEquals("a", jedis.setGet("k", "b"));
        assertEquals("b", jedis.getSet("k", "c"));
        assertEquals("c", jedis.getDel("k"));
        assertNull(jedis.get("k"));
    }

    @Test
    void anExpirySetsATtlAndAPlainSetClearsIt() {
        jedis.set("k", "v", SetParams.setParams().ex(100));
        assertEquals(100, jedis.ttl("k"));
        jedis.set("k", "v2", SetParams.setParams().keepTtl());
        assertEquals(100, jedis.ttl("k"));
        jedis.set("k", "v3");
        assertEquals(-1, jedis.ttl("k"));
        jedis.psetex("k", 50_000, "v4");
        assertEquals(50, jedis.ttl("k"));
        assertEquals("ERR invalid expire time in 'setex' command", error(() -> jedis.setex("k", 0, "v")));
        assertEquals("ERR invalid expire time in 'set' command",
                error(() -> send("SET", "k", "v", "EX", "9223372036854775807")));
    }

    @Test
    void anExpiryInThePastLeavesNoKey() {
        assertEquals("OK", jedis.set("k", "v", SetParams.setParams().pxAt(1)));
        assertNull(jedis.get("k"));
        jedis.set("k", "v");
        assertEquals("v", jedis.getEx("k", GetExParams.getExParams().exAt(1)));
        assertNull(jedis.get("k"));
    }

    @Test
    void getexChangesOrRemovesTheTtl() {
        jedis.set("k", "v");
        assertEquals("v", jedis.getEx("k", GetExParams.getExParams().ex(100)));
        assertEquals(100, jedis.ttl("k"));
        assertEquals("v", jedis.getEx("k", GetExParams.getExParams().persist()));
        assertEquals(-1, jedis.ttl("k"));
        assertNull(jedis.getEx("missing", GetExParams.getExParams().ex(100)));
    }

    @Test
    void writesThatModifyAValueKeepItsTtl() {
        jedis.setex("n", 100, "1");
        jedis.incr("n");
        jedis.incrByFloat("n", 0.5);
        jedis.append("n", "0");
        jedis.setrange("n", 0, "3");
        jedis.setbit("n", 0, false);
        assertEquals(100, jedis.ttl("n"));
        jedis.mset("n", "x");
        assertEquals(-1, jedis.ttl("n"));
    }

    /** As Redis's value object, the key's entry that DEBUG OBJECT shows survives INCR ("at:" unchanged). */
    @Test
    void incrKeepsTheObjectDebugObjectShows() {
        jedis.set("foo", "20000");
        String before = SafeEncoder.encode((byte[]) send("DEBUG", "OBJECT", "foo")).split(" ")[1];
        jedis.incr("foo");
        String after = SafeEncoder.encode((byte[]) send("DEBUG", "OBJECT", "foo")).split(" ")[1];
        assertTrue(before.startsWith("at:0x"), before);
        assertEquals(before, after);
    }

    @Test
    void countersAreSixtyFourBitIntegersThatRefuseToOverflow() {
        assertEquals(1, jedis.incr("c"));
        assertEquals(11, jedis.incrBy("c", 10));
        assertEquals(-9, jedis.decrBy("c", 20));
        assertEquals(-10, jedis.decr("c"));
        jedis.set("c", Long.toString(Long.MAX_VALUE));
        assertEquals("ERR increment or decrement would overflow", error(() -> jedis.incr("c")));
        assertEquals("ERR decrement would overflow", error(() -> send("DECRBY", "c", "-9223372036854775808")));
        jedis.set("c", "1.5");
        assertEquals("ERR value is not an integer or out of range", error(() -> jedis.incr("c")));
    }

    @Test
    void incrbyfloatComputesInLongDoubleAndPrintsLikeRedis() {
        jedis.set("f", "10.5");
        assertEquals(10.6, jedis.incrByFloat("f", 0.1), 0);
        assertEquals("10.6", jedis.get("f"));
        assertEquals("5000", SafeEncoder.encode((byte[]) send("INCRBYFLOAT", "g", "5.0e3")));
        jedis.set("h", "5.0e3");
        assertEquals("5200", SafeEncoder.encode((byte[]) send("INCRBYFLOAT", "h", "2.0e2")));
        assertEquals("ERR value is not a valid float", error(() -> send("INCRBYFLOAT", "h", "abc")));
        assertEquals("ERR increment would produce NaN or Infinity", error(() -> send("INCRBYFLOAT", "h", "inf")));
    }

    @Test
    void appendAndSetrangeBuildRawStrings() {
        jedis.set("s", "123");
        assertEquals("int", encoding("s"));
        assertEquals(4, jedis.append("s", "4"));
        assertEquals("raw", encoding("s"));
        assertEquals("1234", jedis.get("s"));
        jedis.set("t", "short");
        assertEquals("embstr", encoding("t"));
        assertEquals(7, jedis.setrange("t", 6, "!"));
        assertEquals("raw", encoding("t"));
        assertArrayEquals("short\0!".getBytes(StandardCharsets.US_ASCII), jedis.get(SafeEncoder.encode("t")));
        assertEquals("ort", jedis.getrange("t", 2, 4));
        assertEquals("ERR string exceeds maximum allowed size (proto-max-bulk-len)",
                error(() -> jedis.setrange("t", 536870912, "x")));
    }

    @Test
    void msetnxSetsEveryKeyOrNone() {
        assertEquals(1, jedis.msetnx("a", "1", "b", "2"));
        assertEquals(0, jedis.msetnx("b", "x", "c", "3"));
        assertEquals(Arrays.asList("1", "2", null), jedis.mget("a", "b", "c"));
        assertEquals("ERR wrong number of arguments for 'mset' command", error(() -> send("MSET", "a", "1", "b")));
    }

    @Test
    void bitsCanBeSetCountedFoundAndCombined() {
        assertEquals(false, jedis.setbit("b", 7, true));
        assertEquals(true, jedis.getbit("b", 7));
        assertEquals(1, jedis.bitcount("b"));
        assertEquals(7, jedis.bitpos("b", true));
        assertEquals(0, jedis.bitpos("b", false));
        jedis.set("x", "foobar");
        assertEquals(26, jedis.bitcount("x"));
        assertEquals(6, jedis.bitop(BitOP.NOT, "y", "x"));
        assertEquals(48 - 26, jedis.bitcount("y"));
        assertEquals(0, jedis.bitop(BitOP.AND, "y", "missing"));
        assertNull(jedis.get("y"));
        assertEquals("ERR bit offset is not an integer or out of range", error(() -> jedis.setbit("b", -1, true)));
    }

    @Test
    void bitfieldHonoursTheOverflowMode() {
        assertEquals(List.of(0L, 255L), jedis.bitfield("f", "SET", "u8", "0", "255", "GET", "u8", "0"));
        assertEquals(List.of(9L), jedis.bitfield("f", "INCRBY", "u8", "0", "10"));
        assertEquals(List.of(255L), jedis.bitfield("f", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300"));
        assertEquals(Arrays.asList((Long) null), jedis.bitfield("f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1"));
        assertEquals(List.of(-1L), jedis.bitfieldReadonly("f", "GET", "i8", "#0"));
        assertEquals("ERR BITFIELD_RO only supports the GET subcommand",
                error(() -> jedis.bitfieldReadonly("f", "SET", "u8", "0", "1")));
    }

    @Test
    void lcsFindsTheLongestCommonSubsequence() {
        jedis.mset("a", "ohmytext", "b", "mynewtext");
        assertArrayEquals("mytext".getBytes(StandardCharsets.US_ASCII), (byte[]) send("LCS", "a", "b"));
        assertEquals(6L, send("LCS", "a", "b", "LEN"));
        List<?> idx = (List<?>) send("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN");
        assertEquals("matches", SafeEncoder.encode((byte[]) idx.get(0)));
        assertEquals("[[[4, 7], [5, 8], 4]]", idx.get(1).toString());
        assertEquals(6L, idx.get(3));
    }

    @Test
    void otherTypesAreRejectedWithWrongtype() {
        send("LPUSH", "list", "a");
        String wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assertEquals(wrongType, error(() -> jedis.get("list")));
        assertEquals(wrongType, error(() -> jedis.append("list", "x")));
        assertEquals(wrongType, error(() -> jedis.incr("list")));
        assertEquals(wrongType, error(() -> jedis.setbit("list", 0, true)));
        assertEquals(Arrays.asList((String) null), jedis.mget("list"));
        assertEquals("ERR The specified keys must contain string values", error(() -> send("LCS", "list", "x")));
        assertEquals("OK", jedis.set("list", "now a string"));
        assertTrue(jedis.get("list").startsWith("now"));
    }
}
