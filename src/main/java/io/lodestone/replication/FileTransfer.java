package io.lodestone.replication;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.NoSuchElementException;

/**
 * A disk-based full sync's RDB file to a replica's socket. On plain TCP the kernel copies it
 * (sendfile(2), Netty's FileRegion). A replica on the TLS port needs every byte encrypted, which
 * sendfile cannot do, so there the file goes through the TLS handler in 64 KB chunks, read as the
 * socket drains (a ChunkedWriteHandler in the replica's pipeline for the transfer only, so the
 * stream that follows pays nothing for it).
 */
final class FileTransfer {
    private static final int CHUNK = 64 * 1024;

    private FileTransfer() {
    }

    /** Writes and flushes {@code len} bytes of {@code fc}; the future completes when they are sent. */
    static ChannelFuture send(Channel ch, FileChannel fc, long len) throws IOException {
        if (ch.pipeline().get(SslHandler.class) == null) return ch.writeAndFlush(new DefaultFileRegion(fc, 0, len));
        ChunkedWriteHandler chunks = new ChunkedWriteHandler();
        ch.pipeline().addLast(chunks);
        ChannelFuture f = ch.writeAndFlush(new ChunkedNioFile(fc, 0, len, CHUNK));
        f.addListener(done -> {
            try {
                ch.pipeline().remove(chunks);
            } catch (NoSuchElementException e) {
                // The channel closed and its pipeline was torn down already.
            }
        });
        return f;
    }
}
