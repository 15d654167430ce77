package io.lodestone.command.dump;

import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Twin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RESTORE of corrupt payloads answers exactly as redis-server 7.0 does: the payloads of Redis's own
 * integration/corrupt-dump tests (streams aside), with and without sanitize-dump-payload, and random
 * corruptions of real DUMP payloads of every type and encoding (integration/corrupt-dump-fuzzer).
 * Where both accept a payload, the values are the same (DEBUG DIGEST-VALUE).
 */
class RestoreCorruptDifferentialTest {
    /** Payloads of Redis's corrupt-dump tests (their checksums are often wrong: checksums are skipped). */
    private static final String[][] SUITE = {
            {"hash with valid zip list header, invalid entry len", "0d1b1b00000016000000040000026100040262000414630004026400ff0900d910549215f55f52"},
            {"invalid zlbytes header", "0d1b2500000016000000040000026100040262000402630004026400ff0900b7f76e9f434314c6"},
            {"valid zipped hash header, dup records", "0d1b1b00000016000000040000026100040262000402610004026400ff0900a1983678cc8e932e"},
            {"quicklist big ziplist prev len", "0e0113130000000e0000000200000261000e026200ff0900499730b20da1edaa"},
            {"quicklist small ziplist prev len", "0e0113130000000e00000002000002610002026200ff0900c77103970775b063"},
            {"quicklist ziplist wrong count", "0e0113130000000e00000003000002610004026200ff09004de20a2f0825df91"},
            {"#3080 - quicklist", "0e01800000001041414141414141410200008041414141070003c71def5468ccf3"},
            {"quicklist with empty ziplist", "0e010b0b0000000a0000000000ff0900c26937833c7ffe6f"},
            {"quicklist encoded_len is 0", "120101000a008fc6c0571c0ab33c"},
            {"#3080 - ziplist", "0a8000000010414141414141414102000080414141410700395b49e0c1c6dd76"},
            {"hash ziplist with duplicate records", "0d3d3d0000003a000000141300f502f502f202535f3104f302f302f702f702f802025f3704f102f102f602025f3504f402025f3304fa02025f3904f902f9ff0900b548de6231d0e563"},
            {"hash empty zipmap", "090200ff0900c0f1b8674c16ace3"},
            {"NPD in quicklistIndex", "0e01131300000010000000031200f302025f3104f1ff0900c94b31fe61c096fe"},
            {"encoded entry header reach outside the allocation", "0d191900000016000000060000f102f102f202025f31049902f3ff0900c5b810c08af916df"},
            {"invalid ziplist encoding", "0e021b1b00000016000000050000025f3904f902865f3704f702025f35ff191900000016000000050000f502025f3304f302025f3104f1ff09000cfc992c23451560"},
            {"hash crash", "0d191900000016000000060000f102f102f202025f3104f302f3ff090038b810c08af916df"},
            {"uneven entry count in hash", "0d3d3d00000038000000140000f202025f31041c02f702f102f102f502f502f402025f3304f602025f3504f802025f3704f902f902f302f302fa02025f39ff090073b768c897248e88"},
            {"invalid read in lzf_decompress", "0203025f31c002c3000900e6dc7644ffeb3dfe"},
            {"dup entry in set", "020a025f39c006025f31c000c004025f35c002c008025f31025f3309007a5afb903ae93cbe"},
            {"empty intset", "02c0c006025f39c002025f33c000025f31c004c008025f37025f350900c5d46dbaad14b7e7"},
            {"zset ziplist entry lensize is 0", "0c3d3d0000003a000000140000f102f102025f3104f202f302f302025f3304f402ee02f502025f3504f602f702f702025f3704f802f902f902025f3904faff0900aef9772a472433f6"},
            {"ziplist prevlen reaches outside the ziplist", "0e021b1b00000016000000050000025f3904f902025f3704f702025f35ff191900000016000000050000f502025f3304f395025f3104f1ff09000cfc992c23451560"},
            {"bad rdbLoadDoubleValue", "030111110000000a000000010000d0071ae902ff09001a06073241283a46"},
            {"ziplist prev too big", "0e01131300000010000000030000f302025f31c1f1ff0900c94b31fe61c096fe"},
            {"OOM in rdbGenericLoadStringObject", "0a817fffffffffffffff130000000e00000002000002610004026200ff09005704e5cdd4376c57"},
            {"OOM in dictExpand", "0281025f31c000c0020900cd842cb7e8a44957"},
            {"zset ziplist invalid tail offset", "0c191900000002000000060000f102f102025f3104f202f302f3ff09004d727b97cd9a70c1"},
            {"valgrind invalid read", "050a025f390000000000002240c0080000000000002040025f370000000000001c40c0060000000000001840025f330000000000001440c0040000000000001040025f330000000000000840c0020000000000000040025f31000000000000f03fc000000000000000000009003c66d714a9da3c69"},
            {"empty hash ziplist", "04c0010900f68ab67a8587724d"},
            {"quicklist ziplist tail followed by extra data", "0e0111110000000a000000010000f6ffb06c9cff09009c3747494dde94f5"},
            {"dict init to huge size", "0281c000025f31c0020900b21be5172e15f46c"},
            {"huge string", "0081010900f62bb67a8587724d"},
            {"empty quicklist", "0ec02b150000000a000000010000e06258eadf22000000ff0900df35d267dc0e89ab"},
            {"empty zset", "05c0010900f68ab67a8587724d"},
            {"hash with len of 0", "04c0210900f68ab67a8587724d"},
            {"invalid access in ziplist tail prevlen decoding", "0e021b1b00000016000000050000025f3904f902025f3704f702025f35ff191900000016000000050000f502025f3304f302025f31fef1ff0a006b43322fbb290abe"},
            // Found by the fuzzer below: an LZF string whose lengths are 0 and a special-encoding byte
            // (Redis reads it as 0) is an empty string to Redis, whatever its compressed bytes.
            {"hash field as an LZF string of length 0", "040ac005025f35c003025f33c001025f31c006c006c009025f39c300c000c002c002c004c004c008c008c007025f370a004926d9c60823fab2"},
            {"string as an LZF string of length 0 with compressed bytes", "00c303004142430a000000000000000000"},
            {"set count as a special-encoding byte", "02c2025f31025f320a000000000000000000"},
            {"zset zslInsert with a NAN score", "050a025f390000000000002240c0080000000000002040025f370000000000001c40c0060000000000001840025f350000000000001440c0040000000000001040025f330000000000000840c0020000000000000040025f31000000000055f07fc00000000000000000000a00ec9486d8fd5c5fd8"},
    };

    /**
     * Payloads Redis's shallow checks let through: with sanitize-dump-payload no, Redis stores a corrupt
     * value (repeated hash fields, a listpack that ends early or whose entries overrun) and may fail an
     * assertion when it is used. Lodestone refuses them in every mode.
     */
    private static final String[][] UNSANITIZED = {
            {"quicklist listpack entry start with EOF", "1201020b0b0000000100816102ffff0a007ed8de5b0dd770b8"},
            {"hash listpack with duplicate records", "101717000000040082610003826200038261000382640003ff0a00c0cfa687e5a7c5be"},
            {"hash duplicate records", "040201610162016101640900c69cabbc086b0c06"},
            {"hash listpack first element too long entry len", "1015150000000600f00100010101825f310302010201ff0a0094210afa06529f44"},
            {"gcc asan reports false leak on assert", "120102131300000010000000030000f3fe025f3104f1ff0a00198d3d74859429bd"},
            {"lpFind invalid access", "1039390000001400060106010301825f33030701825f370300010001040104010901825f39030501825f3503080108010101825f31030201f001ff0a0029d7e452797a9582"},
    };

    private static Twin twin;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(ServerProcess.redisAvailable(), "redis-server is not installed");
        twin = Twin.start("enable-debug-command", "yes");
    }

    @AfterAll
    static void stop() {
        if (twin != null) twin.close();
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void suitePayloadsAnswerAsRedis() {
        try (Twin.Conn c = twin.connect("suite")) {
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1");
            for (String mode : new String[] {"yes", "no", "clients"}) {
                c.call("CONFIG", "SET", "sanitize-dump-payload", mode);
                for (String[] t : SUITE) {
                    c.call("RESTORE", "k", "0", hex(t[1]), "REPLACE");
                    c.call("DEBUG", "DIGEST-VALUE", "k");
                }
            }
            c.call("CONFIG", "SET", "sanitize-dump-payload", "yes");
            for (String[] t : UNSANITIZED) c.call("RESTORE", "k", "0", hex(t[1]), "REPLACE");
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
            c.call("CONFIG", "SET", "sanitize-dump-payload", "no");
            c.call("FLUSHALL");
        }
        twin.assertSame();
    }

    /** The one deliberate difference: what Redis would keep unsanitized and assert on later is refused. */
    @Test
    void payloadsRedisWouldAssertOnAreRefusedUnsanitizedToo() throws Exception {
        try (var ours = io.lodestone.testsupport.RespClient.connect(twin.ours.port())) {
            ours.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1");
            ours.call("CONFIG", "SET", "sanitize-dump-payload", "no");
            for (String[] t : UNSANITIZED) {
                byte[] reply = ours.call("RESTORE".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII),
                        "0".getBytes(StandardCharsets.US_ASCII), hex(t[1]));
                assertEquals("-ERR Bad data format\r\n", io.lodestone.testsupport.RespClient.text(reply), t[0]);
            }
            // hash-max-listpack-entries 1: Redis panics converting a listpack with a repeated field
            ours.call("CONFIG", "SET", "hash-max-listpack-entries", "1");
            byte[] dup = hex("101717000000040082610003826200038261000382640003ff0a00c0cfa687e5a7c5be");
            assertEquals("-ERR Bad data format\r\n", io.lodestone.testsupport.RespClient.text(ours.call(
                    "RESTORE".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII),
                    "0".getBytes(StandardCharsets.US_ASCII), dup)));
            ours.call("CONFIG", "SET", "hash-max-listpack-entries", "128");
            ours.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
        }
    }

    @Test
    void checksumAndVersionAreVerifiedUnlessSkipped() {
        try (Twin.Conn c = twin.connect("checksum")) {
            c.call("SET", "s", "value");
            byte[] p = c.real.call("DUMP", "s").length > 0 ? dump(c, "s") : null;
            byte[] badCrc = p.clone();
            badCrc[badCrc.length - 1] ^= 1;
            byte[] newer = p.clone();
            newer[newer.length - 10] = 11;
            c.call("RESTORE", "a", "0", badCrc);
            c.call("RESTORE", "a", "0", newer);
            c.call("RESTORE", "a", "0", "short");
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1");
            c.call("RESTORE", "a", "0", badCrc);
            c.call("RESTORE", "b", "0", newer);
            c.call("GET", "a");
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION");
            c.call("FLUSHALL");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        twin.assertSame();
    }

    /** The bulk payload of DUMP key, taken from redis-server. */
    private static byte[] dump(Twin.Conn c, String key) throws Exception {
        byte[] reply = c.real.call("DUMP", key);
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        int crlf = text.indexOf("\r\n");
        int n = Integer.parseInt(text.substring(1, crlf));
        return java.util.Arrays.copyOfRange(reply, crlf + 2, crlf + 2 + n);
    }

    /**
     * integration/corrupt-dump-fuzzer's idea without streams: DUMP payloads of every type in both
     * encodings, one or two random bytes replaced, restored with deep sanitization on both servers.
     */
    @Test
    void randomlyCorruptedPayloadsAnswerAsRedis() throws Exception {
        try (Twin.Conn c = twin.connect("fuzz")) {
            c.call("FLUSHALL");
            c.call("CONFIG", "SET", "list-max-listpack-size", "5");
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "5");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "5");
            for (String suffix : new String[] {"", "big"}) {
                int n = suffix.isEmpty() ? 3 : 10;
                for (int j = 0; j < n; j++) {
                    String val = j % 2 == 0 ? Integer.toString(j) : "_" + j;
                    c.call("HSET", "hash" + suffix, Integer.toString(j), val);
                    c.call("LPUSH", "list" + suffix, val);
                    c.call("ZADD", "zset" + suffix, Integer.toString(j), val);
                    c.call("SADD", "set" + suffix, val);
                    c.call("SADD", "intset" + suffix, Integer.toString(j * 1000 - 3));
                }
            }
            c.call("SET", "string", "a string long enough to be compressed, compressed, compressed");
            c.call("SET", "int", "12345");
            c.call("CONFIG", "SET", "sanitize-dump-payload", "yes");
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1");
            Random rnd = new Random(7);
            String[] keys = {"hash", "list", "zset", "set", "intset", "hashbig", "listbig", "zsetbig", "setbig", "intsetbig",
                    "string", "int"};
            for (int round = 0; round < 1500; round++) {
                byte[] p = dump(c, keys[round % keys.length]);
                int count = rnd.nextInt(10) == 0 ? 2 : 1;
                for (int k = 0; k < count; k++) p[rnd.nextInt(p.length)] = (byte) rnd.nextInt(255);
                c.call("RESTORE", "_k", "0", p, "REPLACE");
                c.call("DEBUG", "DIGEST-VALUE", "_k");
                c.call("DEL", "_k");
            }
            c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0");
            c.call("CONFIG", "SET", "sanitize-dump-payload", "no");
            c.call("FLUSHALL");
        }
        twin.assertSame();
    }
}
