package io.lodestone.pubsub;

import io.lodestone.util.Glob;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server's Pub/Sub registry (Redis's {@code server.pubsub_channels}, {@code pubsub_patterns} and
 * {@code pubsubshard_channels}): each channel, pattern or shard channel with its subscribers in
 * subscription order, kept in step with each subscriber's {@link Subscriptions}. An entry goes away
 * with its last subscriber, so abandoned channels cost nothing. A channel with a single subscriber
 * (common: per-user or per-key channels) holds the subscriber itself, and a set only from the second
 * subscriber on, which saves some 150 bytes per such channel.
 *
 * <p>Publishing walks the channel's subscribers, then every pattern (in the order patterns were
 * first subscribed) and the subscribers of those that match - Redis 7.0's order, except that Redis
 * walks its pattern dict in hash order (random per process), so clients cannot rely on any order
 * between patterns. Shard channels have no patterns.
 *
 * @param <S> the subscriber type
 */
public final class PubSub<S extends Subscriber> {
    /** Values are a subscriber, or {@link Many} of them. Channels have no order of their own. */
    private final Map<ChannelName, Object> channels = new HashMap<>();
    /** In the order patterns were first subscribed: the order matching patterns deliver in. */
    private final Map<ChannelName, Object> patterns = new LinkedHashMap<>();
    private final Map<ChannelName, Object> shardChannels = new HashMap<>();

    /** The subscribers of an entry with more than one, in subscription order. */
    private static final class Many<S> extends LinkedHashSet<S> {
        Many(Object first) {
            super(4);
            @SuppressWarnings("unchecked") S s = (S) first;
            add(s);
        }
    }

    /** Told about each receiver of a message; must not change any subscription. */
    @FunctionalInterface
    public interface Receiver<S> {
        /** {@code pattern} is the matching pattern, or null for a subscriber of the channel itself. */
        void receive(S subscriber, byte[] pattern);
    }

    // ---- Subscribing -----------------------------------------------------------------------------

    /** SUBSCRIBE: true if {@code s} was not yet subscribed to the channel. */
    public boolean subscribe(S s, byte[] channel) {
        Subscriptions subs = s.subscriptions();
        if (subs.channels == null) subs.channels = Subscriptions.create();
        return add(channels, subs.channels, s, new ChannelName(channel));
    }

    /** UNSUBSCRIBE of one channel: true if {@code s} was subscribed to it. */
    public boolean unsubscribe(S s, byte[] channel) {
        Subscriptions subs = s.subscriptions();
        return subs.channels != null && remove(channels, subs.channels, s, new ChannelName(channel));
    }

    public boolean psubscribe(S s, byte[] pattern) {
        Subscriptions subs = s.subscriptions();
        if (subs.patterns == null) subs.patterns = Subscriptions.create();
        return add(patterns, subs.patterns, s, new ChannelName(pattern));
    }

    public boolean punsubscribe(S s, byte[] pattern) {
        Subscriptions subs = s.subscriptions();
        return subs.patterns != null && remove(patterns, subs.patterns, s, new ChannelName(pattern));
    }

    public boolean ssubscribe(S s, byte[] channel) {
        Subscriptions subs = s.subscriptions();
        if (subs.shardChannels == null) subs.shardChannels = Subscriptions.create();
        return add(shardChannels, subs.shardChannels, s, new ChannelName(channel));
    }

    public boolean sunsubscribe(S s, byte[] channel) {
        Subscriptions subs = s.subscriptions();
        return subs.shardChannels != null && remove(shardChannels, subs.shardChannels, s, new ChannelName(channel));
    }

    /**
     * Drops every subscription of {@code s} without telling it (disconnection, RESET, a client closed
     * for its output buffer) and leaves Pub/Sub mode.
     */
    public void unsubscribeAll(S s) {
        Subscriptions subs = s.subscriptions();
        removeAll(channels, subs.channels, s);
        removeAll(patterns, subs.patterns, s);
        removeAll(shardChannels, subs.shardChannels, s);
        subs.channels = subs.patterns = subs.shardChannels = null;
        subs.mode = false;
    }

    private boolean add(Map<ChannelName, Object> index, Set<ChannelName> own, S s, ChannelName name) {
        if (!own.add(name)) return false;
        Object current = index.putIfAbsent(name, s);
        if (current instanceof Many<?> many) {
            @SuppressWarnings("unchecked") Many<S> set = (Many<S>) many;
            set.add(s);
        } else if (current != null) {
            Many<S> set = new Many<>(current);
            set.add(s);
            index.put(name, set);
        }
        return true;
    }

    private boolean remove(Map<ChannelName, Object> index, Set<ChannelName> own, S s, ChannelName name) {
        if (!own.remove(name)) return false;
        removeSubscriber(index, name, s);
        return true;
    }

    private void removeAll(Map<ChannelName, Object> index, Set<ChannelName> own, S s) {
        if (own == null) return;
        for (ChannelName name : own) removeSubscriber(index, name, s);
    }

    /** Takes s out of the entry; the entry goes with its last subscriber, the set with its second last. */
    private void removeSubscriber(Map<ChannelName, Object> index, ChannelName name, S s) {
        Object current = index.get(name);
        if (current == s) {
            index.remove(name);
        } else if (current instanceof Many<?> many) {
            many.remove(s);
            if (many.size() == 1) index.put(name, many.iterator().next());
        }
    }

    /** Calls the receiver for each subscriber of an entry (a subscriber or a set); returns how many. */
    private int deliver(Object entry, byte[] pattern, Receiver<S> receiver) {
        if (entry instanceof Many<?> many) {
            @SuppressWarnings("unchecked") Many<S> set = (Many<S>) many;
            for (S s : set) receiver.receive(s, pattern);
            return set.size();
        }
        @SuppressWarnings("unchecked") S s = (S) entry;
        receiver.receive(s, pattern);
        return 1;
    }

    private static int count(Object entry) {
        return entry == null ? 0 : entry instanceof Many<?> many ? many.size() : 1;
    }

    // ---- Publishing ------------------------------------------------------------------------------

    /** True when nobody listens to any channel or pattern: a publish would reach no one. */
    public boolean isIdle() {
        return channels.isEmpty() && patterns.isEmpty();
    }

    /**
     * PUBLISH's walk: the channel's subscribers, then the subscribers of every matching pattern (a
     * client subscribed both ways receives the message once per way). Returns the number of receipts.
     */
    public int publish(byte[] channel, Receiver<S> receiver) {
        int receipts = 0;
        if (!channels.isEmpty()) {
            Object subscribers = channels.get(new ChannelName(channel));
            if (subscribers != null) receipts += deliver(subscribers, null, receiver);
        }
        for (Map.Entry<ChannelName, Object> e : patterns.entrySet()) {
            byte[] pattern = e.getKey().bytes();
            if (Glob.match(pattern, channel, false)) receipts += deliver(e.getValue(), pattern, receiver);
        }
        return receipts;
    }

    /** SPUBLISH's walk: the shard channel's subscribers only. */
    public int spublish(byte[] channel, Receiver<S> receiver) {
        if (shardChannels.isEmpty()) return 0;
        Object subscribers = shardChannels.get(new ChannelName(channel));
        return subscribers == null ? 0 : deliver(subscribers, null, receiver);
    }

    // ---- Introspection (PUBSUB, INFO) ------------------------------------------------------------

    /** Channels with at least one subscriber (INFO pubsub_channels). */
    public int channelCount() {
        return channels.size();
    }

    /** Distinct patterns with at least one subscriber (PUBSUB NUMPAT, INFO pubsub_patterns). */
    public int patternCount() {
        return patterns.size();
    }

    public int shardChannelCount() {
        return shardChannels.size();
    }

    /** Subscribers of a channel, patterns not counted (PUBSUB NUMSUB). */
    public int subscriberCount(byte[] channel) {
        return count(channels.get(new ChannelName(channel)));
    }

    public int shardSubscriberCount(byte[] channel) {
        return count(shardChannels.get(new ChannelName(channel)));
    }

    /** Active channels matching {@code pattern} (all when null): PUBSUB CHANNELS. */
    public List<byte[]> channels(byte[] pattern) {
        return list(channels, pattern);
    }

    /** Active shard channels matching {@code pattern} (all when null): PUBSUB SHARDCHANNELS. */
    public List<byte[]> shardChannels(byte[] pattern) {
        return list(shardChannels, pattern);
    }

    private List<byte[]> list(Map<ChannelName, Object> index, byte[] pattern) {
        List<byte[]> out = new ArrayList<>();
        for (ChannelName name : index.keySet()) {
            if (pattern == null || Glob.match(pattern, name.bytes(), false)) out.add(name.bytes());
        }
        return out;
    }
}
