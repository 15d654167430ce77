package io.lodestone.command.hll;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HyperLogLog commands (the command half of Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE,
 * PFDEBUG and PFSELFTEST. The values are plain strings in {@link HyperLogLog}'s representation.
 *
 * <p>As every string written in place, an HLL is modified only when its entry owns the array
 * ({@link KeyEntry#FLAG_RAW}); otherwise it is copied first, which is also what makes OBJECT
 * ENCODING say "raw" afterwards, as Redis's dbUnshareStringValue does - PFCOUNT included.
 *
 * <p>Propagation is Redis 7.0's: PFADD, PFMERGE and PFDEBUG GETREG/TODENSE (when they convert)
 * propagate as themselves; so does PFCOUNT of one key when it stores a freshly computed cardinality
 * in the header, though the command is flagged read-only.
 */
public final class HyperLogLogCommands {
    static final String INVALID_HLL = "INVALIDOBJ Corrupted HLL object detected";
    static final String NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    private HyperLogLogCommands() {
    }

    public static void register(CommandTable t) {
        t.handle("pfadd", HyperLogLogCommands::pfadd);
        t.handle("pfcount", HyperLogLogCommands::pfcount);
        t.handle("pfmerge", HyperLogLogCommands::pfmerge);
        t.handle("pfdebug", HyperLogLogCommands::pfdebug);
        t.handle("pfselftest", HyperLogLogCommands::pfselftest);
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /** Redis's isHLLObjectOrReply: the HLL string of an existing entry, or the matching WRONGTYPE error. */
    static byte[] hllValue(KeyEntry e) {
        byte[] v = Client.checkType(e, byte[].class);
        if (!HyperLogLog.isValid(v)) throw new CommandError(NOT_HLL);
        return v;
    }

    /** Redis's dbUnshareStringValue: the entry's array, copied first unless the entry owns it. */
    static byte[] unshare(KeyEntry e) {
        byte[] v = (byte[]) e.value();
        if (e.hasFlag(KeyEntry.FLAG_RAW)) return v;
        byte[] copy = v.clone();
        e.own(copy);
        return copy;
    }

    /** Stores the worked-on value back into its (owning) entry when an update moved it to a new array. */
    static void store(KeyEntry e, HyperLogLog h) {
        byte[] v = h.bytes();
        if (v == e.value()) return;
        e.own(v);
    }

    // ---- PFADD / PFCOUNT / PFMERGE ---------------------------------------------------------------

    /**
     * PFADD key [element ...]: 1 when the key was created or a register grew. Each change counts as
     * one dirty change, as in Redis. A corrupted sparse value fails with the elements before the
     * corruption was met already applied (Redis works in place too), but nothing is signalled.
     */
    static void pfadd(Client c) {
        byte[] key = c.argv[1];
        Database db = c.db();
        KeyEntry e = db.lookupWrite(key);
        HyperLogLog h;
        int updated = 0;
        if (e == null) {
            h = HyperLogLog.create();
            updated++;
        } else {
            hllValue(e);
            h = HyperLogLog.of(unshare(e));
        }
        long maxBytes = c.server.encodings.hllSparseMaxBytes;
        boolean failed = false, grew = false;
        for (int j = 2; j < c.argc; j++) {
            int r = h.add(c.argv[j], maxBytes);
            if (r == 1) {
                updated++;
                grew = true;
            } else if (r < 0) {
                failed = true;
                break;
            }
        }
        if (!failed && updated > 0) h.invalidateCache();
        // Only a grown register changes the value (a failure is found before anything is written).
        if (e == null) db.add(key, h.bytes()).own(h.bytes());
        else if (grew) store(e, h);
        if (failed) throw new CommandError(INVALID_HLL);
        if (updated > 0) c.changed(KeyspaceEvents.STRING, "pfadd", key, updated);
        c.reply.integer(updated > 0 ? 1 : 0);
    }

    /**
     * PFCOUNT key [key ...]. One key: the cached cardinality when valid, otherwise the estimate,
     * which is then cached in the header - a write that WATCH sees and that is propagated. Several
     * keys: the estimate of their union, computed aside; none of them changes.
     */
    static void pfcount(Client c) {
        Database db = c.db();
        if (c.argc > 2) {
            byte[] max = new byte[HyperLogLog.REGISTERS];
            for (int j = 1; j < c.argc; j++) {
                KeyEntry e = db.lookupRead(c.argv[j]);
                if (e == null) continue;
                if (!HyperLogLog.merge(max, hllValue(e))) throw new CommandError(INVALID_HLL);
            }
            c.reply.integer(HyperLogLog.countRaw(max));
            return;
        }
        byte[] key = c.argv[1];
        KeyEntry e = db.lookupRead(key);
        if (e == null) {
            c.reply.integer(0);
            return;
        }
        hllValue(e);
        if (!HyperLogLog.of((byte[]) e.value()).cacheValid()) db.beforeInPlaceChange(e); // the cache gets rewritten
        HyperLogLog h = HyperLogLog.of(unshare(e));
        if (h.cacheValid()) {
            c.reply.integer(h.cachedCardinality());
            return;
        }
        long card = h.count();
        if (card == -1) throw new CommandError(INVALID_HLL);
        h.cacheCardinality(card);
        db.signalModifiedKey(key);
        c.dirty(1);
        // Redis propagates this "read" because the value changed; our dispatcher skips read-only
        // commands, so the effect is recorded here, in the same place of the write order.
        c.server.propagate(c.dbIndex(), c.argv, c.argc);
        c.reply.integer(card);
    }

    /**
     * PFMERGE destkey [sourcekey ...]: the destination (itself one of the sources) gets the maximum
     * of every register; it turns dense when any source is dense, otherwise the registers are set
     * one by one through the sparse updates (which may still promote it), so the bytes are Redis's.
     */
    static void pfmerge(Client c) {
        Database db = c.db();
        byte[] max = new byte[HyperLogLog.REGISTERS];
        boolean useDense = false;
        for (int j = 1; j < c.argc; j++) {
            KeyEntry e = db.lookupRead(c.argv[j]);
            if (e == null) continue;
            byte[] v = hllValue(e);
            if (HyperLogLog.isDense(v)) useDense = true;
            if (!HyperLogLog.merge(max, v)) throw new CommandError(INVALID_HLL);
        }
        byte[] key = c.argv[1];
        KeyEntry e = db.lookupWrite(key);
        HyperLogLog h = e == null ? HyperLogLog.create() : HyperLogLog.of(unshare(e));
        // The destination was validated as a source, so the conversion cannot fail.
        if (useDense) h.sparseToDense();
        long maxBytes = c.server.encodings.hllSparseMaxBytes;
        for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
            if (max[j] != 0) h.set(j, max[j], maxBytes);
        }
        h.invalidateCache();
        if (e == null) db.add(key, h.bytes()).own(h.bytes());
        else store(e, h);
        // A merge is a mass add: Redis notifies "pfadd".
        c.changed(KeyspaceEvents.STRING, "pfadd", key);
        c.reply.ok();
    }

    // ---- PFDEBUG / PFSELFTEST --------------------------------------------------------------------

    /**
     * PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. The key is looked up (and its value unshared)
     * before the subcommand is known, as in Redis. GETREG and TODENSE convert a sparse value to
     * dense and count that as a change (propagated) without signalling the key.
     */
    static void pfdebug(Client c) {
        byte[] sub = c.argv[1], key = c.argv[2];
        KeyEntry e = c.db().lookupWrite(key);
        if (e == null) throw new CommandError("ERR The specified key does not exist");
        hllValue(e);
        HyperLogLog h = HyperLogLog.of(unshare(e));
        if (Args.cKeyword(sub, "getreg")) {
            toDense(c, e, h);
            c.reply.array(HyperLogLog.REGISTERS);
            for (int j = 0; j < HyperLogLog.REGISTERS; j++) c.reply.integer(HyperLogLog.getRegister(h.b, j));
        } else if (Args.cKeyword(sub, "decode")) {
            if (h.encoding() != HyperLogLog.SPARSE) throw new CommandError("ERR HLL encoding is not sparse");
            c.reply.bulk(decode(h.b, h.len).getBytes(StandardCharsets.US_ASCII));
        } else if (Args.cKeyword(sub, "encoding")) {
            c.reply.simple(h.encoding() == HyperLogLog.DENSE ? "dense" : "sparse");
        } else if (Args.cKeyword(sub, "todense")) {
            c.reply.integer(toDense(c, e, h) ? 1 : 0);
        } else {
            throw new CommandError("ERR Unknown PFDEBUG subcommand '" + Args.cString(sub) + "'");
        }
    }

    private static boolean toDense(Client c, KeyEntry e, HyperLogLog h) {
        if (h.encoding() != HyperLogLog.SPARSE) return false;
        if (!h.sparseToDense()) throw new CommandError(INVALID_HLL);
        store(e, h);
        c.dirty(1);
        return true;
    }

    /** PFDEBUG DECODE's text: "z:N" (ZERO), "Z:N" (XZERO), "v:VALUE,N" (VAL), space separated. */
    static String decode(byte[] s, int end) {
        StringBuilder sb = new StringBuilder();
        int p = HyperLogLog.HDR_SIZE;
        while (p < end) {
            int op = s[p] & 0xff;
            if ((op & 0xc0) == 0) {
                sb.append("z:").append((op & 0x3f) + 1);
                p++;
            } else if ((op & 0xc0) == 0x40) {
                int lo = p + 1 < end ? s[p + 1] & 0xff : 0;
                sb.append("Z:").append((((op & 0x3f) << 8) | lo) + 1);
                p += 2;
            } else {
                sb.append("v:").append(((op >>> 2) & 0x1f) + 1).append(',').append((op & 3) + 1);
                p++;
            }
            sb.append(' ');
        }
        if (sb.length() > 0) sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /**
     * PFSELFTEST: (1) dense registers keep random values without disturbing their neighbours;
     * (2) ten million distinct elements go into a dense and a sparse HLL at once: at every power of
     * ten the sparse one must still be sparse while small, both must estimate the same, and the
     * error must stay within six standard errors (one for cardinality 10).
     */
    static void pfselftest(Client c) {
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        int[] expect = new int[HyperLogLog.REGISTERS];
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int cycle = 0; cycle < 1000; cycle++) {
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                int r = rnd.nextInt() & HyperLogLog.REGISTER_MAX;
                expect[i] = r;
                HyperLogLog.setRegister(dense, i, r);
            }
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                int v = HyperLogLog.getRegister(dense, i);
                if (v != expect[i]) {
                    throw new CommandError("ERR TESTFAILED Register " + i + " should be " + expect[i] + " but is " + v);
                }
            }
        }

        Arrays.fill(dense, (byte) 0);
        HyperLogLog sparse = HyperLogLog.create();
        HyperLogLog denseHll = HyperLogLog.of(dense);
        long maxBytes = c.server.encodings.hllSparseMaxBytes;
        double relerr = 1.04 / Math.sqrt(HyperLogLog.REGISTERS);
        long checkpoint = 1;
        long seed = rnd.nextLong();
        for (long j = 1; j <= 10_000_000; j++) {
            int pl = HyperLogLog.patLenOf(j ^ seed);
            int index = pl & HyperLogLog.P_MASK, count = pl >>> HyperLogLog.P;
            HyperLogLog.denseSet(dense, index, count);
            sparse.set(index, count, maxBytes);
            if (j != checkpoint) continue;
            if (j < maxBytes / 2 && sparse.encoding() != HyperLogLog.SPARSE) {
                throw new CommandError("ERR TESTFAILED sparse encoding not used");
            }
            long card = denseHll.count();
            if (card != sparse.count()) throw new CommandError("ERR TESTFAILED dense/sparse disagree");
            long abserr = Math.abs(checkpoint - card);
            long maxerr = j == 10 ? 1 : (long) Math.ceil(relerr * 6 * checkpoint);
            if (abserr > maxerr) {
                throw new CommandError("ERR TESTFAILED Too big error. card:" + checkpoint + " abserr:" + abserr);
            }
            checkpoint *= 10;
        }
        c.reply.ok();
    }
}
