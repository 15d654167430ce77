/**
 * The Pub/Sub commands and keyspace notifications (Redis's pubsub.c and notify.c).
 * <ul>
 *   <li>{@link io.lodestone.command.pubsub.PubSubCommands} - SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their
 *       UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB; registers the family and the notifier.</li>
 *   <li>{@link io.lodestone.command.pubsub.Publisher} - writes a message into each receiver's output,
 *       wakes it for a flush, and disconnects subscribers past client-output-buffer-limit.</li>
 *   <li>{@code KeyspaceNotifications} - {@code __keyspace@<db>__:<key>} and
 *       {@code __keyevent@<db>__:<event>} messages for keyspace events.</li>
 * </ul>
 * Who subscribes to what is kept by {@link io.lodestone.pubsub.PubSub} ({@code ServerContext.pubsub}).
 */
package io.lodestone.command.pubsub;
