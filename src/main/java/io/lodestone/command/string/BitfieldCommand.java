package io.lodestone.command.string;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
 * [OVERFLOW WRAP|SAT|FAIL] ... and BITFIELD_RO (GET only).
 *
 * <p>Types are {@code i1..i64} and {@code u1..u63}; an offset is a bit offset or {@code #n} for the
 * n-th field of the type's width. Every argument is parsed before anything runs, so an error in the
 * last operation leaves the key untouched. OVERFLOW applies to the SET/INCRBY operations after it.
 * A key is created (zero padded to the highest written bit) by any SET/INCRBY, even one that FAILs;
 * the call counts as a change, and is propagated, only when some written field actually changed or
 * the string grew under a successful write - as in Redis 7.0.
 */
final class BitfieldCommand {
    private static final String TYPE_ERROR =
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    private static final int GET = 0, SET = 1, INCRBY = 2;
    private static final int WRAP = 0, SAT = 1, FAIL = 2;

    private BitfieldCommand() {
    }

    /** One parsed operation: {@code value} is SET's value or INCRBY's increment. */
    private record Op(int opcode, long offset, int bits, boolean signed, long value, int overflow) {
    }

    static void bitfield(Client c, boolean readOnlyCommand) {
        List<Op> ops = new ArrayList<>();
        int overflow = WRAP;
        boolean readonly = true;
        long highestWrite = 0;
        for (int j = 2; j < c.argc; j++) {
            int remaining = c.argc - j - 1;
            byte[] sub = c.argv[j];
            int opcode;
            if (Args.cKeyword(sub, "get") && remaining >= 2) {
                opcode = GET;
            } else if (Args.cKeyword(sub, "set") && remaining >= 3) {
                opcode = SET;
            } else if (Args.cKeyword(sub, "incrby") && remaining >= 3) {
                opcode = INCRBY;
            } else if (Args.cKeyword(sub, "overflow") && remaining >= 1) {
                byte[] kind = c.argv[++j];
                if (Args.cKeyword(kind, "wrap")) overflow = WRAP;
                else if (Args.cKeyword(kind, "sat")) overflow = SAT;
                else if (Args.cKeyword(kind, "fail")) overflow = FAIL;
                else throw new CommandError("ERR Invalid OVERFLOW type specified");
                continue;
            } else {
                throw Errors.syntax();
            }
            byte[] type = c.argv[j + 1];
            boolean signed = type.length > 0 && type[0] == 'i';
            int bits = typeBits(type, signed);
            long offset = BitCommands.bitOffset(c, c.argv[j + 2], true, bits);
            long value = 0;
            if (opcode != GET) {
                readonly = false;
                highestWrite = Math.max(highestWrite, offset + bits - 1);
                value = Args.parseLong(c.argv[j + 3]);
            }
            ops.add(new Op(opcode, offset, bits, signed, value, overflow));
            j += opcode == GET ? 2 : 3;
        }

        byte[] s;
        boolean grown = false;
        if (readonly) {
            byte[] v = c.lookupRead(c.argv[1], byte[].class);
            s = v == null ? StringCommands.EMPTY : v;
        } else {
            if (readOnlyCommand) throw new CommandError("ERR BITFIELD_RO only supports the GET subcommand");
            BitCommands.Target t = BitCommands.stringForBitWrite(c, highestWrite);
            s = t.bytes();
            grown = t.grown();
        }

        int changes = 0;
        c.reply.array(ops.size());
        for (Op op : ops) {
            if (op.opcode() == GET) {
                long v = get(s, op.offset(), op.bits());
                c.reply.integer(op.signed() ? signExtend(v, op.bits()) : v);
                continue;
            }
            long old = get(s, op.offset(), op.bits());
            long[] result = op.signed()
                    ? signedWrite(signExtend(old, op.bits()), op)
                    : unsignedWrite(old, op);
            // result = {overflowed (0/1), value to store, value to reply}
            if (result[0] != 0 && op.overflow() == FAIL) {
                c.reply.nullBulk();
                continue;
            }
            c.reply.integer(result[2]);
            set(s, op.offset(), op.bits(), result[1]);
            long stored = op.signed() ? signExtend(old, op.bits()) : old;
            if (grown || stored != result[1]) changes++;
        }
        if (changes > 0) c.changed(KeyspaceEvents.STRING, "setbit", c.argv[1], changes);
    }

    /** Width of an {@code iN}/{@code uN} type: i1..i64, u1..u63 (lower-case prefix). Digits end at a NUL, as C's strlen. */
    private static int typeBits(byte[] type, boolean signed) {
        if (type.length == 0 || !(signed || type[0] == 'u')) throw new CommandError(TYPE_ERROR); // lower case only
        int end = 1;
        while (end < type.length && type[end] != 0) end++;
        long bits = Args.parseLong(Arrays.copyOfRange(type, 1, end), TYPE_ERROR);
        if (bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) throw new CommandError(TYPE_ERROR);
        return (int) bits;
    }

    /** SET/INCRBY on a signed field (Redis's checkSignedBitfieldOverflow). */
    private static long[] signedWrite(long old, Op op) {
        int bits = op.bits();
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long value, incr;
        if (op.opcode() == INCRBY) {
            value = old;
            incr = op.value();
        } else {
            value = op.value();
            incr = 0;
        }
        long maxIncr = max - value; // may wrap; used only once value is known to be in range
        long minIncr = min - value;
        int overflow = 0;
        long limit = 0;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr)) {
            overflow = 1;
            limit = max;
        } else if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr)) {
            overflow = -1;
            limit = min;
        }
        long result;
        if (overflow == 0) {
            result = value + incr;
        } else if (op.overflow() == WRAP) {
            long sum = value + incr;
            result = bits == 64 ? sum : signExtend(sum & ((1L << bits) - 1), bits);
        } else {
            result = limit;
        }
        long reply = op.opcode() == INCRBY ? result : old;
        return new long[]{overflow != 0 ? 1 : 0, result, reply};
    }

    /** SET/INCRBY on an unsigned field (Redis's checkUnsignedBitfieldOverflow); width is at most 63. */
    private static long[] unsignedWrite(long old, Op op) {
        int bits = op.bits();
        long max = (1L << bits) - 1;
        long value, incr;
        if (op.opcode() == INCRBY) {
            value = old;
            incr = op.value();
        } else {
            value = op.value(); // a negative SET value is a huge unsigned one: it overflows
            incr = 0;
        }
        long maxIncr = max - value;
        long minIncr = -value;
        int overflow = 0;
        long limit = 0;
        if (Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > maxIncr)) {
            overflow = 1;
            limit = max;
        } else if (incr < 0 && incr < minIncr) {
            overflow = -1;
            limit = 0;
        }
        long result;
        if (overflow == 0) result = value + incr;
        else if (op.overflow() == WRAP) result = (value + incr) & max;
        else result = limit;
        long reply = op.opcode() == INCRBY ? result : old;
        return new long[]{overflow != 0 ? 1 : 0, result, reply};
    }

    /** The {@code bits}-wide field at bit {@code offset}, most significant bit first; zeros past the end. */
    static long get(byte[] s, long offset, int bits) {
        long v = 0;
        for (int i = 0; i < bits; i++) v = (v << 1) | BitCommands.getBit(s, offset + i);
        return v;
    }

    /** Writes the low {@code bits} bits of v at bit {@code offset} (the string is long enough). */
    static void set(byte[] s, long offset, int bits, long v) {
        for (int i = 0; i < bits; i++) {
            long pos = offset + i;
            int index = (int) (pos >>> 3), shift = 7 - (int) (pos & 7);
            int bit = (int) (v >>> (bits - 1 - i)) & 1;
            s[index] = (byte) ((s[index] & ~(1 << shift)) | (bit << shift));
        }
    }

    private static long signExtend(long v, int bits) {
        if (bits == 64) return v;
        return (v << (64 - bits)) >> (64 - bits);
    }
}
