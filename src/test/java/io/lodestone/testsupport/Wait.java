package io.lodestone.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The one way a test waits for something another thread or process does: poll a condition until it
 * holds, within a bound. A wait that runs out fails with what it waited for (and, if asked, what the
 * state was at the end), so that no test hangs and no timeout is a mystery.
 */
public final class Wait {

    /** Often enough that a wait costs a test little, rarely enough that polling a server (INFO) is cheap. */
    private static final long POLL_MILLIS = 10;

    /** A condition to poll; it may talk to a server, hence the exception. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Wait() {
    }

    /**
     * Polls {@code condition} until it holds. Fails with an {@link AssertionError} naming {@code what}
     * when it still does not hold after {@code bound}, or when the condition throws a checked
     * exception (unchecked ones propagate as they are).
     */
    public static void until(Duration bound, String what, Condition condition) {
        until(bound, what, condition, null);
    }

    /**
     * Like {@link #until(Duration, String, Condition)}; a timeout's message also shows what {@code state}
     * returns at that moment (a log, a reply), to say why the condition did not hold.
     */
    public static void until(Duration bound, String what, Condition condition, Callable<?> state) {
        if (upTo(bound, what, condition)) {
            return;
        }
        String message = "timed out after " + describe(bound) + " waiting for " + what;
        if (state != null) {
            try {
                message += "; now: " + state.call();
            } catch (Exception e) {
                message += "; the state could not be read: " + e;
            }
        }
        throw new AssertionError(message);
    }

    /**
     * Polls {@code condition} until it holds or {@code bound} has passed, and says whether it held. For a
     * caller that reports a timeout itself (with its own exception or assertion) or carries on either
     * way; {@code what} names the wait if the condition throws.
     */
    public static boolean upTo(Duration bound, String what, Condition condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (holds(what, condition)) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    private static boolean holds(String what, Condition condition) {
        try {
            return condition.holds();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("failed while waiting for " + what + ": " + e, e);
        }
    }

    private static String describe(Duration bound) {
        return bound.toMillis() % 1000 == 0 ? bound.toSeconds() + " s" : bound.toMillis() + " ms";
    }
}
