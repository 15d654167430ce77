package io.lodestone.store;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Redis's LFU access data (evict.c): under an LFU {@code maxmemory-policy} the 24-bit clock of a key
 * holds the minute of its last decrement (16 bits) and a logarithmic access counter (8 bits) instead
 * of an LRU time. New keys start at {@link #INIT_VAL} so they are not evicted at once.
 */
public final class Lfu {
    /** LFU_INIT_VAL. */
    public static final int INIT_VAL = 5;

    private Lfu() {
    }

    /** LFUGetTimeInMinutes: minutes of Unix time, 16 bits, wrapping. */
    static int minutes(long nowMs) {
        return (int) ((nowMs / 1000 / 60) & 65535);
    }

    /** The access data of a counter as of now. */
    static int clock(long nowMs, int counter) {
        return (minutes(nowMs) << 8) | counter;
    }

    /** LFUDecrAndReturn: the counter less one per {@code decayTime} minutes since it was last decremented. */
    static int counter(int clock, long nowMs, long decayTime) {
        int ldt = clock >>> 8, counter = clock & 255;
        int now = minutes(nowMs);
        long elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
        long periods = decayTime > 0 ? elapsed / decayTime : 0;
        return periods > counter ? 0 : (int) (counter - periods);
    }

    /** updateLFU: decay, then LFULogIncr (the more accesses, the less likely a further one counts). */
    static int touched(int clock, long nowMs, long decayTime, long logFactor) {
        int counter = counter(clock, nowMs, decayTime);
        if (counter < 255) {
            double base = Math.max(0, counter - INIT_VAL);
            if (ThreadLocalRandom.current().nextDouble() < 1.0 / (base * logFactor + 1)) counter++;
        }
        return clock(nowMs, counter);
    }
}
