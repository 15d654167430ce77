package io.lodestone.persistence.rdb;

import io.lodestone.persistence.AtomicFileOutput;
import io.lodestone.persistence.ChecksummedOutput;
import io.lodestone.persistence.SnapshotOutput;
import io.lodestone.persistence.Snapshotter;
import io.lodestone.store.Keyspace;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A whole RDB file written synchronously on the calling thread (SAVE, shutdown, tests): the
 * {@link RdbEncoder} body and the CRC64 footer (zeros with {@code rdbchecksum no}).
 *
 * <p>{@link #save} writes to {@code temp-<pid>.rdb} in the target directory, fsyncs, renames over the
 * target and fsyncs the directory, so a failure at any point leaves the previous file intact.
 */
public final class RdbFileWriter {
    private final boolean checksum;
    private final RdbEncoder encoder;
    private long keySaveDelayMicros;

    public RdbFileWriter(boolean compress, boolean checksum, long usedMemory) {
        this.checksum = checksum;
        this.encoder = new RdbEncoder(compress, usedMemory, false);
    }

    /** The replication history the file carries (see {@link RdbEncoder#replication}). */
    public RdbFileWriter replication(ReplInfo info) {
        encoder.replication(info);
        return this;
    }

    /** rdb-key-save-delay: a pause after each key, for tests that need a save to last. */
    public RdbFileWriter keySaveDelay(long micros) {
        keySaveDelayMicros = micros;
        return this;
    }

    /** Saves atomically to {@code target}: temp file in the same directory, fsync, rename. */
    public void save(Keyspace keyspace, Path target) throws IOException {
        AtomicFileOutput file = new AtomicFileOutput(target, AtomicFileOutput.tempFor(target, "temp-"));
        Snapshotter.writeNow(keyspace, encoder, new ChecksummedOutput(file, checksum), keySaveDelayMicros);
    }

    /** Writes the file's bytes to {@code os} (not closed). */
    public void write(Keyspace keyspace, OutputStream os) throws IOException {
        SnapshotOutput stream = new SnapshotOutput() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                os.write(b, off, len);
            }

            @Override
            public void finish() throws IOException {
                os.flush();
            }

            @Override
            public void abort() {
            }
        };
        Snapshotter.writeNow(keyspace, encoder, new ChecksummedOutput(stream, checksum));
    }
}
