package io.lodestone.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Scratch directories of tests: each one is deleted with its contents when its owner closes it
 * ({@link #delete}) or, at the latest, when the test JVM exits, so test runs leave nothing in /tmp.
 */
public final class TempDirs {
    private static final List<Path> CREATED = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (CREATED) {
                CREATED.forEach(TempDirs::delete);
            }
        }, "temp-dirs-cleanup"));
    }

    private TempDirs() {
    }

    /** A new empty directory under the system's temp directory. */
    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            synchronized (CREATED) {
                CREATED.add(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory and everything in it; a leftover must not fail a test, so errors are ignored. */
    public static void delete(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Left for the OS's temp cleaning.
        }
    }
}
