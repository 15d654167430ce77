package io.lodestone.persistence.rdb;

import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamValue;
import io.lodestone.testsupport.Fuzz;
import io.lodestone.testsupport.Mutations;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutated stream payloads either are refused or give a stream every operation works on: Lodestone
 * walks node bytes whenever a stream is used, so whatever the loader lets through must survive walks
 * both ways, XDEL, both trims, appends, copies and a second round trip without an exception.
 */
class StreamFuzzTest {
    private static List<byte[]> payloads() {
        StreamValue big = new StreamValue();
        for (int i = 0; i < 40; i++) {
            byte[][] fv = {RdbCorpus.b("k" + i % 3), RdbCorpus.b(i % 4 == 0 ? "x".repeat(100 + i) : Integer.toString(i - 20))};
            big.append(new StreamID(i / 5, i), fv, 0, 2, 300, 6);
        }
        big.delete(new StreamID(0, 1));
        big.delete(new StreamID(3, 17));
        List<byte[]> out = new ArrayList<>();
        for (StreamValue s : List.of(RdbCorpus.stream(), big, new StreamValue())) {
            out.add(new RdbValueWriter(false).dump(s));
            out.add(new RdbValueWriter(true).dump(s));
        }
        return out;
    }

    private static StreamID randomId(SplittableRandom rnd, StreamValue s) {
        long ms = s.lastId().ms();
        return new StreamID(ms == 0 ? 0 : rnd.nextLong(Math.max(1, ms + 2)), rnd.nextLong(64));
    }

    /** Every operation of the data layer, with its invariants checked after each. */
    private static void exercise(StreamValue s, SplittableRandom rnd) throws RdbFormatException {
        ValueForm.of(s);
        List<StreamID> ids = new ArrayList<>();
        s.range(StreamID.MIN, StreamID.MAX, true, 0, (id, fv, n) -> ids.add(id));
        for (int i = 0; i < 3; i++) {
            StreamID a = randomId(rnd, s), b = randomId(rnd, s);
            s.range(a, b, rnd.nextBoolean(), rnd.nextInt(4), (id, fv, n) -> true);
            s.rangeHasTombstones(a, rnd.nextBoolean() ? null : b);
            s.estimateDistanceFromFirstEverEntry(a);
            s.contains(a);
        }
        for (int i = 0; i < 3 && !ids.isEmpty(); i++) {
            assertTrue(s.delete(ids.get(rnd.nextInt(ids.size()))) || ids.size() > s.length(), "a walked entry is deleted");
            s.delete(randomId(rnd, s));
        }
        switch (rnd.nextInt(4)) {
            case 0 -> s.trimByLength(rnd.nextLong(s.length() + 2), rnd.nextBoolean(), rnd.nextInt(3) * 5);
            case 1 -> s.trimByMinId(randomId(rnd, s), rnd.nextBoolean(), rnd.nextInt(3) * 5);
            default -> { }
        }
        StreamID next = s.lastId().next();
        if (next != null) {
            byte[][] fv = {RdbCorpus.b("f"), RdbCorpus.b("v")};
            s.append(next, fv, 0, 2, 1 + rnd.nextInt(500), rnd.nextInt(5));
        }
        assertEquals(null, s.integrityProblem());
        s.memoryUsage(rnd.nextInt(8));
        String form = ValueForm.of(s);
        byte[] again = new RdbValueWriter(rnd.nextBoolean()).serialize(s.copy());
        assertEquals(form, ValueForm.of(new RdbValueReader(again, 0, again.length, RdbCorpus.LIMITS).deep(true).read()));
    }

    @Test
    void mutatedStreamPayloadsAreRefusedOrFullyUsable() throws Exception {
        List<byte[]> payloads = payloads();
        Fuzz fuzz = Fuzz.target("stream-payload", 30_000, 6);
        fuzz.run((index, rnd) -> {
            byte[] p = payloads.get(rnd.nextInt(payloads.size()));
            String[] kind = new String[1];
            byte[] body = Arrays.copyOf(p, p.length - 10);
            // A structure-aware mutation (lengths, counts and IDs as well as bytes), sometimes followed
            // by byte-level ones (the structure it knows is gone then).
            RdbLoaderFuzzTest.Rec whole = new RdbLoaderFuzzTest.Rec(0, body[0] & 0xFF, 1, 1, body.length);
            body = body.length > 16 ? RdbLoaderFuzzTest.mutateFile(body, List.of(whole), rnd, kind) : Mutations.bytes(body, rnd, kind);
            for (int i = rnd.nextInt(3) == 0 ? rnd.nextInt(3) : 0; i > 0 && body.length > 0; i--) {
                body = Mutations.bytes(body, rnd, new String[1]);
            }
            if (body.length == 0) return;
            byte[] m = RdbCorpus.dumpOf(body);
            fuzz.input(m);
            fuzz.count(kind[0]);
            Object v;
            try {
                v = DumpPayload.decode(m, RdbCorpus.LIMITS, rnd.nextBoolean(), n -> { });
            } catch (RdbFormatException e) {
                RdbLoaderFuzzTest.safetyNet(e);
                fuzz.count("refused: " + e.kind());
                return;
            }
            if (!(v instanceof StreamValue s)) {
                fuzz.count("another type");
                return;
            }
            exercise(s, rnd);
            fuzz.count("loaded and used");
        });
        assertTrue(fuzz.outcomes().getOrDefault("loaded and used", 0L) > 0, fuzz.summary());
    }
}
