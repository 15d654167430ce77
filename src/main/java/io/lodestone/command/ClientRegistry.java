package io.lodestone.command;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every connected client by id, in connection order (CLIENT LIST, KILL, INFO clients, timeouts). */
public final class ClientRegistry {
    private final Map<Long, Client> clients = new LinkedHashMap<>();
    private long nextId = 1;

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

    public Collection<Client> all() {
        return clients.values();
    }
}
