package io.lodestone.store.type;

import java.util.Arrays;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A consumer group (Redis's streamCG): its last delivered ID, its logical read counter, its pending
 * entries list and its consumers. Consumers are ordered as Redis's rax orders them: unsigned
 * byte-lexicographically by name.
 */
public final class StreamGroup {
    /** Redis's SCG_INVALID_ENTRIES_READ. */
    public static final long INVALID_ENTRIES_READ = -1;

    private final byte[] name;
    /** The last ID delivered to the group's consumers. */
    public StreamID lastId;
    /** Entries read by the group (its logical position in the stream), or {@link #INVALID_ENTRIES_READ}. */
    public long entriesRead;
    /** Entries delivered and not acknowledged, with their owners. */
    public final NavigableMap<StreamID, StreamNack> pel = new TreeMap<>();
    private final TreeMap<byte[], StreamConsumer> consumers = new TreeMap<>(Arrays::compareUnsigned);

    StreamGroup(byte[] name, StreamID lastId, long entriesRead) {
        this.name = name;
        this.lastId = lastId;
        this.entriesRead = entriesRead;
    }

    public byte[] name() {
        return name;
    }

    /** streamLookupConsumer: null if absent. */
    public StreamConsumer consumer(byte[] name) {
        return consumers.get(name);
    }

    /** streamCreateConsumer: null if one of that name exists. The name is kept, not copied. */
    public StreamConsumer createConsumer(byte[] name, long seenTimeMs) {
        if (consumers.containsKey(name)) return null;
        StreamConsumer c = new StreamConsumer(name, seenTimeMs);
        consumers.put(name, c);
        return c;
    }

    /**
     * streamDelConsumer: removes the consumer and its pending entries from the group's PEL.
     *
     * @return how many pending entries it had, or -1 if there is no such consumer
     */
    public long deleteConsumer(byte[] name) {
        StreamConsumer c = consumers.remove(name);
        if (c == null) return -1;
        for (StreamID id : c.pel.keySet()) pel.remove(id);
        return c.pel.size();
    }

    /** The consumers, in Redis's order. */
    public Collection<StreamConsumer> consumers() {
        return consumers.values();
    }

    public int consumerCount() {
        return consumers.size();
    }

    /** A deep copy: the same consumers and pending entries, sharing NACKs between PELs as here. */
    StreamGroup copy() {
        StreamGroup g = new StreamGroup(name, lastId, entriesRead);
        java.util.IdentityHashMap<StreamNack, StreamNack> copies = new java.util.IdentityHashMap<>();
        for (StreamConsumer c : consumers.values()) {
            StreamConsumer cc = g.createConsumer(c.name(), c.seenTime);
            for (var e : c.pel.entrySet()) {
                StreamNack n = e.getValue();
                StreamNack nn = new StreamNack(cc, n.deliveryTime, n.deliveryCount);
                copies.put(n, nn);
                cc.pel.put(e.getKey(), nn);
            }
        }
        for (var e : pel.entrySet()) {
            StreamNack n = e.getValue();
            StreamNack nn = copies.get(n);
            // A NACK without a consumer exists only mid-load; copy it as it is.
            if (nn == null) nn = new StreamNack(null, n.deliveryTime, n.deliveryCount);
            g.pel.put(e.getKey(), nn);
        }
        return g;
    }
}
