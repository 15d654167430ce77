package io.lodestone.command;

import io.lodestone.protocol.Reply;
import io.lodestone.store.Database;

/**
 * A client's state as the dispatcher and handlers see it: the arguments of the command being run,
 * the reply writer, the selected database, authentication. One per connection; touched only by the
 * thread that executes commands.
 */
public final class Client {
    public final long id;
    public final ServerContext server;
    public final Reply reply;
    public final Connection conn;
    /** The current command's arguments; valid only during the call. */
    public byte[][] argv;
    public int argc;
    /** The command being executed (or last executed). */
    public CommandSpec cmd;
    public CommandSpec lastCmd;
    private Database db;
    public boolean authenticated;
    public String user = "default";
    public String name;
    public String libName;
    public String libVersion;
    public final long createdMs;
    public long lastInteractionMs;
    /** CLIENT NO-EVICT. */
    public boolean noEvict;
    /** When set, the dispatcher propagates this instead of argv (effects, not requests). */
    public byte[][] propagateArgv;
    public boolean closing;
    /** CLIENT REPLY OFF: no replies at all. */
    public boolean replyOff;
    /** CLIENT REPLY SKIP: the next command's reply is dropped (replySkipNext becomes replySkip). */
    public boolean replySkipNext;
    public boolean replySkip;

    public Client(long id, ServerContext server, Reply reply, Connection conn) {
        this.id = id;
        this.server = server;
        this.reply = reply;
        this.conn = conn;
        this.db = server.keyspace.db(0);
        this.createdMs = System.currentTimeMillis();
        this.lastInteractionMs = createdMs;
        this.authenticated = !server.authRequired();
    }

    public Database db() {
        return db;
    }

    public int dbIndex() {
        return db.id();
    }

    public void select(int index) {
        this.db = server.keyspace.db(index);
    }

    public byte[] arg(int i) {
        return argv[i];
    }

    /** Propagate {@code args} (the command's effect) instead of what the client sent. */
    public void rewritePropagation(byte[]... args) {
        this.propagateArgv = args;
    }
}
