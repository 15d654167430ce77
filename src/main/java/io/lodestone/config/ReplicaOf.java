package io.lodestone.config;

/** The value of {@code replicaof} when this server is a replica: its primary's address. */
public record ReplicaOf(String host, int port) {
}
