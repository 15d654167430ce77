package io.lodestone.replication;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared replication buffer (Redis 7.0's replBufBlock list): blocks sized as Redis sizes them, the
 * backlog trimmed to about its size unless a replica still refers to older blocks, a replica's output
 * counted as its share of the blocks, and the bytes a replica is sent exactly the stream from its offset.
 */
class BacklogTest {
    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed + i * 31);
        return b;
    }

    /** A stream and one replica on an in-memory channel. */
    private static ReplicaPeer replica(ReplicationStream stream) {
        ReplicaPeer r = new ReplicaPeer(7, new EmbeddedChannel(), "127.0.0.1");
        r.state = ReplicaPeer.State.ONLINE;
        stream.attach(r);
        return r;
    }

    private static byte[] received(ReplicaPeer r) {
        EmbeddedChannel ch = (EmbeddedChannel) r.channel;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            out.writeBytes(a);
        }
        return out.toByteArray();
    }

    @Test
    void blocksAreAtLeast16KbAndAtMostASixteenthOfTheBacklog() {
        Backlog small = new Backlog(16 * 1024, 1);
        assertTrue(small.append(bytes(256 * 1024, 1), 0, 256 * 1024));
        // 256 KB in blocks of 16 KB (a sixteenth of 16 KB is below the 16 KB floor), each counted with Redis's overhead
        assertEquals(16 * (16 * 1024 + ReplBufBlock.OVERHEAD), small.memory());
        Backlog big = new Backlog(16 * 1024 * 1024, 1);
        big.append(bytes(3 * 1024 * 1024, 2), 0, 3 * 1024 * 1024);
        assertEquals(3 * (1024 * 1024 + ReplBufBlock.OVERHEAD), big.memory());
        big.append(bytes(10, 3), 0, 10); // small writes share the last block's room, or one of 16 KB
        assertEquals(3 * (1024 * 1024 + ReplBufBlock.OVERHEAD) + 16 * 1024 + ReplBufBlock.OVERHEAD, big.memory());
    }

    @Test
    void withoutReplicasTheBacklogKeepsAboutItsSize() {
        Backlog b = new Backlog(16 * 1024, 1);
        for (int i = 0; i < 1000; i++) {
            if (b.append(bytes(1000, i), 0, 1000)) b.trim(Backlog.TRIM_BLOCKS_PER_CALL);
        }
        assertTrue(b.histlen() > 16 * 1024 && b.histlen() <= 2 * 16 * 1024 + 1000, "histlen " + b.histlen());
        assertEquals(1 + 1000 * 1000 - b.histlen(), b.firstByteOffset());
        assertTrue(b.holds(b.firstByteOffset()));
        assertFalse(b.holds(b.firstByteOffset() - 1));
    }

    @Test
    void aReplicaThatNeedsOldBlocksMakesTheBacklogOutgrowItsSize() {
        ReplicationStream stream = new ReplicationStream();
        stream.backlogSize(16 * 1024);
        stream.createBacklog();
        ReplicaPeer slow = replica(stream);
        slow.state = ReplicaPeer.State.WAIT_BGSAVE_END; // fed but not sent: its snapshot is in progress
        byte[] data = bytes(1000, 9);
        for (int i = 0; i < 1000; i++) stream.feedRaw(data, 0, data.length);
        stream.flush();
        Backlog b = stream.backlog();
        assertEquals(1000 * 1000, b.histlen(), "nothing trimmed while the replica refers to the first block");
        assertEquals(1, b.firstByteOffset());
        long total = b.memory();
        assertEquals(total, stream.outputBytes(slow), "the replica's share is every block, as Redis counts it");
        // A PSYNC can continue from the start: the history is longer than repl-backlog-size.
        assertTrue(stream.canContinue(stream.replid(), 1));

        stream.detach(slow);
        for (int i = 0; i < 100 && b.histlen() > 32 * 1024; i++) stream.flush();
        assertTrue(b.histlen() <= 32 * 1024, "trimmed once no replica needs it: " + b.histlen());
        assertTrue(b.memory() < total / 10);
    }

    @Test
    void aReplicaIsSentExactlyTheStreamFromItsOffset() {
        ReplicationStream stream = new ReplicationStream();
        stream.backlogSize(16 * 1024);
        stream.createBacklog();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            byte[] d = bytes(700 + i, i);
            stream.feedRaw(d, 0, d.length);
            all.writeBytes(d);
        }
        ReplicaPeer online = replica(stream);
        long from = stream.backlog().firstByteOffset() + 123;
        assertTrue(stream.canContinue(stream.replid(), from));
        assertEquals(stream.offset() + 1 - from, stream.continueFrom(online, from));
        for (int i = 0; i < 50; i++) {
            byte[] d = bytes(5000, i);
            stream.feedRaw(d, 0, d.length);
            all.writeBytes(d);
        }
        stream.flush();
        byte[] expected = Arrays.copyOfRange(all.toByteArray(), (int) from - 1, all.size());
        assertArrayEquals(expected, received(online));
        // Caught up: it refers to the last block only, whatever was written before.
        assertTrue(stream.outputBytes(online) <= 16 * 1024 + ReplBufBlock.OVERHEAD);
    }
}
