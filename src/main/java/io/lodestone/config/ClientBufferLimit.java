package io.lodestone.config;

/**
 * Output buffer limit of one client class: disconnect at {@code hardLimitBytes}, or when the
 * buffer stays above {@code softLimitBytes} for {@code softLimitSeconds}. Zero disables a limit.
 * Byte counts are unsigned 64-bit values.
 */
public record ClientBufferLimit(long hardLimitBytes, long softLimitBytes, long softLimitSeconds) {
}
