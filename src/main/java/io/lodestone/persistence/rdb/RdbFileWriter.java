package io.lodestone.persistence.rdb;

import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a whole RDB file (version 10) as redis-server 7.0's rdbSaveRio does: the magic
 * {@code REDIS0010}, the aux fields, per non-empty database SELECTDB and RESIZEDB, each key
 * (with EXPIRETIME_MS when it has a TTL), EOF and the CRC64 (zeros with {@code rdbchecksum no}).
 *
 * <p>{@link #save} writes to {@code temp-<pid>.rdb} in the target directory, fsyncs, renames over the
 * target and fsyncs the directory, so a failure at any point leaves the previous file intact.
 */
public final class RdbFileWriter {
    /** rdb.h opcodes. */
    static final int OPCODE_FUNCTION2 = 245;
    static final int OPCODE_FUNCTION = 246;
    static final int OPCODE_MODULE_AUX = 247;
    static final int OPCODE_IDLE = 248;
    static final int OPCODE_FREQ = 249;
    static final int OPCODE_AUX = 250;
    static final int OPCODE_RESIZEDB = 251;
    static final int OPCODE_EXPIRETIME_MS = 252;
    static final int OPCODE_EXPIRETIME = 253;
    static final int OPCODE_SELECTDB = 254;
    static final int OPCODE_EOF = 255;

    private static final int FLUSH_AT = 64 * 1024;

    private final boolean compress;
    private final boolean checksum;
    private final long usedMemory;
    /** Extra aux fields written before aof-base (the hook for repl-stream-db, repl-id, repl-offset). */
    private final Map<String, String> extraAux = new LinkedHashMap<>();
    /** The aof-base aux field: 1 in the base file of a multi-part AOF. */
    private boolean aofBase;

    public RdbFileWriter(boolean compress, boolean checksum, long usedMemory) {
        this.compress = compress;
        this.checksum = checksum;
        this.usedMemory = usedMemory;
    }

    /** Adds an aux field written after used-mem, before aof-base (replication info, later). */
    public RdbFileWriter aux(String key, String value) {
        extraAux.put(key, value);
        return this;
    }

    /** Marks the file as the RDB base of an AOF (aux field aof-base 1), as Redis's AOF rewrite writes it. */
    public RdbFileWriter aofBase(boolean v) {
        aofBase = v;
        return this;
    }

    /** Saves atomically to {@code target}: temp file in the same directory, fsync, rename. */
    public void save(Keyspace keyspace, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("temp-" + ProcessHandle.current().pid() + ".rdb");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream os = Channels.newOutputStream(ch);
                write(keyspace, os);
                os.flush();
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the original failure is what matters
            }
            throw e;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // directories cannot be fsynced on every platform
        }
    }

    /** Writes the file's bytes to {@code os} (not closed). */
    public void write(Keyspace keyspace, OutputStream os) throws IOException {
        Out out = new Out(os);
        out.sink.put("REDIS0010".getBytes(StandardCharsets.US_ASCII), 0, 9);
        aux(out.sink, "redis-ver", io.lodestone.util.Version.REDIS_VERSION);
        aux(out.sink, "redis-bits", "64");
        aux(out.sink, "ctime", Long.toString(System.currentTimeMillis() / 1000));
        aux(out.sink, "used-mem", Long.toString(usedMemory));
        for (Map.Entry<String, String> e : extraAux.entrySet()) aux(out.sink, e.getKey(), e.getValue());
        aux(out.sink, "aof-base", aofBase ? "1" : "0");
        RdbValueWriter values = new RdbValueWriter(compress);
        IOException[] failure = new IOException[1];
        for (int i = 0; i < keyspace.databases(); i++) {
            Database db = keyspace.db(i);
            if (db.size() == 0) continue;
            out.sink.put(OPCODE_SELECTDB);
            Rdb.writeLen(out.sink, i);
            out.sink.put(OPCODE_RESIZEDB);
            Rdb.writeLen(out.sink, db.size());
            Rdb.writeLen(out.sink, db.expiresSize());
            db.forEach(e -> {
                if (failure[0] != null) return;
                if (e.expireAt() != KeyEntry.NO_EXPIRE) {
                    out.sink.put(OPCODE_EXPIRETIME_MS);
                    out.sink.putLE(e.expireAt(), 8);
                }
                byte[] v = values.serialize(e.value());
                out.sink.put(v[0] & 0xFF);
                Rdb.writeString(out.sink, e.key(), compress);
                out.sink.put(v, 1, v.length - 1);
                try {
                    out.maybeFlush();
                } catch (IOException ex) {
                    failure[0] = ex;
                }
            });
            if (failure[0] != null) throw failure[0];
        }
        out.sink.put(OPCODE_EOF);
        out.flush();
        long crc = checksum ? out.crc : 0;
        out.sink.putLE(crc, 8);
        out.flush();
    }

    private void aux(ByteSink s, String key, String value) {
        s.put(OPCODE_AUX);
        Rdb.writeString(s, key.getBytes(StandardCharsets.US_ASCII), compress);
        Rdb.writeString(s, value.getBytes(StandardCharsets.ISO_8859_1), compress);
    }

    /** A buffer flushed to the stream in chunks, with the running CRC64 of what was flushed. */
    private static final class Out {
        final OutputStream os;
        final ByteSink sink = new ByteSink(FLUSH_AT + 1024);
        long crc;

        Out(OutputStream os) {
            this.os = os;
        }

        void maybeFlush() throws IOException {
            if (sink.len >= FLUSH_AT) flush();
        }

        void flush() throws IOException {
            crc = Crc64.update(crc, sink.buf, 0, sink.len);
            os.write(sink.buf, 0, sink.len);
            sink.len = 0;
        }
    }
}
