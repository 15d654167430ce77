package io.lodestone.command;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Redis's latency monitor (latency.c): for each event ("command", "fast-command", "expire-cycle",
 * ...) that took at least {@code latency-monitor-threshold} ms (0: off), a time series of the last
 * 160 seconds that had a spike, one sample per second (the highest), and the all-time maximum.
 */
public final class LatencyMonitor {
    /** Redis's LATENCY_TS_LEN. */
    static final int SERIES_LENGTH = 160;

    /** One event's samples in a ring: times in unix seconds (0: empty slot), latencies in ms. */
    public static final class Series {
        final long[] times = new long[SERIES_LENGTH];
        final long[] latencies = new long[SERIES_LENGTH];
        int next;
        long max;

        /** Index of the newest sample. */
        public int last() {
            return (next + SERIES_LENGTH - 1) % SERIES_LENGTH;
        }

        public long time(int i) {
            return times[i];
        }

        public long latency(int i) {
            return latencies[i];
        }

        public long max() {
            return max;
        }

        /** Indexes of the samples present, oldest first. */
        public int[] samples() {
            int n = 0;
            int[] out = new int[SERIES_LENGTH];
            for (int j = 0; j < SERIES_LENGTH; j++) {
                int i = (next + j) % SERIES_LENGTH;
                if (times[i] != 0) out[n++] = i;
            }
            return java.util.Arrays.copyOf(out, n);
        }
    }

    private final Map<String, Series> events = new LinkedHashMap<>();
    /** latency-monitor-threshold, in ms; 0 turns the monitor off. */
    public long thresholdMs;

    /** latencyAddSampleIfNeeded. */
    public void addSampleIfNeeded(String event, long ms) {
        if (thresholdMs > 0 && ms >= thresholdMs) addSample(event, ms);
    }

    /** latencyAddSample: within one second only the highest latency is kept. */
    void addSample(String event, long ms) {
        Series s = events.computeIfAbsent(event, e -> new Series());
        long now = System.currentTimeMillis() / 1000;
        if (ms > s.max) s.max = ms;
        int prev = s.last();
        if (s.times[prev] == now) {
            if (ms > s.latencies[prev]) s.latencies[prev] = ms;
            return;
        }
        s.times[s.next] = now;
        s.latencies[s.next] = ms;
        s.next = (s.next + 1) % SERIES_LENGTH;
    }

    public Map<String, Series> events() {
        return events;
    }

    /** LATENCY RESET: forgets the named events (all when none named); returns how many existed. */
    public int reset(java.util.List<String> names) {
        if (names.isEmpty()) {
            int n = events.size();
            events.clear();
            return n;
        }
        int n = 0;
        for (String name : names) if (events.remove(name) != null) n++;
        return n;
    }
}
