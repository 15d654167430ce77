package io.lodestone.command;

/** The network side of a client, implemented by the server's transport. */
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

    /** Continues with the commands that arrived while the client was blocked. */
    void resume();

    /** Whether the peer is on this machine (protected mode, "local" debug commands). */
    boolean isLocal();

    /** The socket, for a connection that becomes a replica link and is written to directly. */
    io.netty.channel.Channel channel();
}
