package io.lodestone.protocol;

import io.lodestone.util.SplitArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;

/**
 * Turns a client's byte stream into argument vectors, the way Redis's {@code processMultibulkBuffer} and
 * {@code processInlineBuffer} do, including their limits and error texts.
 *
 * <p>Bytes may arrive in any fragmentation. What arrives is appended to the client's query buffer (Redis's
 * {@code c->querybuf}, a heap buffer of {@link #IOBUF_LEN} to start with), decoded from there, and what was
 * decoded is trimmed off after each read, as Redis's {@code sdsrange} does. Header lines ({@code *N},
 * {@code $N}, inline commands) stay in it until their CRLF arrives. A bulk shorter than {@link #BIG_ARG} is
 * copied into its argument as it arrives; a longer one (Redis's big argument) is received whole in the query
 * buffer, grown to its length when its header arrives, and copied once complete, so its size shows in the
 * query buffer as it does in Redis's. The argument vector array is reused between commands; the byte arrays
 * in it are fresh for each command, so handlers may keep them (keys and values go straight into the store).
 *
 * <p>{@link #resize} is Redis's clientsCronResizeQueryBuffer: cron gives back the room a client does not use.
 */
public final class RequestDecoder {
    /** Redis's PROTO_INLINE_MAX_SIZE: the longest inline command or header line. */
    public static final int INLINE_MAX_SIZE = 64 * 1024;
    /**
     * Returned by {@link #decode} when a request outgrew {@code client-query-buffer-limit}: Redis
     * closes such a client without a reply.
     */
    public static final String QUERY_BUFFER_LIMIT = "query buffer limit";
    /** Redis's PROTO_IOBUF_LEN: the query buffer's first size, the room a read is given. */
    public static final int IOBUF_LEN = 16 * 1024;
    /** Redis's PROTO_MBULK_BIG_ARG: bulks from this size on are received whole in the query buffer. */
    public static final int BIG_ARG = 32 * 1024;
    /** Redis's PROTO_RESIZE_THRESHOLD: a busy client's query buffer is shrunk only above this size. */
    private static final int RESIZE_THRESHOLD = 32 * 1024;
    /** A big argument's room is reserved up to this much ahead of the bytes received (then it grows). */
    private static final int PREALLOCATE_LIMIT = 1 << 20;
    /** The longest bulk an array can hold. */
    private static final long MAX_BULK = Integer.MAX_VALUE - 8;

    /** What the decoder needs from its connection. */
    public interface Sink {
        /** Called once per complete command; {@code argv[0..argc)} are the arguments. */
        void command(byte[][] argv, int argc);

        /** Whether the connection still has to authenticate (Redis then refuses big headers). */
        boolean authRequired();

        /** Redis's {@code proto-max-bulk-len}. */
        long maxBulkLength();

        /** Redis's {@code client-query-buffer-limit}: the most one request may hold in memory. */
        long maxQueryBuffer();

        /** Whether the decoder should stop handing out commands (the client is closing, or paused). */
        boolean stopped();

        /** An empty inline line arrived: a keep-alive (a replica that is loading sends them). */
        default void keepAlive() {
        }
    }

    private final Sink sink;
    private final ByteBufAllocator alloc;

    private byte[][] argv = new byte[8][];
    private int argc;
    /** Bulks still to read in the current multibulk request; 0 when between requests. */
    private int multibulkRemaining;
    /** Length of the bulk being read, or -1 while its {@code $N} header is awaited. */
    private long bulkLength = -1;
    /** The argument a short bulk is copied into as it arrives; null while a big one is received whole. */
    private byte[] bulk;
    private int bulkFilled;
    /**
     * Redis's query buffer: the bytes received and not yet trimmed (during {@link #decode}, the requests of
     * this read already run are still in it, before its reader index). Null until the first read, and
     * again once cron took it back from an idle client.
     */
    private ByteBuf querybuf;
    /** Redis's querybuf_peak: the most the query buffer held since cron last looked. */
    private int querybufPeak;
    /** While {@link #decode} works through the query buffer. */
    private boolean decoding;
    /** Redis's argv_len_sum: bytes of the arguments of the request being received or run. */
    private long argvBytes;
    private boolean released;
    /** Trailing CRLF bytes of the last bulk still to skip (Redis skips them without checking). */
    private int skipCrlf;
    /** The request is complete once the CRLF being skipped is: Redis runs it only then. */
    private boolean dispatchAfterCrlf;
    private String error;
    /** Bytes of the current request's arguments held so far (query buffer accounting). */
    private long requestBytes;

    public RequestDecoder(Sink sink, ByteBufAllocator alloc) {
        this.sink = sink;
        this.alloc = alloc;
    }

    /**
     * Consumes {@code in} (and releases nothing: the caller owns it), calling the sink for every complete
     * command. Returns null, or a protocol error text (without the leading '-') after which the
     * connection must be closed once the reply is written.
     */
    public String decode(ByteBuf in) {
        if (error != null) return error;
        if (released) return null;
        int n = in.readableBytes();
        if (n > 0) {
            reserve(n);
            querybuf.writeBytes(in);
        }
        ByteBuf buf = querybuf;
        if (buf == null || !buf.isReadable()) return null;
        if (buf.writerIndex() > querybufPeak) querybufPeak = buf.writerIndex();
        decoding = true;
        try {
            while (buf.isReadable() && error == null && !sink.stopped()) {
                if (!step(buf)) break;
            }
        } finally {
            decoding = false;
        }
        trim();
        return error;
    }

    /** Trims what was decoded off the query buffer (Redis's sdsrange to qb_pos after a read). */
    private void trim() {
        ByteBuf buf = querybuf;
        if (buf == null) return;
        if (!buf.isReadable()) buf.clear();
        else if (buf.readerIndex() > 0) buf.discardReadBytes();
    }

    /**
     * Room for {@code n} more bytes: a first buffer of {@link #IOBUF_LEN}; for a big argument being received,
     * room up to its end; otherwise doubling, as sds grows below 1 MB.
     */
    private void reserve(int n) {
        ByteBuf buf = querybuf;
        if (buf == null) {
            querybuf = alloc.heapBuffer(Math.max(IOBUF_LEN, n));
            return;
        }
        if (buf.writableBytes() >= n) return;
        long need = (long) buf.writerIndex() + n;
        long target;
        if (receivingBigArg()) {
            long end = buf.readerIndex() + bigArgRemaining();
            target = Math.max(need, Math.min(end, Math.max(need * 2, need + PREALLOCATE_LIMIT)));
        } else {
            target = Math.max(need, Math.min((long) buf.capacity() * 2, need + PREALLOCATE_LIMIT));
        }
        buf.capacity((int) Math.min(Integer.MAX_VALUE - 8, target));
    }

    private boolean receivingBigArg() {
        return bulkLength >= 0 && bulk == null;
    }

    /** Bytes of the big argument being received still to come, with its CRLF, from the reader index. */
    private long bigArgRemaining() {
        return bulkLength + 2;
    }

    /**
     * Redis's clientsCronResizeQueryBuffer: a buffer wasting more than 4 KB is given back when the client
     * has been idle for more than 2 seconds ({@code idle}), or shrunk to what it held at its peak since the
     * last call when it is above 32 KB and twice that peak; then the peak starts again from what it holds.
     */
    public void resize(boolean idle) {
        ByteBuf buf = querybuf;
        if (buf == null || decoding) return;
        int used = buf.readableBytes();
        int capacity = buf.capacity();
        if (capacity - used > 4 * 1024) {
            if (idle) {
                shrinkTo(used);
            } else if (capacity > RESIZE_THRESHOLD && capacity / 2 > querybufPeak) {
                long size = Math.max(used, querybufPeak);
                if (receivingBigArg()) size = Math.max(size, bigArgRemaining());
                shrinkTo((int) size);
            }
        }
        querybufPeak = used;
        if (receivingBigArg() && bulkLength > querybufPeak) querybufPeak = (int) bulkLength;
    }

    private void shrinkTo(int size) {
        if (size == 0) {
            querybuf.release();
            querybuf = null;
        } else {
            querybuf.discardReadBytes();
            querybuf.capacity(size);
        }
    }

    /**
     * Redis's sdslen(querybuf), CLIENT LIST qbuf: the bytes received and not trimmed yet (while a command of
     * this read runs, the read's requests, that one included), and those of a short bulk being received.
     */
    public long queryBufferLength() {
        return (querybuf == null ? 0 : querybuf.writerIndex()) + (bulk == null ? 0 : bulkFilled);
    }

    /** Redis's sdsavail(querybuf), CLIENT LIST qbuf-free: room allocated and not used yet. */
    public long queryBufferFree() {
        return (querybuf == null ? 0 : querybuf.capacity() - querybuf.writerIndex())
                + (bulk == null ? 0 : bulk.length - bulkFilled);
    }

    /** Redis's argv_len_sum, CLIENT LIST argv-mem: bytes of the arguments received of the request in hand. */
    public long argvBytes() {
        return argvBytes;
    }

    /** Arguments of the request in hand (received so far, or being run). */
    public int argc() {
        return argc;
    }

    /**
     * The command in hand has run: its arguments are the handler's now (kept in the store, queued in a
     * transaction) or garbage, no longer the client's (Redis's freeClientArgv, or queueMultiCommand
     * taking them).
     */
    public void commandDone() {
        if (!decoding) return; // a command run again after a pause: not this decoder's request
        argc = 0;
        argvBytes = 0;
    }

    /** True between requests: nothing of a next request has been received (no bytes held, no bulk open). */
    public boolean atRequestBoundary() {
        return !hasPending() && multibulkRemaining == 0 && bulkLength == -1 && skipCrlf == 0 && error == null;
    }

    /**
     * Holds {@code bytes} as received but not yet decoded, ahead of whatever arrives next: requests
     * that were read on the connection's behalf (while a script was busy) and are now given back.
     * Only at a request boundary; the next {@link #decode} runs them.
     */
    public void hold(byte[] bytes) {
        if (bytes.length == 0 || released) return;
        reserve(bytes.length);
        querybuf.writeBytes(bytes);
    }

    /**
     * Takes the bytes received after the command being dispatched (or, between reads, the bytes held):
     * the caller consumes them, and the decoder goes on as if they had never arrived. Only at a
     * request boundary, from the sink's {@code command}.
     */
    public byte[] takeUnread() {
        ByteBuf buf = querybuf;
        if (buf == null || !buf.isReadable() || !atRequestBoundaryIgnoringHeld()) return new byte[0];
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        return b;
    }

    private boolean atRequestBoundaryIgnoringHeld() {
        return multibulkRemaining == 0 && bulkLength == -1 && skipCrlf == 0 && error == null;
    }

    /** True when {@link #decode} left bytes it could not use yet. */
    public boolean hasPending() {
        return querybuf != null && querybuf.isReadable();
    }

    /**
     * Bytes received but not yet decoded (held while the client is blocked, a line is incomplete or a bulk
     * is still arriving): what client-query-buffer-limit bounds.
     */
    public long pendingBytes() {
        return (querybuf == null ? 0 : querybuf.readableBytes()) + (bulk == null ? 0 : bulkFilled);
    }

    /** Gives back pooled memory; the decoder is unusable afterwards. */
    public void release() {
        if (querybuf != null) {
            querybuf.release();
            querybuf = null;
        }
        released = true;
    }

    /** Makes one step of progress; false when more bytes are needed. */
    private boolean step(ByteBuf buf) {
        if (skipCrlf > 0) {
            int n = Math.min(skipCrlf, buf.readableBytes());
            buf.skipBytes(n);
            skipCrlf -= n;
            if (skipCrlf > 0) return false;
            if (dispatchAfterCrlf) {
                dispatchAfterCrlf = false;
                dispatch();
            }
            return true;
        }
        if (multibulkRemaining == 0) {
            return buf.getByte(buf.readerIndex()) == '*' ? multibulkHeader(buf) : inline(buf);
        }
        if (bulkLength < 0) return bulkHeader(buf);
        return bulkPayload(buf);
    }

    private boolean multibulkHeader(ByteBuf buf) {
        int eol = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\r');
        if (eol < 0) {
            if (buf.readableBytes() > INLINE_MAX_SIZE) error = "ERR Protocol error: too big mbulk count string";
            return false;
        }
        if (eol + 1 >= buf.writerIndex()) return false; // the LF is still to come: no limit applies (as Redis)
        int start = buf.readerIndex() + 1;
        long n = parseLong(buf, start, eol);
        if (n == Long.MIN_VALUE || n > Integer.MAX_VALUE) {
            error = "ERR Protocol error: invalid multibulk length";
            return false;
        }
        if (n > 10 && sink.authRequired()) {
            error = "ERR Protocol error: unauthenticated multibulk length";
            return false;
        }
        buf.readerIndex(eol + 2);
        if (n <= 0) return true; // "*0" and "*-1" are skipped, as Redis does
        multibulkRemaining = (int) n;
        argc = 0;
        if (argv.length < n && n <= 1024) argv = new byte[(int) n][];
        return true;
    }

    private boolean bulkHeader(ByteBuf buf) {
        int eol = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\r');
        if (eol < 0) {
            if (buf.readableBytes() > INLINE_MAX_SIZE) error = "ERR Protocol error: too big bulk count string";
            return false;
        }
        if (eol + 1 >= buf.writerIndex()) return false; // the LF is still to come: no limit applies (as Redis)
        byte b = buf.getByte(buf.readerIndex());
        if (b != '$') {
            // the byte as it came (Redis's %c), not as a character of some encoding
            error = "ERR Protocol error: expected '$', got '" + Reply.rawByte(b & 0xff) + "'";
            return false;
        }
        long n = parseLong(buf, buf.readerIndex() + 1, eol);
        // A bulk is held in one array: a length beyond that is refused even where no limit applies (a master).
        if (n == Long.MIN_VALUE || n < 0 || n > sink.maxBulkLength() || n > MAX_BULK) {
            error = "ERR Protocol error: invalid bulk length";
            return false;
        }
        if (n > 16384 && sink.authRequired()) {
            error = "ERR Protocol error: unauthenticated bulk length";
            return false;
        }
        buf.readerIndex(eol + 2);
        if (requestBytes + n > sink.maxQueryBuffer()) {
            error = QUERY_BUFFER_LIMIT;
            return false;
        }
        bulkLength = n;
        requestBytes += n;
        bulkFilled = 0;
        if (n >= BIG_ARG) {
            // Redis's big argument: the query buffer gets room for all of it (up to a limit ahead of what
            // has arrived; it grows as the rest comes) and it is received there.
            bulk = null;
            long room = Math.min(n + 2, buf.readableBytes() + (long) PREALLOCATE_LIMIT);
            if ((long) buf.capacity() - buf.readerIndex() < room) {
                buf.discardReadBytes();
                buf.capacity((int) Math.min(Integer.MAX_VALUE - 8, Math.max(buf.writerIndex(), room)));
            }
        } else {
            bulk = new byte[(int) n];
        }
        return true;
    }

    private boolean bulkPayload(ByteBuf buf) {
        if (bulk == null) {
            // A big argument is received whole, with its CRLF, before it is taken (Redis's condition too).
            if (buf.readableBytes() < bulkLength + 2) return false;
            byte[] arg = new byte[(int) bulkLength];
            buf.readBytes(arg);
            addArg(arg);
        } else {
            int n = Math.min((int) (bulkLength - bulkFilled), buf.readableBytes());
            buf.readBytes(bulk, bulkFilled, n);
            bulkFilled += n;
            if (bulkFilled < bulkLength) return false;
            addArg(bulk);
        }
        bulk = null;
        bulkLength = -1;
        skipCrlf = 2;
        if (--multibulkRemaining == 0) {
            // Redis reads a bulk together with the two bytes after it, so a request runs once its last
            // CRLF is in: now if it is here, else when it arrives (never, if the client goes away first).
            if (buf.readableBytes() >= 2) {
                buf.skipBytes(2);
                skipCrlf = 0;
                dispatch();
            } else {
                dispatchAfterCrlf = true;
            }
        }
        return true;
    }

    private boolean inline(ByteBuf buf) {
        int nl = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\n');
        if (nl < 0) {
            if (buf.readableBytes() > INLINE_MAX_SIZE) error = "ERR Protocol error: too big inline request";
            return false;
        }
        int end = nl;
        if (end > buf.readerIndex() && buf.getByte(end - 1) == '\r') end--;
        byte[] line = new byte[end - buf.readerIndex()];
        buf.getBytes(buf.readerIndex(), line);
        buf.readerIndex(nl + 1);
        byte[][] args = SplitArgs.split(line);
        if (args == null) {
            error = "ERR Protocol error: unbalanced quotes in request";
            return false;
        }
        if (args.length == 0) { // an empty line is a keep-alive
            sink.keepAlive();
            return true;
        }
        if (argv.length < args.length) argv = new byte[args.length][];
        System.arraycopy(args, 0, argv, 0, args.length);
        argc = args.length;
        dispatch();
        return true;
    }

    private void addArg(byte[] arg) {
        if (argc == argv.length) argv = Arrays.copyOf(argv, argv.length * 2);
        argv[argc++] = arg;
        argvBytes += arg.length;
    }

    private void dispatch() {
        int n = argc;
        requestBytes = 0;
        sink.command(argv, n);
        // Drop references so large values are not kept alive by the reused array.
        Arrays.fill(argv, 0, n, null);
        argc = 0;
        argvBytes = 0;
    }

    /**
     * Parses a decimal long between [from, to) as Redis's string2ll does; MIN_VALUE when invalid. The one
     * valid number that is MIN_VALUE itself, -9223372036854775808, comes back as MIN_VALUE + 1: both
     * callers treat every negative number alike (a count skips the request, a bulk length is refused).
     */
    static long parseLong(ByteBuf buf, int from, int to) {
        int len = to - from;
        if (len <= 0 || len > 20) return Long.MIN_VALUE;
        int i = from;
        boolean negative = false;
        if (buf.getByte(i) == '-') {
            negative = true;
            if (++i == to) return Long.MIN_VALUE;
        }
        byte first = buf.getByte(i);
        if (first == '0') return (i + 1 == to && !negative) ? 0 : Long.MIN_VALUE; // no leading zeros, no "-0"
        long v = 0; // accumulated negatively, so that -9223372036854775808 fits
        for (; i < to; i++) {
            int d = buf.getByte(i) - '0';
            if (d < 0 || d > 9) return Long.MIN_VALUE;
            if (v < (Long.MIN_VALUE + d) / 10) return Long.MIN_VALUE;
            v = v * 10 - d;
        }
        if (negative) return v == Long.MIN_VALUE ? Long.MIN_VALUE + 1 : v;
        return v == Long.MIN_VALUE ? Long.MIN_VALUE : -v;
    }
}
