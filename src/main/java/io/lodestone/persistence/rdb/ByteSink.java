package io.lodestone.persistence.rdb;

import java.util.Arrays;

/** A growable byte array the writers append to. */
final class ByteSink {
    byte[] buf;
    int len;

    ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    void put(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    void put(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    void putLE(long v, int bytes) {
        ensure(bytes);
        for (int i = 0; i < bytes; i++) buf[len++] = (byte) (v >>> (8 * i));
    }

    void putBE(long v, int bytes) {
        ensure(bytes);
        for (int i = bytes - 1; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
    }

    void setLE(int at, long v, int bytes) {
        for (int i = 0; i < bytes; i++) buf[at + i] = (byte) (v >>> (8 * i));
    }

    byte[] toArray() {
        return Arrays.copyOf(buf, len);
    }
}
