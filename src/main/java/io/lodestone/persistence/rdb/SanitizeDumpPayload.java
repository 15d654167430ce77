package io.lodestone.persistence.rdb;

/**
 * {@code sanitize-dump-payload} (Redis 7.0): whether a serialized value is validated deeply (every
 * entry of every listpack, ziplist and intset, duplicates, counts) or only shallowly (headers) when it
 * is loaded. {@code clients} sanitizes what normal clients RESTORE, not what the master, the AOF or an
 * RDB load bring, which are trusted.
 */
public enum SanitizeDumpPayload {
    NO, YES, CLIENTS;

    /** The config's value ("no", "yes", "clients"). */
    public static SanitizeDumpPayload of(String name) {
        return switch (name) {
            case "yes" -> YES;
            case "clients" -> CLIENTS;
            default -> NO;
        };
    }

    /** Redis's deep_integrity_validation for a load from a trusted source (file, master, AOF) or not. */
    public boolean deep(boolean trusted) {
        return this == YES || (this == CLIENTS && !trusted);
    }
}
