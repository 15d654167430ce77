package io.lodestone.replication;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.ServerProcess;
import io.lodestone.testsupport.Wait;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.Map;

/** Helpers of the replication tests: data of every type, whole-dataset comparison, bounded waits. */
final class ReplTesting {
    static final Duration BOUND = Duration.ofSeconds(15);

    private ReplTesting() {
    }

    static Jedis jedis(ServerProcess s) {
        Jedis j = new Jedis("127.0.0.1", s.port(), 10_000);
        return j;
    }

    /** Every type in compact and large encodings, with and without TTLs, in several databases. */
    static void populate(Jedis j, String prefix) {
        j.set(prefix + "s:int", "12345");
        j.set(prefix + "s:raw", "hello");
        j.set(prefix + "s:long", "x".repeat(300));
        j.set(prefix + "s:bin", "\u0000\u00ff\u0001");
        j.setex(prefix + "s:ttl", 1000, "temp");
        j.rpush(prefix + "l:small", "a", "b", "1");
        for (int i = 0; i < 300; i++) j.rpush(prefix + "l:big", "el" + i, Integer.toString(i));
        j.sadd(prefix + "set:int", "1", "2", "-3", "100000");
        j.sadd(prefix + "set:str", "a", "b", "c");
        for (int i = 0; i < 600; i++) j.sadd(prefix + "set:bigint", Integer.toString(i));
        j.hset(prefix + "h:small", Map.of("f1", "v1", "f2", "2"));
        for (int i = 0; i < 600; i++) j.hset(prefix + "h:big", "f" + i, "v" + i);
        j.hset(prefix + "h:longval", "f", "y".repeat(100));
        j.zadd(prefix + "z:small", Map.of("a", 1.5, "b", -2.0, "c", 3e10));
        for (int i = 0; i < 200; i++) j.zadd(prefix + "z:big", i * 0.25, "m" + i);
        j.pexpire(prefix + "z:big", 500_000);
        j.pfadd(prefix + "hll", "a", "b", "c");
        j.select(3);
        j.set(prefix + "db3", "v");
        j.expire(prefix + "db3", 5000);
        j.select(9);
        j.hset(prefix + "db9", "f", "v");
        j.select(0);
    }

    /** Writes of every kind as a stream: in place, deletes, expiry, transactions, other databases. */
    static void writes(Jedis j, int round) {
        j.incr("counter");
        j.lpush("l:small", "w" + round);
        j.hset("h:big", "w" + round, "v");
        j.srem("set:int", "2");
        j.zincrby("z:small", 1, "a");
        j.del("s:raw");
        j.set("s:new" + round, "v", redis.clients.jedis.params.SetParams.setParams().ex(1000));
        j.expire("s:int", 3000);
        var t = j.multi();
        t.incrBy("counter", 10);
        t.append("s:long", "tail");
        t.exec();
        j.select(5);
        j.set("db5:" + round, "x");
        j.select(0);
    }

    /** Everything type-specific about every key of every database, expiry as absolute times (Datasets). */
    static Map<String, Object> snapshot(Jedis j) {
        return io.lodestone.testsupport.Datasets.snapshot(j);
    }

    /** One field of INFO replication (or another section), or null. */
    static String info(Jedis j, String section, String field) {
        return Info.field(j.info(section), field);
    }

    static String repl(Jedis j, String field) {
        return info(j, "replication", field);
    }

    static long stat(Jedis j, String field) {
        return Info.number(j.info("stats"), field);
    }

    /** Waits (bounded) until the condition holds. */
    static void await(String what, Wait.Condition cond) {
        Wait.until(BOUND, what, cond);
    }

    static void awaitLinkUp(Jedis replica) {
        await("master_link_status:up", () -> "up".equals(repl(replica, "master_link_status")));
    }

    /** Waits until the replica has applied everything the master produced. */
    static void awaitInSync(Jedis master, Jedis replica) {
        await("replica offset = master offset", () -> {
            String m = repl(master, "master_repl_offset");
            return m != null && m.equals(repl(replica, "slave_repl_offset")) && "up".equals(repl(replica, "master_link_status"));
        });
    }

    static int count(String log, String line) {
        int n = 0;
        for (int i = log.indexOf(line); i >= 0; i = log.indexOf(line, i + 1)) n++;
        return n;
    }
}
