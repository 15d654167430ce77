package io.lodestone.persistence.aof;

import io.lodestone.testsupport.TempDirs;
import io.lodestone.persistence.ByteSink;
import io.lodestone.persistence.SnapshotOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.store.Keyspace;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The command form of a base file, as Redis's rewriteAppendOnlyFileRio writes it. */
class AofCommandEncoderTest {

    @Test
    void stringWithTtlInItsDatabase() throws Exception {
        Keyspace ks = new Keyspace(16);
        var e = ks.db(2).add("k".getBytes(), "v".getBytes());
        ks.db(2).setExpire(e, 1795260223159L);
        assertEquals("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
                + "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1795260223159\r\n", new String(writeAll(ks), StandardCharsets.ISO_8859_1));
    }

    static byte[] writeAll(Keyspace ks) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Snapshotter.writeNow(ks, new AofCommandEncoder(false), new SnapshotOutput() {
            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
            }

            @Override
            public void finish() {
            }

            @Override
            public void abort() {
            }
        });
        return out.toByteArray();
    }

    @Test
    void scoresAsPercent17g() {
        AofCommandEncoder enc = new AofCommandEncoder(false);
        ByteSink sink = new ByteSink(64);
        ZSetValue z = ZSetValue.createCompact();
        ZSetValue.Limits lim = new ZSetValue.Limits(128, 64);
        z.add("q".getBytes(), 0.1, 0, lim);
        z.add("r".getBytes(), Double.NEGATIVE_INFINITY, 0, lim);
        z.add("i".getBytes(), 3, 0, lim);
        enc.key(sink, "zz".getBytes(), z, -1);
        assertEquals("*8\r\n$4\r\nZADD\r\n$2\r\nzz\r\n$4\r\n-inf\r\n$1\r\nr\r\n$19\r\n0.10000000000000001\r\n$1\r\nq\r\n"
                + "$1\r\n3\r\n$1\r\ni\r\n", new String(sink.toArray(), StandardCharsets.ISO_8859_1));
    }

    /** Replays the encoder's output through the loader to count commands and their sizes. */
    private static List<String[]> commands(byte[] aof) throws Exception {
        Path dir = TempDirs.create("aofenc");
        Files.write(dir.resolve("f"), aof);
        List<String[]> cmds = new ArrayList<>();
        new AofLoader(dir, new AofReplay() {
            @Override
            public long loadRdb(java.nio.file.Path file) {
                throw new AssertionError("no RDB expected");
            }

            @Override
            public boolean execute(byte[][] argv) {
                String[] s = new String[argv.length];
                for (int i = 0; i < argv.length; i++) s[i] = new String(argv[i], StandardCharsets.ISO_8859_1);
                cmds.add(s);
                return true;
            }

            @Override
            public void reset() {
            }
        }, false).loadFile("f");
        return cmds;
    }

    @Test
    void collectionsIn64ItemBatches() throws Exception {
        ListValue l = new ListValue(-2);
        for (int i = 0; i < 130; i++) l.pushTail(("e" + i).getBytes());
        SetValue s = SetValue.intset();
        for (int i = 0; i < 65; i++) s.add(Integer.toString(i).getBytes(), 512);
        HashValue h = new HashValue();
        for (int i = 0; i < 64; i++) h.set(("f" + i).getBytes(), ("v" + i).getBytes(), 512, 64);
        AofCommandEncoder enc = new AofCommandEncoder(false);
        ByteSink sink = new ByteSink(64);
        enc.key(sink, "l".getBytes(), l, -1);
        enc.key(sink, "s".getBytes(), s, -1);
        enc.key(sink, "h".getBytes(), h, -1);
        List<String[]> cmds = commands(sink.toArray());
        List<String> shape = new ArrayList<>();
        for (String[] c : cmds) shape.add(c[0] + " " + c[1] + " " + (c.length - 2));
        assertEquals(List.of("RPUSH l 64", "RPUSH l 64", "RPUSH l 2", "SADD s 64", "SADD s 1", "HMSET h 128"), shape);
        assertEquals("e129", cmds.get(2)[3]);
    }
}
