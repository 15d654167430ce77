package io.lodestone.persistence.rdb;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.ZSetValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A value's content as text, the same whatever its encoding or iteration order: elements in list order,
 * members and fields sorted, zset members in score order. Building it also looks every member and
 * field up again once the iteration is over (a lookup may move a rehash on, which an iteration of the
 * table must not see): a value whose lookup structure disagrees with its iteration is broken.
 */
final class ValueForm {
    private ValueForm() {
    }

    static String of(Object v) {
        if (v instanceof byte[] s) return "string " + text(s);
        if (v instanceof ListValue l) {
            List<String> out = new ArrayList<>();
            ListValue.Cursor c = l.cursor(0, true);
            while (c.next()) out.add(text(c.bytes()));
            check(out.size() == l.size(), "list size " + l.size() + " but " + out.size() + " elements");
            for (long i = 0; i < l.size(); i += Math.max(1, l.size() / 7)) {
                check(Arrays.equals(l.get(i), c(out.get((int) i))), "list element " + i);
            }
            return "list " + out;
        }
        if (v instanceof SetValue s) {
            TreeSet<String> out = new TreeSet<>();
            s.forEachMember(m -> out.add(text(m)));
            for (String m : out) check(s.contains(c(m)), "set member not found: " + m);
            check(out.size() == s.size(), "set size " + s.size() + " but " + out.size() + " members");
            return "set " + out;
        }
        if (v instanceof HashValue h) {
            TreeMap<String, String> out = new TreeMap<>();
            h.forEach((f, fo, fl, x, xo, xl) -> out.put(new String(f, fo, fl, StandardCharsets.ISO_8859_1),
                    new String(x, xo, xl, StandardCharsets.ISO_8859_1)));
            out.forEach((f, x) -> check(Arrays.equals(h.get(c(f)), c(x)), "hash field lookup: " + f));
            check(out.size() == h.size(), "hash size " + h.size() + " but " + out.size() + " fields");
            return "hash " + out;
        }
        if (v instanceof ZSetValue z) {
            List<String> out = new ArrayList<>();
            List<byte[]> members = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            ZSetValue.Cursor c = z.cursor(0, false);
            while (c.next()) {
                members.add(c.member().clone());
                scores.add(c.score());
                out.add(text(c.member()) + "=" + c.score());
            }
            for (int i = 0; i < members.size(); i++) {
                check(Double.compare(z.score(members.get(i)), scores.get(i)) == 0, "zset score lookup: " + text(members.get(i)));
            }
            check(out.size() == z.size(), "zset size " + z.size() + " but " + out.size() + " members");
            return "zset " + out;
        }
        throw new AssertionError("not a value: " + v);
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError("inconsistent value: " + what);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] c(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
