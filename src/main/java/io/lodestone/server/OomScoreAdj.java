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
 * control, {@code absolute} sets it; turning it off restores that original score.
 */
final class OomScoreAdj {
    private static final Path FILE = Path.of("/proc/self/oom_score_adj");
    /** Redis's CONFIG_OOM_MASTER / CONFIG_OOM_REPLICA (a background child would be 2: we have none). */
    static final int PRIMARY = 0, REPLICA = 1;
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
            val = config.oomScoreAdjValues().get(processClass);
            if (mode != ABSOLUTE) val += base;
            val = Math.max(-1000, Math.min(1000, val));
        } else if (adjusted) {
            adjusted = false;
            val = base;
        } else {
            return null;
        }
        try {
            Files.writeString(FILE, val + "\n", StandardCharsets.US_ASCII);
            return null;
        } catch (IOException e) {
            Log.warning("Unable to write oom_score_adj: " + e.getMessage());
            return "Failed to set current oom_score_adj. Check server logs.";
        }
    }
}
