package io.lodestone.testsupport;

import redis.clients.jedis.Jedis;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A data set with every type in its compact and its large encoding, TTLs and several databases, and
 * a comparable picture of a whole server's data: for tests that move data between servers (RDB files,
 * AOF, replication) and compare what arrived.
 */
public final class Datasets {
    private Datasets() {
    }

    /** Fills the server (list-max-listpack-size 4, so lists have several nodes). */
    public static void populate(Jedis j) {
        j.configSet("list-max-listpack-size", "4");
        j.set("s:int", "12345");
        j.set("s:neg", "-7");
        j.set("s:raw", "hello");
        j.set("s:long", "x".repeat(300));
        j.set("s:bin", "\u0000\u00ff\u0001");
        j.setex("s:ttl", 1000, "temp");
        j.rpush("l:small", "a", "b", "1");
        for (int i = 0; i < 50; i++) j.rpush("l:big", "el" + i, Integer.toString(i));
        j.sadd("set:int", "1", "2", "-3", "100000");
        j.sadd("set:str", "a", "b", "c");
        for (int i = 0; i < 600; i++) j.sadd("set:bigint", Integer.toString(i));
        j.hset("h:small", Map.of("f1", "v1", "f2", "2"));
        for (int i = 0; i < 600; i++) j.hset("h:big", "f" + i, "v" + i);
        j.hset("h:longval", "f", "y".repeat(100));
        j.zadd("z:small", Map.of("a", 1.5, "b", -2.0, "c", 3e10));
        for (int i = 0; i < 200; i++) j.zadd("z:big", i * 0.25, "m" + i);
        j.pexpire("z:big", 500_000);
        j.pfadd("hll", "a", "b", "c");
        j.select(3);
        j.set("db3", "v");
        j.expire("db3", 5000);
        j.select(0);
    }

    /**
     * Everything type-specific about every key of every database (found with SCAN), with its expiry as
     * the absolute time PEXPIRETIME reports (-1 without one): a replica, a reload and a restart keep the
     * same absolute times, so the comparison does not depend on how long the test took.
     */
    public static Map<String, Object> snapshot(Jedis j) {
        Map<String, Object> all = new TreeMap<>();
        for (int db = 0; db < 16; db++) {
            j.select(db);
            List<String> keys = new java.util.ArrayList<>();
            String cursor = redis.clients.jedis.params.ScanParams.SCAN_POINTER_START;
            do {
                redis.clients.jedis.resps.ScanResult<String> r =
                        j.scan(cursor, new redis.clients.jedis.params.ScanParams().count(1000));
                keys.addAll(r.getResult());
                cursor = r.getCursor();
            } while (!cursor.equals(redis.clients.jedis.params.ScanParams.SCAN_POINTER_START));
            for (String k : keys) {
                String type = j.type(k);
                Object v = switch (type) {
                    case "string" -> j.get(k);
                    case "list" -> j.lrange(k, 0, -1);
                    case "set" -> new java.util.TreeSet<>(j.smembers(k));
                    case "hash" -> new TreeMap<>(j.hgetAll(k));
                    case "zset" -> j.zrangeWithScores(k, 0, -1).toString();
                    default -> "?" + type;
                };
                all.put(db + ":" + k, List.of(type, v, j.pexpireTime(k)));
            }
        }
        j.select(0);
        return all;
    }
}
