package io.lodestone.util;

import java.util.concurrent.ThreadLocalRandom;

/** Random identifiers in Redis's form: run ids, replication ids, EOF marks of diskless transfers. */
public final class Ids {
    private Ids() {
    }

    /** {@code n} random lowercase hex digits. */
    public static String randomHex(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        return sb.toString();
    }
}
