package io.lodestone.persistence.aof;

import io.lodestone.persistence.ByteSink;
import io.lodestone.persistence.SnapshotEncoder;
import io.lodestone.persistence.rdb.Rdb;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Snapshot;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamNack;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;

/**
 * The command form of a base file, for {@code aof-use-rdb-preamble no} (Redis's
 * rewriteAppendOnlyFileRio): a {@code FUNCTION LOAD} for each function library, a {@code SELECT} for
 * each database, then per key the commands that
 * rebuild it - {@code SET}, or {@code RPUSH}/{@code SADD}/{@code ZADD}/{@code HMSET} with at most
 * {@value #ITEMS_PER_CMD} elements each (AOF_REWRITE_ITEMS_PER_CMD), a stream as rewriteStreamObject
 * writes it - and {@code PEXPIREAT} for a TTL.
 * Scores are written as {@code %.17g}, as rioWriteBulkDouble does.
 *
 * <p>A background snapshot may hand over a key of another database out of turn (a write serializes
 * it before changing it), so {@code SELECT} is written whenever the database changes, not only once
 * per database as Redis's child does; the replayed result is the same.
 */
public final class AofCommandEncoder implements SnapshotEncoder {
    public static final int ITEMS_PER_CMD = 64;

    private final boolean timestamp;
    private int selected = -1;
    private ByteSink out;

    /** @param timestamp {@code aof-timestamp-enabled}: the base starts with a {@code #TS:} annotation */
    public AofCommandEncoder(boolean timestamp) {
        this.timestamp = timestamp;
    }

    @Override
    public void begin(ByteSink sink, Snapshot s) {
        if (timestamp) {
            out = sink;
            ascii("#TS:" + System.currentTimeMillis() / 1000 + "\r\n");
        }
        // rewriteFunctions: a FUNCTION LOAD per library, before the keys
        for (byte[] code : s.functions()) sink.putCommand(FUNCTION, LOAD, code);
    }

    private static final byte[] FUNCTION = {'F', 'U', 'N', 'C', 'T', 'I', 'O', 'N'};
    private static final byte[] LOAD = {'L', 'O', 'A', 'D'};

    @Override
    public void entry(ByteSink sink, int db, KeyEntry e) {
        out = sink;
        if (db != selected) {
            ascii("*2\r\n$6\r\nSELECT\r\n");
            bulk(Long.toString(db));
            selected = db;
        }
        key(e.key(), e.value(), e.expireAt());
    }

    @Override
    public void end(ByteSink sink) {
    }

    /** The commands that rebuild one key, into {@code sink} (tests). */
    void key(ByteSink sink, byte[] key, Object value, long expireAt) {
        out = sink;
        key(key, value, expireAt);
    }

    private void key(byte[] key, Object value, long expireAt) {
        if (value instanceof byte[] s) {
            ascii("*3\r\n$3\r\nSET\r\n");
            bulk(key);
            bulk(s);
        } else if (value instanceof ListValue l) {
            list(key, l);
        } else if (value instanceof SetValue s) {
            set(key, s);
        } else if (value instanceof ZSetValue z) {
            zset(key, z);
        } else if (value instanceof HashValue h) {
            hash(key, h);
        } else if (value instanceof StreamValue st) {
            stream(key, st);
        } else {
            throw new IllegalArgumentException("no AOF form for " + (value == null ? "null" : value.getClass().getName()));
        }
        if (expireAt != KeyEntry.NO_EXPIRE) {
            ascii("*3\r\n$9\r\nPEXPIREAT\r\n");
            bulk(key);
            bulk(Long.toString(expireAt));
        }
    }

    private void list(byte[] key, ListValue l) {
        long items = l.size();
        int count = 0;
        ListValue.Cursor c = l.cursor(0, true);
        while (c.next()) {
            if (count == 0) batch("RPUSH", key, 2 + Math.min(items, ITEMS_PER_CMD));
            bulk(c.bytes());
            if (++count == ITEMS_PER_CMD) count = 0;
            items--;
        }
    }

    private void set(byte[] key, SetValue s) {
        long[] items = {s.size()};
        int[] count = {0};
        s.forEachMember(m -> {
            if (count[0] == 0) batch("SADD", key, 2 + Math.min(items[0], ITEMS_PER_CMD));
            bulk(m);
            if (++count[0] == ITEMS_PER_CMD) count[0] = 0;
            items[0]--;
        });
    }

    private void zset(byte[] key, ZSetValue z) {
        long items = z.size();
        int count = 0;
        ZSetValue.Cursor c = z.cursor(0, false);
        while (c.next()) {
            if (count == 0) batch("ZADD", key, 2 + Math.min(items, ITEMS_PER_CMD) * 2);
            bulk(Rdb.d2string(c.score()));
            bulk(c.member());
            if (++count == ITEMS_PER_CMD) count = 0;
            items--;
        }
    }

    private void hash(byte[] key, HashValue h) {
        long[] items = {h.size()};
        int[] count = {0};
        h.forEach((f, fo, fl, v, vo, vl) -> {
            if (count[0] == 0) batch("HMSET", key, 2 + Math.min(items[0], ITEMS_PER_CMD) * 2);
            bulk(f, fo, fl);
            bulk(v, vo, vl);
            if (++count[0] == ITEMS_PER_CMD) count[0] = 0;
            items[0]--;
        });
    }

    /**
     * rewriteStreamObject: an XADD per entry (an empty stream is made by XADD MAXLEN 0 of a 0-1 entry),
     * XSETID with the last ID, entries added and max deleted ID, then per group XGROUP CREATE with
     * its last ID and entries read, an XCLAIM ... FORCE per pending entry (restoring its owner,
     * delivery time and count), and XGROUP CREATECONSUMER for consumers without pending entries.
     */
    private void stream(byte[] key, StreamValue s) {
        if (s.length() != 0) {
            s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, fv, n) -> {
                batch("XADD", key, 3 + n);
                bulk(id.toString());
                for (int i = 0; i < n; i++) bulk(fv[i]);
                return true;
            });
        } else {
            batch("XADD", key, 7);
            bulk("MAXLEN");
            bulk("0");
            bulk("0-1");
            bulk("x");
            bulk("y");
        }
        batch("XSETID", key, 7);
        bulk(s.lastId().toString());
        bulk("ENTRIESADDED");
        bulk(Long.toString(s.entriesAdded()));
        bulk("MAXDELETEDID");
        bulk(s.maxDeletedId().toString());
        for (StreamGroup g : s.groups()) {
            ascii("*7\r\n");
            bulk("XGROUP");
            bulk("CREATE");
            bulk(key);
            bulk(g.name());
            bulk(g.lastId.toString());
            bulk("ENTRIESREAD");
            bulk(Long.toString(g.entriesRead));
            for (StreamConsumer c : g.consumers()) {
                if (c.pel.isEmpty()) {
                    ascii("*5\r\n");
                    bulk("XGROUP");
                    bulk("CREATECONSUMER");
                    bulk(key);
                    bulk(g.name());
                    bulk(c.name());
                    continue;
                }
                for (java.util.Map.Entry<StreamID, StreamNack> e : c.pel.entrySet()) {
                    batch("XCLAIM", key, 12);
                    bulk(g.name());
                    bulk(c.name());
                    bulk("0");
                    bulk(e.getKey().toString());
                    bulk("TIME");
                    bulk(Long.toString(e.getValue().deliveryTime));
                    bulk("RETRYCOUNT");
                    bulk(Long.toString(e.getValue().deliveryCount));
                    bulk("JUSTID");
                    bulk("FORCE");
                }
            }
        }
    }

    private void batch(String cmd, byte[] key, long argc) {
        ascii("*" + argc + "\r\n");
        bulk(cmd);
        bulk(key);
    }

    private void bulk(String s) {
        ascii("$" + s.length() + "\r\n" + s + "\r\n");
    }

    private void bulk(byte[] b) {
        bulk(b, 0, b.length);
    }

    private void bulk(byte[] b, int off, int n) {
        ascii("$" + n + "\r\n");
        out.ensure(n + 2);
        out.put(b, off, n);
        out.put('\r');
        out.put('\n');
    }

    private void ascii(String s) {
        out.ensure(s.length());
        for (int i = 0; i < s.length(); i++) out.buf[out.len++] = (byte) s.charAt(i);
    }
}
