package io.lodestone.persistence;

import io.lodestone.util.Log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * A background save's file written by a child process, as Redis's fork()ed child writes its temp file.
 * The snapshot is still taken in this process (the JVM cannot fork); the snapshot's I/O thread pipes
 * its bytes to a {@code cat} whose standard output is the temp file. On finish the pipe is closed, the
 * child exits, and the temp file is fsynced and renamed over the target as {@link AtomicFileOutput}
 * does.
 *
 * <p>Why a process: in Redis the child is part of what operators and tools see and act on. It is
 * listed under the server's pid ({@code pgrep -P}), and killing it fails the save ("Background saving
 * terminated by signal 9", a failed status, the temp file removed, a retry later). Here it behaves
 * the same way because the child really writes the file. {@link #open} falls back to writing in this
 * process when no child can be started.
 */
public final class ChildFileOutput implements SnapshotOutput {
    /** The child ended before the save was complete: by a signal (a kill), or with an error status. */
    public static final class ChildExited extends IOException {
        /** The signal that ended the child, 0 if it exited. */
        public final int signal;

        ChildExited(int status) {
            super(status > 128 ? "child terminated by signal " + (status - 128) : "child exited with status " + status);
            this.signal = status > 128 ? status - 128 : 0;
        }
    }

    /** How long a finishing child may take to write what the pipe still holds and exit. */
    private static final long EXIT_WAIT_SECONDS = 60;
    private static volatile boolean childrenUnavailable;
    /** Told each child's pid as it starts (the server gives it its oom-score-adj class, as Redis's child does). */
    private static volatile LongConsumer childStarted = pid -> { };

    /**
     * Sets what is done with each child as soon as it started. The children are the process's, so this
     * is the process's too: the last server to set it is the one whose settings apply.
     */
    public static void onChildStarted(LongConsumer action) {
        childStarted = action;
    }

    private final Path target;
    private final Path temp;
    private final Process child;
    private final OutputStream pipe;

    /**
     * Starts the child writing into the temp file of this process's pid, then gives that file the
     * child's pid, the name Redis's child writes (the child's descriptor follows the rename).
     */
    private ChildFileOutput(LongFunction<Path> targetFor, LongFunction<Path> tempFor) throws IOException {
        Path provisional = tempFor.apply(ProcessHandle.current().pid()).toAbsolutePath();
        this.child = new ProcessBuilder("cat")
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(provisional.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        this.pipe = child.getOutputStream();
        childStarted.accept(child.pid());
        Path named = tempFor.apply(child.pid()).toAbsolutePath();
        try {
            Files.move(provisional, named, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            child.destroyForcibly();
            AtomicFileOutput.deleteQuietly(provisional);
            throw e;
        }
        this.temp = named;
        this.target = targetFor.apply(child.pid()).toAbsolutePath();
    }

    /**
     * The output of a background save: the file {@code targetFor} names, written through the temp file
     * {@code tempFor} names, each after the pid of the process writing it (a child process, or this
     * process when no child can be started, which is logged once).
     */
    public static SnapshotOutput open(LongFunction<Path> targetFor, LongFunction<Path> tempFor) throws IOException {
        if (!childrenUnavailable) {
            try {
                return new ChildFileOutput(targetFor, tempFor);
            } catch (IOException e) {
                childrenUnavailable = true;
                Log.warning("Can't start a child process for background saves (" + e.getMessage()
                        + "): they are written by the server process itself");
            }
        }
        long self = ProcessHandle.current().pid();
        return new AtomicFileOutput(targetFor.apply(self), tempFor.apply(self));
    }

    @Override
    public Process child() {
        return child;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            pipe.write(b, off, len);
        } catch (IOException e) {
            throw exitedOr(e);
        }
    }

    @Override
    public void finish() throws IOException {
        try {
            try {
                pipe.close();
            } catch (IOException e) {
                throw exitedOr(e);
            }
            if (!child.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) throw new IOException("the save child did not exit");
            if (child.exitValue() != 0) throw new ChildExited(child.exitValue());
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            AtomicFileOutput.commit(temp, target);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** A failed write to the pipe: the child's exit when it is gone (or goes at once), else the error itself. */
    private IOException exitedOr(IOException e) {
        try {
            if (child.waitFor(1, TimeUnit.SECONDS) && child.exitValue() != 0) return new ChildExited(child.exitValue());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        return e;
    }

    @Override
    public void abort() {
        child.destroyForcibly();
        try {
            pipe.close();
        } catch (IOException ignored) {
            // the child is gone: nothing reads the pipe
        }
        AtomicFileOutput.deleteQuietly(temp);
    }
}
