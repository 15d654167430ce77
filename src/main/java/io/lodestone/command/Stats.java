package io.lodestone.command;

import java.util.Map;
import java.util.TreeMap;

/** Server-wide counters of INFO stats and errorstats. */
public final class Stats {
    public long totalConnectionsReceived;
    public long totalCommandsProcessed;
    public long rejectedConnections;
    /** Clients disconnected by client eviction (maxmemory-clients): INFO evicted_clients. */
    public long evictedClients;
    /** Reply buffers cron shrank and grew: INFO reply_buffer_shrinks and reply_buffer_expands. */
    public long replyBufferShrinks, replyBufferExpands;
    public long netInputBytes;
    public long netOutputBytes;
    /** Socket reads handed to the command thread, and flushes of clients' replies (Redis's reads/writes processed). */
    public long totalReadsProcessed, totalWritesProcessed;
    public long totalErrorReplies;
    /** latency-tracking: each command's latency distribution is kept for INFO latencystats. */
    public boolean latencyTracking = true;
    /** totalErrorReplies when the last command call began or ended (see Dispatcher.call). */
    long errorsMark;
    public long unexpectedErrorReplies;
    /** Payload blobs deeply validated (sanitize-dump-payload): Redis's stat_dump_payload_sanitizations. */
    public long dumpPayloadSanitizations;
    /** errorstat_<CODE>:count, keyed by the first word of the error. */
    public final Map<String, Long> errorCounts = new TreeMap<>();

    /** Redis's instantaneous metrics (trackInstantaneousMetric): rates over the last 16 cron samples. */
    public final Rate opsPerSec = new Rate(), netInputPerSec = new Rate(), netOutputPerSec = new Rate(),
            replInputPerSec = new Rate(), replOutputPerSec = new Rate();
    private long lastSampleMs;

    /** A rate per second, averaged over its last {@link #SAMPLES} readings. */
    public static final class Rate {
        private final long[] samples = new long[SAMPLES];
        private int idx;
        private long lastCount, lastTimeMs;

        void sample(long count, long nowMs) {
            long t = nowMs - lastTimeMs;
            samples[idx] = t > 0 && lastTimeMs != 0 ? (count - lastCount) * 1000 / t : 0;
            idx = (idx + 1) % SAMPLES;
            lastTimeMs = nowMs;
            lastCount = count;
        }

        public long perSecond() {
            long sum = 0;
            for (long v : samples) sum += v;
            return sum / SAMPLES;
        }
    }

    /** STATS_METRIC_SAMPLES. */
    static final int SAMPLES = 16;

    /**
     * Called by cron: takes a sample of each rate every 100 ms, as Redis's serverCron does, with the
     * replication traffic's counters ({@code replIn} from the master, {@code replOut} to replicas).
     */
    public void sampleRates(long nowMs, long replIn, long replOut) {
        if (nowMs - lastSampleMs < 100) return;
        lastSampleMs = nowMs;
        opsPerSec.sample(totalCommandsProcessed, nowMs);
        netInputPerSec.sample(netInputBytes, nowMs);
        netOutputPerSec.sample(netOutputBytes, nowMs);
        replInputPerSec.sample(replIn, nowMs);
        replOutputPerSec.sample(replOut, nowMs);
    }

    public void countError(String message) {
        totalErrorReplies++;
        // Redis's afterErrorReply: the code is what precedes a space within the first 32 bytes of
        // "-message"; an error without one there counts as ERR.
        int sp = message.indexOf(' ');
        String code = sp < 0 || sp > 30 ? "ERR" : message.substring(0, sp);
        // Redis caps the table at 128 codes so a flood of odd errors cannot grow it without end.
        if (errorCounts.size() < 128 || errorCounts.containsKey(code)) errorCounts.merge(code, 1L, Long::sum);
    }

    /**
     * A command rejected where the dispatcher does not see it (a script's redis.call): its error is
     * accounted to it, so the call around it does not count it as its own failure.
     */
    public void countRejection(String message) {
        countError(message);
        errorsMark = totalErrorReplies;
    }

    public void reset() {
        totalConnectionsReceived = totalCommandsProcessed = rejectedConnections = evictedClients = 0;
        totalReadsProcessed = totalWritesProcessed = 0;
        replyBufferShrinks = replyBufferExpands = 0;
        netInputBytes = netOutputBytes = totalErrorReplies = unexpectedErrorReplies = dumpPayloadSanitizations = 0;
        errorCounts.clear();
    }
}
