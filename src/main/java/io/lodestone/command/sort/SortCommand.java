package io.lodestone.command.sort;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.config.KeyspaceEvents;
import io.lodestone.store.Database;
import io.lodestone.store.KeyEntry;
import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * SORT and SORT_RO, as Redis 7.0's sort.c: the elements of a list, set or sorted set, ordered as
 * numbers (strtod) or strings (ALPHA), by themselves or by weights found through a BY pattern, cut
 * by LIMIT, each replaced by the GET patterns' values, replied or STOREd as a list.
 *
 * <p>What Redis guarantees and this keeps: numeric ties are broken by comparing the elements' bytes,
 * so numeric results are deterministic; the sort is stable (glibc's qsort is a merge sort), so ALPHA
 * ties keep the input order; a constant BY pattern ("nosort") keeps a list's or sorted set's own
 * order and reads only the LIMIT range, but a set is sorted ALPHA anyway when STOREd, so that what
 * replicas and the AOF replay is the same list. Without STORE, ALPHA compares like strcoll in the C
 * locale (strcmp: bytes up to the first NUL); with STORE it compares whole byte strings, again for
 * replicas. Redis's partial sort for BY with LIMIT is not stable: only ALPHA-BY ties can tell.
 */
public final class SortCommand {
    private SortCommand() {
    }

    public static void register(CommandTable t) {
        t.handle("sort", c -> sort(c, false));
        t.handle("sort_ro", c -> sort(c, true));
    }

    /** One element to sort: the element itself, its numeric weight, its ALPHA BY weight (or null). */
    private static final class Item {
        final byte[] obj;
        double score;
        byte[] cmp;

        Item(byte[] obj) {
            this.obj = obj;
        }
    }

    private static final String NOT_DOUBLE = "ERR One or more scores can't be converted into double";

    static void sort(Client c, boolean readonly) {
        byte[][] argv = c.argv;
        int argc = c.argc;
        boolean desc = false, alpha = false, dontsort = false;
        long limitStart = 0, limitCount = -1;
        byte[] sortby = null, storekey = null;
        List<byte[]> gets = new ArrayList<>(2);
        // BY and GET patterns read keys no ACL check saw: only a user who may read every key uses them.
        boolean fullKeyAccess = c.server.access.unrestrictedKeyAccess(c, c.cmd, argv, argc);

        for (int j = 2; j < argc; j++) {
            int left = argc - j - 1;
            byte[] a = argv[j];
            if (Args.cKeyword(a, "asc")) {
                desc = false;
            } else if (Args.cKeyword(a, "desc")) {
                desc = true;
            } else if (Args.cKeyword(a, "alpha")) {
                alpha = true;
            } else if (Args.cKeyword(a, "limit") && left >= 2) {
                limitStart = Args.parseLong(argv[j + 1]);
                limitCount = Args.parseLong(argv[j + 2]);
                j += 2;
            } else if (!readonly && Args.cKeyword(a, "store") && left >= 1) {
                storekey = argv[++j];
            } else if (Args.cKeyword(a, "by") && left >= 1) {
                sortby = argv[++j];
                // A pattern without '*' names one key for every element: nothing to sort by. A
                // later BY with a '*' does not undo this (Redis only ever sets the flag).
                if (star(sortby) < 0) {
                    dontsort = true;
                } else if (!fullKeyAccess) {
                    throw new CommandError("ERR BY option of SORT denied due to insufficient ACL permissions.");
                }
            } else if (Args.cKeyword(a, "get") && left >= 1) {
                if (!fullKeyAccess) {
                    throw new CommandError("ERR GET option of SORT denied due to insufficient ACL permissions.");
                }
                gets.add(argv[++j]);
            } else {
                throw Errors.syntax();
            }
        }

        Database db = c.db();
        KeyEntry e = db.lookupRead(argv[1]);
        Object value = e == null ? null : e.value();
        if (value != null && !(value instanceof ListValue) && !(value instanceof SetValue)
                && !(value instanceof ZSetValue)) {
            throw Errors.wrongType();
        }

        // A set has no order of its own: what STORE writes, or a script sees, must not depend on the
        // hash table's.
        if (dontsort && value instanceof SetValue && (storekey != null || c.isScript)) {
            dontsort = false;
            alpha = true;
            sortby = null;
        }
        if (value instanceof ZSetValue z) z.convertToLarge(); // Redis's zsetConvert, visible in OBJECT ENCODING

        long total = value == null ? 0 : value instanceof ListValue l ? l.size()
                : value instanceof SetValue s ? s.size() : ((ZSetValue) value).size();
        int vectorlen = (int) total;

        // LIMIT, clamped to the collection as Redis does (negative offset: 0; negative count: all).
        long start = Math.min(Math.max(limitStart, 0), vectorlen);
        long count = Math.min(Math.max(limitCount, -1), vectorlen);
        long end = count < 0 ? vectorlen - 1 : start + count - 1;
        if (start >= vectorlen) {
            start = vectorlen - 1;
            end = vectorlen - 2;
        }
        if (end >= vectorlen) end = vectorlen - 1;

        Item[] vector;
        if (dontsort && (value instanceof ListValue || value instanceof ZSetValue)) {
            // Native order, and only the range asked for.
            int n = (int) Math.max(end - start + 1, 0);
            vector = new Item[n];
            if (n > 0) {
                if (value instanceof ListValue l) {
                    ListValue.Cursor cur = l.cursor(desc ? total - start - 1 : start, !desc);
                    for (int j = 0; j < n && cur.next(); j++) vector[j] = new Item(cur.bytes());
                } else {
                    ZSetValue z = (ZSetValue) value;
                    ZSetValue.Cursor cur = z.cursor((int) (desc ? total - start - 1 : start), desc);
                    for (int j = 0; j < n && cur.next(); j++) vector[j] = new Item(cur.member());
                }
                end -= start;
                start = 0;
            }
        } else {
            vector = new Item[vectorlen];
            int j = 0;
            if (value instanceof ListValue l) {
                ListValue.Cursor cur = l.cursor(0, true);
                while (cur.next()) vector[j++] = new Item(cur.bytes());
            } else if (value instanceof SetValue s) {
                SetValue.Members m = s.members();
                while (m.next()) vector[j++] = new Item(m.bytes());
            } else if (value instanceof ZSetValue z) {
                ZSetValue.Cursor cur = z.cursor(0, false);
                while (cur.next()) vector[j++] = new Item(cur.member());
            }
        }

        if (!dontsort) {
            boolean error = false;
            for (Item it : vector) {
                byte[] by = sortby == null ? it.obj : lookupByPattern(db, sortby, it.obj);
                if (by == null) continue; // a missing weight is 0, or null for ALPHA (first)
                if (alpha) {
                    if (sortby != null) it.cmp = by;
                } else {
                    it.score = strtod(by);
                    if (Double.isNaN(it.score)) error = true;
                }
            }
            if (error) throw new CommandError(NOT_DOUBLE);
            Arrays.sort(vector, comparator(alpha, sortby != null, storekey != null, desc));
        }

        int from = (int) start, to = (int) end;
        int rows = to - from + 1;
        if (storekey == null) {
            c.reply.array((long) (gets.isEmpty() ? 1 : gets.size()) * rows);
            for (int j = from; j <= to; j++) {
                if (gets.isEmpty()) c.reply.bulk(vector[j].obj);
                for (byte[] pattern : gets) c.reply.bulkOrNull(lookupByPattern(db, pattern, vector[j].obj));
            }
            return;
        }

        ListValue list = new ListValue(c.server.encodings.listMaxListpackSize);
        for (int j = from; j <= to; j++) {
            if (gets.isEmpty()) list.pushTail(vector[j].obj);
            for (byte[] pattern : gets) {
                byte[] v = lookupByPattern(db, pattern, vector[j].obj);
                list.pushTail(v == null ? EMPTY : v);
            }
        }
        long outputlen = list.size();
        if (outputlen > 0) {
            db.set(storekey, list, false);
            c.changed(KeyspaceEvents.LIST, "sortstore", storekey, outputlen);
        } else {
            c.deleteKey(storekey);
        }
        c.reply.integer(outputlen);
    }

    private static final byte[] EMPTY = new byte[0];

    /**
     * sortCompare: numbers, ties broken by the elements' bytes; or ALPHA over the BY weights (a
     * missing weight first) or the elements, with strcmp's view of the bytes unless storing.
     */
    private static Comparator<Item> comparator(boolean alpha, boolean byPattern, boolean store, boolean desc) {
        Comparator<Item> cmp;
        if (!alpha) {
            cmp = (a, b) -> {
                // C's < and >: -0.0 and 0.0 are equal here, unlike Double.compare.
                if (a.score > b.score) return 1;
                if (a.score < b.score) return -1;
                return Arrays.compareUnsigned(a.obj, b.obj);
            };
        } else if (byPattern) {
            cmp = (a, b) -> {
                if (a.cmp == null || b.cmp == null) return a.cmp == b.cmp ? 0 : a.cmp == null ? -1 : 1;
                return store ? Arrays.compareUnsigned(a.cmp, b.cmp) : strcmp(a.cmp, b.cmp);
            };
        } else {
            cmp = store ? (a, b) -> Arrays.compareUnsigned(a.obj, b.obj) : (a, b) -> strcmp(a.obj, b.obj);
        }
        return desc ? cmp.reversed() : cmp;
    }

    /** C's strcmp over byte strings: unsigned bytes, each string ending at its first NUL if any. */
    static int strcmp(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int x = a[i] & 0xff, y = b[i] & 0xff;
            if (x != y) return x - y;
            if (x == 0) return 0;
        }
        int x = a.length > n ? a[n] & 0xff : 0, y = b.length > n ? b[n] & 0xff : 0;
        return x - y;
    }

    /**
     * Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by
     * the element, and a "->field" after the '*' reads that hash field instead of a string. A
     * pattern without '*', a missing key and a key of another type give null. The pattern is read
     * as a C string where Redis does (up to a NUL), and as its whole bytes where Redis does.
     */
    static byte[] lookupByPattern(Database db, byte[] pattern, byte[] subst) {
        if (pattern.length > 0 && pattern[0] == '#' && (pattern.length == 1 || pattern[1] == 0)) return subst;
        int p = star(pattern);
        if (p < 0) return null;
        int f = arrow(pattern, p + 1);
        int fieldlen = f >= 0 ? pattern.length - f - 2 : 0;
        int postfix = pattern.length - p - 1 - (fieldlen > 0 ? fieldlen + 2 : 0);
        byte[] key = new byte[p + subst.length + postfix];
        System.arraycopy(pattern, 0, key, 0, p);
        System.arraycopy(subst, 0, key, p, subst.length);
        System.arraycopy(pattern, p + 1, key, p + subst.length, postfix);

        KeyEntry e = db.lookupRead(key);
        if (e == null) return null;
        Object v = e.value();
        if (fieldlen > 0) {
            return v instanceof HashValue h ? h.get(Arrays.copyOfRange(pattern, f + 2, pattern.length)) : null;
        }
        return v instanceof byte[] s ? s : null;
    }

    /** strchr(pattern, '*'): the first '*' before any NUL, or -1. */
    private static int star(byte[] pattern) {
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i] == 0) return -1;
            if (pattern[i] == '*') return i;
        }
        return -1;
    }

    /** strstr(pattern + from, "->") followed by a non-NUL byte: the arrow's index, or -1. */
    private static int arrow(byte[] pattern, int from) {
        for (int i = from; i + 1 < pattern.length; i++) {
            if (pattern[i] == 0) return -1;
            if (pattern[i] == '-' && pattern[i + 1] == '>') {
                return i + 2 < pattern.length && pattern[i + 2] != 0 ? i : -1;
            }
        }
        return -1;
    }

    /**
     * The weight strtod reads from a string, as SORT checks it: the whole string (up to a NUL) must
     * be one number after optional C white space, and neither NaN nor out of range (glibc's ERANGE:
     * overflow, underflow, or an inexact subnormal). NaN is returned for every error. An empty
     * string is 0: strtod converts nothing and stops at the terminator.
     */
    static double strtod(byte[] s) {
        int n = s.length;
        for (int i = 0; i < n; i++) {
            if (s[i] == 0) {
                n = i;
                break;
            }
        }
        if (n == 0) return 0;
        int i = 0;
        while (i < n && isSpace(s[i])) i++;
        boolean neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        String body = new String(s, i, n - i, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        if (body.equals("inf") || body.equals("infinity")) {
            return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        boolean hex = body.startsWith("0x");
        if (!wellFormed(body, hex ? 2 : 0, hex)) return Double.NaN;
        double v;
        try {
            v = Double.parseDouble(hex && body.indexOf('p') < 0 ? body + "p0" : body);
        } catch (NumberFormatException ex) {
            return Double.NaN;
        }
        if (Double.isInfinite(v)) return Double.NaN; // overflow
        if (v == 0) {
            if (!zeroMantissa(body, hex)) return Double.NaN; // underflow to zero
        } else if (v < Double.MIN_NORMAL && !exactSubnormalOrFalse(body, hex, v)) {
            return Double.NaN; // glibc reports an inexact subnormal result as ERANGE too
        }
        return neg ? -v : v;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    /** digits [. digits] (at least one digit) then an optional exponent: e or p, sign, digits. */
    private static boolean wellFormed(String s, int i, boolean hex) {
        int n = s.length(), digits = 0;
        while (i < n && isDigit(s.charAt(i), hex)) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i), hex)) {
                i++;
                digits++;
            }
        }
        if (digits == 0) return false;
        if (i == n) return true;
        if (s.charAt(i) != (hex ? 'p' : 'e')) return false;
        i++;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int exp = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
            exp++;
        }
        return exp > 0 && i == n;
    }

    private static boolean isDigit(char ch, boolean hex) {
        return (ch >= '0' && ch <= '9') || (hex && ch >= 'a' && ch <= 'f');
    }

    private static boolean zeroMantissa(String body, boolean hex) {
        for (int i = hex ? 2 : 0; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (ch == (hex ? 'p' : 'e')) break;
            if (ch != '0' && ch != '.') return false;
        }
        return true;
    }

    private static boolean exactSubnormalOrFalse(String body, boolean hex, double v) {
        try {
            return exactSubnormal(body, hex, v);
        } catch (NumberFormatException | ArithmeticException ex) {
            return false; // an exponent beyond what BigDecimal takes: certainly not exact
        }
    }

    /** Whether the literal denotes exactly the subnormal {@code v} (no rounding happened). */
    private static boolean exactSubnormal(String body, boolean hex, double v) {
        BigDecimal exact = new BigDecimal(v);
        if (!hex) return exact.compareTo(new BigDecimal(body)) == 0;
        int p = body.indexOf('p');
        String mant = p < 0 ? body.substring(2) : body.substring(2, p);
        long exp = p < 0 ? 0 : Long.parseLong(body.substring(p + 1));
        int dot = mant.indexOf('.');
        if (dot >= 0) {
            exp -= 4L * (mant.length() - dot - 1);
            mant = mant.substring(0, dot) + mant.substring(dot + 1);
        }
        BigDecimal m = new BigDecimal(new BigInteger(mant, 16));
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal literal = exp >= 0 ? m.multiply(two.pow((int) exp)) : m.divide(two.pow((int) -exp));
        return exact.compareTo(literal) == 0;
    }
}
