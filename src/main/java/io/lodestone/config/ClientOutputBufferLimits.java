package io.lodestone.config;

/** The value of {@code client-output-buffer-limit}: one limit per client class. */
public record ClientOutputBufferLimits(ClientBufferLimit normal, ClientBufferLimit replica,
                                       ClientBufferLimit pubsub) {

    /** Redis's defaults: normal unlimited, replica 256mb/64mb/60s, pubsub 32mb/8mb/60s. */
    public static final ClientOutputBufferLimits DEFAULTS = new ClientOutputBufferLimits(
            new ClientBufferLimit(0, 0, 0),
            new ClientBufferLimit(256L << 20, 64L << 20, 60),
            new ClientBufferLimit(32L << 20, 8L << 20, 60));

    /** Limit of a class by index: 0 normal, 1 replica, 2 pubsub. */
    ClientBufferLimit get(int clientClass) {
        return switch (clientClass) {
            case 0 -> normal;
            case 1 -> replica;
            default -> pubsub;
        };
    }

    ClientOutputBufferLimits with(int clientClass, ClientBufferLimit limit) {
        return new ClientOutputBufferLimits(clientClass == 0 ? limit : normal,
                clientClass == 1 ? limit : replica, clientClass == 2 ? limit : pubsub);
    }
}
