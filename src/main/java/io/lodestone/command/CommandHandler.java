package io.lodestone.command;

/** A command implementation: parses {@code c.argv}, changes data, replies through {@code c.reply}. */
@FunctionalInterface
public interface CommandHandler {
    void call(Client c);
}
