package io.lodestone.server;

import io.lodestone.command.ServerContext;
import io.lodestone.command.dump.DumpCommands;
import io.lodestone.persistence.RdbPersistence;
import io.lodestone.persistence.rdb.RdbFileLoader;
import io.lodestone.persistence.rdb.RdbValueReader;
import io.lodestone.persistence.rdb.ReplInfo;
import io.lodestone.replication.Replication;

import java.util.List;

/** What RDB persistence learns from the rest of the server: encodings, and the replication history. */
final class RdbHost implements RdbPersistence.Host {
    private final ServerContext server;

    RdbHost(ServerContext server) {
        this.server = server;
    }

    @Override
    public RdbValueReader.Limits limits() {
        return DumpCommands.limits(server);
    }

    /**
     * Redis's rdbPopulateSaveInfo: a master with a backlog saves its own history, a replica that has
     * (or had) a master saves the master's, so that after a restart the first PSYNC can continue.
     */
    @Override
    public ReplInfo replicationInfo() {
        Replication r = server.replication;
        int db;
        if (!r.isReplica && r.stream.backlog() != null) {
            db = Math.max(0, r.stream.selectedDb());
        } else if (r.isReplica && server.masterLink.streamDb() >= 0) {
            db = server.masterLink.streamDb();
        } else {
            return null;
        }
        return new ReplInfo(db, r.stream.replid(), r.stream.offset());
    }

    @Override
    public boolean isReplica() {
        return server.masterLink != null && server.masterLink.isReplica();
    }

    @Override
    public void restoreReplication(ReplInfo info, List<RdbFileLoader.Dropped> expired) {
        if (isReplica()) {
            if (info != null) server.masterLink.restoreFromRdb(info.replid(), info.offset(), info.streamDb());
            return;
        }
        var stream = server.replication.stream;
        if (info != null) stream.restoreMasterHistory(info.replid(), info.offset());
        else stream.createBacklog();
        byte[] del = server.config.getBool("lazyfree-lazy-expire") ? UNLINK : DEL;
        for (RdbFileLoader.Dropped d : expired) stream.feedCommand(d.db(), new byte[][]{del, d.key()}, 2);
        // Without a history no replica can continue: Redis drops the backlog again (the offset stays).
        if (info == null) stream.freeBacklog();
    }

    private static final byte[] DEL = {'D', 'E', 'L'};
    private static final byte[] UNLINK = {'U', 'N', 'L', 'I', 'N', 'K'};
}
