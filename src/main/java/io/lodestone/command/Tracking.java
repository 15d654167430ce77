package io.lodestone.command;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Client-side caching (Redis's tracking.c). A client with CLIENT TRACKING on is told when a key it
 * may have cached changes:
 * <ul>
 *   <li>default mode: the keys its read-only commands read are remembered in the tracking table
 *       (key to client ids); the first change of such a key sends one invalidation to each of them
 *       and forgets the key. OPTIN/OPTOUT with CLIENT CACHING choose which reads count; the table
 *       holds at most {@code tracking-table-max-keys} keys, others are invalidated to make room;</li>
 *   <li>BCAST mode: every change of a key under one of the client's prefixes, gathered per call;</li>
 *   <li>NOLOOP: not about the client's own changes.</li>
 * </ul>
 * Invalidations are RESP3 pushes, or Pub/Sub messages on {@code __redis__:invalidate} to the
 * REDIRECT client. Those the calling client causes for itself follow its reply; BCAST ones are
 * sent when the server flushes its output (Redis's beforeSleep), all keys of a prefix in one message.
 */
public final class Tracking {
    static final byte[] INVALIDATE = "invalidate".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CHANNEL = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    static final byte[] REDIR_BROKEN = "tracking-redir-broken".getBytes(StandardCharsets.US_ASCII);

    /** A tracking client's settings (Redis's CLIENT_TRACKING_* flags and redirection). */
    public static final class State {
        public boolean on, bcast, optin, optout, noloop, brokenRedirect;
        /** CLIENT CACHING given for the next command. */
        public boolean caching;
        public long redirect;
        /** BCAST prefixes, in order. */
        public final TreeMap<ByteBuffer, Boolean> prefixes = new TreeMap<>();
    }

    /** A BCAST prefix: its clients and the keys changed under it since the last broadcast. */
    private static final class Prefix {
        final Set<Client> clients = new LinkedHashSet<>();
        /** Key to the client that changed it (for NOLOOP). */
        final Map<ByteBuffer, Client> changed = new LinkedHashMap<>();
    }

    private final ServerContext server;
    /** Key to the ids of the clients that may have cached it. */
    private final Map<ByteBuffer, Set<Long>> table = new HashMap<>();
    private long totalItems;
    private final Map<ByteBuffer, Prefix> prefixTable = new TreeMap<>();
    private int trackingClients;
    /** The client whose command is running (Redis's current_client), and the nesting depth. */
    private Client current;
    private int nesting;
    /** Invalidations for {@link #current} caused by its own command, sent after its reply (null: a flush). */
    private final List<byte[]> pendingForCurrent = new ArrayList<>();
    private boolean pendingFlush;
    /** The running command already told of a flush. */
    private boolean flushNotified;
    public long maxKeys = 1_000_000;
    private int evictionRounds;
    private final Random random = new Random();

    Tracking(ServerContext server) {
        this.server = server;
    }

    public int clients() {
        return trackingClients;
    }

    public int totalKeys() {
        return table.size();
    }

    public long totalItems() {
        return totalItems;
    }

    public int totalPrefixes() {
        return prefixTable.size();
    }

    // ---- CLIENT TRACKING ---------------------------------------------------------------------------

    /** enableTracking: options already checked by the caller. */
    public void enable(Client c, long redirect, boolean bcast, boolean optin, boolean optout, boolean noloop,
                       List<byte[]> prefixes) {
        State s = c.tracking == null ? (c.tracking = new State()) : c.tracking;
        if (!s.on) trackingClients++;
        s.on = true;
        s.brokenRedirect = s.bcast = s.optin = s.optout = s.noloop = false;
        s.redirect = redirect;
        if (bcast) {
            s.bcast = true;
            if (prefixes.isEmpty()) addPrefix(c, new byte[0]);
            for (byte[] p : prefixes) addPrefix(c, p);
        }
        s.optin = optin;
        s.optout = optout;
        s.noloop = noloop;
    }

    /** disableTracking; also when the client goes away. The table keeps its id: it is dropped lazily. */
    public void disable(Client c) {
        State s = c.tracking;
        if (s == null || !s.on) return;
        if (s.bcast) {
            for (ByteBuffer p : s.prefixes.keySet()) {
                Prefix px = prefixTable.get(p);
                if (px == null) continue;
                px.clients.remove(c);
                if (px.clients.isEmpty()) prefixTable.remove(p);
            }
            s.prefixes.clear();
        }
        s.on = s.bcast = s.optin = s.optout = s.noloop = s.brokenRedirect = s.caching = false;
        trackingClients--;
    }

    private void addPrefix(Client c, byte[] prefix) {
        ByteBuffer p = ByteBuffer.wrap(prefix);
        if (c.tracking.prefixes.put(p, Boolean.TRUE) != null) return;
        prefixTable.computeIfAbsent(p, x -> new Prefix()).clients.add(c);
    }

    /** checkPrefixCollisionsOrReply: null, or the error for the first prefix that overlaps another. */
    public static String prefixCollision(Client c, List<byte[]> prefixes) {
        for (int i = 0; i < prefixes.size(); i++) {
            byte[] p = prefixes.get(i);
            if (c.tracking != null) {
                for (ByteBuffer existing : c.tracking.prefixes.keySet()) {
                    byte[] e = bytes(existing);
                    if (overlap(e, p)) {
                        return "ERR Prefix '" + str(p) + "' overlaps with an existing prefix '" + str(e)
                                + "'. Prefixes for a single client must not overlap.";
                    }
                }
            }
            for (int j = i + 1; j < prefixes.size(); j++) {
                if (overlap(p, prefixes.get(j))) {
                    return "ERR Prefix '" + str(p) + "' overlaps with another provided prefix '" + str(prefixes.get(j))
                            + "'. Prefixes for a single client must not overlap.";
                }
            }
        }
        return null;
    }

    /** stringCheckPrefix: one is a prefix of the other. */
    private static boolean overlap(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) if (a[i] != b[i]) return false;
        return true;
    }

    // ---- Around each call ---------------------------------------------------------------------------

    void beginCall(Client c) {
        if (nesting++ == 0) current = c;
    }

    /**
     * After a call: the keys a read-only command read are remembered; at the outermost level the
     * client's own invalidations follow its reply.
     */
    void endCall(Client c, CommandSpec cmd) {
        if (cmd.is(CommandSpec.READONLY)) {
            // A read run by a script makes its caller remember the keys the EVAL or FCALL declared;
            // the read-only script commands themselves remember nothing (Redis's call()).
            Client caller = c.isScript && c.scriptCaller != null ? c.scriptCaller : c;
            if (caller.tracking != null && caller.tracking.on && !caller.tracking.bcast && !isReadOnlyScriptCall(cmd)) {
                rememberKeys(caller, caller.cmd);
            }
        }
        if (--nesting > 0) return;
        Client self = current;
        current = null;
        flushNotified = false;
        if (self != null && (pendingFlush || !pendingForCurrent.isEmpty())) {
            if (pendingFlush) send(self, null);
            for (byte[] key : pendingForCurrent) send(self, key);
            pendingFlush = false;
            pendingForCurrent.clear();
        }
    }

    /** Redis's resetClient: CLIENT CACHING lasts for the next command only (a transaction keeps it). */
    void afterCommand(Client c, CommandSpec cmd) {
        if (c.tracking != null && c.multi == null && !cmd.fullName().startsWith("client|")) c.tracking.caching = false;
    }

    private static boolean isReadOnlyScriptCall(CommandSpec cmd) {
        return switch (cmd.fullName()) {
            case "eval_ro", "evalsha_ro", "fcall_ro" -> true;
            default -> false;
        };
    }

    private void rememberKeys(Client c, CommandSpec cmd) {
        State s = c.tracking;
        if ((s.optin && !s.caching) || (s.optout && s.caching) || cmd.is(CommandSpec.PUBSUB)) return;
        for (CommandSpec.KeyRef k : cmd.keys(c.argv, c.argc)) {
            ByteBuffer key = ByteBuffer.wrap(c.argv[k.pos()].clone());
            if (table.computeIfAbsent(key, x -> new LinkedHashSet<>()).add(c.id)) totalItems++;
        }
    }

    // ---- Invalidation -------------------------------------------------------------------------------

    /** trackingInvalidateKey: a key changed (by {@link #current}, or by the server itself). */
    void keyChanged(byte[] key) {
        if (trackingClients == 0 && table.isEmpty()) return;
        invalidate(key, true);
    }

    private void invalidate(byte[] key, boolean bcast) {
        if (bcast && !prefixTable.isEmpty()) rememberForBroadcast(key);
        Set<Long> ids = table.remove(ByteBuffer.wrap(key));
        if (ids == null) return;
        totalItems -= ids.size();
        for (long id : ids) {
            Client target = server.clients.get(id);
            if (target == null || target.tracking == null || !target.tracking.on || target.tracking.bcast) continue;
            if (target.tracking.noloop && target == current) continue;
            if (target == current) pendingForCurrent.add(key);
            else send(target, key);
        }
    }

    /**
     * A database was emptied (FLUSHALL, FLUSHDB, a load replacing the data: Redis's signalFlushedDb):
     * every tracking client is told "everything", once per command however many databases it emptied.
     */
    void flushed() {
        if (nesting > 0) {
            if (flushNotified) return;
            flushNotified = true;
        }
        if (trackingClients > 0) {
            for (Client c : server.clients.all()) {
                if (c.tracking == null || !c.tracking.on) continue;
                if (c == current) pendingFlush = true;
                else send(c, null);
            }
        }
        table.clear();
        totalItems = 0;
    }

    private void rememberForBroadcast(byte[] key) {
        for (Map.Entry<ByteBuffer, Prefix> e : prefixTable.entrySet()) {
            byte[] p = bytes(e.getKey());
            if (p.length <= key.length && overlap(p, key)) e.getValue().changed.put(ByteBuffer.wrap(key), current);
        }
    }

    /** trackingBroadcastInvalidationMessages: one message per prefix and client, NOLOOP keys left out. */
    void broadcast() {
        if (prefixTable.isEmpty()) return;
        for (Prefix px : prefixTable.values()) {
            if (px.changed.isEmpty()) continue;
            for (Client c : px.clients) {
                List<byte[]> keys = new ArrayList<>(px.changed.size());
                for (Map.Entry<ByteBuffer, Client> k : px.changed.entrySet()) {
                    if (c.tracking.noloop && k.getValue() == c) continue;
                    keys.add(bytes(k.getKey()));
                }
                if (!keys.isEmpty()) sendKeys(c, keys);
            }
            px.changed.clear();
        }
    }

    /** trackingLimitUsedSlots: invalidates keys at random until the table fits tracking-table-max-keys. */
    public void limitUsedSlots() {
        if (maxKeys == 0 || table.size() <= maxKeys) {
            evictionRounds = 0;
            return;
        }
        int effort = 100 * (evictionRounds + 1);
        while (effort-- > 0 && !table.isEmpty()) {
            Iterator<ByteBuffer> it = table.keySet().iterator();
            int skip = random.nextInt(Math.min(table.size(), 64));
            ByteBuffer k = it.next();
            while (skip-- > 0 && it.hasNext()) k = it.next();
            invalidate(bytes(k), false);
            if (table.size() <= maxKeys) {
                evictionRounds = 0;
                return;
            }
        }
        evictionRounds++;
    }

    // ---- Messages -----------------------------------------------------------------------------------

    private void send(Client c, byte[] key) {
        sendKeys(c, key == null ? null : List.of(key));
    }

    /** sendTrackingMessage: {@code keys} null means a flush (a null instead of the array). */
    private void sendKeys(Client c, List<byte[]> keys) {
        Client to = c;
        boolean redirected = false;
        if (c.tracking.redirect != 0) {
            to = server.clients.get(c.tracking.redirect);
            // A client that is closing (QUIT, CLIENT KILL) is gone for Redis by the next command:
            // its connection may not have closed here yet.
            if (to == null || to.closing) {
                c.tracking.brokenRedirect = true;
                if (c.reply.protocol() > 2) {
                    boolean wasPushing = c.reply.pushing(true);
                    c.reply.push(2);
                    c.reply.bulk(REDIR_BROKEN);
                    c.reply.integer(c.tracking.redirect);
                    c.reply.pushing(wasPushing);
                    server.wake(c);
                }
                return;
            }
            redirected = true;
        }
        if (to.reply.protocol() <= 2 && !(redirected && to.subscriptions.mode)) {
            return; // RESP2 without a redirection cannot carry pushes
        }
        // A push (Redis's CLIENT_PUSHING): it reaches a client whose replies are off.
        boolean wasPushing = to.reply.pushing(true);
        if (to.reply.protocol() > 2) {
            to.reply.push(2);
            to.reply.bulk(INVALIDATE);
        } else {
            to.reply.push(3);
            to.reply.bulk(MESSAGE);
            to.reply.bulk(CHANNEL);
        }
        if (keys == null) {
            to.reply.nullBulk();
        } else {
            to.reply.array(keys.size());
            for (byte[] k : keys) to.reply.bulk(k);
        }
        to.reply.pushing(wasPushing);
        server.wake(to);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
