package io.lodestone.command.pubsub;

import io.lodestone.testsupport.Info;
import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import io.lodestone.testsupport.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

/**
 * Pub/Sub against a real redis-server 7.0, byte for byte, with several connections: subscription
 * confirmations and messages in RESP2 (arrays) and RESP3 (pushes), their order relative to replies,
 * the RESP2 subscribed context, RESET, disconnection, MULTI, the sharded commands, PUBSUB, and the
 * Pub/Sub facts of CLIENT LIST, CLIENT KILL and INFO. Each test uses channel names of its own.
 */
class PubSubDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();

    private static Twin.Conn conn(String name) {
        return TWIN.conn(name);
    }

    private static void hello3(Twin.Conn c) {
        c.callUnchecked("HELLO", "3"); // the reply holds the client id, which differs
    }

    @Test
    void subscriptionConfirmationsAndMessagesInResp2() {
        Twin.Conn sub = conn("sub"), pub = conn("pub");
        Twin.Conn sub2 = conn("sub2");
        sub.call("SUBSCRIBE", "r2.a", "r2.b", "r2.a");
        sub.read("SUBSCRIBE (2nd)");
        sub.read("SUBSCRIBE (3rd)");
        sub.call("PSUBSCRIBE", "r2.*");
        // Redis walks its patterns in hash order: one pattern per subscriber keeps the order defined.
        sub2.call("PSUBSCRIBE", "r2.?");
        pub.call("PUBLISH", "r2.a", "hello");
        sub.messages("PUBLISH r2.a");
        pub.call("PUBLISH", "r2.b", "");
        pub.call("PUBLISH", "r2.zz", "pattern only");
        pub.call("PUBLISH", "r2.none.at.all", "x");
        pub.call("PUBLISH", "other", "nobody");
        pub.call("PUBLISH", "r2.a", new byte[]{0, 1, (byte) 0xff, '\r', '\n'});
        sub.messages("several PUBLISH");
        sub2.messages("several PUBLISH");
        sub.call("UNSUBSCRIBE", "r2.a");
        sub.call("UNSUBSCRIBE", "r2.a", "never");
        sub.read("UNSUBSCRIBE (2nd)");
        sub.call("PUNSUBSCRIBE", "r2.?");
        sub2.call("PUNSUBSCRIBE", "r2.?");
        pub.call("PUBLISH", "r2.a", "after");
        sub.messages("PUBLISH after unsubscribing");
        sub2.messages("PUBLISH after unsubscribing");
        sub.call("UNSUBSCRIBE");
        sub.call("PUNSUBSCRIBE");
        // Nothing left: each form still confirms once, with a null name.
        sub.call("UNSUBSCRIBE");
        sub.call("PUNSUBSCRIBE");
        sub.call("SUNSUBSCRIBE");
        sub.call("GET", "k"); // out of Pub/Sub mode again
    }

    @Test
    void confirmationsAndMessagesArePushesInResp3() {
        Twin.Conn sub = conn("sub"), pub = conn("pub");
        hello3(sub);
        sub.call("SUBSCRIBE", "r3.a");
        sub.call("PSUBSCRIBE", "r3.*");
        sub.call("SSUBSCRIBE", "r3.s");
        pub.call("PUBLISH", "r3.a", "m1");
        pub.call("SPUBLISH", "r3.s", "m2");
        sub.messages("PUBLISH and SPUBLISH");
        // A RESP3 subscriber may run anything.
        sub.call("SET", "r3.k", "v");
        sub.call("GET", "r3.k");
        sub.call("PING");
        sub.call("PUBSUB", "NUMSUB", "r3.a");
        sub.call("UNSUBSCRIBE", "r3.a");
        sub.call("PUNSUBSCRIBE");
        sub.call("SUNSUBSCRIBE");
        sub.call("UNSUBSCRIBE");
        sub.call("DEL", "r3.k");
    }

    @Test
    void aPublisherSubscribedToItsChannelGetsTheMessageBeforeTheReply() {
        Twin.Conn c = conn("self");
        hello3(c);
        c.call("SUBSCRIBE", "self.ch");
        c.call("PSUBSCRIBE", "self.*");
        c.send("PUBLISH", "self.ch", "to myself");
        c.read("PUBLISH (message)");
        c.read("PUBLISH (pmessage)");
        c.read("PUBLISH (reply)");
        c.call("UNSUBSCRIBE");
        c.call("PUNSUBSCRIBE");
    }

    @Test
    void resp2SubscribedContextAllowsOnlyPubSubCommandsPingQuitReset() {
        Twin.Conn c = conn("ctx"), other = conn("other");
        c.call("SUBSCRIBE", "ctx.a");
        c.call("GET", "k");
        c.call("SET", "k", "v");
        c.call("CLIENT", "LIST");
        c.call("MULTI");
        c.call("PUBLISH", "ctx.a", "x");
        c.call("PUBSUB", "NUMSUB");
        c.call("HELLO"); // not allowed either
        c.call("PING");
        c.call("PING", "arg");
        c.call("PING", "a", "b");
        c.call("NOSUCHCOMMAND");
        c.call("SUBSCRIBE");
        c.call("SSUBSCRIBE", "ctx.s");
        c.call("UNSUBSCRIBE", "ctx.a");
        c.call("GET", "k"); // still subscribed to a shard channel
        c.call("SUNSUBSCRIBE", "ctx.s");
        c.call("GET", "k");
        c.call("PSUBSCRIBE", "ctx.*");
        c.call("RESET");
        c.call("GET", "k");
        c.call("PING");
        other.call("PUBSUB", "NUMPAT");
        other.call("PUBSUB", "NUMSUB", "ctx.a");
        c.call("SUBSCRIBE", "ctx.q");
        c.call("QUIT");
        c.expectClose("QUIT");
    }

    @Test
    void subscribeInsideMultiExec() {
        Twin.Conn c = conn("tx");
        c.call("MULTI");
        c.call("SUBSCRIBE", "tx.a");
        c.call("PSUBSCRIBE", "tx.*");
        c.call("SSUBSCRIBE", "tx.s");
        c.call("EXEC");
        c.call("GET", "k"); // now subscribed
        c.call("UNSUBSCRIBE");
        c.call("PUNSUBSCRIBE");
        c.call("GET", "k");
        Twin.Conn r3 = conn("tx3");
        hello3(r3);
        r3.call("MULTI");
        r3.call("SUBSCRIBE", "tx3.a");
        r3.call("PUBLISH", "tx3.a", "inside exec");
        r3.call("EXEC");
        r3.call("UNSUBSCRIBE");
    }

    @Test
    void shardedChannelsAreSeparateFromChannelsAndPatterns() {
        Twin.Conn s = conn("shard"), p = conn("pat"), pub = conn("pub");
        s.call("SSUBSCRIBE", "sh.a", "sh.b", "sh.a");
        s.read("SSUBSCRIBE (2nd)");
        s.read("SSUBSCRIBE (3rd)");
        p.call("PSUBSCRIBE", "sh.*");
        pub.call("SPUBLISH", "sh.a", "shard message");
        pub.call("PUBLISH", "sh.a", "plain message");
        pub.call("SPUBLISH", "sh.none", "x");
        s.messages("SPUBLISH and PUBLISH");
        p.messages("SPUBLISH and PUBLISH");
        pub.call("PUBSUB", "SHARDNUMSUB", "sh.a", "sh.b", "sh.none");
        pub.call("PUBSUB", "SHARDNUMSUB");
        pub.call("PUBSUB", "SHARDCHANNELS", "sh.a*");
        pub.call("PUBSUB", "SHARDCHANNELS", "nomatch*");
        pub.call("PUBSUB", "SHARDCHANNELS", "a", "b");
        pub.call("PUBSUB", "NUMSUB", "sh.a");
        s.call("SUNSUBSCRIBE", "sh.b");
        s.call("SUNSUBSCRIBE", "sh.b");
        s.call("SUNSUBSCRIBE");
        s.call("SUNSUBSCRIBE");
        p.call("PUNSUBSCRIBE");
    }

    @Test
    void pubsubIntrospection() {
        Twin.Conn a = conn("a"), b = conn("b"), q = conn("q");
        a.call("SUBSCRIBE", "in.x");
        b.call("SUBSCRIBE", "in.x", "in.y");
        b.read("SUBSCRIBE (2nd)");
        a.call("PSUBSCRIBE", "in.*");
        b.call("PSUBSCRIBE", "in.*", "other.*");
        b.read("PSUBSCRIBE (2nd)");
        q.call("PUBSUB", "NUMSUB", "in.x", "in.y", "in.z", "in.x");
        q.call("PUBSUB", "NUMSUB");
        q.call("PUBSUB", "NUMPAT");
        q.call("PUBSUB", "CHANNELS", "in.x");
        q.call("PUBSUB", "CHANNELS", "in.[x]");
        q.call("PUBSUB", "CHANNELS", "nothing*");
        q.call("PUBSUB", "CHANNELS", "a", "b");
        q.call("PUBSUB", "ChAnNeLs", "a", "b");
        q.call("PUBSUB", "NUMPAT", "extra");
        q.call("PUBSUB", "HELP");
        q.call("PUBSUB", "HELP", "extra");
        q.call("PUBSUB", "NOSUCH");
        q.call("PUBSUB");
        q.call("PUBLISH", "in.x", "m");
        q.call("PUBLISH", "in.x");
        q.call("SPUBLISH", "in.x");
        q.call("SUBSCRIBE");
        hello3(q);
        q.call("PUBSUB", "NUMSUB", "in.y");
        q.call("PUBSUB", "CHANNELS", "in.y");
        q.call("PUBSUB", "NUMPAT");
        q.callUnchecked("HELLO", "2");
        a.messages("PUBLISH");
        b.messages("PUBLISH");
        String[] info = q.callUnchecked("INFO", "stats");
        TWIN.twin().compare("INFO stats pubsub lines", pubsubLines(info[0]), pubsubLines(info[1]));
        a.call("UNSUBSCRIBE");
        a.call("PUNSUBSCRIBE");
        b.call("UNSUBSCRIBE", "in.x");
        b.call("PUNSUBSCRIBE", "other.*");
        info = q.callUnchecked("INFO", "stats");
        TWIN.twin().compare("INFO stats pubsub lines after unsubscribing", pubsubLines(info[0]), pubsubLines(info[1]));
        q.call("PUBSUB", "NUMPAT");
    }

    private static String pubsubLines(String info) {
        StringBuilder sb = new StringBuilder();
        Info.parse(info).forEach((name, value) -> {
            if (name.startsWith("pubsub")) sb.append(name).append(':').append(value).append(';');
        });
        return sb.toString();
    }

    @Test
    void clientListShowsSubscriptionsAndTheClientType() {
        Twin.Conn s = conn("s"), q = conn("q");
        s.call("SUBSCRIBE", "cl.a", "cl.b");
        s.read("SUBSCRIBE (2nd)");
        s.call("PSUBSCRIBE", "cl.*");
        s.call("SSUBSCRIBE", "cl.s");
        q.call("MULTI");
        compareClientFields("CLIENT LIST TYPE pubsub", q, "CLIENT", "LIST", "TYPE", "pubsub");
        q.call("DISCARD");
        compareClientFields("CLIENT LIST TYPE pubsub", q, "CLIENT", "LIST", "TYPE", "pubsub");
        compareClientFields("CLIENT LIST TYPE normal", q, "CLIENT", "LIST", "TYPE", "normal");
        compareClientFields("CLIENT LIST TYPE master", q, "CLIENT", "LIST", "TYPE", "master");
        s.callUnordered(2, "UNSUBSCRIBE");
        s.call("PUNSUBSCRIBE");
        compareClientFields("CLIENT LIST TYPE pubsub (shard only)", q, "CLIENT", "LIST", "TYPE", "pubsub");
        s.call("SUNSUBSCRIBE");
        compareClientFields("CLIENT LIST TYPE pubsub (none)", q, "CLIENT", "LIST", "TYPE", "pubsub");
        compareClientFields("CLIENT LIST TYPE normal (all)", q, "CLIENT", "LIST", "TYPE", "normal");
        Twin.Conn r3 = conn("r3");
        hello3(r3);
        r3.call("SUBSCRIBE", "cl.r3");
        compareClientFields("CLIENT INFO of a RESP3 subscriber", r3, "CLIENT", "INFO");
        r3.call("UNSUBSCRIBE");
        compareClientFields("CLIENT INFO after UNSUBSCRIBE", r3, "CLIENT", "INFO");
    }

    /** Compares the flags and subscription counts of each line (ids, addresses and ages differ). */
    private void compareClientFields(String what, Twin.Conn c, Object... args) {
        String[] replies = c.callUnchecked(args);
        TWIN.twin().compare(what, fields(replies[0]), fields(replies[1]));
    }

    private static String fields(String reply) {
        StringBuilder sb = new StringBuilder();
        for (String line : Twin.clientLines(reply)) {
            for (String f : List.of("flags", "sub", "psub", "ssub", "multi", "resp")) {
                sb.append(f).append('=').append(Twin.clientField(line, f)).append(' ');
            }
            sb.append("| ");
        }
        return sb.toString();
    }

    @Test
    void clientKillTypePubsubDisconnectsSubscribersOnly() {
        Twin.Conn s1 = conn("s1"), s2 = conn("s2"), n = conn("n"), q = conn("q");
        s1.call("SUBSCRIBE", "kill.a");
        s2.call("PSUBSCRIBE", "kill.*");
        n.call("PING");
        q.call("CLIENT", "KILL", "TYPE", "pubsub");
        s1.expectClose("CLIENT KILL TYPE pubsub");
        s2.expectClose("CLIENT KILL TYPE pubsub");
        n.call("PING");
        q.call("PUBSUB", "NUMSUB", "kill.a");
        q.call("PUBSUB", "NUMPAT");
        q.call("PUBLISH", "kill.a", "nobody left");
        q.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        n.expectClose("CLIENT KILL TYPE normal");
    }

    @Test
    void aDisconnectedSubscriberIsForgotten() throws Exception {
        Twin.Conn s = conn("gone"), q = conn("q");
        s.call("SUBSCRIBE", "gone.a");
        s.call("PSUBSCRIBE", "gone.*");
        s.call("SSUBSCRIBE", "gone.s");
        s.close();
        // The servers notice the close asynchronously: wait (bounded) until both have.
        Wait.until(Duration.ofSeconds(5), "both servers to forget the closed subscriber", () -> {
            String[] r = q.callUnchecked("PUBLISH", "gone.a", "x");
            return r[0].equals(":0\r\n") && r[1].equals(":0\r\n");
        });
        q.call("PUBLISH", "gone.a", "x");
        q.call("SPUBLISH", "gone.s", "x");
        q.call("PUBSUB", "NUMSUB", "gone.a");
        q.call("PUBSUB", "SHARDNUMSUB", "gone.s");
        q.call("PUBSUB", "CHANNELS", "gone.*");
        q.call("PUBSUB", "NUMPAT");
    }

    @Test
    void everySubscriberOfAChannelGetsTheMessage() {
        Twin.Conn a = conn("a"), b = conn("b"), c = conn("c"), pub = conn("pub");
        a.call("SUBSCRIBE", "all.x");
        b.call("SUBSCRIBE", "all.x");
        hello3(c);
        c.call("PSUBSCRIBE", "all.[xy]");
        pub.call("PUBLISH", "all.x", "one");
        pub.call("PUBLISH", "all.y", "two");
        a.messages("PUBLISH");
        b.messages("PUBLISH");
        c.messages("PUBLISH");
        // Binary channel names and patterns.
        byte[] bin = {'b', 0, (byte) 0x80, '*'};
        a.call("SUBSCRIBE", bin);
        b.call("PSUBSCRIBE", new byte[]{'b', 0, '?', '\\', '*'});
        pub.call("PUBLISH", bin, "bin");
        a.messages("PUBLISH binary");
        b.messages("PUBLISH binary");
        a.call("UNSUBSCRIBE", "all.x");
        a.call("UNSUBSCRIBE", bin);
        b.call("UNSUBSCRIBE");
        b.call("PUNSUBSCRIBE");
        c.call("PUNSUBSCRIBE");
    }

    /**
     * CLIENT REPLY OFF and SKIP silence replies but not Pub/Sub pushes: confirmations and messages
     * still arrive, in RESP3 and in RESP2, while other replies (PING here) are dropped.
     */
    @Test
    void pubSubReachesAClientWithRepliesOff() {
        Twin.Conn sub = conn("sub"), pub = conn("pub");
        hello3(sub);
        sub.send("CLIENT", "REPLY", "OFF");
        sub.call("SUBSCRIBE", "off.ch");
        sub.call("PSUBSCRIBE", "off.*");
        sub.call("SSUBSCRIBE", "off.shard");
        sub.send("PING");
        pub.call("PUBLISH", "off.ch", "hello");
        sub.read("message");
        sub.read("pmessage");
        pub.call("SPUBLISH", "off.shard", "shard hello");
        sub.read("smessage");
        sub.call("UNSUBSCRIBE", "off.ch");
        sub.call("PUNSUBSCRIBE", "off.*");
        sub.call("SUNSUBSCRIBE", "off.shard");
        sub.call("CLIENT", "REPLY", "ON");
        sub.call("PING");

        Twin.Conn skip = conn("skip");
        skip.send("CLIENT", "REPLY", "SKIP");
        skip.call("PSUBSCRIBE", "skip.*"); // the skipped command: its confirmation is a push
        pub.call("PUBLISH", "skip.a", "x");
        skip.messages("PUBLISH");
        skip.send("CLIENT", "REPLY", "OFF");
        skip.send("PING");
        skip.call("PUNSUBSCRIBE");
        skip.send("CLIENT", "REPLY", "SKIP"); // ignored while OFF
        skip.call("CLIENT", "REPLY", "ON");
        skip.call("PING");
    }
}
