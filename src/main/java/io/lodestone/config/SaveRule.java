package io.lodestone.config;

/**
 * One {@code save <seconds> <changes>} rule: snapshot when at least {@code changes} writes
 * happened within {@code seconds}.
 */
public record SaveRule(long seconds, int changes) {
}
