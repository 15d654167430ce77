package io.lodestone.command.pubsub;

import io.lodestone.command.ServerContext;
import io.lodestone.config.KeyspaceEvents;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Keyspace notifications (Redis's notify.c): an event on a key is published as
 * {@code PUBLISH __keyspace@<db>__:<key> <event>} and {@code PUBLISH __keyevent@<db>__:<event> <key>},
 * in that order, each when notify-keyspace-events enables it ({@code K} and {@code E}). Whether the
 * event's class is enabled was decided by {@link ServerContext#notifyKeyspaceEvent}.
 */
final class KeyspaceNotifications implements ServerContext.KeyspaceNotifier {
    private static final byte[] KEYSPACE = ascii("__keyspace@");
    private static final byte[] KEYEVENT = ascii("__keyevent@");
    private static final byte[] SEPARATOR = ascii("__:");

    private final ServerContext server;
    /** Event names are a few literals: their bytes are made once, as are database numbers. */
    private final Map<String, byte[]> eventBytes = new HashMap<>();
    private final byte[][] dbIds;

    KeyspaceNotifications(ServerContext server) {
        this.server = server;
        this.dbIds = new byte[server.keyspace.databases()][];
        for (int i = 0; i < dbIds.length; i++) dbIds[i] = ascii(Integer.toString(i));
    }

    @Override
    public void notify(int eventClass, String event, byte[] key, int db) {
        if (server.pubsub.isIdle()) return; // nobody listens: skip building the channel names
        byte[] ev = eventBytes.computeIfAbsent(event, KeyspaceNotifications::ascii);
        byte[] dbId = dbIds[db];
        int flags = server.notifyKeyspaceEvents;
        if ((flags & KeyspaceEvents.KEYSPACE) != 0) {
            Publisher.publish(server, channel(KEYSPACE, dbId, key), ev);
        }
        if ((flags & KeyspaceEvents.KEYEVENT) != 0) {
            Publisher.publish(server, channel(KEYEVENT, dbId, ev), key);
        }
    }

    /** prefix + db + "__:" + suffix */
    private static byte[] channel(byte[] prefix, byte[] db, byte[] suffix) {
        byte[] out = new byte[prefix.length + db.length + SEPARATOR.length + suffix.length];
        int pos = 0;
        System.arraycopy(prefix, 0, out, pos, prefix.length);
        pos += prefix.length;
        System.arraycopy(db, 0, out, pos, db.length);
        pos += db.length;
        System.arraycopy(SEPARATOR, 0, out, pos, SEPARATOR.length);
        pos += SEPARATOR.length;
        System.arraycopy(suffix, 0, out, pos, suffix.length);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
