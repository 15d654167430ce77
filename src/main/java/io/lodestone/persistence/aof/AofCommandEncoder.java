package io.lodestone.persistence.aof;

import io.lodestone.persistence.rdb.Rdb;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The command form of a base file, for {@code aof-use-rdb-preamble no} (Redis's
 * rewriteAppendOnlyFileRio): per non-empty database a {@code SELECT}, then per key the commands that
 * rebuild it - {@code SET}, or {@code RPUSH}/{@code SADD}/{@code ZADD}/{@code HMSET} with at most
 * {@value #ITEMS_PER_CMD} elements each (AOF_REWRITE_ITEMS_PER_CMD) - and {@code PEXPIREAT} for a TTL.
 * Scores are written as {@code %.17g}, as rioWriteBulkDouble does.
 *
 * <p>Bytes go to a buffer that the caller drains to its output ({@link #drainTo}) whenever it likes.
 */
public final class AofCommandEncoder {
    public static final int ITEMS_PER_CMD = 64;

    private byte[] buf = new byte[64 * 1024];
    private int len;

    /** Writes the whole keyspace to {@code os} (the synchronous rewrite used at start-up). */
    public static void writeAll(Keyspace ks, OutputStream os, boolean timestamp) throws IOException {
        AofCommandEncoder enc = new AofCommandEncoder();
        if (timestamp) enc.timestamp(System.currentTimeMillis() / 1000);
        IOException[] failure = new IOException[1];
        for (int i = 0; i < ks.databases(); i++) {
            Database db = ks.db(i);
            if (db.size() == 0) continue;
            enc.select(i);
            db.forEach(e -> {
                if (failure[0] != null) return;
                enc.key(e.key(), e.value(), e.expireAt());
                if (enc.length() >= 64 * 1024) {
                    try {
                        enc.drainTo(os);
                    } catch (IOException ex) {
                        failure[0] = ex;
                    }
                }
            });
            if (failure[0] != null) throw failure[0];
        }
        enc.drainTo(os);
    }

    /** The {@code #TS:<unix time>} annotation a rewrite starts with when aof-timestamp-enabled. */
    public void timestamp(long unixSeconds) {
        ascii("#TS:" + unixSeconds + "\r\n");
    }

    public void select(int db) {
        ascii("*2\r\n$6\r\nSELECT\r\n");
        bulk(Long.toString(db));
    }

    /** The commands that rebuild one key. */
    public void key(byte[] key, Object value, long expireAt) {
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
        ensure(n + 2);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        buf[len++] = '\r';
        buf[len++] = '\n';
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    public int length() {
        return len;
    }

    /** Writes what is buffered to {@code os} and empties the buffer. */
    public void drainTo(OutputStream os) throws IOException {
        os.write(buf, 0, len);
        len = 0;
    }

    /** What is buffered, as a new array, and empties the buffer. */
    public byte[] take() {
        byte[] out = Arrays.copyOf(buf, len);
        len = 0;
        return out;
    }
}
