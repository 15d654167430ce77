package io.lodestone.persistence.rdb;

/**
 * LZF as Redis uses it for {@code rdbcompression}: liblzf 3.6's lzf_compress with Redis's lzfP.h
 * settings (HLOG 16, VERY_FAST, a fresh hash table per call) so that compressed strings come out byte
 * for byte as redis-server writes them, and lzf_decompress.
 *
 * <p>The stream is a sequence of runs: a control byte {@code 000LLLLL} is followed by L+1 literal
 * bytes; {@code LLLooooo oooooooo} (L from 1 to 6) or {@code 111ooooo EEEEEEEE oooooooo} copies
 * {@code L+2} (or {@code E+9}) bytes from {@code offset+1} bytes back.
 */
public final class Lzf {
    private static final int HLOG = 16;
    private static final int HSIZE = 1 << HLOG;
    private static final int MAX_LIT = 1 << 5;
    private static final int MAX_OFF = 1 << 13;
    private static final int MAX_REF = (1 << 8) + (1 << 3);

    private Lzf() {
    }

    private static int idx(int h) {
        return ((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1);
    }

    /**
     * lzf_compress(in, inLen, out, outLen): the compressed length, or 0 if the result would not fit
     * in {@code outLen} bytes (Redis asks for at least 4 bytes saved: outLen = inLen - 4).
     */
    public static int compress(byte[] in, int inLen, byte[] out, int outLen) {
        if (inLen == 0 || outLen == 0) return 0;
        // Slots hold input positions + 1; 0 is an empty slot (liblzf's uninitialized slots never
        // pass its "ref > in_data" test in practice).
        int[] htab = new int[HSIZE];
        int ip = 0, op = 0;
        int inEnd = inLen, outEnd = outLen;
        int lit = 0;
        op++; // start run
        int hval = ((in[0] & 0xFF) << 8) | (inLen > 1 ? in[1] & 0xFF : 0);
        while (ip < inEnd - 2) {
            hval = (hval << 8) | (in[ip + 2] & 0xFF);
            int slot = idx(hval);
            int ref = htab[slot] - 1;
            htab[slot] = ip + 1;
            int off;
            if (ref > 0 && (off = ip - ref - 1) >= 0 && off < MAX_OFF
                    && in[ref + 2] == in[ip + 2] && in[ref] == in[ip] && in[ref + 1] == in[ip + 1]) {
                int len = 2;
                int maxlen = inEnd - ip - len;
                if (maxlen > MAX_REF) maxlen = MAX_REF;
                if (op + 3 + 1 >= outEnd) {
                    if (op - (lit == 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
                }
                out[op - lit - 1] = (byte) (lit - 1); // stop run
                if (lit == 0) op--; // undo run if length is zero
                matching:
                {
                    if (maxlen > 16) {
                        for (int k = 0; k < 16; k++) {
                            len++;
                            if (in[ref + len] != in[ip + len]) break matching;
                        }
                    }
                    do {
                        len++;
                    } while (len < maxlen && in[ref + len] == in[ip + len]);
                }
                len -= 2; // len is now #octets - 1
                ip++;
                if (len < 7) {
                    out[op++] = (byte) ((off >>> 8) + (len << 5));
                } else {
                    out[op++] = (byte) ((off >>> 8) + (7 << 5));
                    out[op++] = (byte) (len - 7);
                }
                out[op++] = (byte) off;
                lit = 0;
                op++; // start run
                ip += len + 1;
                if (ip >= inEnd - 2) break;
                ip -= 2;
                hval = ((in[ip] & 0xFF) << 8) | (in[ip + 1] & 0xFF);
                hval = (hval << 8) | (in[ip + 2] & 0xFF);
                htab[idx(hval)] = ip + 1;
                ip++;
                hval = (hval << 8) | (in[ip + 2] & 0xFF);
                htab[idx(hval)] = ip + 1;
                ip++;
            } else {
                if (op >= outEnd) return 0;
                lit++;
                out[op++] = in[ip++];
                if (lit == MAX_LIT) {
                    out[op - lit - 1] = (byte) (lit - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        if (op + 3 > outEnd) return 0;
        while (ip < inEnd) {
            lit++;
            out[op++] = in[ip++];
            if (lit == MAX_LIT) {
                out[op - lit - 1] = (byte) (lit - 1);
                lit = 0;
                op++;
            }
        }
        out[op - lit - 1] = (byte) (lit - 1); // end run
        if (lit == 0) op--;
        return op;
    }

    /**
     * lzf_decompress of {@code in[off, off+len)} into exactly {@code outLen} bytes.
     *
     * @throws IllegalArgumentException when the stream is malformed or does not produce outLen bytes
     */
    public static byte[] decompress(byte[] in, int off, int len, int outLen) {
        byte[] out = new byte[outLen];
        int ip = off, end = off + len, op = 0;
        while (ip < end) {
            int ctrl = in[ip++] & 0xFF;
            if (ctrl < (1 << 5)) {
                int n = ctrl + 1;
                if (op + n > outLen) throw new IllegalArgumentException("LZF output overflow");
                if (ip + n > end) throw new IllegalArgumentException("LZF input overrun");
                System.arraycopy(in, ip, out, op, n);
                ip += n;
                op += n;
            } else {
                int n = ctrl >>> 5;
                int ref = op - ((ctrl & 0x1f) << 8) - 1;
                if (ip >= end) throw new IllegalArgumentException("LZF input overrun");
                if (n == 7) {
                    n += in[ip++] & 0xFF;
                    if (ip >= end) throw new IllegalArgumentException("LZF input overrun");
                }
                ref -= in[ip++] & 0xFF;
                n += 2;
                if (op + n > outLen) throw new IllegalArgumentException("LZF output overflow");
                if (ref < 0) throw new IllegalArgumentException("LZF back reference before start");
                for (int k = 0; k < n; k++) out[op++] = out[ref++];
            }
        }
        if (op != outLen) throw new IllegalArgumentException("LZF length mismatch");
        return out;
    }
}
