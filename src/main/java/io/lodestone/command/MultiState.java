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
    /** Bytes of the queued arguments, summed over {@link #counted} commands (commands are only appended). */
    private long argvBytes;
    private long overhead;
    private int counted;

    /** Redis's mstate.argv_len_sums (CLIENT LIST multi-mem): bytes of the queued commands' arguments. */
    public long argvBytes() {
        catchUp();
        return argvBytes;
    }

    /**
     * Redis's multiStateMemOverhead: the queued arguments and what holds them (the record, the argument
     * array and each argument's header: estimates of the JVM's layout).
     */
    public long memory() {
        catchUp();
        return argvBytes + overhead;
    }

    private void catchUp() {
        for (; counted < commands.size(); counted++) {
            byte[][] argv = commands.get(counted).argv();
            overhead += 32 + 16 + 8L * argv.length;
            for (byte[] a : argv) {
                argvBytes += a.length;
                overhead += 16;
            }
        }
    }
}
