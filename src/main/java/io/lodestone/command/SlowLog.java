package io.lodestone.command;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The slow log (Redis's slowlog.c): every call that took at least {@code slowlog-log-slower-than}
 * microseconds (-1: none), newest first, at most {@code slowlog-max-len} entries. An entry keeps
 * the command as the client sent it (not as rewritten for replicas), at most 32 arguments of at
 * most 128 bytes each.
 */
public final class SlowLog {
    /** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
    private static final int MAX_ARGC = 32;
    private static final int MAX_STRING = 128;
    private static final byte[] REDACTED = "(redacted)".getBytes(StandardCharsets.US_ASCII);

    public record Entry(long id, long timeSeconds, long durationUs, byte[][] argv, String peer, String name) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Never reset: SLOWLOG RESET empties the log, ids keep counting. */
    private long nextId;
    public long slowerThanUs = 10000;
    public long maxLen = 128;

    /** slowlogPushEntryIfNeeded: called after every call with its duration; {@code argv} as sent. */
    void push(Client c, byte[][] argv, int argc, long durationUs) {
        if (slowerThanUs < 0 || durationUs < slowerThanUs) return;
        entries.addFirst(new Entry(nextId++, System.currentTimeMillis() / 1000, durationUs, trim(argv, argc, c.redactedArgs),
                c.conn == null ? "" : c.conn.remoteAddress(), c.name == null ? "" : c.name));
        while (entries.size() > maxLen) entries.removeLast();
    }

    /** Newest first. */
    public Iterable<Entry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    public void reset() {
        entries.clear();
    }

    /** Copies the arguments, cut as Redis's slowlogCreateEntry cuts them. */
    private static byte[][] trim(byte[][] argv, int argc, long redacted) {
        int n = Math.min(argc, MAX_ARGC);
        byte[][] out = new byte[n][];
        for (int j = 0; j < n; j++) {
            if (n != argc && j == n - 1) {
                out[j] = ("... (" + (argc - n + 1) + " more arguments)").getBytes(StandardCharsets.US_ASCII);
            } else if (j < 64 && (redacted & (1L << j)) != 0) {
                out[j] = REDACTED.clone();
            } else if (argv[j].length > MAX_STRING) {
                byte[] tail = ("... (" + (argv[j].length - MAX_STRING) + " more bytes)").getBytes(StandardCharsets.US_ASCII);
                byte[] cut = Arrays.copyOf(argv[j], MAX_STRING + tail.length);
                System.arraycopy(tail, 0, cut, MAX_STRING, tail.length);
                out[j] = cut;
            } else {
                out[j] = argv[j].clone();
            }
        }
        return out;
    }
}
