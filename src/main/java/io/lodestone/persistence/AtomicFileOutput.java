package io.lodestone.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file replaced atomically: bytes go to {@code temp} in the target's directory, which on finish is
 * fsynced and renamed over the target, and the directory is fsynced. A crash or failure at any point
 * leaves the previous target intact (and at worst a stale temp file, which the next save overwrites).
 */
public final class AtomicFileOutput implements SnapshotOutput {
    private final Path target;
    private final Path temp;
    private FileChannel ch;

    public AtomicFileOutput(Path target, Path temp) throws IOException {
        this.target = target.toAbsolutePath();
        this.temp = temp.toAbsolutePath();
        this.ch = FileChannel.open(this.temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Redis's temp name for a save made by process {@code pid}: {@code temp-<pid>.rdb} beside the target. */
    public static Path tempFor(Path target, String prefix) {
        return tempFor(target, prefix, ProcessHandle.current().pid());
    }

    /** The temp name of a save made by process {@code pid} (Redis's child names its file after itself). */
    public static Path tempFor(Path target, String prefix, long pid) {
        return target.toAbsolutePath().getParent().resolve(prefix + pid + ".rdb");
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) ch.write(buf);
    }

    @Override
    public void finish() throws IOException {
        try {
            ch.force(true);
            ch.close();
            commit(temp, target);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** A complete, fsynced temp file replaces the target: rename, then fsync of the directory. */
    static void commit(Path temp, Path target) throws IOException {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
    }

    /** Removes a temp file that will not be used; one left behind is overwritten by the next save. */
    static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // a stale temp file is overwritten by the next save
        }
    }

    @Override
    public void abort() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing is best effort: the temp file goes anyway
        }
        deleteQuietly(temp);
    }

    /** Makes a rename durable; directories cannot be fsynced on every platform, which is tolerated. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not supported here
        }
    }
}
