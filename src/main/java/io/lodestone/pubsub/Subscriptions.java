package io.lodestone.pubsub;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One subscriber's channels, patterns and shard channels (Redis's {@code c->pubsub_channels},
 * {@code c->pubsub_patterns}, {@code c->pubsubshard_channels}), each in subscription order, and its
 * Pub/Sub mode flag (Redis's {@code CLIENT_PUBSUB}). The sets are created on first use: most clients
 * never subscribe. Changed only through {@link PubSub}, which keeps both sides in step.
 */
public final class Subscriptions {
    Set<ChannelName> channels;
    Set<ChannelName> patterns;
    Set<ChannelName> shardChannels;
    /**
     * Set by any SUBSCRIBE, cleared by an UNSUBSCRIBE that leaves nothing (or by RESET): in RESP2 the
     * client may then only run the subscription commands, PING, QUIT and RESET.
     */
    public boolean mode;

    /** Channels + patterns: the count SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE and PUNSUBSCRIBE reply. */
    public int count() {
        return channelCount() + patternCount();
    }

    /** Every subscription, shard channels included. */
    public int total() {
        return count() + shardChannelCount();
    }

    public int channelCount() {
        return channels == null ? 0 : channels.size();
    }

    public int patternCount() {
        return patterns == null ? 0 : patterns.size();
    }

    public int shardChannelCount() {
        return shardChannels == null ? 0 : shardChannels.size();
    }

    public Set<ChannelName> channels() {
        return channels == null ? Collections.emptySet() : Collections.unmodifiableSet(channels);
    }

    public Set<ChannelName> patterns() {
        return patterns == null ? Collections.emptySet() : Collections.unmodifiableSet(patterns);
    }

    public Set<ChannelName> shardChannels() {
        return shardChannels == null ? Collections.emptySet() : Collections.unmodifiableSet(shardChannels);
    }

    static Set<ChannelName> create() {
        return new LinkedHashSet<>(4);
    }
}
