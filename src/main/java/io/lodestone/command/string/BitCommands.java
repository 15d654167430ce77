package io.lodestone.command.string;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Bit operations on strings (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and
 * BITFIELD/BITFIELD_RO ({@link BitfieldCommand}). Bit 0 is the most significant bit of byte 0.
 * Reading past the end of a string reads zeros; writing past it grows the string with zeros.
 */
final class BitCommands {
    static final String BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range";
    private static final String BIT_VALUE_ERROR = "ERR bit is not an integer or out of range";
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private BitCommands() {
    }

    static void register(CommandTable t) {
        t.handle("setbit", BitCommands::setbit);
        t.handle("getbit", BitCommands::getbit);
        t.handle("bitcount", BitCommands::bitcount);
        t.handle("bitpos", BitCommands::bitpos);
        t.handle("bitop", BitCommands::bitop);
        t.handle("bitfield", c -> BitfieldCommand.bitfield(c, false));
        t.handle("bitfield_ro", c -> BitfieldCommand.bitfield(c, true));
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    /**
     * Redis's getBitOffsetFromArgument: a bit offset, or with {@code hash} a "#n" offset meaning n
     * fields of {@code bits} bits (multiplied as C does, wrapping). The byte it falls in must be
     * below proto-max-bulk-len.
     */
    static long bitOffset(Client c, byte[] arg, boolean hash, int bits) {
        boolean useHash = hash && bits > 0 && arg.length > 0 && arg[0] == '#';
        long offset = Args.parseLong(useHash ? Arrays.copyOfRange(arg, 1, arg.length) : arg,
                BIT_OFFSET_ERROR);
        if (useHash) offset *= bits;
        if (offset < 0 || (offset >> 3) >= c.server.limits.protoMaxBulkLen
                || (offset >> 3) >= StringCommands.MAX_ARRAY - 16) {
            throw new CommandError(BIT_OFFSET_ERROR);
        }
        return offset;
    }

    /** The string a bit write goes to, and whether it was created or lengthened for it. */
    record Target(byte[] bytes, boolean grown) {
    }

    /**
     * Redis's lookupStringForBitCommand: the string at argv[1], created or zero-padded so that bit
     * {@code maxBit} exists, owned by its entry so it may be written in place.
     */
    static Target stringForBitWrite(Client c, long maxBit) {
        int length = (int) (maxBit >>> 3) + 1;
        byte[] key = c.argv[1];
        KeyEntry e = c.lookupWriteEntry(key, byte[].class);
        if (e == null) {
            byte[] v = new byte[length];
            c.db().add(key, v).own(v);
            return new Target(v, true);
        }
        int before = ((byte[]) e.value()).length;
        byte[] v = StringCommands.unshare(e, length);
        return new Target(v, v.length != before);
    }

    static int getBit(byte[] s, long offset) {
        long index = offset >>> 3;
        if (index >= s.length) return 0;
        return (s[(int) index] >> (7 - (int) (offset & 7))) & 1;
    }

    /** Set bits in {@code s[from, from + count)}. */
    static long popcount(byte[] s, int from, int count) {
        long n = 0;
        int i = from, end = from + count;
        for (; i + 8 <= end; i += 8) n += Long.bitCount((long) LONGS.get(s, i));
        for (; i < end; i++) n += Integer.bitCount(s[i] & 0xFF);
        return n;
    }

    /** Clamps a [start, end] range over {@code total} units with negative indexes from the end. */
    private static long[] normalize(long start, long end, long total) {
        if (start < 0) start = total + start;
        if (end < 0) end = total + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        return new long[]{start, end};
    }

    /** BIT or BYTE as a range unit; anything else is a syntax error. */
    private static boolean isBitUnit(byte[] arg) {
        if (Args.cKeyword(arg, "bit")) return true;
        if (Args.cKeyword(arg, "byte")) return false;
        throw Errors.syntax();
    }

    // ---- Commands --------------------------------------------------------------------------------

    /** SETBIT key offset 0|1: replies the old bit; changes data only if the string grows or the bit flips. */
    static void setbit(Client c) {
        long offset = bitOffset(c, c.argv[2], false, 0);
        long on = Args.parseLong(c.argv[3], BIT_VALUE_ERROR);
        if ((on & ~1L) != 0) throw new CommandError(BIT_VALUE_ERROR);
        Target t = stringForBitWrite(c, offset);
        int index = (int) (offset >>> 3), shift = 7 - (int) (offset & 7);
        int old = (t.bytes()[index] >> shift) & 1;
        if (t.grown() || old != on) {
            t.bytes()[index] = (byte) ((t.bytes()[index] & ~(1 << shift)) | ((int) on << shift));
            c.changed(KeyspaceEvents.STRING, "setbit", c.argv[1]);
        }
        c.reply.integer(old);
    }

    static void getbit(Client c) {
        long offset = bitOffset(c, c.argv[2], false, 0);
        byte[] s = c.lookupRead(c.argv[1], byte[].class);
        c.reply.integer(s == null ? 0 : getBit(s, offset));
    }

    /**
     * BITCOUNT key [start end [BYTE|BIT]]. A missing key counts 0 before any argument is looked at,
     * as in Redis 7.0; both negative with start > end is 0 before the unit is checked.
     */
    static void bitcount(Client c) {
        byte[] s = c.lookupRead(c.argv[1], byte[].class);
        if (s == null) {
            c.reply.integer(0);
            return;
        }
        long startBit, endBit;
        if (c.argc == 4 || c.argc == 5) {
            long start = Args.parseLong(c.argv[2]);
            long end = Args.parseLong(c.argv[3]);
            if (start < 0 && end < 0 && start > end) {
                c.reply.integer(0);
                return;
            }
            boolean bits = c.argc == 5 && isBitUnit(c.argv[4]);
            long[] r = normalize(start, end, bits ? (long) s.length << 3 : s.length);
            if (r[0] > r[1]) {
                c.reply.integer(0);
                return;
            }
            startBit = bits ? r[0] : r[0] << 3;
            endBit = bits ? r[1] : (r[1] << 3) + 7;
        } else if (c.argc == 2) {
            if (s.length == 0) {
                c.reply.integer(0);
                return;
            }
            startBit = 0;
            endBit = ((long) s.length << 3) - 1;
        } else {
            throw Errors.syntax();
        }
        int first = (int) (startBit >>> 3), last = (int) (endBit >>> 3);
        long n = popcount(s, first, last - first + 1);
        n -= Integer.bitCount((s[first] & 0xFF) >>> (8 - (int) (startBit & 7))); // bits before startBit
        n -= Integer.bitCount(s[last] & ((1 << (7 - (int) (endBit & 7))) - 1)); // bits after endBit
        c.reply.integer(n);
    }

    /**
     * BITPOS key bit [start [end [BYTE|BIT]]]: the first bit equal to {@code bit} in the range. A
     * missing key is an endless run of zeros. Looking for 0 without an explicit end treats the
     * string as zero-padded on the right, so "not found" is the first bit after the string.
     */
    static void bitpos(Client c) {
        long bit = Args.parseLong(c.argv[2]);
        if (bit != 0 && bit != 1) throw new CommandError("ERR The bit argument must be 1 or 0.");
        byte[] s = c.lookupRead(c.argv[1], byte[].class);
        if (s == null) {
            c.reply.integer(bit == 1 ? -1 : 0);
            return;
        }
        long start, end;
        boolean bits = false, endGiven = false;
        if (c.argc >= 4 && c.argc <= 6) {
            start = Args.parseLong(c.argv[3]);
            if (c.argc == 6) bits = isBitUnit(c.argv[5]);
            if (c.argc >= 5) {
                end = Args.parseLong(c.argv[4]);
                endGiven = true;
            } else {
                end = s.length - 1;
            }
            long[] r = normalize(start, end, bits ? (long) s.length << 3 : s.length);
            start = r[0];
            end = r[1];
        } else if (c.argc == 3) {
            start = 0;
            end = s.length - 1;
        } else {
            throw Errors.syntax();
        }
        if (start > end) {
            c.reply.integer(-1);
            return;
        }
        long startBit = bits ? start : start << 3;
        long endBit = bits ? end : (end << 3) + 7;
        long pos = findBit(s, startBit, endBit, (int) bit);
        if (pos < 0 && bit == 0 && !endGiven) pos = ((endBit >>> 3) + 1) << 3;
        c.reply.integer(pos);
    }

    /** The first position in [from, to] holding {@code bit}, or -1; whole bytes are skipped at once. */
    private static long findBit(byte[] s, long from, long to, int bit) {
        int skip = bit == 1 ? 0 : 0xFF;
        long pos = from;
        while (pos <= to) {
            int b = s[(int) (pos >>> 3)] & 0xFF;
            if ((pos & 7) == 0 && pos + 7 <= to && b == skip) {
                pos += 8;
                continue;
            }
            if (((b >> (7 - (int) (pos & 7))) & 1) == bit) return pos;
            pos++;
        }
        return -1;
    }

    /**
     * BITOP AND|OR|XOR|NOT destkey key...: missing keys are empty strings, shorter strings are
     * zero-padded to the longest. An empty result deletes destkey. Replies the result's length.
     */
    static void bitop(Client c) {
        byte[] opName = c.argv[1];
        int op;
        if (Args.cKeyword(opName, "and")) op = 0;
        else if (Args.cKeyword(opName, "or")) op = 1;
        else if (Args.cKeyword(opName, "xor")) op = 2;
        else if (Args.cKeyword(opName, "not")) op = 3;
        else throw Errors.syntax();
        if (op == 3 && c.argc != 4) throw new CommandError("ERR BITOP NOT must be called with a single source key.");
        Database db = c.db();
        int n = c.argc - 3;
        byte[][] src = new byte[n][];
        int maxLen = 0;
        for (int j = 0; j < n; j++) {
            byte[] s = c.lookupRead(c.argv[j + 3], byte[].class);
            src[j] = s == null ? StringCommands.EMPTY : s;
            maxLen = Math.max(maxLen, src[j].length);
        }
        byte[] dest = c.argv[2];
        if (maxLen == 0) {
            c.deleteKey(dest);
            c.reply.integer(0);
            return;
        }
        byte[] res = new byte[maxLen];
        for (int i = 0; i < maxLen; i++) {
            int out = i < src[0].length ? src[0][i] & 0xFF : 0;
            if (op == 3) out = ~out & 0xFF;
            for (int j = 1; j < n; j++) {
                int b = i < src[j].length ? src[j][i] & 0xFF : 0;
                if (op == 0) out &= b;
                else if (op == 1) out |= b;
                else out ^= b;
            }
            res[i] = (byte) out;
        }
        db.set(dest, res, false).own(res);
        c.changed(KeyspaceEvents.STRING, "set", dest);
        c.reply.integer(maxLen);
    }
}
