package io.lodestone.command;

import java.util.ArrayList;
import java.util.List;

/** A client's transaction between MULTI and EXEC: the queued commands and whether EXEC must abort. */
public final class MultiState {
    /** One queued command: its spec and a private copy of its arguments. */
    public record Queued(CommandSpec cmd, byte[][] argv) {
    }

    public final List<Queued> commands = new ArrayList<>();
    /** A command was refused while queueing (Redis's CLIENT_DIRTY_EXEC): EXEC replies EXECABORT. */
    public boolean aborted;
}
