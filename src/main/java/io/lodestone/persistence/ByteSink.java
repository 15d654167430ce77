package io.lodestone.persistence;

import java.util.Arrays;

/** A growable byte array the writers append to (RDB values, snapshot chunks, AOF commands). */
public final class ByteSink {
    public byte[] buf;
    public int len;

    public ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    public void put(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    public void put(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    public void putLE(long v, int bytes) {
        ensure(bytes);
        for (int i = 0; i < bytes; i++) buf[len++] = (byte) (v >>> (8 * i));
    }

    public void putBE(long v, int bytes) {
        ensure(bytes);
        for (int i = bytes - 1; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
    }

    public void setLE(int at, long v, int bytes) {
        for (int i = 0; i < bytes; i++) buf[at + i] = (byte) (v >>> (8 * i));
    }

    public byte[] toArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Appends an ASCII decimal. */
    public void putDecimal(long v) {
        // Written in place: every RESP header of the replication stream and the AOF goes through here.
        if (v >= 0 && v < 10) {
            put((int) ('0' + v));
            return;
        }
        if (v == Long.MIN_VALUE) {
            byte[] d = Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            put(d, 0, d.length);
            return;
        }
        int digits = 1;
        for (long a = Math.abs(v); a >= 10; a /= 10) digits++;
        int n = digits + (v < 0 ? 1 : 0);
        ensure(n);
        int i = len + n;
        long a = Math.abs(v);
        do {
            buf[--i] = (byte) ('0' + a % 10);
            a /= 10;
        } while (a != 0);
        if (v < 0) buf[len] = '-';
        len += n;
    }

    /** Appends a command as RESP sends it: {@code *argc}, then each argument as a bulk string. */
    public void putCommand(byte[]... argv) {
        put('*');
        putDecimal(argv.length);
        put('\r');
        put('\n');
        for (byte[] a : argv) {
            put('$');
            putDecimal(a.length);
            put('\r');
            put('\n');
            put(a, 0, a.length);
            put('\r');
            put('\n');
        }
    }
}
