package io.lodestone.persistence.rdb;

import io.lodestone.store.type.HashValue;
import io.lodestone.store.type.ListValue;
import io.lodestone.store.type.SetValue;
import io.lodestone.store.type.StreamConsumer;
import io.lodestone.store.type.StreamGroup;
import io.lodestone.store.type.StreamID;
import io.lodestone.store.type.StreamValue;
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
        if (v instanceof StreamValue s) return stream(s);
        throw new AssertionError("not a value: " + v);
    }

    /** Counters, entries in order (checked against the reverse walk and lookups), groups with their PELs. */
    private static String stream(StreamValue s) {
        List<String> entries = new ArrayList<>();
        s.range(StreamID.MIN, StreamID.MAX, false, 0, (id, fv, n) -> {
            StringBuilder e = new StringBuilder(id.toString());
            for (int i = 0; i < n; i++) e.append(i % 2 == 0 ? " " : "=").append(text(fv[i]));
            entries.add(e.toString());
            return true;
        });
        List<String> reverse = new ArrayList<>();
        s.range(StreamID.MIN, StreamID.MAX, true, 0, (id, fv, n) -> {
            reverse.add(0, id.toString());
            return true;
        });
        check(reverse.size() == entries.size(), "stream reverse walk");
        for (int i = 0; i < reverse.size(); i++) {
            check(entries.get(i).startsWith(reverse.get(i) + " "), "stream reverse walk at " + i);
        }
        check(entries.size() == s.length(), "stream length " + s.length() + " but " + entries.size() + " entries");
        StringBuilder sb = new StringBuilder("stream last=" + s.lastId() + " first=" + s.firstId() + " maxdel="
                + s.maxDeletedId() + " added=" + s.entriesAdded() + " " + entries);
        for (StreamGroup g : s.groups()) {
            sb.append(" group ").append(text(g.name())).append(' ').append(g.lastId).append(" read=").append(g.entriesRead);
            g.pel.forEach((id, n) -> {
                sb.append(" pel ").append(id).append(' ').append(text(n.consumer.name())).append(' ')
                        .append(n.deliveryTime).append(' ').append(n.deliveryCount);
                check(n.consumer.pel.get(id) == n, "stream NACK not shared with its consumer");
            });
            for (StreamConsumer c : g.consumers()) {
                sb.append(" consumer ").append(text(c.name())).append(' ').append(c.seenTime).append(' ').append(c.pel.keySet());
            }
        }
        return sb.toString();
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
