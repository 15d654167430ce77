package io.lodestone.pubsub;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry on its own: both sides of every subscription stay in step. */
class PubSubTest {
    private static final class Sub implements Subscriber {
        final String name;
        final Subscriptions subs = new Subscriptions();

        Sub(String name) {
            this.name = name;
        }

        @Override
        public Subscriptions subscriptions() {
            return subs;
        }
    }

    private final PubSub<Sub> pubsub = new PubSub<>();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Receipts of a publish as "subscriber" or "subscriber<pattern". */
    private List<String> publish(String channel) {
        List<String> got = new ArrayList<>();
        int n = pubsub.publish(b(channel), (s, pattern) ->
                got.add(pattern == null ? s.name : s.name + "<" + new String(pattern, StandardCharsets.UTF_8)));
        assertEquals(got.size(), n);
        return got;
    }

    @Test
    void subscribingTwiceCountsOnce() {
        Sub a = new Sub("a");
        assertTrue(pubsub.subscribe(a, b("x")));
        assertFalse(pubsub.subscribe(a, b("x")));
        assertEquals(1, a.subs.channelCount());
        assertEquals(1, pubsub.subscriberCount(b("x")));
        assertEquals(1, pubsub.channelCount());
    }

    @Test
    void channelSubscribersReceiveInSubscriptionOrderThenPatterns() {
        Sub a = new Sub("a"), b = new Sub("b"), c = new Sub("c");
        pubsub.subscribe(b, b("news"));
        pubsub.subscribe(a, b("news"));
        pubsub.psubscribe(c, b("n*"));
        pubsub.psubscribe(a, b("*s"));
        pubsub.psubscribe(b, b("x*"));
        assertEquals(List.of("b", "a", "c<n*", "a<*s"), publish("news"));
        assertEquals(List.of(), publish("other"));
    }

    @Test
    void lastSubscriberTakesTheEntryAway() {
        Sub a = new Sub("a"), b = new Sub("b");
        pubsub.subscribe(a, b("x"));
        pubsub.subscribe(b, b("x"));
        pubsub.psubscribe(a, b("p*"));
        assertTrue(pubsub.unsubscribe(a, b("x")));
        assertFalse(pubsub.unsubscribe(a, b("x")));
        assertEquals(1, pubsub.channelCount());
        assertTrue(pubsub.unsubscribe(b, b("x")));
        assertEquals(0, pubsub.channelCount());
        assertEquals(1, pubsub.patternCount());
        assertTrue(pubsub.punsubscribe(a, b("p*")));
        assertTrue(pubsub.isIdle());
    }

    @Test
    void unsubscribeAllClearsEveryKindAndTheMode() {
        Sub a = new Sub("a"), b = new Sub("b");
        pubsub.subscribe(a, b("x"));
        pubsub.subscribe(b, b("x"));
        pubsub.psubscribe(a, b("*"));
        pubsub.ssubscribe(a, b("s"));
        a.subs.mode = true;
        pubsub.unsubscribeAll(a);
        assertEquals(0, a.subs.total());
        assertFalse(a.subs.mode);
        assertEquals(List.of("b"), publish("x"));
        assertEquals(0, pubsub.patternCount());
        assertEquals(0, pubsub.shardChannelCount());
    }

    @Test
    void aSecondSubscriberTurnsTheEntryIntoASetAndBack() {
        Sub a = new Sub("a"), b = new Sub("b"), c = new Sub("c");
        pubsub.subscribe(a, b("x"));
        pubsub.subscribe(b, b("x"));
        assertEquals(List.of("a", "b"), publish("x"));
        pubsub.unsubscribe(a, b("x"));
        assertEquals(List.of("b"), publish("x"));
        pubsub.subscribe(c, b("x"));
        pubsub.subscribe(a, b("x"));
        assertEquals(List.of("b", "c", "a"), publish("x"));
        assertEquals(3, pubsub.subscriberCount(b("x")));
        pubsub.unsubscribeAll(b);
        pubsub.unsubscribeAll(c);
        pubsub.unsubscribeAll(a);
        assertTrue(pubsub.isIdle());
        assertEquals(0, pubsub.subscriberCount(b("x")));
    }

    @Test
    void shardChannelsAreTheirOwnNamespaceWithoutPatterns() {
        Sub a = new Sub("a"), b = new Sub("b");
        pubsub.ssubscribe(a, b("s"));
        pubsub.psubscribe(b, b("*"));
        List<String> got = new ArrayList<>();
        assertEquals(1, pubsub.spublish(b("s"), (s, p) -> got.add(s.name)));
        assertEquals(List.of("a"), got);
        assertEquals(List.of("b<*"), publish("s"));
        assertEquals(1, pubsub.shardSubscriberCount(b("s")));
        assertEquals(0, pubsub.subscriberCount(b("s")));
    }

    @Test
    void channelListingFiltersWithRedisGlob() {
        Sub a = new Sub("a");
        for (String ch : List.of("news.it", "news.en", "sport", "n[x]")) pubsub.subscribe(a, b(ch));
        assertEquals(java.util.Set.of("news.it", "news.en"), java.util.Set.copyOf(names(pubsub.channels(b("news.*")))));
        assertEquals(List.of("n[x]"), names(pubsub.channels(b("n\\[x\\]"))));
        assertEquals(4, pubsub.channels(null).size());
    }

    private static List<String> names(List<byte[]> list) {
        List<String> out = new ArrayList<>();
        for (byte[] x : list) out.add(new String(x, StandardCharsets.UTF_8));
        return out;
    }
}
