package io.lodestone.server;

import io.lodestone.config.Config;
import io.lodestone.util.Log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * oom-score-adj (Redis's setOOMScoreAdj): the kernel's OOM-killer preference for this process,
 * {@code /proc/self/oom_score_adj}, set from oom-score-adj-values by role (primary or replica).
 * {@code relative} (and {@code yes}) adds the value to the score the process had before Redis took
 * control, {@code absolute} sets it; turning it off restores that original score. The child process
 * a background save writes its file through gets the third class, as Redis's forked child does.
 */
final class OomScoreAdj {
    private static final Path FILE = Path.of("/proc/self/oom_score_adj");
    /** Redis's CONFIG_OOM_MASTER, CONFIG_OOM_REPLICA, CONFIG_OOM_BGCHILD. */
    static final int PRIMARY = 0, REPLICA = 1, BACKGROUND_CHILD = 2;
    private static final int NO = 0, ABSOLUTE = 2;

    private final Config config;
    private boolean adjusted;
    private int base;

    OomScoreAdj(Config config) {
        this.config = config;
    }

    /** Applies the setting for {@code processClass}; null or the CONFIG SET error text. */
    synchronized String apply(int processClass) {
        if (!Files.exists(FILE)) return null; // not Linux: nothing to adjust, as Redis without /proc
        int mode = config.getEnumValue("oom-score-adj");
        int val;
        if (mode != NO) {
            if (!adjusted) {
                try {
                    base = Integer.parseInt(Files.readString(FILE, StandardCharsets.US_ASCII).trim());
                } catch (IOException | NumberFormatException e) {
                    Log.warning("Unable to read oom_score_adj: " + e.getMessage());
                    return "Failed to set current oom_score_adj. Check server logs.";
                }
                adjusted = true;
            }
            val = value(mode, processClass);
        } else if (adjusted) {
            adjusted = false;
            val = base;
        } else {
            return null;
        }
        return write(FILE, val) ? null : "Failed to set current oom_score_adj. Check server logs.";
    }

    /**
     * A background save's child process just started (persistence.ChildFileOutput): it takes the
     * background-child class, as Redis's forked child sets its own score; with oom-score-adj off it
     * keeps the score it inherited from this process.
     */
    synchronized void applyToChild(long pid) {
        int mode = config.getEnumValue("oom-score-adj");
        if (mode == NO || !adjusted) return;
        write(Path.of("/proc/" + pid + "/oom_score_adj"), value(mode, BACKGROUND_CHILD));
    }

    /** The score of {@code processClass}: its value, relative to the original score unless absolute. */
    private int value(int mode, int processClass) {
        int val = config.oomScoreAdjValues().get(processClass);
        if (mode != ABSOLUTE) val += base;
        return Math.max(-1000, Math.min(1000, val));
    }

    private static boolean write(Path file, int val) {
        try {
            Files.writeString(file, val + "\n", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException e) {
            Log.warning("Unable to write oom_score_adj: " + e.getMessage());
            return false;
        }
    }
}
