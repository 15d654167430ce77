package io.lodestone.pubsub;

/** Anything that can subscribe: it carries its own side of the bookkeeping. */
public interface Subscriber {
    Subscriptions subscriptions();
}
