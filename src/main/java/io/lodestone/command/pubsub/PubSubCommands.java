package io.lodestone.command.pubsub;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.ServerContext;
import io.lodestone.command.connection.ConnectionCommands;
import io.lodestone.protocol.Reply;
import io.lodestone.pubsub.ChannelName;
import io.lodestone.pubsub.PubSub;
import io.lodestone.pubsub.Subscriptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    private static final byte[] SUBSCRIBE = ascii("subscribe");
    private static final byte[] UNSUBSCRIBE = ascii("unsubscribe");
    private static final byte[] PSUBSCRIBE = ascii("psubscribe");
    private static final byte[] PUNSUBSCRIBE = ascii("punsubscribe");
    private static final byte[] SSUBSCRIBE = ascii("ssubscribe");
    private static final byte[] SUNSUBSCRIBE = ascii("sunsubscribe");

    private PubSubCommands() {
    }

    /** Registers the commands and publishes keyspace notifications through Pub/Sub. */
    public static void register(ServerContext server) {
        register(server.commands);
        server.notifier = new KeyspaceNotifications(server);
    }

    public static void register(CommandTable t) {
        t.handle("subscribe", PubSubCommands::subscribe);
        t.handle("unsubscribe", PubSubCommands::unsubscribe);
        t.handle("psubscribe", PubSubCommands::psubscribe);
        t.handle("punsubscribe", PubSubCommands::punsubscribe);
        t.handle("ssubscribe", PubSubCommands::ssubscribe);
        t.handle("sunsubscribe", PubSubCommands::sunsubscribe);
        t.handle("publish", c -> c.reply.integer(Publisher.publish(c.server, c.argv[1], c.argv[2])));
        t.handle("spublish", c -> c.reply.integer(Publisher.spublish(c.server, c.argv[1], c.argv[2])));
        t.handle("pubsub|channels", c -> channels(c, false));
        t.handle("pubsub|shardchannels", c -> channels(c, true));
        t.handle("pubsub|numsub", c -> numsub(c, false));
        t.handle("pubsub|shardnumsub", c -> numsub(c, true));
        t.handle("pubsub|numpat", c -> c.reply.integer(c.server.pubsub.patternCount()));
        t.handle("pubsub|help", PubSubCommands::help);
    }

    // ---- Subscribing -----------------------------------------------------------------------------

    static void subscribe(Client c) {
        PubSub<Client> pubsub = c.server.pubsub;
        for (int j = 1; j < c.argc; j++) {
            pubsub.subscribe(c, c.argv[j]);
            confirm(c, SUBSCRIBE, c.argv[j], c.subscriptions.count());
        }
        c.subscriptions.mode = true;
    }

    static void psubscribe(Client c) {
        PubSub<Client> pubsub = c.server.pubsub;
        for (int j = 1; j < c.argc; j++) {
            pubsub.psubscribe(c, c.argv[j]);
            confirm(c, PSUBSCRIBE, c.argv[j], c.subscriptions.count());
        }
        c.subscriptions.mode = true;
    }

    /** Inside EXEC (Redis's CLIENT_DENY_BLOCKING) SSUBSCRIBE is refused, unlike SUBSCRIBE. */
    static void ssubscribe(Client c) {
        if (c.inExec) throw new CommandError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        PubSub<Client> pubsub = c.server.pubsub;
        for (int j = 1; j < c.argc; j++) {
            pubsub.ssubscribe(c, c.argv[j]);
            confirm(c, SSUBSCRIBE, c.argv[j], c.subscriptions.shardChannelCount());
        }
        c.subscriptions.mode = true;
    }

    static void unsubscribe(Client c) {
        Subscriptions subs = c.subscriptions;
        PubSub<Client> pubsub = c.server.pubsub;
        if (c.argc == 1) {
            List<ChannelName> all = new ArrayList<>(subs.channels());
            for (ChannelName ch : all) {
                pubsub.unsubscribe(c, ch.bytes());
                confirm(c, UNSUBSCRIBE, ch.bytes(), subs.count());
            }
            if (all.isEmpty()) confirm(c, UNSUBSCRIBE, null, subs.count());
        } else {
            for (int j = 1; j < c.argc; j++) {
                pubsub.unsubscribe(c, c.argv[j]);
                confirm(c, UNSUBSCRIBE, c.argv[j], subs.count());
            }
        }
        leaveModeIfDone(subs);
    }

    static void punsubscribe(Client c) {
        Subscriptions subs = c.subscriptions;
        PubSub<Client> pubsub = c.server.pubsub;
        if (c.argc == 1) {
            List<ChannelName> all = new ArrayList<>(subs.patterns());
            for (ChannelName p : all) {
                pubsub.punsubscribe(c, p.bytes());
                confirm(c, PUNSUBSCRIBE, p.bytes(), subs.count());
            }
            if (all.isEmpty()) confirm(c, PUNSUBSCRIBE, null, subs.count());
        } else {
            for (int j = 1; j < c.argc; j++) {
                pubsub.punsubscribe(c, c.argv[j]);
                confirm(c, PUNSUBSCRIBE, c.argv[j], subs.count());
            }
        }
        leaveModeIfDone(subs);
    }

    static void sunsubscribe(Client c) {
        Subscriptions subs = c.subscriptions;
        PubSub<Client> pubsub = c.server.pubsub;
        if (c.argc == 1) {
            List<ChannelName> all = new ArrayList<>(subs.shardChannels());
            for (ChannelName ch : all) {
                pubsub.sunsubscribe(c, ch.bytes());
                confirm(c, SUNSUBSCRIBE, ch.bytes(), subs.shardChannelCount());
            }
            if (all.isEmpty()) confirm(c, SUNSUBSCRIBE, null, subs.shardChannelCount());
        } else {
            for (int j = 1; j < c.argc; j++) {
                pubsub.sunsubscribe(c, c.argv[j]);
                confirm(c, SUNSUBSCRIBE, c.argv[j], subs.shardChannelCount());
            }
        }
        leaveModeIfDone(subs);
    }

    /** {@code [kind, name, count]}; a null name is written as a null (nothing to unsubscribe from). */
    private static void confirm(Client c, byte[] kind, byte[] name, int count) {
        Reply r = c.reply;
        r.push(3);
        r.bulk(kind);
        r.bulkOrNull(name);
        r.integer(count);
    }

    private static void leaveModeIfDone(Subscriptions subs) {
        if (subs.total() == 0) subs.mode = false;
    }

    // ---- PUBSUB ----------------------------------------------------------------------------------

    /** PUBSUB CHANNELS|SHARDCHANNELS [pattern]: active channels, all or those matching the pattern. */
    static void channels(Client c, boolean shard) {
        if (c.argc > 3) throw subcommandSyntax(c);
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

    /** Redis's addReplySubcommandSyntaxError. */
    private static CommandError subcommandSyntax(Client c) {
        String sub = Args.str(c.argv[1]);
        if (sub.length() > 128) sub = sub.substring(0, 128);
        return new CommandError("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try "
                + Args.str(c.argv[0]).toUpperCase(Locale.ROOT) + " HELP.");
    }

    static void help(Client c) {
        ConnectionCommands.help(c, "PUBSUB",
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
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
