package io.lodestone.command;

/**
 * Thrown by argument parsing and handlers to reply with an error; the dispatcher writes it. The text
 * starts with the error code ("ERR ...", "WRONGTYPE ..."). No stack trace: it is control flow.
 */
public final class CommandError extends RuntimeException {
    public CommandError(String message) {
        super(message, null, false, false);
    }
}
