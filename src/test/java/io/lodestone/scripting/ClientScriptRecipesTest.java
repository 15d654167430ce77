package io.lodestone.scripting;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lodestone.testsupport.TwinExtension;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.Tuple;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scripts as client libraries and the recipes built on them ship them, run unchanged through the
 * libraries' own scripting APIs against redis-server 7.0 and Lodestone, and the results compared: what
 * the library returns (its Java objects, or the exception it throws, message included) and the keys'
 * state afterwards. Jedis speaks RESP2 (its default); Lettuce negotiates RESP3 with HELLO (its default),
 * so a script's reply goes through both conversions.
 *
 * <p>The recipes: the single-instance Redlock (SET NX PX, the documented release script, extension with
 * PEXPIRE) and Redisson's reentrant lock with its unlock message; a sliding-window limiter on a sorted set,
 * Spring Cloud Gateway's token bucket and a hash token bucket; a reliable queue (LMOVE, LREM, RPOPLPUSH
 * and a claims hash); replies of every kind and the error paths (redis.error_reply, status_reply, pcall
 * catching WRONGTYPE, Lua errors, EVAL_RO and no-writes); cjson and cmsgpack round trips; EVALSHA of an
 * unknown script with the libraries' two answers to NOSCRIPT (load and retry, or EVAL); a script past
 * busy-reply-threshold, BUSY and SCRIPT KILL.
 *
 * <p>Each scenario runs in full against redis-server, then against Lodestone, recording an outcome per
 * step. The two records must be equal step by step; some steps also carry the value the recipe must
 * produce (a lock's second holder is refused, the sixth request is limited), checked on both servers,
 * so that the comparison cannot pass with both sides failing alike. Time-dependent values (PTTL, a
 * contended lock's remaining time) are recorded as "within [lo, hi]" rather than as numbers.
 */
class ClientScriptRecipesTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MESSAGE_WAIT_SECONDS = 5;
    /** Bounds a wait for a slow script: it spins for at most 10 s of server time. */
    private static final int SCRIPT_WAIT_SECONDS = 15;

    private static RedisClient lettuceClient;
    private static Side redis;
    private static Side ours;

    // ---------------------------------------------------------------------------------------------
    // The scripts, as shipped.

    /** Release of the single-instance lock, verbatim from the SET page of the Redis documentation. */
    private static final String UNLOCK = """
            if redis.call("get",KEYS[1]) == ARGV[1]
            then
                return redis.call("del",KEYS[1])
            else
                return 0
            end""";

    /** Extension of a held lock, as Redlock implementations (node-redlock, redlock-py) do it. */
    private static final String EXTEND = """
            if redis.call("get", KEYS[1]) == ARGV[1] then
                return redis.call("pexpire", KEYS[1], ARGV[2])
            else
                return 0
            end""";

    /** Redisson's reentrant lock (RedissonLock.tryLockInnerAsync): nil when taken, else the holder's PTTL. */
    private static final String REDISSON_LOCK = """
            if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then
                redis.call('hincrby', KEYS[1], ARGV[2], 1);
                redis.call('pexpire', KEYS[1], ARGV[1]);
                return nil;
            end;
            return redis.call('pttl', KEYS[1]);""";

    /** Redisson's unlock (RedissonLock.unlockInnerAsync): publishes to the lock's channel on the last release. */
    private static final String REDISSON_UNLOCK = """
            if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then
                return nil;
            end;
            local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1);
            if (counter > 0) then
                redis.call('pexpire', KEYS[1], ARGV[2]);
                return 0;
            else
                redis.call('del', KEYS[1]);
                redis.call('publish', KEYS[2], ARGV[1]);
                return 1;
            end;
            return nil;""";

    /** Redisson's watchdog renewal (renewExpirationAsync). */
    private static final String REDISSON_RENEW = """
            if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then
                redis.call('pexpire', KEYS[1], ARGV[1]);
                return 1;
            end;
            return 0;""";

    /** The sliding-window limiter on a sorted set of the blog posts: {allowed, remaining}. */
    private static final String SLIDING_WINDOW = """
            local key = KEYS[1]
            local now = tonumber(ARGV[1])
            local window = tonumber(ARGV[2])
            local limit = tonumber(ARGV[3])
            local request_id = ARGV[4]

            redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
            local count = redis.call('ZCARD', key)
            if count < limit then
                redis.call('ZADD', key, now, request_id)
                redis.call('PEXPIRE', key, window)
                return {1, limit - count - 1}
            end
            return {0, 0}""";

    /**
     * Spring Cloud Gateway 2.x's request_rate_limiter.lua (the caller passes the time in seconds), with
     * fewer of its commented-out log lines.
     */
    private static final String GATEWAY_RATE_LIMITER = """
            local tokens_key = KEYS[1]
            local timestamp_key = KEYS[2]
            --redis.log(redis.LOG_WARNING, "tokens_key " .. tokens_key)

            local rate = tonumber(ARGV[1])
            local capacity = tonumber(ARGV[2])
            local now = tonumber(ARGV[3])
            local requested = tonumber(ARGV[4])

            local fill_time = capacity/rate
            local ttl = math.floor(fill_time*2)

            --redis.log(redis.LOG_WARNING, "rate " .. ARGV[1])
            --redis.log(redis.LOG_WARNING, "capacity " .. ARGV[2])

            local last_tokens = tonumber(redis.call("get", tokens_key))
            if last_tokens == nil then
              last_tokens = capacity
            end

            local last_refreshed = tonumber(redis.call("get", timestamp_key))
            if last_refreshed == nil then
              last_refreshed = 0
            end

            local delta = math.max(0, now-last_refreshed)
            local filled_tokens = math.min(capacity, last_tokens+(delta*rate))
            local allowed = filled_tokens >= requested
            local new_tokens = filled_tokens
            local allowed_num = 0
            if allowed then
              new_tokens = filled_tokens - requested
              allowed_num = 1
            end

            redis.call("setex", tokens_key, ttl, new_tokens)
            redis.call("setex", timestamp_key, ttl, now)

            return { allowed_num, new_tokens }""";

    /** A token bucket in one hash (HMGET/HMSET), refilled per millisecond: {allowed, whole tokens left}. */
    private static final String TOKEN_BUCKET = """
            local key = KEYS[1]
            local capacity = tonumber(ARGV[1])
            local refill_per_ms = tonumber(ARGV[2])
            local now = tonumber(ARGV[3])
            local cost = tonumber(ARGV[4])

            local bucket = redis.call('HMGET', key, 'tokens', 'updated_at')
            local tokens = tonumber(bucket[1])
            local updated_at = tonumber(bucket[2])
            if tokens == nil then
                tokens = capacity
                updated_at = now
            end

            local elapsed = math.max(0, now - updated_at)
            tokens = math.min(capacity, tokens + elapsed * refill_per_ms)

            local allowed = 0
            if tokens >= cost then
                tokens = tokens - cost
                allowed = 1
            end

            redis.call('HMSET', key, 'tokens', tokens, 'updated_at', now)
            redis.call('PEXPIRE', key, math.ceil(capacity / refill_per_ms))
            return {allowed, math.floor(tokens)}""";

    /** Reliable queue: claim the oldest job into the processing list and note when (KEYS: jobs, processing, claims). */
    private static final String QUEUE_CLAIM = """
            local job = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
            if job then
                redis.call('HSET', KEYS[3], job, ARGV[1])
            end
            return job""";

    /** Reliable queue: acknowledge a finished job. */
    private static final String QUEUE_ACK = """
            local removed = redis.call('LREM', KEYS[2], 1, ARGV[1])
            redis.call('HDEL', KEYS[3], ARGV[1])
            return removed""";

    /** Reliable queue: put jobs claimed before ARGV[1] back at the head of the queue; returns them. */
    private static final String QUEUE_REQUEUE_STALE = """
            local requeued = {}
            local claims = redis.call('HGETALL', KEYS[3])
            for i = 1, #claims, 2 do
                local job, claimed_at = claims[i], tonumber(claims[i + 1])
                if claimed_at < tonumber(ARGV[1]) then
                    if redis.call('LREM', KEYS[2], 1, job) == 1 then
                        redis.call('RPUSH', KEYS[1], job)
                    end
                    redis.call('HDEL', KEYS[3], job)
                    requeued[#requeued + 1] = job
                end
            end
            return requeued""";

    /** Reliable queue: on shutdown, every claimed job goes back (RPOPLPUSH, at most ARGV[1]). */
    private static final String QUEUE_DRAIN = """
            local moved = 0
            while moved < tonumber(ARGV[1]) and redis.call('RPOPLPUSH', KEYS[2], KEYS[1]) do
                moved = moved + 1
            end
            redis.call('DEL', KEYS[3])
            return moved""";

    /** A JSON document updated in place: decode, change, encode, store, read back. */
    private static final String JSON_UPDATE = """
            local doc = cjson.decode(ARGV[1])
            doc.visits = (doc.visits or 0) + 1
            table.insert(doc.tags, ARGV[2])
            redis.call('SET', KEYS[1], cjson.encode(doc))
            local again = cjson.decode(redis.call('GET', KEYS[1]))
            return {again.name, again.visits, #again.tags, again.tags[#again.tags],
                    tostring(again.nested.ratio), tostring(again.missing == cjson.null)}""";

    // ---------------------------------------------------------------------------------------------
    // Lifecycle

    @BeforeAll
    static void connect() {
        lettuceClient = RedisClient.create();
        redis = new Side("redis-server", TWIN.twin().redis.port());
        ours = new Side("lodestone", TWIN.twin().ours.port());
    }

    @AfterAll
    static void disconnect() {
        try {
            if (redis != null) redis.close();
            if (ours != null) ours.close();
        } finally {
            redis = ours = null;
            if (lettuceClient != null) lettuceClient.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            lettuceClient = null;
        }
    }

    @BeforeEach
    void emptyServers() {
        for (Side side : List.of(redis, ours)) {
            side.jedis.flushAll();
            side.jedis.scriptFlush();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Locks

    /** The single-instance Redlock recipe through Jedis: SET NX PX, release and extend by script, with EVALSHA. */
    @Test
    void redlockThroughJedis() {
        differential((s, n) -> {
            Jedis j = s.jedis;
            String key = "lock:orders:42";
            String mine = "3f9a1c7e-holder-a";
            String theirs = "88d2e4b0-holder-b";

            n.expect("acquire", () -> j.set(key, mine, SetParams.setParams().nx().px(30_000)), "\"OK\"");
            n.expect("acquire while held", () -> j.set(key, theirs, SetParams.setParams().nx().px(30_000)), "nil");
            n.within("pttl after acquire", j.pttl(key), 25_000, 30_000);

            n.expect("release with another token", () -> j.eval(UNLOCK, List.of(key), List.of(theirs)), "0");
            n.expect("holder kept", () -> j.get(key), "\"" + mine + "\"");

            String unlockSha = n.call("script load unlock", () -> j.scriptLoad(UNLOCK));
            String extendSha = n.call("script load extend", () -> j.scriptLoad(EXTEND));
            n.expect("script exists", () -> j.scriptExists(unlockSha, extendSha, "0".repeat(40)), "[true, true, false]");

            n.expect("extend by the holder", () -> j.evalsha(extendSha, List.of(key), List.of(mine, "60000")), "1");
            n.within("pttl after extend", j.pttl(key), 55_000, 60_000);
            n.expect("extend by another", () -> j.evalsha(extendSha, List.of(key), List.of(theirs, "60000")), "0");

            n.expect("release by the holder", () -> j.evalsha(unlockSha, List.of(key), List.of(mine)), "1");
            n.expect("released", () -> j.exists(key), "false");
            n.expect("release again", () -> j.evalsha(unlockSha, List.of(key), List.of(mine)), "0");
            n.expect("acquire after release", () -> j.set(key, theirs, SetParams.setParams().nx().px(30_000)), "\"OK\"");

            // A binary token (random bytes, as redlock-py's and node-redlock's are before encoding).
            byte[] binKey = "lock:bin".getBytes(StandardCharsets.UTF_8);
            byte[] token = {0, (byte) 0xff, 'x', (byte) 0x80, 0, '\r', '\n', 7};
            byte[] other = token.clone();
            other[7] = 8;
            n.expect("binary acquire", () -> j.set(binKey, token, SetParams.setParams().nx().px(10_000)), "\"OK\"");
            n.expect("binary release, wrong token", () -> j.eval(UNLOCK.getBytes(StandardCharsets.UTF_8),
                    List.of(binKey), List.of(other)), "0");
            n.expect("binary release", () -> j.eval(UNLOCK.getBytes(StandardCharsets.UTF_8),
                    List.of(binKey), List.of(token)), "1");

            // The lock's key holds something else: the script's redis.call raises, the script stops.
            j.hset(key + ":h", "f", "v");
            n.call("release of a hash key", () -> j.evalsha(unlockSha, List.of(key + ":h"), List.of(mine)));
            n.call("keys at the end", () -> new java.util.TreeSet<>(j.keys("*")));
        });
    }

    /** Redisson's reentrant lock, renewal and unlock with its publish, through Lettuce (RESP3). */
    @Test
    void redissonReentrantLockThroughLettuce() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            String[] keys = {"{inventory}:lock", "redisson_lock__channel:{inventory}"};
            String lease = "30000";
            String threadA = "b7a0e3c2-5d1f:1";
            String threadB = "b7a0e3c2-5d1f:2";

            BlockingQueue<String> messages = new LinkedBlockingQueue<>();
            StatefulRedisPubSubConnection<String, String> sub = lettuceClient.connectPubSub(s.uri);
            try {
                sub.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        messages.add(channel + " " + message);
                    }
                });
                sub.sync().subscribe(keys[1]);

                n.expect("A locks", () -> l.eval(REDISSON_LOCK, ScriptOutputType.INTEGER, new String[]{keys[0]},
                        lease, threadA), "nil");
                n.expect("A locks again (reentrant)", () -> l.eval(REDISSON_LOCK, ScriptOutputType.INTEGER,
                        new String[]{keys[0]}, lease, threadA), "nil");
                n.expect("hold count", () -> l.hgetall(keys[0]), "{" + threadA + "=\"2\"}");
                Long remaining = n.call("B is refused with the holder's pttl (recorded as a range)",
                        () -> l.eval(REDISSON_LOCK, ScriptOutputType.INTEGER, new String[]{keys[0]}, lease, threadB),
                        value -> value instanceof Long v && v > 25_000 && v <= 30_000 ? "a pttl within (25000, 30000]"
                                : render(value));
                n.expect("B's remaining time is a number", () -> remaining != null, "true");

                n.expect("renew by A", () -> l.eval(REDISSON_RENEW, ScriptOutputType.INTEGER, new String[]{keys[0]},
                        "45000", threadA), "1");
                n.within("pttl after renew", l.pttl(keys[0]), 40_000, 45_000);
                n.expect("renew by B", () -> l.eval(REDISSON_RENEW, ScriptOutputType.INTEGER, new String[]{keys[0]},
                        "45000", threadB), "0");

                n.expect("B unlocks what it does not hold", () -> l.eval(REDISSON_UNLOCK, ScriptOutputType.INTEGER,
                        keys, "0", lease, threadB), "nil");
                n.expect("A unlocks once (count 2 -> 1)", () -> l.eval(REDISSON_UNLOCK, ScriptOutputType.INTEGER,
                        keys, "0", lease, threadA), "0");
                n.within("pttl after partial unlock", l.pttl(keys[0]), 25_000, 30_000);
                n.expect("A unlocks fully", () -> l.eval(REDISSON_UNLOCK, ScriptOutputType.INTEGER,
                        keys, "0", lease, threadA), "1");
                n.expect("unlock message", () -> messages.poll(MESSAGE_WAIT_SECONDS, TimeUnit.SECONDS),
                        "\"" + keys[1] + " 0\"");
                n.expect("lock gone", () -> l.exists(keys[0]), "0");
                n.expect("B locks now", () -> l.eval(REDISSON_LOCK, ScriptOutputType.INTEGER, new String[]{keys[0]},
                        lease, threadB), "nil");
                n.expect("no further messages", () -> messages.poll(), "nil");
            } finally {
                sub.close();
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Rate limiters

    /** The sorted-set sliding window through Jedis: five a minute, the window sliding with time. */
    @Test
    void slidingWindowRateLimiterThroughJedis() {
        differential((s, n) -> {
            Jedis j = s.jedis;
            String sha = n.call("script load", () -> j.scriptLoad(SLIDING_WINDOW));
            String key = "ratelimit:user:17";
            long[] times = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 61001, 61002, 61003, 61003, 61004, 61004};
            String[] expected = {"[1, 4]", "[1, 3]", "[1, 2]", "[1, 1]", "[1, 0]", "[0, 0]", "[0, 0]", "[0, 0]",
                    "[1, 1]", "[1, 1]", "[1, 1]", "[1, 0]", "[1, 0]", "[0, 0]"};
            for (int i = 0; i < times.length; i++) {
                long t = times[i];
                String id = "req-" + i;
                n.expect("request " + i + " at " + t, () -> j.evalsha(sha, List.of(key),
                        List.of(Long.toString(t), "60000", "5", id)), expected[i]);
            }
            n.expect("window", () -> j.zrangeWithScores(key, 0, -1),
                    "[req-8=61001.0, req-9=61002.0, req-10=61003.0, req-11=61003.0, req-12=61004.0]");
            n.within("pttl", j.pttl(key), 1, 60_000);
            n.expect("another user is not limited", () -> j.evalsha(sha, List.of("ratelimit:user:18"),
                    List.of("61004", "60000", "5", "x")), "[1, 4]");
            n.call("a time that is not a number", () -> j.evalsha(sha, List.of(key), List.of("soon", "60000", "5", "y")));
            n.call("the limiter on a string key", () -> {
                j.set("ratelimit:str", "x");
                return j.evalsha(sha, List.of("ratelimit:str"), List.of("62000", "60000", "5", "z"));
            });
        });
    }

    /** Spring Cloud Gateway's limiter (two string keys, SETEX of Lua numbers), through Lettuce. */
    @Test
    void gatewayTokenBucketThroughLettuce() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            String sha = n.call("script load", () -> l.scriptLoad(GATEWAY_RATE_LIMITER));
            n.expect("digest is the loaded sha", () -> l.digest(GATEWAY_RATE_LIMITER).equals(sha), "true");
            String[] keys = {"request_rate_limiter.{route-a}.tokens", "request_rate_limiter.{route-a}.timestamp"};
            long now = 1_700_000_000L;
            // replenishRate 2/s, burstCapacity 4: four at once, then two a second.
            String[] expected = {"[1, 3]", "[1, 2]", "[1, 1]", "[1, 0]", "[0, 0]"};
            for (int i = 0; i < expected.length; i++) {
                n.expect("burst " + i, () -> l.evalsha(sha, ScriptOutputType.MULTI, keys, "2", "4",
                        Long.toString(now), "1"), expected[i]);
            }
            n.expect("a second later", () -> l.evalsha(sha, ScriptOutputType.MULTI, keys, "2", "4",
                    Long.toString(now + 1), "1"), "[1, 1]");
            n.expect("tokens key", () -> l.get(keys[0]), "\"1\"");
            n.expect("timestamp key", () -> l.get(keys[1]), "\"" + (now + 1) + "\"");
            n.within("ttl", l.ttl(keys[0]), 1, 4);
            n.expect("20 requests pipelined at +10 s", () -> {
                RedisAsyncCommands<String, String> async = s.connection.async();
                List<RedisFuture<Object>> futures = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    futures.add(async.evalsha(sha, ScriptOutputType.MULTI, keys, "2", "4", Long.toString(now + 10), "1"));
                }
                if (!LettuceFutures.awaitAll(CLIENT_TIMEOUT, futures.toArray(new RedisFuture<?>[0]))) {
                    throw new AssertionError("no replies within " + CLIENT_TIMEOUT);
                }
                List<Object> replies = new ArrayList<>();
                for (RedisFuture<Object> f : futures) replies.add(f.get());
                return replies;
            }, "[[1, 3], [1, 2], [1, 1], [1, 0]" + ", [0, 0]".repeat(16) + "]");

            // A fractional rate: the tokens are stored as Redis formats a Lua number (%.17g), and the
            // reply truncates them to an integer.
            String[] slow = {"request_rate_limiter.{route-b}.tokens", "request_rate_limiter.{route-b}.timestamp"};
            long[] at = {0, 1, 3, 4, 4};
            String[] slowExpected = {"[1, 0]", "[0, 0]", "[0, 0]", "[1, 0]", "[0, 0]"};
            for (int i = 0; i < at.length; i++) {
                long t = now + at[i];
                n.expect("rate 0.3 at +" + at[i], () -> l.evalsha(sha, ScriptOutputType.MULTI, slow, "0.3", "1",
                        Long.toString(t), "1"), slowExpected[i]);
                n.call("stored tokens after +" + at[i], () -> l.get(slow[0]));
            }
            n.call("requested is missing", () -> l.evalsha(sha, ScriptOutputType.MULTI, slow, "0.3", "1",
                    Long.toString(now + 9)));
        });
    }

    /** The HMGET/HMSET token bucket, through Lettuce and through Jedis on the same key. */
    @Test
    void hashTokenBucketThroughBothClients() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            String key = "bucket:api:acme";
            String sha = n.call("script load", () -> l.scriptLoad(TOKEN_BUCKET));
            // capacity 5, 0.3 tokens a second (full again 16.7 s after empty: the key's PEXPIRE).
            for (int i = 0; i < 6; i++) {
                n.expect("burst " + i, () -> l.evalsha(sha, ScriptOutputType.MULTI, new String[]{key},
                        "5", "0.0003", "0", "1"), i < 5 ? "[1, " + (4 - i) + "]" : "[0, 0]");
            }
            n.expect("at 2.5 s", () -> l.evalsha(sha, ScriptOutputType.MULTI, new String[]{key},
                    "5", "0.0003", "2500", "1"), "[0, 0]");
            n.call("bucket at 2.5 s", () -> l.hgetall(key));
            n.expect("at 4 s (through Jedis)", () -> s.jedis.evalsha(sha, List.of(key),
                    List.of("5", "0.0003", "4000", "1")), "[1, 0]");
            n.call("bucket at 4 s", () -> s.jedis.hgetAll(key));
            n.expect("at 50 s, cost 3", () -> l.evalsha(sha, ScriptOutputType.MULTI, new String[]{key},
                    "5", "0.0003", "50000", "3"), "[1, 2]");
            n.call("bucket at 50 s", () -> l.hgetall(key));
            n.within("pttl", l.pttl(key), 1, 16_667);
            n.call("a wrong-type bucket", () -> {
                l.rpush("bucket:list", "x");
                return l.evalsha(sha, ScriptOutputType.MULTI, new String[]{"bucket:list"}, "5", "0.0003", "0", "1");
            });
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Queue

    /** A reliable queue (LMOVE, LREM, RPOPLPUSH and a claims hash) through Lettuce. */
    @Test
    void reliableQueueThroughLettuce() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            String[] keys = {"queue:jobs", "queue:processing", "queue:claims"};
            n.expect("enqueue", () -> l.lpush(keys[0], "job-1", "job-2", "job-3", "job-4"), "4");

            String claim = n.call("script load claim", () -> l.scriptLoad(QUEUE_CLAIM));
            n.expect("claim at 100", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys, "100"), "\"job-1\"");
            n.expect("claim at 200", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys, "200"), "\"job-2\"");
            n.expect("claim at 300", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys, "300"), "\"job-3\"");
            n.expect("ack job-2", () -> l.eval(QUEUE_ACK, ScriptOutputType.INTEGER, keys, "job-2"), "1");
            n.expect("ack job-2 again", () -> l.eval(QUEUE_ACK, ScriptOutputType.INTEGER, keys, "job-2"), "0");
            n.expect("requeue claims before 250", () -> l.eval(QUEUE_REQUEUE_STALE, ScriptOutputType.MULTI, keys,
                    "250"), "[\"job-1\"]");
            n.expect("jobs after requeue", () -> l.lrange(keys[0], 0, -1), "[\"job-4\", \"job-1\"]");
            n.expect("claim at 400 takes the requeued job", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys,
                    "400"), "\"job-1\"");
            n.expect("processing", () -> l.lrange(keys[1], 0, -1), "[\"job-1\", \"job-3\"]");
            n.expect("claims", () -> l.hgetall(keys[2]), "{job-1=\"400\", job-3=\"300\"}");
            n.expect("claim the last", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys, "500"), "\"job-4\"");
            n.expect("claim from an empty queue", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys, "600"), "nil");
            n.expect("drain on shutdown", () -> l.eval(QUEUE_DRAIN, ScriptOutputType.INTEGER, keys, "100"), "3");
            n.expect("jobs after drain", () -> l.lrange(keys[0], 0, -1), "[\"job-4\", \"job-1\", \"job-3\"]");
            n.expect("nothing left claimed", () -> l.exists(keys[1], keys[2]), "0");
            n.call("claim from a string", () -> {
                l.set("queue:broken", "x");
                return l.evalsha(claim, ScriptOutputType.VALUE, "queue:broken", keys[1], keys[2]);
            });
            n.call("claim with too few keys", () -> l.evalsha(claim, ScriptOutputType.VALUE, keys[0]));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Replies and errors

    private static final String NESTED = """
            redis.call('SET', KEYS[1], 'v')
            return {1, 'two', {3, 'four', {5}}, redis.status_reply('FINE'), 3.99, true, false, 'after false'}""";
    private static final String NESTED_ERROR = "return {1, {err='nested failure'}, 3}";
    private static final String ERROR_REPLY = "return redis.error_reply('LIMITED too many requests')";
    private static final String ERROR_REPLY_NO_CODE = "return {err='plain failure'}";
    private static final String STATUS_REPLY = "return redis.status_reply('QUEUED-FOR-LATER')";
    private static final String PCALL_CATCH = """
            local reply = redis.pcall('INCR', KEYS[1])
            if type(reply) == 'table' and reply.err then
                return {'caught', reply.err}
            end
            return {'ok', reply}""";
    private static final String LUA_PCALL_CATCH = """
            local ok, err = pcall(redis.call, 'INCR', KEYS[1])
            if ok then
                return {'ok', err}
            end
            return {'failed', type(err), type(err) == 'table' and err.err or tostring(err)}""";
    private static final String PCALL_RETURNED = "return redis.pcall('INCR', KEYS[1])";
    private static final String CALL_RAISES = "return redis.call('INCR', KEYS[1])";
    private static final String INDEX_NIL = "local t = nil\nreturn t.field";
    private static final String LUA_ERROR = "error('custom lua failure')";
    private static final String LUA_ERROR_TABLE = "error({err='TABLEERR raised as a table'})";
    private static final String UNKNOWN_COMMAND = "return redis.call('NOSUCHCOMMAND', KEYS[1])";
    private static final String WRONG_ARITY = "return redis.call('GET')";
    private static final String GLOBAL = "counter = 1\nreturn counter";
    private static final String WRITE = "return redis.call('SET', KEYS[1], ARGV[1])";
    private static final String NO_WRITES_SHEBANG = "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], ARGV[1])";
    private static final String TYPES = """
            return {type(KEYS), #KEYS, #ARGV, type(ARGV[1]), tostring(tonumber(ARGV[1]) + 1),
                    type(redis.call('GET', KEYS[1])), type(redis.call('GET', 'reply:missing'))}""";

    /** Replies of every kind and the error paths, through Jedis (RESP2). */
    @Test
    void repliesAndErrorsThroughJedis() {
        differential((s, n) -> {
            Jedis j = s.jedis;
            j.hset("reply:hash", "f", "v");
            n.call("nested", () -> j.eval(NESTED, List.of("reply:str"), List.of()));
            n.call("nested error", () -> j.eval(NESTED_ERROR));
            n.call("error_reply", () -> j.eval(ERROR_REPLY));
            n.call("error table without a code", () -> j.eval(ERROR_REPLY_NO_CODE));
            n.expect("status_reply", () -> j.eval(STATUS_REPLY), "\"QUEUED-FOR-LATER\"");
            n.expect("pcall catches WRONGTYPE", () -> j.eval(PCALL_CATCH, List.of("reply:hash"), List.of()),
                    "[\"caught\", \"WRONGTYPE Operation against a key holding the wrong kind of value\"]");
            n.expect("pcall on a counter", () -> j.eval(PCALL_CATCH, List.of("reply:counter"), List.of()),
                    "[\"ok\", 1]");
            n.call("Lua pcall around redis.call", () -> j.eval(LUA_PCALL_CATCH, List.of("reply:hash"), List.of()));
            n.call("pcall's error returned", () -> j.eval(PCALL_RETURNED, List.of("reply:hash"), List.of()));
            n.call("call raises", () -> j.eval(CALL_RAISES, List.of("reply:hash"), List.of()));
            n.call("index nil", () -> j.eval(INDEX_NIL));
            n.call("error()", () -> j.eval(LUA_ERROR));
            n.call("error() of a table", () -> j.eval(LUA_ERROR_TABLE));
            n.call("unknown command", () -> j.eval(UNKNOWN_COMMAND, List.of("k"), List.of()));
            n.call("wrong arity", () -> j.eval(WRONG_ARITY));
            n.call("global variable", () -> j.eval(GLOBAL));
            n.call("more keys than arguments", () -> j.eval(WRITE, 3, "reply:a"));
            n.call("write in EVAL_RO", () -> j.evalReadonly(WRITE, List.of("reply:ro"), List.of("x")));
            n.call("write with flags=no-writes", () -> j.eval(NO_WRITES_SHEBANG, List.of("reply:ro"), List.of("x")));
            n.expect("read in EVAL_RO", () -> j.evalReadonly("return redis.call('GET', KEYS[1])",
                    List.of("reply:str"), List.of()), "\"v\"");
            n.call("types", () -> j.eval(TYPES, List.of("reply:str"), List.of("41")));
            n.call("double, big number, map and set in RESP2", () -> j.eval(
                    "return {{double=3.25}, {big_number='123456789012345678901234567890'}, {map={a=1}}, {set={b=true}}}"));
            n.expect("nothing written by the failed scripts", () -> new java.util.TreeSet<>(j.keys("*")),
                    "[\"reply:counter\", \"reply:hash\", \"reply:str\"]");
        });
    }

    /** The same replies through Lettuce, which speaks RESP3: booleans, doubles and errors as it sees them. */
    @Test
    void repliesAndErrorsThroughLettuce() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            l.hset("reply:hash", "f", "v");
            String[] hash = {"reply:hash"};
            n.call("nested (OBJECT)", () -> l.eval(NESTED, ScriptOutputType.OBJECT, "reply:str"));
            n.call("nested (MULTI)", () -> l.eval(NESTED, ScriptOutputType.MULTI, "reply:str"));
            n.call("nested error (OBJECT)", () -> l.eval(NESTED_ERROR, ScriptOutputType.OBJECT));
            n.call("nested error (MULTI)", () -> l.eval(NESTED_ERROR, ScriptOutputType.MULTI));
            n.call("error_reply", () -> l.eval(ERROR_REPLY, ScriptOutputType.STATUS));
            n.call("error table without a code", () -> l.eval(ERROR_REPLY_NO_CODE, ScriptOutputType.STATUS));
            n.expect("status_reply", () -> l.eval(STATUS_REPLY, ScriptOutputType.STATUS), "\"QUEUED-FOR-LATER\"");
            n.expect("true as BOOLEAN", () -> l.eval("return true", ScriptOutputType.BOOLEAN), "true");
            n.call("false as BOOLEAN", () -> l.eval("return false", ScriptOutputType.BOOLEAN));
            n.call("true and false (OBJECT)", () -> l.eval("return {true, false}", ScriptOutputType.OBJECT));
            n.call("true and false after setresp(3)", () -> l.eval("redis.setresp(3)\nreturn {true, false}",
                    ScriptOutputType.OBJECT));
            n.call("map (OBJECT)", () -> l.eval("return {map={a=1}}", ScriptOutputType.OBJECT));
            n.call("RESP3 inside the script", () -> l.eval(
                    "redis.setresp(3)\nreturn redis.call('HGETALL', KEYS[1])", ScriptOutputType.OBJECT, hash));
            n.expect("pcall catches WRONGTYPE", () -> l.eval(PCALL_CATCH, ScriptOutputType.MULTI, hash),
                    "[\"caught\", \"WRONGTYPE Operation against a key holding the wrong kind of value\"]");
            n.call("Lua pcall around redis.call", () -> l.eval(LUA_PCALL_CATCH, ScriptOutputType.MULTI, hash));
            n.call("pcall's error returned", () -> l.eval(PCALL_RETURNED, ScriptOutputType.INTEGER, hash));
            n.call("call raises", () -> l.eval(CALL_RAISES, ScriptOutputType.INTEGER, hash));
            n.call("index nil", () -> l.eval(INDEX_NIL, ScriptOutputType.VALUE));
            n.call("error() of a table", () -> l.eval(LUA_ERROR_TABLE, ScriptOutputType.VALUE));
            n.call("write in EVAL_RO", () -> l.evalReadOnly(WRITE, ScriptOutputType.STATUS,
                    new String[]{"reply:ro"}, "x"));
            n.call("types", () -> l.eval(TYPES, ScriptOutputType.MULTI, new String[]{"reply:str"}, "41"));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // A script that runs too long

    /** Spins for ARGV[1] ms of server time (so it ends by itself if SCRIPT KILL does not end it). */
    private static final String SPIN = """
            local function ms()
                local t = redis.call('TIME')
                return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local deadline = ms() + tonumber(ARGV[1])
            while ms() < deadline do end
            return 'finished'""";

    /** Writes, then spins: SCRIPT KILL may not stop it. */
    private static final String WRITE_THEN_SPIN = "redis.call('SET', KEYS[1], 'written')\n" + SPIN;

    /**
     * Past busy-reply-threshold other clients get BUSY (Jedis's JedisBusyException); SCRIPT KILL ends a
     * script that has not written, and the script's caller gets the error; one that wrote is UNKILLABLE
     * and runs to its end; SCRIPT KILL with nothing running is NOTBUSY.
     */
    @Test
    void busyScriptsAndScriptKill() {
        differential((s, n) -> {
            ExecutorService caller = Executors.newSingleThreadExecutor();
            try (Jedis slow = s.newJedis()) {
                n.expect("threshold", () -> s.jedis.configSet("busy-reply-threshold", "50"), "\"OK\"");
                n.call("SCRIPT KILL with nothing running", () -> s.jedis.scriptKill());

                Future<Object> killed = caller.submit(() -> outcome(() -> slow.eval(SPIN, List.of(), List.of("10000"))));
                n.call("another client while it runs", () -> awaitBusy(s.jedis));
                n.expect("SCRIPT KILL", () -> s.jedis.scriptKill(), "\"OK\"");
                // The line is where the count hook found the kill: Redis too reports line 3 or 6 from run to run.
                n.call("what the killed script's caller got (its line masked)",
                        () -> killed.get(SCRIPT_WAIT_SECONDS, TimeUnit.SECONDS),
                        value -> render(value).replaceAll("on @user_script:\\d+\\.$", "on @user_script:N."));
                n.expect("served again", () -> s.jedis.get("busy:key"), "nil");

                Future<Object> unkillable = caller.submit(() -> outcome(() -> slow.eval(WRITE_THEN_SPIN,
                        List.of("busy:key"), List.of("1500"))));
                n.call("another client while the writer runs", () -> awaitBusy(s.jedis));
                n.call("SCRIPT KILL of a script that wrote", () -> s.jedis.scriptKill());
                n.expect("the writer runs to its end", () -> unkillable.get(SCRIPT_WAIT_SECONDS, TimeUnit.SECONDS),
                        "\"finished\"");
                n.expect("its write", () -> s.jedis.get("busy:key"), "\"written\"");
            } finally {
                caller.shutdownNow();
                if (!caller.awaitTermination(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("the script's caller thread did not end");
                }
                s.jedis.configSet("busy-reply-threshold", "5000");
            }
        });
    }

    /** Polls with GET (bounded) until the server answers BUSY; returns that exception. */
    private static Object awaitBusy(Jedis j) {
        Object[] busy = {null};
        Wait.until(Duration.ofSeconds(SCRIPT_WAIT_SECONDS), "a BUSY reply", () -> {
            try {
                j.get("busy:probe");
                return false;
            } catch (JedisBusyException e) {
                busy[0] = e;
                return true;
            }
        });
        return busy[0];
    }

    /** What a call returned, or the exception it threw. */
    private static Object outcome(Callable<Object> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return e;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // cjson

    /** cjson round trips through Jedis: a document updated in place, and how values encode. */
    @Test
    void cjsonRoundTripsThroughJedis() {
        differential((s, n) -> {
            Jedis j = s.jedis;
            String doc = "{\"name\":\"ada\",\"tags\":[\"admin\"],\"nested\":{\"ratio\":0.1},\"missing\":null}";
            n.expect("update", () -> j.eval(JSON_UPDATE, List.of("doc:1"), List.of(doc, "beta")),
                    "[\"ada\", 1, 2, \"beta\", \"0.1\", \"true\"]");
            n.expect("update again", () -> j.eval(JSON_UPDATE, List.of("doc:1"), List.of(j.get("doc:1"), "gamma")),
                    "[\"ada\", 2, 3, \"gamma\", \"0.1\", \"true\"]");
            n.call("stored document", () -> j.get("doc:1"));
            n.expect("array", () -> j.eval("return cjson.encode({1, 2.5, 'x', true, {a=1}, {}})"),
                    "\"[1,2.5,\"x\",true,{\"a\":1},{}]\"");
            n.call("empty array becomes an object", () -> j.eval("return cjson.encode(cjson.decode('{\"a\":[]}'))"));
            n.call("numbers", () -> j.eval("return cjson.encode({0.1, 1/3, 1e20, -0, 123456789012})"));
            n.call("big number decoded", () -> j.eval(
                    "return tostring(cjson.decode('{\"n\": 12345678901234567890}').n)"));
            n.call("escapes", () -> j.eval("return cjson.encode({'a/b', 'quote\"', 'tab\\t', 'nul\\0'})"));
            n.call("null in an array", () -> j.eval(
                    "local t = cjson.decode('[1,null,3]') return {#t, tostring(t[2] == cjson.null)}"));
            n.call("a sparse array", () -> j.eval("return cjson.encode({[1]=1, [2]=2, [4]=4})"));
            n.call("bad json", () -> j.eval("return cjson.decode('{bad json')"));
            n.call("function not encodable", () -> j.eval("return cjson.encode({f=function() end})"));

            // cmsgpack, as BullMQ's scripts take their options: packed by one call, unpacked from ARGV by another.
            byte[] packed = n.call("cmsgpack.pack", () -> (byte[]) j.eval(bytes(
                    "return cmsgpack.pack({1, 'a', {b=2}, 3.5, true, -1, 2^40, {}})"), 0));
            n.call("cmsgpack.unpack from ARGV", () -> j.eval(bytes("""
                    local t = cmsgpack.unpack(ARGV[1])
                    return {#t, t[1], t[2], t[3].b, tostring(t[4]), tostring(t[5]), t[6], tostring(t[7]), type(t[8])}"""),
                    List.of(), List.of(packed == null ? new byte[0] : packed)));
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Script cache

    /** NOSCRIPT, then load and retry, as libraries do it (Lettuce: RedisNoScriptException). */
    @Test
    void noscriptLoadAndRetryThroughLettuce() {
        differential((s, n) -> {
            RedisCommands<String, String> l = s.lettuce;
            String script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
            String sha = l.digest(script);
            n.expect("not cached", () -> l.scriptExists(sha), "[false]");
            n.call("EVALSHA of an unknown script", () -> l.evalsha(sha, ScriptOutputType.INTEGER,
                    new String[]{"counter"}, "5"));
            n.expect("load and retry", () -> evalshaLoadingOnNoscript(l, script, "counter", "5"), "\"retried: 5\"");
            n.expect("cached now", () -> l.scriptExists(sha, l.digest("return 0")), "[true, false]");
            n.expect("retry not needed", () -> evalshaLoadingOnNoscript(l, script, "counter", "5"), "10");
            n.expect("upper-case sha", () -> l.evalsha(sha.toUpperCase(), ScriptOutputType.INTEGER,
                    new String[]{"counter"}, "1"), "11");
            n.call("short sha", () -> l.evalsha("deadbeef", ScriptOutputType.INTEGER, "counter"));
            n.expect("flush", () -> l.scriptFlush(), "\"OK\"");
            n.call("EVALSHA after the flush", () -> l.evalsha(sha, ScriptOutputType.INTEGER,
                    new String[]{"counter"}, "1"));
            n.expect("EVAL caches the script too", () -> l.eval(script, ScriptOutputType.INTEGER,
                    new String[]{"counter"}, "1"), "12");
            n.expect("EVALSHA after EVAL", () -> l.evalsha(sha, ScriptOutputType.INTEGER,
                    new String[]{"counter"}, "1"), "13");
            n.call("a script that does not compile", () -> l.scriptLoad("return +"));
        });
    }

    /** The same through Jedis (JedisNoScriptException), with Spring's fallback: EVALSHA, else EVAL. */
    @Test
    void noscriptFallbackThroughJedis() {
        differential((s, n) -> {
            Jedis j = s.jedis;
            String script = "return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])";
            String sha = n.call("script load", () -> j.scriptLoad(script));
            n.expect("EVALSHA", () -> j.evalsha(sha, List.of("stats"), List.of("hits", "2")), "2");
            j.scriptFlush();
            n.call("EVALSHA after a flush", () -> j.evalsha(sha, List.of("stats"), List.of("hits", "2")));
            n.expect("EVALSHA, else EVAL", () -> evalshaElseEval(j, sha, script, "stats", "hits", "3"), "\"fell back: 5\"");
            n.expect("cached by the EVAL", () -> j.scriptExists(sha), "true");
            n.expect("EVALSHA, no fallback", () -> evalshaElseEval(j, sha, script, "stats", "hits", "1"), "6");
            n.call("EVALSHA of a sha that is not hex", () -> j.evalsha("z".repeat(40), List.of(), List.of()));
            n.call("EVALSHA and EVAL in MULTI, one script unknown", () -> {
                Transaction t = j.multi();
                t.evalsha(sha, List.of("stats"), List.of("hits", "1"));
                t.evalsha("0".repeat(40), List.of("stats"), List.of("hits", "1"));
                t.eval(script, List.of("stats"), List.of("misses", "1"));
                return t.exec();
            });
            n.expect("after the transaction", () -> j.hgetAll("stats"), "{hits=\"7\", misses=\"1\"}");
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** redis-py's and Lettuce users' pattern: on NOSCRIPT, SCRIPT LOAD and EVALSHA again. */
    private static Object evalshaLoadingOnNoscript(RedisCommands<String, String> l, String script, String key,
                                                   String arg) {
        String sha = l.digest(script);
        try {
            return l.evalsha(sha, ScriptOutputType.INTEGER, new String[]{key}, arg);
        } catch (RedisNoScriptException e) {
            String loaded = l.scriptLoad(script);
            if (!loaded.equals(sha)) throw new AssertionError("SCRIPT LOAD returned " + loaded + ", not " + sha);
            return "retried: " + l.evalsha(sha, ScriptOutputType.INTEGER, new String[]{key}, arg);
        }
    }

    /** Spring Data Redis's DefaultScriptExecutor: EVALSHA, and EVAL of the body on NOSCRIPT. */
    private static Object evalshaElseEval(Jedis j, String sha, String script, String key, String... args) {
        try {
            return j.evalsha(sha, List.of(key), List.of(args));
        } catch (JedisNoScriptException e) {
            return "fell back: " + j.eval(script, List.of(key), List.of(args));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The comparison

    /** A sequence of steps run against one server, recording each step's outcome in {@code notes}. */
    @FunctionalInterface
    private interface Scenario {
        void run(Side side, Notes notes) throws Exception;
    }

    /** Runs {@code scenario} on redis-server, then on Lodestone, and fails with every difference. */
    private static void differential(Scenario scenario) {
        Notes expected = runOn(redis, scenario);
        Notes actual = runOn(ours, scenario);
        List<String> problems = new ArrayList<>();
        int steps = Math.max(expected.labels.size(), actual.labels.size());
        for (int i = 0; i < steps; i++) {
            String label = i < expected.labels.size() ? expected.labels.get(i) : "(no step)";
            String other = i < actual.labels.size() ? actual.labels.get(i) : "(no step)";
            if (!label.equals(other)) {
                problems.add("step " + (i + 1) + " differs: redis ran \"" + label + "\", lodestone \"" + other + "\"");
                break;
            }
            String r = expected.values.get(i);
            String o = actual.values.get(i);
            if (!r.equals(o)) {
                problems.add(label + "\n    redis-server: " + r + "\n    lodestone:    " + o);
            }
        }
        problems.addAll(expected.violations);
        problems.addAll(actual.violations);
        if (!problems.isEmpty()) {
            fail(problems.size() + " problem(s) in " + steps + " steps:\n" + String.join("\n", problems)
                    + "\n\nredis-server's record:\n" + expected + "\nlodestone's record:\n" + actual);
        }
    }

    private static Notes runOn(Side side, Scenario scenario) {
        Notes notes = new Notes(side.name);
        try {
            scenario.run(side, notes);
        } catch (Exception | AssertionError e) {
            notes.record("scenario aborted", "!" + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return notes;
    }

    /** The outcome of each step on one server, and the recipe's expectations that did not hold there. */
    private static final class Notes {
        final String side;
        final List<String> labels = new ArrayList<>();
        final List<String> values = new ArrayList<>();
        final List<String> violations = new ArrayList<>();

        Notes(String side) {
            this.side = side;
        }

        void record(String label, String value) {
            labels.add(label);
            values.add(value);
        }

        /** Runs a step and records what it returned, or the exception it threw; returns the value (null if it threw). */
        <T> T call(String label, Callable<T> step) {
            return call(label, step, ClientScriptRecipesTest::render);
        }

        /** As {@link #call(String, Callable)}, recording the value as {@code show} renders it. */
        <T> T call(String label, Callable<T> step, java.util.function.Function<Object, String> show) {
            try {
                T value = step.call();
                record(label, show.apply(value));
                return value;
            } catch (Exception e) {
                record(label, render(e));
                return null;
            }
        }

        /** Runs a step, records its outcome, and checks that it is {@code expected} (as {@link #render} writes it). */
        void expect(String label, Callable<?> step, String expected) {
            call(label, step);
            String got = values.get(values.size() - 1);
            if (!got.equals(expected)) {
                violations.add(side + ": " + label + ": expected " + expected + ", got " + got);
            }
        }

        /** Records whether a time-dependent value lies within [lo, hi], which it must. */
        void within(String label, Long value, long lo, long hi) {
            String range = "[" + lo + ", " + hi + "]";
            boolean in = value != null && value >= lo && value <= hi;
            record(label, in ? "within " + range : "outside " + range);
            if (!in) violations.add(side + ": " + label + ": " + value + " is outside " + range);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < labels.size(); i++) {
                sb.append("  ").append(labels.get(i)).append(" -> ").append(values.get(i)).append('\n');
            }
            return sb.toString();
        }
    }

    /**
     * A client's value as text: integers and booleans plain, doubles with a {@code d}, strings quoted,
     * null as {@code nil}, lists in brackets, maps (sorted by key) in braces, a Tuple as member=score,
     * and an exception (thrown, or an element of a reply) as {@code !Class: message}.
     */
    static String render(Object value) {
        if (value == null) return "nil";
        if (value instanceof Long || value instanceof Integer || value instanceof Boolean) return value.toString();
        if (value instanceof Double d) return d + "d";
        if (value instanceof String str) return "\"" + str + "\"";
        if (value instanceof byte[] b) return "\"" + escape(b) + "\"";
        if (value instanceof ByteBuffer buf) {
            byte[] b = new byte[buf.remaining()];
            buf.duplicate().get(b);
            return "\"" + escape(b) + "\"";
        }
        if (value instanceof Tuple t) return t.getElement() + "=" + t.getScore();
        if (value instanceof Throwable t) return "!" + t.getClass().getSimpleName() + ": " + t.getMessage();
        if (value instanceof Map<?, ?> map) {
            Map<String, String> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(k instanceof String str ? str : render(k), render(v)));
            return sorted.toString();
        }
        if (value instanceof Collection<?> c) {
            String kind = value instanceof java.util.Set<?> && !(value instanceof java.util.SortedSet<?>) ? "set" : "";
            return kind + c.stream().map(ClientScriptRecipesTest::render).collect(Collectors.joining(", ", "[", "]"));
        }
        return value.getClass().getSimpleName() + "(" + value + ")";
    }

    private static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // One server's clients

    /** A Jedis connection (RESP2) and a Lettuce connection (RESP3) to one server. */
    private static final class Side implements AutoCloseable {
        final String name;
        final int port;
        final RedisURI uri;
        final Jedis jedis;
        final StatefulRedisConnection<String, String> connection;
        final RedisCommands<String, String> lettuce;

        Side(String name, int port) {
            this.name = name;
            this.port = port;
            this.uri = RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(CLIENT_TIMEOUT).build();
            this.jedis = newJedis();
            StatefulRedisConnection<String, String> c = null;
            try {
                c = lettuceClient.connect(uri);
            } finally {
                if (c == null) jedis.close();
            }
            this.connection = c;
            this.lettuce = c.sync();
        }

        /** A new Jedis connection to this server (the caller closes it). */
        Jedis newJedis() {
            return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis((int) CLIENT_TIMEOUT.toMillis())
                    .socketTimeoutMillis((int) CLIENT_TIMEOUT.toMillis()).build());
        }

        @Override
        public void close() {
            try {
                jedis.close();
            } finally {
                connection.close();
            }
        }
    }
}
