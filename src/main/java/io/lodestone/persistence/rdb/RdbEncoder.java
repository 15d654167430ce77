package io.lodestone.persistence.rdb;

import io.lodestone.persistence.ByteSink;
import io.lodestone.persistence.SnapshotEncoder;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Snapshot;
import io.lodestone.util.Version;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RDB file (version 10) as redis-server 7.0's rdbSaveRio writes it: the magic {@code REDIS0010},
 * the aux fields ({@code redis-ver}, {@code redis-bits}, {@code ctime}, {@code used-mem}, the
 * replication fields when given, {@code aof-base}), then the function libraries, then keys, then EOF. The CRC64 footer is added by
 * {@link io.lodestone.persistence.ChecksummedOutput}.
 *
 * <p>Keys arrive per database but not necessarily database by database: a write during a background
 * snapshot serializes the key it is about to change out of turn. A SELECTDB opcode is written whenever
 * the database changes (loaders, Redis's included, accept it any number of times) and RESIZEDB the
 * first time, with the sizes at the snapshot instant.
 */
public final class RdbEncoder implements SnapshotEncoder {
    private final boolean compress;
    private final long usedMemory;
    private final boolean aofBase;
    private final Map<String, String> replicationAux = new LinkedHashMap<>();
    private final RdbValueWriter values;
    private Snapshot snapshot;
    private boolean[] sized;
    private int selected = -1;

    /**
     * @param compress   {@code rdbcompression}
     * @param usedMemory the {@code used-mem} aux field
     * @param aofBase    true for the RDB preamble of an AOF base file ({@code aof-base 1})
     */
    public RdbEncoder(boolean compress, long usedMemory, boolean aofBase) {
        this.compress = compress;
        this.usedMemory = usedMemory;
        this.aofBase = aofBase;
        this.values = new RdbValueWriter(compress);
    }

    /**
     * Writes the replication history into the file ({@code repl-stream-db}, {@code repl-id},
     * {@code repl-offset}, between used-mem and aof-base as Redis does); none when {@code info} is null.
     */
    public RdbEncoder replication(ReplInfo info) {
        replicationAux.clear();
        if (info != null) {
            replicationAux.put("repl-stream-db", Integer.toString(info.streamDb()));
            replicationAux.put("repl-id", info.replid());
            replicationAux.put("repl-offset", Long.toString(info.offset()));
        }
        return this;
    }

    @Override
    public void begin(ByteSink out, Snapshot s) {
        this.snapshot = s;
        this.sized = new boolean[16];
        out.put("REDIS0010".getBytes(StandardCharsets.US_ASCII), 0, 9);
        aux(out, "redis-ver", Version.REDIS_VERSION);
        aux(out, "redis-bits", "64");
        aux(out, "ctime", Long.toString(System.currentTimeMillis() / 1000));
        aux(out, "used-mem", Long.toString(usedMemory));
        for (Map.Entry<String, String> e : replicationAux.entrySet()) aux(out, e.getKey(), e.getValue());
        aux(out, "aof-base", aofBase ? "1" : "0");
        // Then the functions, before the keys, as rdbSaveRio writes them.
        for (byte[] code : s.functions()) FunctionsPayload.write(out, code, compress);
    }

    @Override
    public void entry(ByteSink out, int db, KeyEntry e) {
        if (db != selected) {
            out.put(Rdb.OPCODE_SELECTDB);
            Rdb.writeLen(out, db);
            if (db >= sized.length) sized = java.util.Arrays.copyOf(sized, db + 1);
            if (!sized[db]) {
                sized[db] = true;
                out.put(Rdb.OPCODE_RESIZEDB);
                Rdb.writeLen(out, snapshot.size(db));
                Rdb.writeLen(out, snapshot.expiresSize(db));
            }
            selected = db;
        }
        if (e.expireAt() != KeyEntry.NO_EXPIRE) {
            out.put(Rdb.OPCODE_EXPIRETIME_MS);
            out.putLE(e.expireAt(), 8);
        }
        values.writeKeyValue(out, e.key(), e.value());
    }

    @Override
    public void end(ByteSink out) {
        out.put(Rdb.OPCODE_EOF);
    }

    private void aux(ByteSink s, String key, String value) {
        s.put(Rdb.OPCODE_AUX);
        Rdb.writeString(s, key.getBytes(StandardCharsets.US_ASCII), compress);
        Rdb.writeString(s, value.getBytes(StandardCharsets.ISO_8859_1), compress);
    }
}
