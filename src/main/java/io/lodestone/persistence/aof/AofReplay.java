package io.lodestone.persistence.aof;

/**
 * What the AOF loader needs from the server: the server implements it with a fake client running
 * commands through the dispatcher, with propagation off (Redis's createAOFClient).
 */
public interface AofReplay {
    /**
     * Loads an RDB image (a base file in RDB format) into the dataset, logging as Redis does.
     * Throws with the reason when the image cannot be loaded.
     */
    void loadRdb(byte[] rdb) throws Exception;

    /** Runs one command; false when no such command exists (nothing is run then). */
    boolean execute(byte[][] argv);

    /** A file ended: the AOF client forgets a transaction it may have open and its selected db. */
    void reset();
}
