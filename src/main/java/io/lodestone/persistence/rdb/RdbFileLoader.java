package io.lodestone.persistence.rdb;

import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a whole RDB file (versions 1 to 11) into a fresh {@link Keyspace}, as Redis's rdbLoadRio does
 * on a master: keys whose expiry has passed are skipped, the CRC64 is verified, and any error (corrupt
 * or truncated input, an unsupported type or opcode) is refused with an {@link RdbFormatException}
 * naming the offset. The caller swaps the loaded databases in only on success.
 *
 * <p>Not supported, refused clearly: functions (opcodes 245/246), module aux data (247), module values
 * (types 6/7), streams (15, 19, 21) and the listpack sets of Redis 7.2 (type 20).
 */
public final class RdbFileLoader {
    /** What was loaded, for the start-up log lines. */
    public record Result(Keyspace keyspace, int version, String redisVer, long ctime, long usedMem,
                         long keysLoaded, long keysExpired, ReplInfo repl) {
    }

    /**
     * The replication aux fields ({@code repl-stream-db}, {@code repl-id}, {@code repl-offset}) a
     * replica, or a master with a backlog, saves; null components when absent (Redis's rdbSaveInfo).
     */
    public record ReplInfo(int streamDb, String replid, long offset) {
        /** Whether all three fields are there and usable (Redis's repl_id_is_set, offset != -1, db != -1). */
        public boolean complete() {
            return replid != null && replid.length() == 40 && offset != -1 && streamDb != -1;
        }
    }

    private final RdbValueReader.Limits limits;
    private final boolean verifyChecksum;
    private boolean keepExpired;

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

    public Result load(Path file, int databases, long nowMs) throws IOException, RdbFormatException {
        return load(Files.readAllBytes(file), databases, nowMs);
    }

    public Result load(byte[] buf, int databases, long nowMs) throws RdbFormatException {
        try {
            return loadInner(buf, databases, nowMs);
        } catch (RuntimeException e) {
            throw new RdbFormatException(lastAt, "corrupt data (" + e + ")");
        }
    }

    private int lastAt;

    private Result loadInner(byte[] buf, int databases, long nowMs) throws RdbFormatException {
        Keyspace ks = new Keyspace(databases);
        ks.now = nowMs;
        if (buf.length < 9 || !new String(buf, 0, 5, StandardCharsets.US_ASCII).equals("REDIS")) {
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
        Database db = ks.db(0);
        long expireAt = KeyEntry.NO_EXPIRE;
        long idle = -1;
        String redisVer = null;
        long ctime = -1, usedMem = -1, loaded = 0, expired = 0;
        int replStreamDb = -1;
        String replId = null;
        long replOffset = -1;
        while (true) {
            int at = pos;
            lastAt = at;
            if (pos >= buf.length) throw new RdbFormatException(pos, "unexpected end of file");
            int type = buf[pos++] & 0xFF;
            switch (type) {
                case Rdb.OPCODE_EXPIRETIME -> {
                    need(buf, pos, 4);
                    expireAt = Listpack.le(buf, pos, 4) * 1000;
                    pos += 4;
                    continue;
                }
                case Rdb.OPCODE_EXPIRETIME_MS -> {
                    need(buf, pos, 8);
                    expireAt = Listpack.le(buf, pos, 8);
                    pos += 8;
                    continue;
                }
                case Rdb.OPCODE_FREQ -> {
                    need(buf, pos, 1);
                    pos++;
                    continue;
                }
                case Rdb.OPCODE_IDLE -> {
                    long[] l = len(buf, pos);
                    idle = l[0];
                    pos = (int) l[1];
                    continue;
                }
                case Rdb.OPCODE_EOF -> {
                    if (version >= 5) {
                        need(buf, pos, 8);
                        long expected = Listpack.le(buf, pos, 8);
                        if (verifyChecksum && expected != 0 && expected != Crc64.of(buf, 0, pos)) {
                            throw new RdbFormatException(pos, "wrong RDB checksum");
                        }
                    }
                    return new Result(ks, version, redisVer, ctime, usedMem, loaded, expired,
                            new ReplInfo(replStreamDb, replId, replOffset));
                }
                case Rdb.OPCODE_SELECTDB -> {
                    long[] l = len(buf, pos);
                    if (l[0] >= databases) {
                        throw new RdbFormatException(at, "FATAL: Data file was created with a Redis server configured to"
                                + " handle more than " + databases + " databases");
                    }
                    db = ks.db((int) l[0]);
                    pos = (int) l[1];
                    continue;
                }
                case Rdb.OPCODE_RESIZEDB -> {
                    pos = (int) len(buf, pos)[1];
                    pos = (int) len(buf, pos)[1];
                    continue;
                }
                case Rdb.OPCODE_AUX -> {
                    RdbValueReader r = new RdbValueReader(buf, pos, buf.length, limits);
                    String k = new String(r.readString(), StandardCharsets.ISO_8859_1);
                    String v = new String(r.readString(), StandardCharsets.ISO_8859_1);
                    pos = r.position();
                    switch (k) {
                        case "redis-ver" -> redisVer = v;
                        case "ctime" -> ctime = parse(v);
                        case "used-mem" -> usedMem = parse(v);
                        case "repl-stream-db" -> replStreamDb = (int) parse(v);
                        case "repl-id" -> replId = v;
                        case "repl-offset" -> replOffset = parse(v);
                        default -> { }
                    }
                    continue;
                }
                case Rdb.OPCODE_MODULE_AUX ->
                        throw new RdbFormatException(at, "module aux data (opcode 247) is not supported: Lodestone has no modules");
                case Rdb.OPCODE_FUNCTION, Rdb.OPCODE_FUNCTION2 ->
                        throw new RdbFormatException(at, "functions (opcode " + type + ") are not supported yet: the RDB holds a function library");
                default -> {
                    if (type == Rdb.TYPE_MODULE || type == Rdb.TYPE_MODULE_2) {
                        throw new RdbFormatException(at, "module values (type " + type + ") are not supported");
                    }
                    if (type == Rdb.TYPE_STREAM_LISTPACKS || type == 19 || type == 21) {
                        throw new RdbFormatException(at, "stream values (type " + type + ") are not supported yet");
                    }
                    if (type == 20) {
                        throw new RdbFormatException(at, "listpack sets (type 20, RDB 11 of Redis 7.2) are not supported");
                    }
                }
            }
            RdbValueReader r = new RdbValueReader(buf, pos, buf.length, limits);
            byte[] key = r.readString();
            Object value = r.readValue(type, at);
            pos = r.position();
            if (expireAt != KeyEntry.NO_EXPIRE && expireAt < nowMs && !keepExpired) {
                expired++;
            } else {
                if (db.peek(key) != null) throw new RdbFormatException(at, "duplicate key '" + new String(key, StandardCharsets.ISO_8859_1) + "'");
                KeyEntry e = db.add(key, value);
                if (expireAt != KeyEntry.NO_EXPIRE) db.setExpire(e, expireAt);
                if (idle >= 0) {
                    long clock = ks.lruClock() - idle;
                    if (clock < 0) clock += (1 << 24) - 1;
                    e.clock((int) clock);
                }
                loaded++;
            }
            expireAt = KeyEntry.NO_EXPIRE;
            idle = -1;
        }
    }

    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void need(byte[] buf, int pos, int n) throws RdbFormatException {
        if (buf.length - pos < n) throw new RdbFormatException(pos, "unexpected end of file");
    }

    /** A length and the position after it. */
    private static long[] len(byte[] buf, int pos) throws RdbFormatException {
        need(buf, pos, 1);
        int b = buf[pos] & 0xFF;
        switch (b >>> 6) {
            case 0:
                return new long[]{b & 0x3F, pos + 1};
            case 1:
                need(buf, pos, 2);
                return new long[]{((long) (b & 0x3F) << 8) | (buf[pos + 1] & 0xFF), pos + 2};
            default:
                if (b == 0x80 || b == 0x81) {
                    int n = b == 0x80 ? 4 : 8;
                    need(buf, pos + 1, n);
                    long v = 0;
                    for (int i = 1; i <= n; i++) v = (v << 8) | (buf[pos + i] & 0xFF);
                    return new long[]{v, pos + 1 + n};
                }
                throw new RdbFormatException(pos, "unknown length encoding " + b);
        }
    }
}
