package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.protocol.Reply;

/**
 * DEBUG PROTOCOL &lt;type&gt;: one reply of each RESP type with Redis's fixed contents, so that clients
 * (and Redis's tests) can check how they parse it, in RESP2 and RESP3 alike. As in Redis, attributes
 * and pushes exist only in RESP3, so this is the one handler that looks at the protocol.
 */
final class DebugProtocol {
    private DebugProtocol() {
    }

    static void protocol(Client c) {
        Reply r = c.reply;
        byte[] name = c.argv[2];
        if (Args.is(name, "string")) {
            r.bulk("Hello World");
        } else if (Args.is(name, "integer")) {
            r.integer(12345);
        } else if (Args.is(name, "double")) {
            r.doubleValue(3.141);
        } else if (Args.is(name, "bignum")) {
            r.bigNumber("1234567999999999999999999999999999999");
        } else if (Args.is(name, "null")) {
            r.nullBulk();
        } else if (Args.is(name, "array")) {
            r.array(3);
            for (int j = 0; j < 3; j++) r.integer(j);
        } else if (Args.is(name, "set")) {
            r.set(3);
            for (int j = 0; j < 3; j++) r.integer(j);
        } else if (Args.is(name, "map")) {
            r.map(3);
            for (int j = 0; j < 3; j++) {
                r.integer(j);
                r.bool(j == 1);
            }
        } else if (Args.is(name, "attrib")) {
            if (r.resp3()) {
                r.attribute(1);
                r.bulk("key-popularity");
                r.array(2);
                r.bulk("key:123");
                r.integer(90);
            }
            // An attribute is not a reply: a real one follows it.
            r.bulk("Some real reply following the attribute");
        } else if (Args.is(name, "push")) {
            if (!r.resp3()) throw new CommandError("ERR RESP2 is not supported by this command");
            boolean wasPushing = r.pushing(true);
            r.push(2);
            r.bulk("server-cpu-usage");
            r.integer(42);
            r.pushing(wasPushing);
            // A push is out of band: a real reply follows, for clients that wait for one.
            r.bulk("Some real reply following the push reply");
        } else if (Args.is(name, "true")) {
            r.bool(true);
        } else if (Args.is(name, "false")) {
            r.bool(false);
        } else if (Args.is(name, "verbatim")) {
            r.verbatim("This is a verbatim\nstring");
        } else {
            throw new CommandError("ERR Wrong protocol type name. Please use one of the following: "
                    + "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
        }
    }
}
