package io.lodestone.store.type;

/**
 * A pending entry (Redis's streamNACK): delivered to a consumer of a group and not yet acknowledged.
 * The same object is in the group's PEL and in its consumer's.
 */
public final class StreamNack {
    /** Unix time in milliseconds of the last delivery. */
    public long deliveryTime;
    /** How many times the entry was delivered. */
    public long deliveryCount;
    /** The consumer that owns it (null only while an RDB group is being read). */
    public StreamConsumer consumer;

    public StreamNack() {
    }

    public StreamNack(StreamConsumer consumer, long deliveryTime, long deliveryCount) {
        this.consumer = consumer;
        this.deliveryTime = deliveryTime;
        this.deliveryCount = deliveryCount;
    }
}
