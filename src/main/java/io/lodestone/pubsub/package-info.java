/**
 * Pub/Sub bookkeeping (the data half of Redis's pubsub.c): who listens to what.
 * <ul>
 *   <li>{@link io.lodestone.pubsub.PubSub} - the server's registry: channels, patterns and shard channels,
 *       each with its subscribers in subscription order, and the walk over a message's receivers
 *       (patterns matched with Redis's {@code stringmatchlen}, {@link io.lodestone.util.Glob}).</li>
 *   <li>{@link io.lodestone.pubsub.Subscriptions} - one subscriber's side: its channels, patterns and
 *       shard channels, and whether it is in Pub/Sub mode.</li>
 *   <li>{@link io.lodestone.pubsub.ChannelName} - a channel or pattern as a hash key.</li>
 * </ul>
 * The package knows nothing of clients, RESP or commands: subscribers are any {@link
 * io.lodestone.pubsub.Subscriber}, and delivering a message is the caller's business.
 */
package io.lodestone.pubsub;
