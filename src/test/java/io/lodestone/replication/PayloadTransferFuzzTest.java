package io.lodestone.replication;

import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import io.lodestone.testsupport.Slow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile full-sync framing, as a replica reads it from its master ({@link PayloadTransfer}: keep-alive
 * newlines, then {@code $<len>} and that many bytes, or {@code $EOF:<mark>} and bytes up to the mark),
 * valid and mutated, to memory (repl-diskless-load swapdb) and to a temp file, fed in one piece, at
 * random split points and a byte at a time. The payload then goes to the RDB loader, fuzzed by
 * RdbLoaderFuzzTest, so only the framing is fuzzed here. Properties: nothing is thrown; a valid frame
 * delivers exactly its payload and leaves what follows it unread; the outcome (failed, incomplete, or
 * the payload) does not depend on the fragmentation; an aborted transfer leaves no temp file.
 */
class PayloadTransferFuzzTest {
    @TempDir
    static Path dir;
    private static String logLevel;

    @BeforeAll
    static void quiet() {
        logLevel = Fuzz.quietLog(); // a "Bad protocol from MASTER" line per failed frame
    }

    @AfterAll
    static void loud() {
        Fuzz.restoreLog(logLevel);
    }

    /** The host as the transfer sees it: an empty data set, nothing to cancel. */
    static final class Host implements MasterLink.Host {
        @Override
        public boolean execute(byte[][] argv, int argc) {
            return true;
        }

        @Override
        public boolean inTransaction() {
            return false;
        }

        @Override
        public void masterClient(boolean connected, io.netty.channel.Channel channel, int db, Runnable resume) {
        }

        @Override
        public int masterDb() {
            return 0;
        }

        @Override
        public void afterBatch() {
        }

        @Override
        public RdbFileLoader loader() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int databases() {
            return 16;
        }

        @Override
        public long totalKeys() {
            return 0;
        }

        @Override
        public void beforeDiskLoad() {
        }

        @Override
        public void adopt(RdbFileLoader.Result loaded) {
        }

        @Override
        public void loading(boolean on, boolean async, long bytes) {
        }

        @Override
        public void roleChanged(boolean replica) {
        }

        @Override
        public int listeningPort() {
            return 0;
        }
    }

    /** How a transfer ended: FAILED, NEED_MORE (incomplete), or COMPLETE with the payload and what is left. */
    record Outcome(String state, byte[] payload, byte[] left) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && x.state.equals(state) && Arrays.equals(x.payload, payload) && Arrays.equals(x.left, left);
        }

        @Override
        public int hashCode() {
            return state.hashCode();
        }

        @Override
        public String toString() {
            return state + (payload == null ? "" : " payload " + payload.length + " bytes, " + left.length + " left");
        }
    }

    /**
     * Feeds {@code input} cut at {@code cuts} as the master link does: bytes accumulate in its input
     * buffer, the transfer reads while it makes progress.
     */
    static Outcome transfer(byte[] input, int[] cuts, String disklessLoad, SplittableRandom rnd) throws Exception {
        Path rdb = dir.resolve("dump-" + Thread.currentThread().getId() + ".rdb");
        Files.deleteIfExists(rdb);
        PayloadTransfer t = new PayloadTransfer(new Host(), () -> rdb);
        assertTrue(t.start(disklessLoad));
        ByteBuf acc = Unpooled.buffer();
        try {
            int from = 0;
            for (int k = 0; k <= cuts.length; k++) {
                int to = k < cuts.length ? cuts[k] : input.length;
                acc.writeBytes(input, from, to - from);
                from = to;
                while (true) {
                    PayloadTransfer.Progress p = t.read(acc);
                    if (p == PayloadTransfer.Progress.AGAIN) continue;
                    if (p == PayloadTransfer.Progress.FAILED) {
                        t.abort();
                        return new Outcome("FAILED", null, null);
                    }
                    if (p == PayloadTransfer.Progress.COMPLETE) {
                        PayloadTransfer.Payload payload = t.finish();
                        byte[] bytes = payload.image() != null ? payload.image() : Files.readAllBytes(payload.file());
                        // what is left for the stream: unread bytes, and those not fed yet
                        acc.writeBytes(input, from, input.length - from);
                        byte[] left = new byte[acc.readableBytes()];
                        acc.readBytes(left);
                        return new Outcome("COMPLETE", bytes, left);
                    }
                    break; // NEED_MORE
                }
                acc.discardReadBytes();
            }
            t.abort();
            return new Outcome("NEED_MORE", null, null);
        } finally {
            acc.release();
            try (Stream<Path> temps = Files.list(dir)) {
                assertEquals(0, temps.filter(p -> p.getFileName().toString().startsWith("temp-")).count(), "a temp file was left");
            }
        }
    }

    /** A frame: keep-alives, the header, the payload (and the mark), then bytes of the stream that follows. */
    record Frame(byte[] bytes, byte[] payload, byte[] after, boolean eof) {
    }

    static Frame frame(SplittableRandom rnd) {
        byte[] payload = Mutations.randomBytes(rnd, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextInt(8) == 0 ? 70_000 : 600));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = rnd.nextInt(3); i > 0; i--) out.writeBytes(new byte[] {'\n'});
        boolean eof = rnd.nextBoolean();
        byte[] after = new byte[0];
        if (eof) {
            byte[] mark = new byte[PayloadTransfer.MARK_LEN];
            for (int i = 0; i < mark.length; i++) mark[i] = (byte) "0123456789abcdef".charAt(rnd.nextInt(16));
            out.writeBytes(("$EOF:" + new String(mark, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(payload);
            out.writeBytes(mark);
        } else {
            out.writeBytes(("$" + payload.length + (rnd.nextInt(5) == 0 ? "\n" : "\r\n")).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(payload);
            if (rnd.nextBoolean()) after = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(after);
        }
        return new Frame(out.toByteArray(), payload, after, eof);
    }

    /** Where a $EOF mark first appears, or -1: a frame whose mark appears before its end is read as Redis reads it, chunk by chunk. */
    static int firstMark(byte[] input) {
        String s = new String(input, StandardCharsets.ISO_8859_1);
        int h = s.indexOf("$EOF:");
        if (h < 0 || s.length() < h + 5 + PayloadTransfer.MARK_LEN) return -1;
        String mark = s.substring(h + 5, h + 5 + PayloadTransfer.MARK_LEN);
        int nl = s.indexOf('\n', h);
        return nl < 0 ? -1 : s.indexOf(mark, nl + 1);
    }

    @Test
    @Slow
    void framesArriveWholeWhateverTheFragmentation() {
        Fuzz fuzz = Fuzz.target("sync-payload-framing", 30_000, 6);
        fuzz.run((index, rnd) -> {
            Frame f = frame(rnd);
            boolean mutated = rnd.nextInt(3) > 0;
            String[] kind = {"valid"};
            byte[] in = mutated ? mutate(f.bytes(), rnd, kind) : f.bytes();
            fuzz.input(in);
            fuzz.count(kind[0]);
            // to a temp file (fsynced: slow, so fewer cases and cuts), to memory when loading diskless
            boolean disk = rnd.nextInt(10) == 0;
            String mode = disk ? "disabled" : rnd.nextBoolean() ? "swapdb" : "on-empty-db";
            Outcome ref = transfer(in, new int[0], mode, rnd);
            fuzz.count(ref.state());
            if (!mutated) {
                assertEquals("COMPLETE", ref.state(), "a valid frame");
                assertArrayEquals(f.payload(), ref.payload(), "the payload");
                assertArrayEquals(f.after(), ref.left(), "what follows the payload is left for the stream");
            }
            // a mark inside the payload, or bytes after it, are found where a read ends (Redis's way too)
            int mark = firstMark(in);
            boolean chunkDependent = mark >= 0 && mark + PayloadTransfer.MARK_LEN != in.length;
            int n = in.length;
            for (int r = disk ? 3 : 0; r < 4; r++) {
                int[] cuts = n < 2 ? new int[0] : rnd.ints(1 + rnd.nextInt(Math.min(n - 1, 10)), 1, n).distinct().sorted().toArray();
                Outcome got = transfer(in, cuts, mode, rnd);
                if (!chunkDependent) assertEquals(ref, got, "cut at " + Arrays.toString(cuts));
            }
            if (n <= 700 && !chunkDependent && !disk) {
                int[] all = new int[Math.max(0, n - 1)];
                for (int i = 0; i < all.length; i++) all[i] = i + 1;
                assertEquals(ref, transfer(in, all, mode, rnd), "a byte at a time");
            }
        });
        assertTrue(fuzz.cases() > 0);
    }

    /** A master that never ends its header line is refused once the line passes Redis's 16 KB buffer. */
    @Test
    void anEndlessHeaderLineFailsTheTransfer() throws Exception {
        byte[] in = new byte[100_000];
        Arrays.fill(in, (byte) '9');
        in[0] = '$';
        Outcome got = transfer(in, new int[] {10, 20_000, 50_000}, "on-empty-db", new SplittableRandom(1));
        assertEquals("FAILED", got.state());
    }

    /** A mutation of the header (its length or mark), of the payload, or an error reply instead. */
    static byte[] mutate(byte[] frame, SplittableRandom rnd, String[] kind) {
        int r = rnd.nextInt(10);
        if (r < 4) {
            kind[0] = "header number";
            return Mutations.respNumber(frame, rnd);
        }
        if (r == 4) {
            kind[0] = "error reply";
            return "-ERR no\r\n".getBytes(StandardCharsets.US_ASCII);
        }
        return Mutations.mutate(frame, rnd, kind);
    }
}
