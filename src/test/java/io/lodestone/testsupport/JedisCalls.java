package io.lodestone.testsupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

import java.nio.charset.StandardCharsets;

/** Any command through Jedis, arguments as text or bytes: for commands Jedis has no method for. */
public final class JedisCalls {
    private JedisCalls() {
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code args} (byte arrays as they are, anything else as its text) and returns Jedis's raw reply. */
    public static Object call(Jedis j, Object... args) {
        byte[][] rest = new byte[args.length - 1][];
        for (int i = 1; i < args.length; i++) rest[i - 1] = args[i] instanceof byte[] x ? x : bytes(args[i].toString());
        ProtocolCommand cmd = () -> bytes(args[0].toString());
        return j.sendCommand(cmd, rest);
    }
}
