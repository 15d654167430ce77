package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;

import java.util.ArrayList;
import java.util.List;

/**
 * Function libraries in Redis's RDB form (rdbSaveFunctions / rdbFunctionLoad): each library is the
 * opcode {@code RDB_OPCODE_FUNCTION2} (245) and its whole code, shebang included, as an RDB string.
 * The same records make an RDB file's functions section and FUNCTION DUMP's payload, which adds DUMP's
 * footer (RDB version and CRC64, see {@link DumpPayload}).
 */
public final class FunctionsPayload {
    private FunctionsPayload() {
    }

    /** Writes one library record. */
    static void write(ByteSink out, byte[] code, boolean compress) {
        out.put(Rdb.OPCODE_FUNCTION2);
        Rdb.writeString(out, code, compress);
    }

    /** FUNCTION DUMP: every library's record, then the RDB version and the CRC64. */
    public static byte[] dump(List<byte[]> codes, boolean compress) {
        ByteSink out = new ByteSink(256);
        for (byte[] code : codes) write(out, code, compress);
        out.putLE(Rdb.VERSION, 2);
        out.putLE(Crc64.of(out.buf, 0, out.len), 8);
        return out.toArray();
    }

    /**
     * FUNCTION RESTORE's reading of a payload that passed {@link DumpPayload#verify}: the library codes,
     * or an exception carrying Redis's error text.
     */
    public static List<byte[]> restore(byte[] payload) throws RdbFormatException {
        List<byte[]> codes = new ArrayList<>();
        int end = payload.length - 10;
        int pos = 0;
        while (pos < end) {
            int type = payload[pos++] & 0xFF;
            if (type == Rdb.OPCODE_FUNCTION) throw new RdbFormatException(pos - 1, "Pre-GA function format not supported");
            if (type != Rdb.OPCODE_FUNCTION2) throw new RdbFormatException(pos - 1, "given type is not a function");
            RdbValueReader r = new RdbValueReader(payload, pos, end, null); // strings need no limits
            try {
                codes.add(r.readString());
            } catch (RdbFormatException | RuntimeException e) {
                throw new RdbFormatException(pos, "failed loading the given functions payload");
            }
            pos = r.position();
        }
        return codes;
    }
}
