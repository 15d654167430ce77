package io.lodestone.security;

import io.lodestone.command.Client;
import io.lodestone.command.connection.ClientCommand;
import io.lodestone.protocol.Reply;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * ACL LOG (Redis's ACLLog): the latest denials, newest first, at most acllog-max-len. A denial like
 * one of the last ten (same reason, context, object and user within 60 s) bumps that entry's count
 * and moves it to the front instead of adding another.
 */
final class AclLog {
    static final int CTX_TOPLEVEL = 0, CTX_MULTI = 1, CTX_LUA = 2;
    private static final long GROUPING_MS = 60_000;
    private static final int SCAN_FOR_MATCH = 10;

    private static final class Entry {
        long count = 1;
        int reason;
        int context;
        String object;
        String username;
        long ctime;
        String clientInfo;
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    volatile long maxLen = 128;

    void add(Client c, int reason, int context, String object, String username) {
        Entry e = new Entry();
        e.reason = reason;
        e.context = context;
        e.object = object;
        e.username = username;
        e.ctime = System.currentTimeMillis();
        // A script's command is logged with its caller's details, as Redis logs its script_caller.
        Client real = c.isScript && c.scriptCaller != null ? c.scriptCaller : c;
        e.clientInfo = ClientCommand.describe(real, real).strip();
        int scanned = 0;
        for (Iterator<Entry> it = entries.iterator(); it.hasNext() && scanned++ < SCAN_FOR_MATCH; ) {
            Entry old = it.next();
            if (old.reason == e.reason && old.context == e.context && Math.abs(old.ctime - e.ctime) <= GROUPING_MS
                    && old.object.equals(e.object) && old.username.equals(e.username)) {
                it.remove();
                old.count++;
                old.ctime = e.ctime;
                old.clientInfo = e.clientInfo;
                entries.addFirst(old);
                return;
            }
        }
        entries.addFirst(e);
        while (entries.size() > maxLen) entries.removeLast();
    }

    void reset() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    /** ACL LOG [count]: up to {@code count} entries, newest first, as Redis's seven-field maps. */
    void reply(Reply r, long count) {
        long n = Math.min(Math.max(count, 0), entries.size());
        r.array(n);
        long now = System.currentTimeMillis();
        Iterator<Entry> it = entries.iterator();
        for (long i = 0; i < n; i++) {
            Entry e = it.next();
            r.map(7);
            r.bulk("count");
            r.integer(e.count);
            r.bulk("reason");
            r.bulk(switch (e.reason) {
                case Acl.DENIED_CMD -> "command";
                case Acl.DENIED_KEY -> "key";
                case Acl.DENIED_CHANNEL -> "channel";
                case Acl.DENIED_AUTH -> "auth";
                default -> "unknown";
            });
            r.bulk("context");
            r.bulk(switch (e.context) {
                case CTX_TOPLEVEL -> "toplevel";
                case CTX_MULTI -> "multi";
                case CTX_LUA -> "lua";
                default -> "unknown";
            });
            r.bulk("object");
            r.bulk(e.object);
            r.bulk("username");
            r.bulk(e.username);
            r.bulk("age-seconds");
            r.doubleValue((now - e.ctime) / 1000.0);
            r.bulk("client-info");
            r.bulk(e.clientInfo);
        }
    }
}
