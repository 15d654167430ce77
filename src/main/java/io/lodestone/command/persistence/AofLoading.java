package io.lodestone.command.persistence;

import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.ServerContext;
import io.lodestone.persistence.aof.AofLoader;
import io.lodestone.persistence.aof.AofReplay;
import io.lodestone.persistence.aof.AppendOnlyFile;
import io.lodestone.protocol.Reply;
import io.lodestone.util.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.nio.file.Path;

/**
 * Loading the dataset from the AOF (Redis's loadAppendOnlyFiles with its fake AOF client), the one
 * path start-up and DEBUG LOADAOF share: the loading state is on throughout, so nothing expires while
 * later commands of the files may still change a TTL, nothing is propagated, and the commands are
 * not counted.
 */
public final class AofLoading implements AofReplay {
    private final ServerContext server;
    private final Client client;

    private AofLoading(ServerContext server) {
        this.server = server;
        this.client = new Client(Client.AOF_CLIENT_ID, server, new Reply(UnpooledByteBufAllocator.DEFAULT, m -> { }), null);
        client.authenticated = true;
    }

    /**
     * Replays every BASE and INCR file of the manifest already read ({@link AppendOnlyFile#loadManifestFromDisk}).
     * An RDB base (or preamble) keeps keys whose TTL passed: a later command may change the TTL.
     */
    public static AofLoader.Status load(ServerContext server) throws AppendOnlyFile.FatalException {
        server.loading.begin(server.aof.manifestBytes());
        try {
            return server.aof.load(new AofLoading(server));
        } finally {
            server.loading.end();
        }
    }

    /**
     * DEBUG LOADAOF: the data set is emptied and loaded again from the AOF files. The reload is not a
     * change: nothing is propagated, and, as Redis resets server.dirty, no change is left to save. A failed load is an error reply
     * (newer Redis), not an exit (Redis 7.0): the files on disk are untouched either way.
     */
    public static void debugLoadAof(Client c) {
        ServerContext s = c.server;
        if (s.aof.state() == AppendOnlyFile.State.ON) s.aof.writer.flush(true);
        long dirty = s.keyspace.dirty;
        s.keyspace.flushAll();
        AofLoader.Status st;
        try {
            s.aof.loadManifestFromDisk();
            s.aof.delHistoryFiles();
            st = load(s);
        } catch (AppendOnlyFile.FatalException e) {
            st = AofLoader.Status.FAILED;
        } finally {
            s.keyspace.dirty = dirty; // the reload is not a write: nothing to propagate
            s.rdb.forgetChanges();
        }
        if (st != AofLoader.Status.OK && st != AofLoader.Status.EMPTY) {
            throw new CommandError("ERR Error trying to load the AOF files, check server logs.");
        }
        Log.warning("Append Only File loaded by DEBUG LOADAOF");
        c.reply.ok();
    }

    @Override
    public long loadRdb(Path file) throws Exception {
        var r = server.rdb.read(file, true);
        server.rdb.adopt(r);
        return r.end();
    }

    @Override
    public boolean execute(byte[][] argv) {
        if (server.commands.lookup(argv[0]) == null) return false;
        client.argv = argv;
        client.argc = argv.length;
        server.dispatcher.process(client);
        client.argv = null;
        ByteBuf out = client.reply.take();
        if (out != null) out.release();
        return true;
    }

    @Override
    public void reset() {
        if (client.multi != null) server.dispatcher.discardTransaction(client);
        client.select(0);
    }
}
