package io.lodestone.command.dump;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * MIGRATE's cache of connections to target instances (Redis's migrate_cached_sockets): one per
 * {@code host:port}, at most {@value #MAX_ITEMS}, closed after {@value #TTL_SECONDS} seconds unused.
 * Each remembers the database last selected on it, so a MIGRATE to the same database sends no SELECT.
 * The I/O is synchronous with a timeout, as Redis's syncio.c: MIGRATE blocks the server meanwhile.
 */
public final class MigrateSockets {
    /** MIGRATE_SOCKET_CACHE_ITEMS. */
    static final int MAX_ITEMS = 64;
    /** MIGRATE_SOCKET_CACHE_TTL. */
    static final long TTL_SECONDS = 10;

    private final Map<String, Cached> cache = new HashMap<>();

    /** INFO migrate_cached_sockets. */
    public int size() {
        return cache.size();
    }

    /**
     * migrateGetSocket: the cached connection to {@code host:port}, or a new one (dropping a random
     * cached one when the cache is full). Throws when the connection cannot be made within the timeout.
     */
    Cached get(String host, String port, long timeoutMs) throws IOException {
        String name = host + ":" + port;
        Cached cs = cache.get(name);
        if (cs != null) {
            cs.lastUse = nowSeconds();
            return cs;
        }
        if (cache.size() == MAX_ITEMS) {
            List<String> names = new ArrayList<>(cache.keySet());
            close(names.get(ThreadLocalRandom.current().nextInt(names.size())));
        }
        cs = Cached.connect(host, Integer.parseInt(port), timeoutMs);
        cache.put(name, cs);
        return cs;
    }

    /** migrateCloseSocket: forgets (and closes) the connection to {@code host:port}, if cached. */
    void close(String host, String port) {
        close(host + ":" + port);
    }

    private void close(String name) {
        Cached cs = cache.remove(name);
        if (cs != null) cs.close();
    }

    /** migrateCloseTimedoutSockets, from cron: connections unused for longer than the TTL go. */
    public void closeIdle() {
        long now = nowSeconds();
        cache.entrySet().removeIf(e -> {
            if (now - e.getValue().lastUse <= TTL_SECONDS) return false;
            e.getValue().close();
            return true;
        });
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /** One cached connection (migrateCachedSocket) with Redis's blocking, time-limited I/O. */
    static final class Cached {
        private final SocketChannel channel;
        private final Selector selector;
        private final ByteBuffer in = ByteBuffer.allocate(16 * 1024).flip();
        /** The database selected on the target, -1 when unknown (forces a SELECT). */
        long lastDbid = -1;
        long lastUse = nowSeconds();
        /** Why the connection could not be made: reported by the first write. */
        private IOException failure;

        private Cached(SocketChannel channel, Selector selector) {
            this.channel = channel;
            this.selector = selector;
        }

        /**
         * connBlockingConnect: a TCP connection within {@code timeoutMs}, with TCP_NODELAY. As in Redis,
         * only a connection that cannot even be attempted (an unknown host) fails here; one refused or
         * not made in time fails on its first write.
         */
        static Cached connect(String host, int port, long timeoutMs) throws IOException {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) throw new IOException("unknown host " + host);
            SocketChannel ch = SocketChannel.open();
            Selector sel = Selector.open();
            Cached cs = new Cached(ch, sel);
            try {
                ch.configureBlocking(false);
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                if (!ch.connect(address)) {
                    SelectionKey k = ch.register(sel, SelectionKey.OP_CONNECT);
                    if (sel.select(Math.max(1, timeoutMs)) == 0) {
                        cs.failure = new SocketTimeoutException("connect timed out");
                    } else {
                        ch.finishConnect();
                    }
                    sel.selectedKeys().clear();
                    k.interestOps(0);
                }
            } catch (IOException e) {
                cs.failure = e;
            }
            return cs;
        }

        /** syncWrite: all of {@code data}, or a SocketTimeoutException after {@code timeoutMs}. */
        void write(byte[] data, long timeoutMs) throws IOException {
            if (failure != null) throw failure;
            ByteBuffer b = ByteBuffer.wrap(data);
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (b.hasRemaining()) {
                if (channel.write(b) > 0) continue;
                await(SelectionKey.OP_WRITE, deadline);
            }
        }

        /** syncReadLine: one line without its CRLF, or a SocketTimeoutException after {@code timeoutMs}. */
        String readLine(long timeoutMs) throws IOException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                while (in.hasRemaining()) {
                    byte c = in.get();
                    if (c == '\n') {
                        byte[] l = line.toByteArray();
                        int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                        return new String(l, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
                    }
                    line.write(c);
                }
                in.clear();
                int n = channel.read(in);
                in.flip();
                if (n < 0) throw new IOException("connection closed by the target");
                if (n == 0) await(SelectionKey.OP_READ, deadline);
            }
        }

        private void await(int op, long deadline) throws IOException {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new SocketTimeoutException();
            SelectionKey k = channel.register(selector, op);
            try {
                if (selector.select(left) == 0) throw new SocketTimeoutException();
            } finally {
                selector.selectedKeys().clear();
                k.interestOps(0);
            }
        }

        void close() {
            try {
                selector.close();
                channel.close();
            } catch (IOException ignored) {
                // closing: nothing more to do
            }
        }
    }
}
