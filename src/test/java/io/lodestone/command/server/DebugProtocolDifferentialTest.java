package io.lodestone.command.server;

import io.lodestone.testsupport.Twin;
import io.lodestone.testsupport.TwinExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DEBUG PROTOCOL gives redis-server's exact bytes for every type it knows, in RESP2 and RESP3:
 * attributes and big numbers, booleans, verbatim strings, doubles, maps and sets, the push that
 * RESP2 refuses, and the error for an unknown type.
 */
class DebugProtocolDifferentialTest {
    private static final String[] TYPES = {"string", "integer", "double", "bignum", "null", "array", "set",
        "map", "attrib", "push", "verbatim", "true", "false", "nosuchtype", "STRING"};
    @RegisterExtension
    static final TwinExtension TWIN = new TwinExtension();

    @Test
    void everyTypeInBothProtocols() {
        try (Twin.Conn c = TWIN.twin().connect("protocol")) {
            for (String type : TYPES) c.call("DEBUG", "PROTOCOL", type);
            c.callUnchecked("HELLO", "3"); // the reply holds the client id, which differs
            for (String type : TYPES) {
                c.call("DEBUG", "PROTOCOL", type);
                // a push comes before a real reply, which is read on its own (an attribute is read with its reply)
                if (type.equals("push")) c.read("DEBUG PROTOCOL push (reply)");
            }
            c.call("DEBUG", "PROTOCOL");
            c.call("DEBUG", "PROTOCOL", "string", "extra");
        }
        TWIN.twin().assertSame();
    }
}
