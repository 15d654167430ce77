package io.lodestone.command;

import io.lodestone.replication.ReplicaPeer;

/**
 * The network side of a client, implemented by the server's transport. The command layer sees the
 * socket only through these methods, never as a Netty channel.
 */
public interface Connection {
    /** "ip:port" of the peer. */
    String remoteAddress();

    /** "ip:port" of our end. */
    String localAddress();

    /** A small number identifying the socket (CLIENT LIST fd=). */
    int fd();

    /** Writes what is pending and closes. */
    void closeAfterReply();

    /** Closes now, dropping pending output. */
    void closeNow();

    /** Bytes buffered for the client but not yet written to the socket. */
    long pendingOutputBytes();

    /** Writes and flushes output produced for this client by another client's command. */
    void flushOutput();

    /**
     * Synchronous replication ({@link io.lodestone.command.replication.AckedWrites}): writes the held
     * replies up to the first write past {@code confirmedOffset}, each held write whose deadline is
     * not after {@code nowMs} replaced by the timeout error. Returns the deadline of the first write
     * still held, or -1 when nothing is held any more.
     */
    default long releaseHeld(long confirmedOffset, long nowMs) {
        return -1;
    }

    /** Continues with the commands that arrived while the client was blocked. */
    void resume();

    /**
     * A command postponed by a client pause: runs it again from the start, as if it had just arrived,
     * then continues with the requests behind it. Called when the pause ends.
     */
    void reprocess(byte[][] argv, int argc);

    /** Whether the peer is on this machine (protected mode, "local" debug commands). */
    boolean isLocal();

    /** Whether the connection came through the Unix socket (CLIENT LIST flag U). */
    default boolean unixSocket() {
        return false;
    }

    /**
     * SYNC/PSYNC: the connection becomes the link of replica {@code clientId}, whose stream
     * replication then writes to this socket directly.
     */
    ReplicaPeer becomeReplica(long clientId, String addressIp);
}
