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

    // ---- Buffers, as CLIENT LIST shows them and ClientRegistry accounts them ----

    /** Redis's qbuf: bytes in the query buffer. */
    default long queryBufferLength() {
        return 0;
    }

    /** Redis's qbuf-free: room allocated in the query buffer and not used. */
    default long queryBufferFree() {
        return 0;
    }

    /** Redis's argv-mem: bytes of the arguments of the request in hand. */
    default long argvMemory() {
        return 0;
    }

    /** Arguments of the request in hand. */
    default int argvCount() {
        return 0;
    }

    /** Redis's omem for a client that is not a replica: output beyond the reply buffer's first part. */
    default long outputListBytes() {
        return 0;
    }

    /** Redis's oll: the blocks of output queued beyond the reply buffer. */
    default long outputListLength() {
        return 0;
    }

    /** Redis's clientsCronResizeQueryBuffer; {@code idle}: no interaction for more than 2 seconds. */
    default void resizeQueryBuffer(boolean idle) {
    }

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

    /**
     * The socket for a synchronous exchange on the command thread, bypassing the event loop (the Lua
     * debugger's SYNC sessions, as Redis reads and writes the debugging client's socket from inside
     * the script): null when this connection cannot offer one (TLS, a transport without a file
     * descriptor).
     */
    default RawSocket rawSocket() {
        return null;
    }

    /** Direct, non-blocking I/O on a client's socket, used on the command thread only. */
    interface RawSocket {
        /** The bytes received after the command being run and not decoded yet: they are the caller's now. */
        byte[] takeBuffered();

        /** Reads into {@code b}: the count read, 0 when nothing is there yet, -1 at end of stream or on error. */
        int read(byte[] b);

        /** Writes from {@code b[off..off+len)}: the count written, 0 when the socket is full, -1 on error. */
        int write(byte[] b, int off, int len);
    }
}
