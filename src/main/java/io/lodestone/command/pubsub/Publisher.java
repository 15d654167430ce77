package io.lodestone.command.pubsub;

import io.lodestone.command.Client;
import io.lodestone.command.ServerContext;
import io.lodestone.config.ClientBufferLimit;
import io.lodestone.config.ClientOutputBufferLimits;
import io.lodestone.protocol.Reply;
import io.lodestone.pubsub.PubSub;
import io.lodestone.util.Log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Delivers a published message to its receivers (Redis's pubsubPublishMessage): each gets a
 * {@code message}, {@code pmessage} or {@code smessage} (an array in RESP2, a push in RESP3) appended
 * to its output, and is woken so that the transport flushes it after the current read batch. A
 * client publishing to a channel it listens to therefore gets the message before PUBLISH's reply.
 *
 * <p>A subscriber that does not read lets its output grow with every message, at the publishers'
 * pace. {@code client-output-buffer-limit} bounds that as in Redis: past the hard limit, or above the
 * soft limit for longer than its seconds, the subscriber is disconnected (its pending output dropped).
 */
public final class Publisher implements PubSub.Receiver<Client> {
    static final byte[] MESSAGE = ascii("message");
    static final byte[] PMESSAGE = ascii("pmessage");
    static final byte[] SMESSAGE = ascii("smessage");

    private final ServerContext server;
    private final byte[] kind;
    private final byte[] channel;
    private final byte[] message;
    private final ClientOutputBufferLimits limits;
    private final long nowSeconds;
    private List<Client> overLimit;

    private Publisher(ServerContext server, byte[] kind, byte[] channel, byte[] message) {
        this.server = server;
        this.kind = kind;
        this.channel = channel;
        this.message = message;
        this.limits = server.config.clientOutputBufferLimits();
        this.nowSeconds = server.keyspace.now / 1000;
    }

    /** PUBLISH: delivers to channel and pattern subscribers; returns the number of receipts. */
    public static int publish(ServerContext server, byte[] channel, byte[] message) {
        if (server.pubsub.isIdle()) return 0;
        Publisher p = new Publisher(server, MESSAGE, channel, message);
        int receivers = server.pubsub.publish(channel, p);
        p.closeOverLimit();
        return receivers;
    }

    /** SPUBLISH: delivers to the shard channel's subscribers; returns their number. */
    public static int spublish(ServerContext server, byte[] channel, byte[] message) {
        if (server.pubsub.shardChannelCount() == 0) return 0;
        Publisher p = new Publisher(server, SMESSAGE, channel, message);
        int receivers = server.pubsub.spublish(channel, p);
        p.closeOverLimit();
        return receivers;
    }

    @Override
    public void receive(Client c, byte[] pattern) {
        Reply r = c.reply;
        boolean wasPushing = r.pushing(true);
        if (pattern == null) {
            r.push(3);
            r.bulk(kind);
        } else {
            r.push(4);
            r.bulk(PMESSAGE);
            r.bulk(pattern);
        }
        r.bulk(channel);
        r.bulk(message);
        r.pushing(wasPushing);
        server.wake(c);
        if (c.conn != null && c.outputLimitReached(limitOf(c), nowSeconds)) {
            if (overLimit == null) overLimit = new ArrayList<>(1);
            if (!overLimit.contains(c)) overLimit.add(c);
        }
    }

    private ClientBufferLimit limitOf(Client c) {
        return c.subscriptions.mode ? limits.pubsub() : limits.normal();
    }

    /** Disconnects the receivers that went over their limit, once the walk over receivers is done. */
    private void closeOverLimit() {
        if (overLimit == null) return;
        for (Client c : overLimit) {
            Log.warning("Client id=" + c.id + " addr=" + c.conn.remoteAddress() + " name="
                    + (c.name == null ? "" : c.name)
                    + " scheduled to be closed ASAP for overcoming of output buffer limits.");
            server.pubsub.unsubscribeAll(c);
            c.conn.closeNow();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
