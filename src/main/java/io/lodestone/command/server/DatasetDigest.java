package io.lodestone.command.server;

import io.lodestone.protocol.DoubleFormat;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.Keyspace;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamValue;
import io.lodestone.store.type.ZSetValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * DEBUG DIGEST and DIGEST-VALUE, computed exactly as redis-server 7.0 computes them (debug.c's
 * computeDatasetDigest / xorObjectDigest), so a digest taken here equals one taken on a redis-server
 * holding the same data: that is how Redis's tests compare a master with its replicas.
 *
 * <p>Unordered collections (sets, hashes, zsets, the keys of a database) are xor-ed together, so
 * iteration order does not matter; ordered ones (a list's elements, a stream's entries) are mixed in
 * order. Numbers
 * are digested as their decimal strings, scores as {@code %.17g}, whatever the encoding.
 */
final class DatasetDigest {
    private static final byte[] EXPIRE_MARK = "!!expire!!".getBytes(StandardCharsets.US_ASCII);
    /** Redis's OBJ_* type numbers, mixed into each value's digest. */
    private static final int OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4, OBJ_STREAM = 6;

    private final MessageDigest sha1;

    DatasetDigest() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-1", e);
        }
    }

    /** computeDatasetDigest: every key of every database, logically expired ones included. */
    byte[] dataset(Keyspace keyspace) {
        byte[] fin = new byte[20];
        for (int j = 0; j < keyspace.databases(); j++) {
            Database db = keyspace.db(j);
            if (db.size() == 0) continue;
            // The database's number, so the same data in another database digests differently.
            mix(fin, int32(j));
            db.forEach(e -> {
                byte[] d = new byte[20];
                mix(d, e.key());
                value(d, e);
                xorDigest(fin, d);
            });
        }
        return fin;
    }

    /** DIGEST-VALUE of one key: zeros for a missing key. */
    byte[] value(KeyEntry e) {
        byte[] d = new byte[20];
        if (e != null) value(d, e);
        return d;
    }

    static String hex(byte[] digest) {
        StringBuilder sb = new StringBuilder(40);
        for (byte b : digest) sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        return sb.toString();
    }

    /** xorObjectDigest. */
    private void value(byte[] digest, KeyEntry e) {
        Object v = e.value();
        if (v instanceof byte[] s) {
            mix(digest, int32(OBJ_STRING));
            mix(digest, s);
        } else if (v instanceof ListValue l) {
            mix(digest, int32(OBJ_LIST));
            ListValue.Cursor c = l.cursor(0, true);
            while (c.next()) mix(digest, c.bytes());
        } else if (v instanceof SetValue s) {
            mix(digest, int32(OBJ_SET));
            s.forEachMember(m -> xorDigest(digest, m));
        } else if (v instanceof ZSetValue z) {
            mix(digest, int32(OBJ_ZSET));
            ZSetValue.Cursor c = z.cursor(0, false);
            while (c.next()) {
                byte[] ele = new byte[20];
                mix(ele, c.member());
                mix(ele, DoubleFormat.g17(c.score()).getBytes(StandardCharsets.US_ASCII));
                xorDigest(digest, ele);
            }
        } else if (v instanceof HashValue h) {
            mix(digest, int32(OBJ_HASH));
            h.forEach((f, fo, fl, val, vo, vl) -> {
                byte[] ele = new byte[20];
                mix(ele, f, fo, fl);
                mix(ele, val, vo, vl);
                xorDigest(digest, ele);
            });
        } else if (v instanceof StreamValue s) {
            // Entries in order, each as its "ms.seq" ID then its fields and values; groups are left out.
            mix(digest, int32(OBJ_STREAM));
            s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, fv, n) -> {
                mix(digest, (Long.toUnsignedString(id.ms()) + "." + Long.toUnsignedString(id.seq()))
                        .getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < n; i++) mix(digest, fv[i]);
                return true;
            });
        } else {
            throw new IllegalStateException("no digest for " + v.getClass().getName());
        }
        if (e.expireAt() != KeyEntry.NO_EXPIRE) xorDigest(digest, EXPIRE_MARK);
    }

    /** xorDigest: xor in the data's SHA1 (so the order of what is xor-ed does not matter). */
    private void xorDigest(byte[] digest, byte[] data) {
        xor(digest, sha(data, 0, data.length));
    }

    /** mixDigest: xor in the data's SHA1, then replace the digest by its own SHA1. */
    private void mix(byte[] digest, byte[] data) {
        mix(digest, data, 0, data.length);
    }

    private void mix(byte[] digest, byte[] data, int off, int len) {
        xor(digest, sha(data, off, len));
        sha1.update(digest);
        System.arraycopy(sha1.digest(), 0, digest, 0, 20);
    }

    private byte[] sha(byte[] data, int off, int len) {
        sha1.update(data, off, len);
        return sha1.digest();
    }

    private static void xor(byte[] digest, byte[] hash) {
        for (int i = 0; i < 20; i++) digest[i] ^= hash[i];
    }

    /** htonl(n), as Redis mixes type and database numbers. */
    private static byte[] int32(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }
}
