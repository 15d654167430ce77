package io.lodestone.testsupport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Seeded, bounded fuzzing without a fuzzing library: a target runs numbered cases, case {@code i} draws
 * its input from a {@link SplittableRandom} seeded with (seed, target, i), so any case can be run again
 * alone. A target stops at its case count or its time budget, whichever comes first; each case runs on a
 * worker thread under a timeout (an endless loop fails the case instead of hanging the build).
 *
 * <p>System properties (Maven passes {@code -D} options to the test JVM):
 * <ul>
 *   <li>{@code lodestone.fuzz.seconds}: seconds per target (a test method); the case count is then
 *       unbounded unless {@code lodestone.fuzz.cases} is set too</li>
 *   <li>{@code lodestone.fuzz.cases}: the most cases per target</li>
 *   <li>{@code lodestone.fuzz.seed}: another seed (decimal or 0x hex); the default is {@link #DEFAULT_SEED}</li>
 *   <li>{@code lodestone.fuzz.case}: run only this case (what a failure message names)</li>
 *   <li>{@code lodestone.fuzz.caseTimeoutMs}: the bound on one case (default 10000)</li>
 * </ul>
 * A failure names the seed and the case, and saves the input under {@code target/fuzz-failures/}.
 */
public final class Fuzz {
    public static final long DEFAULT_SEED = 0x10DE5703EL;

    /** One case: draws its input from {@code rnd}, records it with {@link #input}, checks the properties. */
    @FunctionalInterface
    public interface Case {
        void run(long index, SplittableRandom rnd) throws Exception;
    }

    private final String target;
    private final long seed;
    private final long maxCases;
    private final long budgetNanos;
    private final long onlyCase;
    private final long caseTimeoutMs;
    private final Map<String, Long> outcomes = new TreeMap<>();
    private volatile byte[] input;
    private long cases;
    private long elapsedNanos;

    private Fuzz(String target, long defaultCases, double defaultSeconds) {
        this.target = target;
        this.seed = parseLong(System.getProperty("lodestone.fuzz.seed"), DEFAULT_SEED);
        String seconds = System.getProperty("lodestone.fuzz.seconds");
        double budget = seconds == null || seconds.isBlank() ? defaultSeconds : Double.parseDouble(seconds);
        this.budgetNanos = (long) (budget * 1e9);
        long unbounded = seconds == null || seconds.isBlank() ? defaultCases : Long.MAX_VALUE;
        this.maxCases = parseLong(System.getProperty("lodestone.fuzz.cases"), unbounded);
        this.onlyCase = parseLong(System.getProperty("lodestone.fuzz.case"), -1);
        this.caseTimeoutMs = parseLong(System.getProperty("lodestone.fuzz.caseTimeoutMs"), 10_000);
    }

    /**
     * A target that runs at most {@code defaultCases} cases and {@code defaultSeconds} seconds unless the
     * system properties say otherwise.
     */
    public static Fuzz target(String name, long defaultCases, double defaultSeconds) {
        return new Fuzz(name, defaultCases, defaultSeconds);
    }

    private static long parseLong(String v, long dflt) {
        if (v == null || v.isBlank()) return dflt;
        v = v.trim();
        return v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
    }

    public long seed() {
        return seed;
    }

    /** The random source of case {@code index}: the same for the same seed, target and index. */
    public SplittableRandom random(long index) {
        long base = new SplittableRandom(seed ^ target.hashCode()).nextLong();
        return new SplittableRandom(base + index * 0x9E3779B97F4A7C15L);
    }

    /** Records the input of the running case: saved with a failure. */
    public void input(byte[] bytes) {
        this.input = bytes;
    }

    /** Counts an outcome of a case (shown in the summary: what the cases reached). */
    public synchronized void count(String outcome) {
        outcomes.merge(outcome.length() > 90 ? outcome.substring(0, 90) : outcome, 1L, Long::sum);
    }

    /** Runs cases until the count or the budget is spent; the first failure fails the target. */
    public Fuzz run(Case c) {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + target);
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        try {
            long first = onlyCase >= 0 ? onlyCase : 0;
            long last = onlyCase >= 0 ? onlyCase + 1 : maxCases;
            for (long i = first; i < last; i++) {
                if (onlyCase < 0 && System.nanoTime() - start > budgetNanos) break;
                long index = i;
                input = null;
                Future<?> f = worker.submit(() -> {
                    c.run(index, random(index));
                    return null;
                });
                try {
                    f.get(caseTimeoutMs, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    throw failure(index, "no result within " + caseTimeoutMs + " ms (endless loop?)", null);
                } catch (ExecutionException e) {
                    throw failure(index, String.valueOf(e.getCause()), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
                cases++;
            }
        } finally {
            elapsedNanos = System.nanoTime() - start;
            worker.shutdownNow();
            System.out.println(summary());
        }
        return this;
    }

    public long cases() {
        return cases;
    }

    public synchronized Map<String, Long> outcomes() {
        return new TreeMap<>(outcomes);
    }

    /** One line: cases, time, rate, seed and the outcome counts. */
    public synchronized String summary() {
        double s = elapsedNanos / 1e9;
        return String.format(java.util.Locale.ROOT, "fuzz %s: %d cases in %.1f s (%.0f/s), seed 0x%x; outcomes %s",
                target, cases, s, s > 0 ? cases / s : 0, seed, outcomes);
    }

    private AssertionError failure(long index, String what, Throwable cause) {
        byte[] in = input;
        String saved = "";
        if (in != null) {
            try {
                Path dir = Paths.get("target", "fuzz-failures");
                Files.createDirectories(dir);
                Path f = dir.resolve(target + "-0x" + Long.toHexString(seed) + "-" + index + ".bin");
                Files.write(f, in);
                saved = ", saved to " + f.toAbsolutePath();
            } catch (IOException e) {
                saved = ", not saved: " + e;
            }
        }
        String shown = in == null ? "none" : in.length + " bytes" + saved + ": "
                + RespClient.escape(in.length > 300 ? java.util.Arrays.copyOf(in, 300) : in) + (in.length > 300 ? "..." : "");
        return new AssertionError("fuzz target " + target + " failed at case " + index + " (seed 0x"
                + Long.toHexString(seed) + "): " + what + "\n  reproduce: mvn -o -q test -Dtest=<this test> -Dlodestone.fuzz.seed=0x"
                + Long.toHexString(seed) + " -Dlodestone.fuzz.case=" + index + "\n  input: " + shown, cause);
    }

    /**
     * Silences the server's log (a loader logs a line for many corrupt inputs: millions in a long run)
     * and returns the level to give back to {@link #restoreLog}.
     */
    public static String quietLog() {
        String level = io.lodestone.util.Log.enabled(io.lodestone.util.Log.DEBUG) ? "debug"
                : io.lodestone.util.Log.enabled(io.lodestone.util.Log.VERBOSE) ? "verbose"
                : io.lodestone.util.Log.enabled(io.lodestone.util.Log.NOTICE) ? "notice"
                : io.lodestone.util.Log.enabled(io.lodestone.util.Log.WARNING) ? "warning" : "nothing";
        io.lodestone.util.Log.level("nothing");
        return level;
    }

    public static void restoreLog(String level) {
        io.lodestone.util.Log.level(level);
    }

    /** Bytes allocated by the calling thread so far (HotSpot's per-thread counter), or -1 if unknown. */
    public static long allocatedBytes() {
        java.lang.management.ThreadMXBean b = ManagementFactory.getThreadMXBean();
        if (b instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemoryEnabled()) {
            return sun.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }
}
