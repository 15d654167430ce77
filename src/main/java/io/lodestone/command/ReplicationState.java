package io.lodestone.command;

import java.util.ArrayList;
import java.util.List;

/**
 * What the command layer keeps about replication beside replication/'s own objects: the rules a
 * replica applies to its clients (replica-read-only, replica-serve-stale-data: written by the config
 * bindings) and the clients blocked in WAIT (written by WAIT and by whoever frees a client).
 */
public final class ReplicationState {
    /** replica-read-only: a replica refuses writes from its own clients. */
    public boolean replicaReadOnly;
    /** replica-serve-stale-data: a replica whose link is down still answers. */
    public boolean replicaServeStaleData;
    /** replica-ignore-maxmemory: a replica leaves evictions to its master. */
    public volatile boolean replicaIgnoreMaxmemory = true;
    /** Clients blocked in WAIT, served as replicas acknowledge (Redis's clients_waiting_acks). */
    public final List<Client> waitingAcks = new ArrayList<>();
}
