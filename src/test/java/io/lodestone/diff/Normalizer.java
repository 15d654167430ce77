package io.lodestone.diff;

import io.lodestone.testsupport.RespValue;
import io.lodestone.testsupport.RespValue.Aggregate;
import io.lodestone.testsupport.RespValue.Attributed;
import io.lodestone.testsupport.RespValue.Masked;
import io.lodestone.testsupport.RespValue.Nil;
import io.lodestone.testsupport.RespValue.Scalar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites a reply as {@link CaseFile.Compare} asks before two replies are compared: sorts
 * unordered aggregates, then replaces masked scalars by {@link Masked} (which keeps the type).
 * Both servers' replies go through the same rewrite, so whatever survives it must be equal.
 */
final class Normalizer {

    private Normalizer() {
    }

    static byte[] normalize(byte[] reply, CaseFile.Compare compare) {
        if (compare.exact()) {
            return reply;
        }
        RespValue value = RespValue.parse(reply);
        for (CaseFile.Unordered u : compare.unordered()) {
            value = sortAt(value, u);
        }
        if (compare.maskAll()) {
            value = maskAll(value);
        } else {
            value = maskFields(value, compare);
            value = maskLeaves(value, compare, new int[] {0});
        }
        return value.encode();
    }

    private static RespValue sortAt(RespValue value, CaseFile.Unordered u) {
        return sortAt(value, u.path(), u.pairs());
    }

    private static RespValue sortAt(RespValue value, List<String> path, boolean pairs) {
        if (path.isEmpty()) {
            return sort(value, pairs);
        }
        if (!(value instanceof Aggregate a)) {
            return value;
        }
        List<RespValue> elements = new ArrayList<>(a.elements());
        List<String> rest = path.subList(1, path.size());
        for (int i = 0; i < elements.size(); i++) {
            if (path.get(0).equals("*") || path.get(0).equals(Integer.toString(i))) {
                elements.set(i, sortAt(elements.get(i), rest, pairs));
            }
        }
        return new Aggregate(a.type(), elements);
    }

    /** Sorts elements by their encoded bytes; maps, and arrays when {@code pairs}, by key-value pair. */
    private static RespValue sort(RespValue value, boolean pairs) {
        if (!(value instanceof Aggregate a)) {
            return value;
        }
        int group = (pairs || a.type() == '%') && a.elements().size() % 2 == 0 ? 2 : 1;
        List<List<RespValue>> groups = new ArrayList<>();
        for (int i = 0; i < a.elements().size(); i += group) {
            groups.add(a.elements().subList(i, i + group));
        }
        groups.sort((x, y) -> Arrays.compareUnsigned(encodeAll(x), encodeAll(y)));
        List<RespValue> sorted = new ArrayList<>();
        groups.forEach(sorted::addAll);
        return new Aggregate(a.type(), sorted);
    }

    private static byte[] encodeAll(List<RespValue> values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        values.forEach(v -> out.writeBytes(v.encode()));
        return out.toByteArray();
    }

    /** Shape only: aggregates keep their type and length, scalars keep their type. Nulls stay. */
    private static RespValue maskAll(RespValue value) {
        if (value instanceof Aggregate a) {
            return new Aggregate(a.type(), a.elements().stream().map(Normalizer::maskAll).toList());
        }
        if (value instanceof Attributed a) {
            return new Attributed(a.attributes(), maskAll(a.value()));
        }
        if (value instanceof Scalar s) {
            return new Masked(s.type());
        }
        return value;
    }

    private static RespValue maskFields(RespValue value, CaseFile.Compare compare) {
        if (compare.maskFields().isEmpty() || !(value instanceof Aggregate a) || a.elements().size() % 2 != 0
                || !(a.type() == '%' || a.type() == '*')) {
            return value;
        }
        List<RespValue> elements = new ArrayList<>(a.elements());
        for (int i = 0; i + 1 < elements.size(); i += 2) {
            String key = elements.get(i).text();
            if (key != null && compare.maskFields().contains(key)) {
                elements.set(i + 1, new Masked(elements.get(i + 1).type()));
            }
        }
        return new Aggregate(a.type(), elements);
    }

    /** Masks the scalars (and nulls) whose depth-first index is listed; {@code next} counts them. */
    private static RespValue maskLeaves(RespValue value, CaseFile.Compare compare, int[] next) {
        if (compare.maskLeaves().isEmpty()) {
            return value;
        }
        if (value instanceof Aggregate a) {
            List<RespValue> elements = new ArrayList<>();
            for (RespValue e : a.elements()) {
                elements.add(maskLeaves(e, compare, next));
            }
            return new Aggregate(a.type(), elements);
        }
        if (value instanceof Attributed a) {
            return new Attributed(a.attributes(), maskLeaves(a.value(), compare, next));
        }
        int index = next[0]++;
        if (compare.maskLeaves().contains(index) && (value instanceof Scalar || value instanceof Nil)) {
            return new Masked(value.type());
        }
        return value;
    }
}
