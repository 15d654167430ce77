package io.lodestone.store.type;

import java.util.NavigableMap;
import java.util.TreeMap;

/** A consumer of a group (Redis's streamConsumer). Redis 7.0 keeps only its seen-time. */
public final class StreamConsumer {
    private final byte[] name;
    /** Unix time in milliseconds of the consumer's last interaction. */
    public long seenTime;
    /** The entries delivered to this consumer and not acknowledged: the group PEL's objects. */
    public final NavigableMap<StreamID, StreamNack> pel = new TreeMap<>();

    StreamConsumer(byte[] name, long seenTime) {
        this.name = name;
        this.seenTime = seenTime;
    }

    public byte[] name() {
        return name;
    }
}
