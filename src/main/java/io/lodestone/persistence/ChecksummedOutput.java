package io.lodestone.persistence;

import io.lodestone.persistence.rdb.Crc64;

import java.io.IOException;

/**
 * An RDB body's CRC64 footer: computes the checksum of everything written, on the I/O thread, and
 * appends it (8 bytes, little-endian) before finishing. With {@code rdbchecksum no} the footer is
 * eight zero bytes, as Redis writes it.
 */
public final class ChecksummedOutput implements SnapshotOutput {
    private final SnapshotOutput out;
    private final boolean enabled;
    private long crc;

    public ChecksummedOutput(SnapshotOutput out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (enabled) crc = Crc64.update(crc, b, off, len);
        out.write(b, off, len);
    }

    @Override
    public void finish() throws IOException {
        byte[] footer = new byte[8];
        for (int i = 0; i < 8; i++) footer[i] = (byte) (crc >>> (8 * i));
        out.write(footer, 0, 8);
        out.finish();
    }

    @Override
    public void abort() {
        out.abort();
    }

    @Override
    public Process child() {
        return out.child();
    }
}
