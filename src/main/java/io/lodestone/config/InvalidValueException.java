package io.lodestone.config;

/**
 * A value a parameter refuses. The message is Redis's error text for it, without any prefix
 * (for example {@code argument must be 'yes' or 'no'}); callers wrap it in the CONFIG SET or
 * config-file template.
 */
final class InvalidValueException extends Exception {

    InvalidValueException(String message) {
        super(message, null, false, false);
    }
}
