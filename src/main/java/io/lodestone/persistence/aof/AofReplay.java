package io.lodestone.persistence.aof;

/**
 * What the AOF loader needs from the server: the server implements it with a fake client running
 * commands through the dispatcher, with propagation off (Redis's createAOFClient).
 */
public interface AofReplay {
    /**
     * Loads the RDB at the start of {@code file} (a base file, or an old AOF's RDB preamble) into the
     * dataset, logging as Redis does, and returns the file offset where the RDB ends. Throws with the
     * reason when it cannot be loaded.
     */
    long loadRdb(java.nio.file.Path file) throws Exception;

    /** Runs one command; false when no such command exists (nothing is run then). */
    boolean execute(byte[][] argv);

    /** A file ended: the AOF client forgets a transaction it may have open and its selected db. */
    void reset();
}
