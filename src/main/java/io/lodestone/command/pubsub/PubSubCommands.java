package io.lodestone.command.pubsub;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.command.Subcommands;
import io.lodestone.protocol.Reply;
import io.lodestone.pubsub.ChannelName;
import io.lodestone.pubsub.PubSub;
import io.lodestone.pubsub.Subscriptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Pub/Sub commands (Redis's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
 * the sharded SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH (standalone: a shard channel is a separate namespace
 * without patterns), and PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP.
 *
 * <p>Every (un)subscription is confirmed by its own message - {@code [kind, name, count]}, an array in
 * RESP2 and a push in RESP3 - where count is the client's channels + patterns (shard channels for the
 * sharded kinds). Unsubscribing from everything while subscribed to nothing still confirms once, with
 * a null name. Any subscription puts the client in Pub/Sub mode (the dispatcher then restricts a RESP2
 * client); it leaves that mode when an unsubscribe leaves it no subscription of any kind.
 */
public final class PubSubCommands {
    private PubSubCommands() {
    }

    /** Registers the commands and publishes keyspace notifications through Pub/Sub. */
    public static void register(ServerContext server) {
        register(server.commands);
        server.notifier = new KeyspaceNotifications(server);
    }

    public static void register(CommandTable t) {
        t.handle("subscribe", c -> subscribe(c, Kind.CHANNEL));
        t.handle("unsubscribe", c -> unsubscribe(c, Kind.CHANNEL));
        t.handle("psubscribe", c -> subscribe(c, Kind.PATTERN));
        t.handle("punsubscribe", c -> unsubscribe(c, Kind.PATTERN));
        t.handle("ssubscribe", c -> subscribe(c, Kind.SHARD));
        t.handle("sunsubscribe", c -> unsubscribe(c, Kind.SHARD));
        t.handle("publish", PubSubCommands::publish);
        t.handle("spublish", PubSubCommands::spublish);
        t.handle("pubsub|channels", c -> channels(c, false));
        t.handle("pubsub|shardchannels", c -> channels(c, true));
        t.handle("pubsub|numsub", c -> numsub(c, false));
        t.handle("pubsub|shardnumsub", c -> numsub(c, true));
        t.handle("pubsub|numpat", c -> c.reply.integer(c.server.pubsub.patternCount()));
        t.handle("pubsub|help", HELP);
    }

    // ---- Subscribing -----------------------------------------------------------------------------

    /**
     * The three namespaces a client subscribes to, with the kinds their confirmations carry. Shard
     * channels count apart: their confirmations give the shard channel count only.
     */
    private enum Kind {
        CHANNEL("subscribe", "unsubscribe"),
        PATTERN("psubscribe", "punsubscribe"),
        SHARD("ssubscribe", "sunsubscribe");

        final byte[] subscribed, unsubscribed;

        Kind(String subscribed, String unsubscribed) {
            this.subscribed = ascii(subscribed);
            this.unsubscribed = ascii(unsubscribed);
        }

        void subscribe(PubSub<Client> pubsub, Client c, byte[] name) {
            switch (this) {
                case CHANNEL -> pubsub.subscribe(c, name);
                case PATTERN -> pubsub.psubscribe(c, name);
                case SHARD -> pubsub.ssubscribe(c, name);
            }
        }

        void unsubscribe(PubSub<Client> pubsub, Client c, byte[] name) {
            switch (this) {
                case CHANNEL -> pubsub.unsubscribe(c, name);
                case PATTERN -> pubsub.punsubscribe(c, name);
                case SHARD -> pubsub.sunsubscribe(c, name);
            }
        }

        Set<ChannelName> names(Subscriptions subs) {
            return switch (this) {
                case CHANNEL -> subs.channels();
                case PATTERN -> subs.patterns();
                case SHARD -> subs.shardChannels();
            };
        }

        int count(Subscriptions subs) {
            return this == SHARD ? subs.shardChannelCount() : subs.count();
        }
    }

    /** SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE name...: one confirmation per name; the client enters Pub/Sub mode. */
    static void subscribe(Client c, Kind kind) {
        // Inside EXEC (Redis's CLIENT_DENY_BLOCKING) SSUBSCRIBE is refused, unlike SUBSCRIBE.
        if (kind == Kind.SHARD && c.inExec) {
            throw new CommandError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        }
        PubSub<Client> pubsub = c.server.pubsub;
        for (int j = 1; j < c.argc; j++) {
            kind.subscribe(pubsub, c, c.argv[j]);
            confirm(c, kind.subscribed, c.argv[j], kind.count(c.subscriptions));
        }
        c.subscriptions.mode = true;
    }

    /**
     * UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE [name...]: without names, every name of the kind (or one
     * confirmation with a null name when there is none). The client leaves Pub/Sub mode when no
     * subscription of any kind is left.
     */
    static void unsubscribe(Client c, Kind kind) {
        Subscriptions subs = c.subscriptions;
        PubSub<Client> pubsub = c.server.pubsub;
        if (c.argc == 1) {
            List<ChannelName> all = new ArrayList<>(kind.names(subs));
            for (ChannelName name : all) {
                kind.unsubscribe(pubsub, c, name.bytes());
                confirm(c, kind.unsubscribed, name.bytes(), kind.count(subs));
            }
            if (all.isEmpty()) confirm(c, kind.unsubscribed, null, kind.count(subs));
        } else {
            for (int j = 1; j < c.argc; j++) {
                kind.unsubscribe(pubsub, c, c.argv[j]);
                confirm(c, kind.unsubscribed, c.argv[j], kind.count(subs));
            }
        }
        leaveModeIfDone(subs);
    }

    /**
     * {@code [kind, name, count]}; a null name is written as a null (nothing to unsubscribe from). A
     * push, so it reaches a client that turned its replies off.
     */
    private static void confirm(Client c, byte[] kind, byte[] name, int count) {
        Reply r = c.reply;
        boolean wasPushing = r.pushing(true);
        r.push(3);
        r.bulk(kind);
        r.bulkOrNull(name);
        r.integer(count);
        r.pushing(wasPushing);
    }

    private static void leaveModeIfDone(Subscriptions subs) {
        if (subs.total() == 0) subs.mode = false;
    }

    // ---- Publishing ------------------------------------------------------------------------------

    /**
     * PUBLISH channel message. Replicas get it too (Redis's forceCommandPropagation to replicas only,
     * not the AOF), so their own subscribers hear what the master's do.
     */
    static void publish(Client c) {
        int receivers = Publisher.publish(c.server, c.argv[1], c.argv[2]);
        c.forcePropagation(ServerContext.PROPAGATE_REPL);
        c.reply.integer(receivers);
    }

    /** SPUBLISH shardchannel message: as PUBLISH, for the shard channel's subscribers. */
    static void spublish(Client c) {
        int receivers = Publisher.spublish(c.server, c.argv[1], c.argv[2]);
        c.forcePropagation(ServerContext.PROPAGATE_REPL);
        c.reply.integer(receivers);
    }

    // ---- PUBSUB ----------------------------------------------------------------------------------

    /** PUBSUB CHANNELS|SHARDCHANNELS [pattern]: active channels, all or those matching the pattern. */
    static void channels(Client c, boolean shard) {
        if (c.argc > 3) throw Subcommands.syntaxError(c);
        byte[] pattern = c.argc == 3 ? c.argv[2] : null;
        List<byte[]> names = shard ? c.server.pubsub.shardChannels(pattern) : c.server.pubsub.channels(pattern);
        c.reply.array(names.size());
        for (byte[] n : names) c.reply.bulk(n);
    }

    /** PUBSUB NUMSUB|SHARDNUMSUB [channel ...]: each channel and its subscribers (patterns not counted). */
    static void numsub(Client c, boolean shard) {
        PubSub<Client> pubsub = c.server.pubsub;
        c.reply.array((c.argc - 2) * 2);
        for (int j = 2; j < c.argc; j++) {
            c.reply.bulk(c.argv[j]);
            c.reply.integer(shard ? pubsub.shardSubscriberCount(c.argv[j]) : pubsub.subscriberCount(c.argv[j]));
        }
    }

    private static final CommandHandler HELP = Subcommands.help("PUBSUB",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
