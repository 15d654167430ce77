package io.lodestone.command.connection;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

/**
 * Client-side caching against redis-server: the same CLIENT TRACKING sessions must produce the same
 * replies and the same invalidation pushes, in the same place relative to the replies.
 */
class TrackingDifferentialTest {
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();
    private final List<Twin.Conn> open = new ArrayList<>();

    @AfterEach
    void closeConnections() {
        for (Twin.Conn c : open) c.close();
        open.clear();
        TWIN.twin().assertSame();
    }

    private Twin.Conn conn(String name) {
        Twin.Conn c = TWIN.twin().connect(name);
        open.add(c);
        c.callUnchecked("HELLO", "3");
        return c;
    }

    @Test
    void defaultModeInvalidatesOnceAfterTheReply() {
        Twin.Conn t = conn("tracker"), w = conn("writer");
        t.call("FLUSHALL");
        t.call("CLIENT", "TRACKING", "on");
        t.call("MGET", "a", "b");
        w.call("SET", "a", "1");
        t.messages("invalidation of a");
        w.call("SET", "a", "2"); // forgotten after the first invalidation
        t.messages("no second invalidation");
        t.call("GET", "b");
        t.call("SET", "b", "own"); // its own change: the push follows the reply
        t.messages("own change");
        t.call("CLIENT", "TRACKINGINFO");
        t.call("CLIENT", "GETREDIR");
        t.call("CLIENT", "TRACKING", "off");
        t.call("CLIENT", "TRACKINGINFO");
    }

    /**
     * A script's reads make its caller remember the keys its EVAL or FCALL declared, not the keys the
     * script read; a script that reads nothing remembers nothing, and EVAL_RO itself nothing either.
     */
    @Test
    void scriptsTrackTheirDeclaredKeysWhenTheyRead() {
        Twin.Conn t = conn("tracker"), w = conn("writer");
        t.call("CLIENT", "TRACKING", "on");
        t.call("EVAL", "redis.call('set', 'sc.k3', 'bar')", "2", "sc.k1", "sc.k2");
        w.call("MSET", "sc.k2", "1", "sc.k1", "1");
        t.messages("a script that read nothing");
        t.call("EVAL", "redis.call('get', 'sc.k3')", "2", "sc.k1", "sc.k2");
        w.call("MSET", "sc.k2", "2", "sc.k1", "2", "sc.k3", "2");
        t.messages("a script that read: its declared keys");
        t.call("EVAL_RO", "redis.call('ping')", "2", "sc.k1", "sc.k2");
        w.call("MSET", "sc.k2", "3", "sc.k1", "3");
        t.messages("EVAL_RO without a read");
        t.call("EVAL_RO", "redis.call('get', 'sc.k1')", "2", "sc.k1", "sc.k2");
        w.call("MSET", "sc.k2", "4", "sc.k1", "4");
        t.messages("EVAL_RO with a read");
        t.call("FUNCTION", "LOAD", "REPLACE",
                "#!lua name=sclib\nredis.register_function{function_name='scget', callback=function(keys) return redis.call('get', 'sc.k3') end, flags={'no-writes'}}");
        t.call("FCALL_RO", "scget", "1", "sc.k2");
        w.call("SET", "sc.k2", "5");
        t.messages("FCALL_RO with a read");
        t.call("CLIENT", "TRACKING", "off");
        t.call("FUNCTION", "DELETE", "sclib");
    }

    /** Invalidations are pushes: they reach a tracking client whose replies are off. */
    @Test
    void invalidationsReachAClientWithRepliesOff() {
        Twin.Conn t = conn("tracker"), w = conn("writer");
        t.call("CLIENT", "TRACKING", "on");
        t.call("GET", "off.k");
        t.send("CLIENT", "REPLY", "OFF");
        w.call("SET", "off.k", "1");
        t.read("invalidation while replies are off");
        t.send("GET", "off.k");
        t.call("CLIENT", "REPLY", "ON");
        w.call("SET", "off.k", "2");
        t.messages("invalidation of a key read while replies were off");
        t.call("CLIENT", "TRACKING", "off");
    }

    @Test
    void noloopOptinOptoutAndFlush() {
        Twin.Conn t = conn("tracker"), w = conn("writer");
        t.call("CLIENT", "TRACKING", "on", "NOLOOP");
        t.call("GET", "n");
        t.call("SET", "n", "1");
        t.messages("NOLOOP: nothing about its own change");
        t.call("CLIENT", "TRACKING", "off");
        t.call("CLIENT", "TRACKING", "on", "OPTIN");
        t.call("GET", "x");
        t.call("CLIENT", "CACHING", "yes");
        t.call("GET", "y");
        w.call("MSET", "x", "1", "y", "2");
        t.messages("only y was cached");
        t.call("CLIENT", "TRACKINGINFO");
        t.call("CLIENT", "CACHING", "no");
        t.call("CLIENT", "TRACKING", "on", "OPTOUT");
        t.call("CLIENT", "TRACKING", "off");
        t.call("CLIENT", "TRACKING", "on");
        w.call("FLUSHALL");
        t.messages("flush: a null invalidation");
        t.call("CLIENT", "TRACKING", "off");
    }

    @Test
    void bcastPrefixesAndErrors() {
        Twin.Conn t = conn("tracker"), w = conn("writer");
        t.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:", "PREFIX", "b:");
        w.call("MSET", "a:1", "x", "c:1", "y", "b:2", "z");
        t.messages("a: and b: keys");
        t.call("CLIENT", "TRACKINGINFO");
        t.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:x");
        t.call("CLIENT", "TRACKING", "on", "PREFIX", "a:");
        t.call("CLIENT", "TRACKING", "on", "OPTIN");
        t.call("CLIENT", "TRACKING", "off");
        t.call("CLIENT", "TRACKING", "on", "BCAST", "OPTIN");
        t.call("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT");
        t.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p", "PREFIX", "pq");
        t.call("CLIENT", "TRACKING", "maybe");
        t.call("CLIENT", "CACHING", "yes");
        t.call("CLIENT", "TRACKING", "on", "REDIRECT", "999999");
        t.call("CLIENT", "TRACKING", "on", "BCAST");
        t.callUnchecked("RESET"); // clears tracking too
        t.call("CLIENT", "TRACKINGINFO");
    }
}
