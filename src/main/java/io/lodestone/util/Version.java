package io.lodestone.util;

/** Versions we report. Clients check the Redis version to choose features, so we report Redis's. */
public final class Version {
    private Version() {
    }

    /** The Redis version whose behaviour we implement (INFO redis_version, HELLO version). */
    public static final String REDIS_VERSION = "7.0.15";
    /** Lodestone's own version (INFO lodestone_version). */
    public static final String LODESTONE_VERSION = "0.1.0";
}
