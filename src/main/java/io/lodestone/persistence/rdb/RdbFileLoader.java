package io.lodestone.persistence.rdb;

import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a whole RDB file (versions 1 to 11) into a fresh {@link Keyspace}, as Redis's rdbLoadRio does
 * on a master: keys whose expiry has passed are skipped, the CRC64 is verified, and any error (corrupt
 * or truncated input, an unsupported type or opcode) is refused with an {@link RdbFormatException}
 * naming the offset. The caller swaps the loaded databases in only on success.
 *
 * <p>The file is read through a window of at most {@value #WINDOW} bytes (larger only for a single
 * larger value), so files of any size load without being held in memory whole. A record that runs past
 * the window is parsed again once more of the file is in.
 *
 * <p>Function libraries (opcode 245) are returned as their codes, for the adopter to create. Not
 * supported, refused clearly: Redis 7.0's pre-release functions (246), module aux data (247), module values
 * (types 6/7) and the listpack sets of Redis 7.2 (type 20). Redis 7.2's streams (type 21) are an
 * unknown type, as they are to Redis 7.0.
 */
public final class RdbFileLoader {
    /**
     * What was loaded, for the start-up log lines; {@code end} is the file offset after the RDB's last
     * byte; {@code emptyKeysSkipped} counts empty collections left out (Redis skips them, see #8453).
     */
    public record Result(Keyspace keyspace, int version, String redisVer, long ctime, long usedMem,
                         long keysLoaded, long keysExpired, ReplInfo repl, long end, List<Dropped> dropped,
                         long emptyKeysSkipped, List<byte[]> functions) {
    }

    /** A key the load left out because its TTL had passed (see {@link #collectDropped}). */
    public record Dropped(int db, byte[] key) {
    }

    private final RdbValueReader.Limits limits;
    private final boolean verifyChecksum;
    private boolean keepExpired;
    private boolean deep;

    public RdbFileLoader(RdbValueReader.Limits limits, boolean verifyChecksum) {
        this.limits = limits;
        this.verifyChecksum = verifyChecksum;
    }

    /**
     * A replica loads keys whose TTL has passed too (Redis's rdbLoad when not a master): its master
     * deletes them with a DEL in the stream.
     */
    public RdbFileLoader keepExpired(boolean keep) {
        this.keepExpired = keep;
        return this;
    }

    /** sanitize-dump-payload's decision for this load: whether values are validated deeply. */
    public RdbFileLoader deep(boolean deep) {
        this.deep = deep;
        return this;
    }

    private java.util.function.LongConsumer progress = bytes -> { };
    private long keyLoadDelayMicros;
    private List<Dropped> dropped;
    private long keysSeen;

    /**
     * Keeps the names of the keys left out as expired, so that a master can propagate their deletion
     * (Redis's rdbLoad with RDBFLAGS_FEED_REPL): its replicas still have them.
     */
    public RdbFileLoader collectDropped() {
        this.dropped = new ArrayList<>();
        return this;
    }

    /**
     * Redis's hidden key-load-delay, for tests of what happens while a load is in progress: a positive
     * value sleeps that many microseconds after each key; a negative one, a microsecond every -n keys.
     */
    public RdbFileLoader keyLoadDelay(long micros) {
        this.keyLoadDelayMicros = micros;
        return this;
    }

    /** Told the file offset reached every 1024 keys (INFO loading_loaded_bytes). */
    public RdbFileLoader progress(java.util.function.LongConsumer listener) {
        this.progress = listener;
        return this;
    }

    static final int WINDOW = 64 * 1024 * 1024;
    /** The most keys a RESIZEDB hint may size a table for when the input's size is unknown. */
    private static final long RESIZE_HINT_UNKNOWN_SIZE = 1L << 20;
    /** The input's size in bytes when known (a file, an array), else -1: bounds RESIZEDB's hint. */
    private long inputSize = -1;

    public Result load(Path file, int databases, long nowMs) throws IOException, RdbFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            return load(in, (int) Math.min(WINDOW, Math.max(64, size)), size, databases, nowMs);
        }
    }

    public Result load(byte[] buf, int databases, long nowMs) throws RdbFormatException {
        try {
            return load(new ByteArrayInputStream(buf), Math.max(64, buf.length), buf.length, databases, nowMs);
        } catch (IOException e) {
            throw new IllegalStateException(e); // not from memory
        }
    }

    /** Loads from a stream through a window of {@code window} bytes (tests use tiny ones). */
    Result load(InputStream in, int window, int databases, long nowMs) throws IOException, RdbFormatException {
        return load(in, window, -1, databases, nowMs);
    }

    /** {@code size}: the stream's length when known, else -1. */
    private Result load(InputStream in, int window, long size, int databases, long nowMs) throws IOException, RdbFormatException {
        inputSize = size;
        Window w = new Window(in, window);
        w.fill(0);
        try {
            return loadInner(w, databases, nowMs);
        } catch (RuntimeException e) {
            throw new RdbFormatException(w.base + lastAt, "corrupt data (" + e + ")");
        }
    }

    /**
     * The part of the file in memory: {@code buf[0, limit)} holds the bytes from file offset
     * {@link #base}; {@link #crc} covers the file before {@code base}.
     */
    private static final class Window {
        final InputStream in;
        byte[] buf;
        int limit;
        long base;
        long crc;
        boolean eof;

        Window(InputStream in, int size) {
            this.in = in;
            this.buf = new byte[size];
        }

        /** Drops the bytes before {@code keepFrom}, then reads as much as fits (growing if nothing was dropped). */
        void fill(int keepFrom) throws IOException {
            if (keepFrom > 0) {
                crc = Crc64.update(crc, buf, 0, keepFrom);
                System.arraycopy(buf, keepFrom, buf, 0, limit - keepFrom);
                limit -= keepFrom;
                base += keepFrom;
            } else if (limit == buf.length) {
                if (buf.length >= Integer.MAX_VALUE - 8) throw new IOException("a single RDB record is larger than 2 GB");
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, buf.length * 2L));
            }
            while (limit < buf.length) {
                int n = in.read(buf, limit, buf.length - limit);
                if (n < 0) {
                    eof = true;
                    break;
                }
                limit += n;
            }
        }
    }

    private int lastAt;
    /** The key whose value was being read when loading failed, and its type: redis-check-rdb's report. */
    private byte[] failedKey;
    private int failedType = -1;
    private long keysRead;

    /**
     * Parses records from the window. A record whose parse runs out of window while the file has more
     * is parsed again from its start once the window has moved on; at the end of the file an error is
     * real. Errors name file offsets.
     */
    private Result loadInner(Window w, int databases, long nowMs) throws IOException, RdbFormatException {
        Keyspace ks = new Keyspace(databases);
        ks.now = nowMs;
        byte[] buf = w.buf;
        if (w.limit < 9 || !new String(buf, 0, 5, StandardCharsets.US_ASCII).equals("REDIS")) {
            throw new RdbFormatException(0, "wrong signature trying to load DB from file");
        }
        int version;
        try {
            version = Integer.parseInt(new String(buf, 5, 4, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new RdbFormatException(5, "bad RDB version field");
        }
        if (version < 1 || version > 11) throw new RdbFormatException(5, "can't handle RDB format version " + version);
        int pos = 9;
        int end = w.limit;
        State st = new State(ks);
        while (true) {
            int at = pos;
            lastAt = at;
            try {
                int next = record(buf, pos, end, version, databases, nowMs, w, st);
                if (next < 0) {
                    return new Result(ks, version, st.redisVer, st.ctime, st.usedMem, st.loaded, st.expired,
                            new ReplInfo(st.replStreamDb, st.replId, st.replOffset), w.base + st.end,
                            dropped == null ? List.of() : dropped, st.emptyKeysSkipped, st.functions);
                }
                pos = next;
            } catch (RdbFormatException e) {
                if (w.eof) throw e.shifted(w.base);
                w.fill(at);
                buf = w.buf;
                end = w.limit;
                pos = 0;
            }
        }
    }

    /** What records before the current one set up: the database, a pending expiry or idle time, counters. */
    private static final class State {
        final Keyspace ks;
        Database db;
        long expireAt = KeyEntry.NO_EXPIRE;
        long idle = -1;
        String redisVer;
        long ctime = -1, usedMem = -1, loaded, expired, emptyKeysSkipped;
        int replStreamDb = -1;
        String replId;
        long replOffset = -1;
        /** Position after the EOF opcode and checksum, once read. */
        int end;
        /** The function libraries' codes: created by whoever adopts the load, on the command thread. */
        final List<byte[]> functions = new ArrayList<>();

        State(Keyspace ks) {
            this.ks = ks;
            this.db = ks.db(0);
        }
    }

    /**
     * Parses one record at {@code pos} and applies it; returns the position after it, or -1 after EOF
     * (checksum verified). Changes {@code st} only once the whole record has been read.
     */
    private int record(byte[] buf, int pos, int end, int version, int databases, long nowMs, Window w, State st)
            throws RdbFormatException {
        int at = pos;
        if (pos >= end) throw new RdbFormatException(pos, "unexpected end of file");
        int type = buf[pos++] & 0xFF;
        switch (type) {
            case Rdb.OPCODE_EXPIRETIME -> {
                need(end, pos, 4);
                st.expireAt = Listpack.le(buf, pos, 4) * 1000;
                return pos + 4;
            }
            case Rdb.OPCODE_EXPIRETIME_MS -> {
                need(end, pos, 8);
                st.expireAt = Listpack.le(buf, pos, 8);
                return pos + 8;
            }
            case Rdb.OPCODE_FREQ -> {
                need(end, pos, 1);
                return pos + 1;
            }
            case Rdb.OPCODE_IDLE -> {
                long[] l = len(buf, end, pos);
                st.idle = l[0];
                return (int) l[1];
            }
            case Rdb.OPCODE_EOF -> {
                if (version >= 5) {
                    need(end, pos, 8);
                    long expected = Listpack.le(buf, pos, 8);
                    long actual = verifyChecksum && expected != 0 ? Crc64.update(w.crc, buf, 0, pos) : expected;
                    if (actual != expected) {
                        // Redis's words ("RDB CRC error"), which tools and its tests look for in the log.
                        throw new RdbFormatException(pos, String.format("wrong RDB checksum expected: (%x) got (%x), RDB CRC error",
                                expected, actual));
                    }
                    pos += 8;
                }
                st.end = pos;
                return -1;
            }
            case Rdb.OPCODE_SELECTDB -> {
                long[] l = len(buf, end, pos);
                if (Long.compareUnsigned(l[0], databases) >= 0) { // unsigned, as Redis compares it
                    throw new RdbFormatException(at, "FATAL: Data file was created with a Redis server configured to"
                            + " handle more than " + databases + " databases");
                }
                st.db = st.ks.db((int) l[0]);
                return (int) l[1];
            }
            case Rdb.OPCODE_RESIZEDB -> {
                long[] dbSize = len(buf, end, pos);
                long[] expiresSize = len(buf, end, (int) dbSize[1]);
                // Redis's hint, used as Redis uses it: the table is sized once, not grown key by key. A
                // key takes at least 3 bytes of the file, so a hint for more keys than the rest of the
                // input can hold is corrupt and must not size an allocation (it is an unsigned number).
                long left = inputSize >= 0 ? Math.max(0, inputSize - (w.base + pos)) / 3 : RESIZE_HINT_UNKNOWN_SIZE;
                st.db.expand(Math.min(Long.compareUnsigned(dbSize[0], left) > 0 ? left : dbSize[0], 1L << 30));
                return (int) expiresSize[1];
            }
            case Rdb.OPCODE_AUX -> {
                RdbValueReader r = new RdbValueReader(buf, pos, end, limits);
                String k = new String(r.readString(), StandardCharsets.ISO_8859_1);
                String v = new String(r.readString(), StandardCharsets.ISO_8859_1);
                switch (k) {
                    case "redis-ver" -> st.redisVer = v;
                    case "ctime" -> st.ctime = parse(v);
                    case "used-mem" -> st.usedMem = parse(v);
                    case "repl-stream-db" -> st.replStreamDb = (int) parse(v);
                    case "repl-id" -> st.replId = v;
                    case "repl-offset" -> st.replOffset = parse(v);
                    default -> { }
                }
                return r.position();
            }
            case Rdb.OPCODE_MODULE_AUX ->
                    throw new RdbFormatException(at, "module aux data (opcode 247) is not supported: Lodestone has no modules");
            case Rdb.OPCODE_FUNCTION2 -> {
                RdbValueReader r = new RdbValueReader(buf, pos, end, limits);
                st.functions.add(r.readString());
                return r.position();
            }
            case Rdb.OPCODE_FUNCTION ->
                    throw new RdbFormatException(at, "Pre-release function format not supported.");
            default -> {
                if (type == Rdb.TYPE_MODULE || type == Rdb.TYPE_MODULE_2) {
                    throw new RdbFormatException(at, "module values (type " + type + ") are not supported");
                }
                if (type == 20) {
                    throw new RdbFormatException(at, "listpack sets (type 20, RDB 11 of Redis 7.2) are not supported");
                }
            }
        }
        RdbValueReader r = new RdbValueReader(buf, pos, end, limits).deep(deep);
        byte[] key = r.readString();
        failedKey = key;
        failedType = type;
        Object value;
        try {
            value = r.readValue(type, at);
        } catch (RdbFormatException e) {
            if (e.kind() != RdbFormatException.Kind.EMPTY_KEY) throw e;
            // Redis skips an empty collection rather than failing the load (there were bugs that wrote them).
            if (st.emptyKeysSkipped++ < 10) {
                io.lodestone.util.Log.warning("rdbLoadObject skipping empty key: " + new String(key, StandardCharsets.ISO_8859_1));
            }
            value = null;
        }
        failedKey = null;
        Database db = st.db;
        if (value == null) {
            // skipped
        } else if (st.expireAt != KeyEntry.NO_EXPIRE && st.expireAt < nowMs && !keepExpired) {
            st.expired++;
            if (dropped != null) dropped.add(new Dropped(db.id(), key));
        } else {
            KeyEntry e = db.addIfAbsent(key, value);
            if (e == null) throw new RdbFormatException(at, "duplicate key '" + new String(key, StandardCharsets.ISO_8859_1) + "'");
            if (st.expireAt != KeyEntry.NO_EXPIRE) db.setExpire(e, st.expireAt);
            if (st.idle >= 0) {
                long clock = st.ks.lruClock() - st.idle;
                if (clock < 0) clock += (1 << 24) - 1;
                e.clock((int) clock);
            }
            st.loaded++;
        }
        st.expireAt = KeyEntry.NO_EXPIRE;
        st.idle = -1;
        keysRead++;
        if (keyLoadDelayMicros != 0) keyLoadDelay();
        if ((++keysSeen & 1023) == 0) progress.accept(w.base + r.position());
        return r.position();
    }

    /**
     * What redis-check-rdb says of a failed load (Redis runs it on the file before exiting): the error,
     * the key and type being read, and how far the load got.
     */
    public List<String> checkReport(RdbFormatException e) {
        List<String> lines = new ArrayList<>();
        lines.add("--- RDB ERROR DETECTED ---");
        lines.add("[offset " + e.offset() + "] Internal error in RDB reading offset " + e.offset() + " -> " + e.reason());
        if (failedKey != null) {
            lines.add("[additional info] While doing: read-object-value");
            lines.add("[additional info] Reading key '" + new String(failedKey, StandardCharsets.ISO_8859_1) + "'");
            lines.add("[additional info] Reading type " + failedType);
        }
        lines.add("[info] " + (keysRead + (failedKey != null ? 1 : 0)) + " keys read");
        return lines;
    }

    private void keyLoadDelay() {
        long d = keyLoadDelayMicros;
        if (d > 0) java.util.concurrent.locks.LockSupport.parkNanos(d * 1000);
        else if (keysSeen % -d == 0) java.util.concurrent.locks.LockSupport.parkNanos(1000);
    }

    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void need(int end, int pos, int n) throws RdbFormatException {
        if (end - pos < n) throw new RdbFormatException(pos, "unexpected end of file");
    }

    /**
     * A length and the position after it (rdbLoadLen without an encoding expected: an encoding byte,
     * 0xC0 to 0xFF, counts as its low six bits).
     */
    private static long[] len(byte[] buf, int end, int pos) throws RdbFormatException {
        need(end, pos, 1);
        int b = buf[pos] & 0xFF;
        switch (b >>> 6) {
            case 0:
            case 3:
                return new long[]{b & 0x3F, pos + 1};
            case 1:
                need(end, pos, 2);
                return new long[]{((long) (b & 0x3F) << 8) | (buf[pos + 1] & 0xFF), pos + 2};
            default:
                if (b == 0x80 || b == 0x81) {
                    int n = b == 0x80 ? 4 : 8;
                    need(end, pos + 1, n);
                    long v = 0;
                    for (int i = 1; i <= n; i++) v = (v << 8) | (buf[pos + i] & 0xFF);
                    return new long[]{v, pos + 1 + n};
                }
                throw new RdbFormatException(pos, "Unknown length encoding " + (b >>> 6) + " in rdbLoadLen()");
        }
    }
}
