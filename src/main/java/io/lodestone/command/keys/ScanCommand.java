package io.lodestone.command.keys;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.Errors;
import io.lodestone.protocol.Reply;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.util.Glob;

import java.util.ArrayList;
import java.util.List;

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], as Redis's scanGenericCommand.
 *
 * <p>The guarantees come from {@link Database#scan}: a key present from the start of a full iteration
 * to its end is returned at least once, however the table grows or shrinks in between; a key may be
 * returned more than once. One call visits buckets until it has {@code COUNT} candidates or has made
 * ten times COUNT steps, then filters them: pattern, then type, then expiry. A key found expired is
 * left out, and deleted as any access to it would.
 */
public final class ScanCommand {
    private static final String INVALID_CURSOR = "ERR invalid cursor";
    private static final byte[] ZERO_CURSOR = {'0'};
    /** ULLONG_MAX / 10: the largest value that can take one more decimal digit. */
    private static final long MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final int MAX_LAST_DIGIT = (int) Long.remainderUnsigned(-1L, 10);

    private ScanCommand() {
    }

    static void scan(Client c) {
        long cursor = parseCursor(c.argv[1]);
        Options o = parseOptions(c, 2, true);
        long count = o.count();
        byte[] pattern = o.pattern();
        byte[] type = o.type();

        Database db = c.db();
        List<KeyEntry> found = new ArrayList<>();
        // Like Redis, count * 10 may wrap for huge counts: the loop then runs to the end of the table.
        long maxIterations = count * 10;
        do {
            cursor = db.scan(cursor, found::add);
        } while (cursor != 0 && maxIterations-- != 0 && found.size() < count);

        byte[] typeName = type == null ? null : Args.cBytes(type);
        List<byte[]> keys = new ArrayList<>(found.size());
        for (KeyEntry e : found) {
            byte[] key = e.key();
            if (pattern != null && !Glob.match(pattern, key, false)) continue;
            if (typeName != null) {
                // Redis asks the type through a lookup, which deletes the key when expired and then
                // names it "none": so TYPE none lists keys that have just expired.
                KeyEntry live = db.lookupReadNoTouch(key);
                if (!Args.is(typeName, KeyTypes.name(live == null ? null : live.value()))) continue;
            }
            if (db.expireIfNeeded(key)) continue;
            keys.add(key);
        }

        Reply r = c.reply;
        r.array(2);
        r.bulk(Long.toUnsignedString(cursor));
        r.array(keys.size());
        for (byte[] k : keys) r.bulk(k);
    }

    /**
     * A SCAN cursor as Redis's strtoull reads it: an unsigned 64-bit decimal, optionally signed (a
     * minus negates it modulo 2^64), with nothing before or after the digits. The empty string is 0.
     */
    /** MATCH (null for "*", which matches everything), COUNT and, for SCAN only, TYPE. */
    public record Options(long count, byte[] pattern, byte[] type) {
    }

    /**
     * Parses the options of SCAN, HSCAN, SSCAN and ZSCAN from argv[from..] as Redis's
     * scanGenericCommand does: COUNT must be at least 1, anything else is a syntax error.
     */
    public static Options parseOptions(Client c, int from, boolean allowType) {
        long count = 10;
        byte[] pattern = null;
        byte[] type = null;
        for (int i = from; i < c.argc; i += 2) {
            boolean hasValue = c.argc - i >= 2;
            if (Args.cKeyword(c.argv[i], "count") && hasValue) {
                count = Args.parseLong(c.argv[i + 1]);
                if (count < 1) throw Errors.syntax();
            } else if (Args.cKeyword(c.argv[i], "match") && hasValue) {
                byte[] p = c.argv[i + 1];
                pattern = p.length == 1 && p[0] == '*' ? null : p;
            } else if (allowType && Args.cKeyword(c.argv[i], "type") && hasValue) {
                type = c.argv[i + 1];
            } else {
                throw Errors.syntax();
            }
        }
        return new Options(count, pattern, type);
    }

    /** HSCAN, SSCAN, ZSCAN of a missing key: cursor 0 and no elements, before any option is read. */
    public static void replyEmpty(Reply r) {
        r.array(2);
        r.bulk(ZERO_CURSOR);
        r.emptyArray();
    }

    public static long parseCursor(byte[] s) {
        int i = 0, n = s.length;
        if (n == 0) return 0;
        boolean negative = false;
        if (n > 0 && (s[0] == '+' || s[0] == '-')) {
            negative = s[0] == '-';
            i = 1;
        }
        if (i == n) throw new CommandError(INVALID_CURSOR);
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) throw new CommandError(INVALID_CURSOR);
            int cmp = Long.compareUnsigned(v, MAX_DIV_10);
            if (cmp > 0 || (cmp == 0 && d > MAX_LAST_DIGIT)) throw new CommandError(INVALID_CURSOR);
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }
}
