package io.lodestone.command;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every connected client by id, in connection order (CLIENT LIST, KILL, INFO clients, timeouts). */
public final class ClientRegistry {
    private final Map<Long, Client> clients = new LinkedHashMap<>();
    /**
     * Redis creates its two script clients (EVAL's and FUNCTION's Lua engines) at start-up with ids
     * 1 and 2, so the first connection gets 3; tools and tests rely on that, so ids start there.
     */
    private long nextId = 3;

    public long nextId() {
        return nextId++;
    }

    public void add(Client c) {
        clients.put(c.id, c);
    }

    public void remove(Client c) {
        clients.remove(c.id);
    }

    public Client get(long id) {
        return clients.get(id);
    }

    public int size() {
        return clients.size();
    }

    /** A client's own structures (its object, parser state and reply buffer) before its buffers grow. */
    static final long CLIENT_BASE = 1024;

    /** mem_clients_normal: what the clients that are not replicas hold (their structures, here). */
    public long normalClientsMemory() {
        return (long) clients.size() * CLIENT_BASE;
    }

    public Collection<Client> all() {
        return clients.values();
    }
}
