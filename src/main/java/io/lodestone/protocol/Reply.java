package io.lodestone.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The one reply writer. Handlers say what they reply (a map, a null, a double); this class alone
 * decides how that looks in RESP2 or RESP3, as Redis's {@code addReply*} API does. Frequent replies are
 * byte constants, numbers are written without allocating.
 */
public final class Reply {
    public static final byte[] OK = ascii("+OK\r\n");
    public static final byte[] PONG = ascii("+PONG\r\n");
    public static final byte[] QUEUED = ascii("+QUEUED\r\n");
    public static final byte[] ZERO = ascii(":0\r\n");
    public static final byte[] ONE = ascii(":1\r\n");
    public static final byte[] EMPTY_BULK = ascii("$0\r\n\r\n");
    private static final byte[] NULL_BULK2 = ascii("$-1\r\n");
    private static final byte[] NULL_ARRAY2 = ascii("*-1\r\n");
    private static final byte[] NULL3 = ascii("_\r\n");
    private static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    private static final byte[] TRUE3 = ascii("#t\r\n");
    private static final byte[] FALSE3 = ascii("#f\r\n");
    private static final byte[] CRLF = ascii("\r\n");
    /** Preformatted ":n\r\n" for small n, as Redis's shared integers. */
    private static final byte[][] SMALL_INTS = new byte[1024][];
    /** Preformatted "$n\r\n" and "*n\r\n" headers for small n. */
    private static final byte[][] BULK_HEADERS = new byte[64][];
    private static final byte[][] ARRAY_HEADERS = new byte[64][];

    static {
        for (int i = 0; i < SMALL_INTS.length; i++) SMALL_INTS[i] = ascii(":" + i + "\r\n");
        for (int i = 0; i < BULK_HEADERS.length; i++) {
            BULK_HEADERS[i] = ascii("$" + i + "\r\n");
            ARRAY_HEADERS[i] = ascii("*" + i + "\r\n");
        }
    }

    /** Told about every error reply, for INFO errorstats and failed-call counting. */
    public interface ErrorListener {
        void onError(String message);
    }

    private final ByteBufAllocator alloc;
    private final ErrorListener errorListener;
    private ByteBuf out;
    private int protocol = 2;
    private long errors;
    private String lastError;
    /** CLIENT REPLY OFF/SKIP in force; {@link #silencedFrom}: how much of the output is to be kept. */
    private boolean silenced;
    private int silencedFrom;
    private boolean pushing;
    private final byte[] digits = new byte[20];
    /**
     * Redis's c->buf: the size each batch of replies starts in (CLIENT LIST rbs), PROTO_REPLY_CHUNK_BYTES
     * at first, then what {@link #resizeBuffer} makes it; replies beyond it grow the buffer, as Redis
     * continues them in its reply list.
     */
    private int bufferSize;
    /** Redis's buf_peak (CLIENT LIST rbp): the most a batch put in its first {@link #bufferSize} bytes. */
    private int bufferPeak;
    private long bufferPeakResetMs;

    /** Redis's PROTO_REPLY_CHUNK_BYTES and PROTO_REPLY_MIN_BYTES: the reply buffer's largest and least sizes. */
    public static final int REPLY_CHUNK_BYTES = 16 * 1024, REPLY_MIN_BYTES = 1024;

    /** A writer for a client without a connection (scripts, the AOF, the master): a small first buffer. */
    public Reply(ByteBufAllocator alloc, ErrorListener errorListener) {
        this(alloc, errorListener, 512);
    }

    /** A writer whose batches start in {@code bufferSize} bytes (a connection's: {@link #REPLY_CHUNK_BYTES}). */
    public Reply(ByteBufAllocator alloc, ErrorListener errorListener, int bufferSize) {
        this.alloc = alloc;
        this.errorListener = errorListener;
        this.bufferSize = bufferSize;
        this.bufferPeak = bufferSize; // as Redis's createClient: no shrink before the first peak reset
        this.bufferPeakResetMs = System.currentTimeMillis();
    }

    /** Redis's buf_usable_size (CLIENT LIST rbs). */
    public int bufferSize() {
        return bufferSize;
    }

    /** Redis's buf_peak (CLIENT LIST rbp), the batch being written included. */
    public int bufferPeak() {
        notePeak();
        return bufferPeak;
    }

    /**
     * Redis's bufpos (CLIENT LIST obl): the bytes of this batch while they fit in its first {@link #bufferSize};
     * 0 once the batch outgrew it (the buffer was replaced by a larger one: all of it is then output
     * beyond the reply buffer, as a Redis reply continued in its reply list, or one with a deferred length).
     */
    public int bufferUsed() {
        int n = pending();
        return n <= bufferSize ? n : 0;
    }

    private void notePeak() {
        if (out != null) {
            int used = Math.min(out.readableBytes(), bufferSize);
            if (used > bufferPeak) bufferPeak = used;
        }
    }

    /**
     * Redis's clientsCronResizeOutputBuffer, run by cron: the buffer halves (down to 1 KB, not below its
     * peak) while its peak stays under half of it, and doubles (up to 16 KB) when a batch filled it. The
     * peak restarts from the batch in hand every {@code peakResetMs} (never when negative). Returns -1
     * for a shrink, 1 for a growth, else 0 (INFO's reply_buffer_shrinks and _expands).
     */
    public int resizeBuffer(long nowMs, long peakResetMs) {
        notePeak();
        int newSize = 0, change = 0;
        if (bufferSize / 2 >= REPLY_MIN_BYTES && bufferPeak < bufferSize / 2) {
            newSize = Math.max(REPLY_MIN_BYTES, bufferPeak + 1);
            change = -1;
        } else if (bufferSize * 2 < REPLY_CHUNK_BYTES * 2 && bufferPeak == bufferSize) {
            newSize = Math.min(REPLY_CHUNK_BYTES, bufferSize * 2);
            change = 1;
        }
        if (peakResetMs >= 0 && nowMs - bufferPeakResetMs >= peakResetMs) {
            bufferPeak = out == null ? 0 : Math.min(out.readableBytes(), bufferSize);
            bufferPeakResetMs = nowMs;
        }
        if (newSize != 0) bufferSize = newSize;
        return change;
    }

    public int protocol() {
        return protocol;
    }

    public void protocol(int version) {
        this.protocol = version;
    }

    public boolean resp3() {
        return protocol == 3;
    }

    /** Error replies written so far; the dispatcher compares it around a call to see if it failed. */
    public long errorCount() {
        return errors;
    }

    /** The message of the last error reply ("ERR syntax error"), or null. */
    public String lastError() {
        return lastError;
    }

    /** The bytes written since the last call, or null; the caller now owns the buffer. */
    public ByteBuf take() {
        dropSilenced();
        notePeak();
        silencedFrom = 0;
        ByteBuf b = out;
        out = null;
        return b;
    }

    /**
     * Drops what was written but keeps the buffer for the next reply: for the master client, whose
     * replies go nowhere, a buffer per command was a direct allocation and a free per command.
     */
    public void discard() {
        silencedFrom = 0;
        if (out == null) return;
        if (out.capacity() > 64 * 1024) {
            out.release(); // a huge reply: don't keep its room
            out = null;
        } else {
            out.clear();
        }
    }

    /**
     * A writer of this reply's protocol whose bytes are appended here later ({@link #append}): for a
     * reply whose length can only be written after its parts (Redis's deferred lengths).
     */
    public Reply scratch() {
        Reply r = new Reply(alloc, null, 256);
        r.protocol = protocol;
        return r;
    }

    /** Writes what {@code part} (a {@link #scratch}) holds, and frees it. */
    public void append(Reply part) {
        ByteBuf b = part.take();
        if (b == null) return;
        out().writeBytes(b);
        b.release();
    }

    /** Bytes waiting to be taken. */
    public int pending() {
        dropSilenced();
        return out == null ? 0 : out.readableBytes();
    }

    /**
     * CLIENT REPLY OFF/SKIP: while silenced, what is written is dropped, except pushes (Pub/Sub
     * messages and confirmations reach a silenced client, as in Redis 7.0).
     */
    public void silence(boolean on) {
        if (on == silenced) return;
        if (on) {
            silencedFrom = out == null ? 0 : out.readableBytes();
        } else {
            dropSilenced();
        }
        silenced = on;
    }

    /**
     * Marks the start ({@code true}) or end of an out-of-band push, which is written even to a
     * silenced client (Redis's CLIENT_PUSHING). Returns the previous state, to restore it after.
     */
    public boolean pushing(boolean on) {
        boolean was = pushing;
        if (silenced && on != was) {
            if (on) dropSilenced();
            else silencedFrom = out == null ? 0 : out.readableBytes();
        }
        pushing = on;
        return was;
    }

    /** While silenced, bytes past {@link #silencedFrom} are replies nobody must see: drops them. */
    private void dropSilenced() {
        if (silenced && !pushing && out != null && out.readableBytes() > silencedFrom) {
            out.writerIndex(out.readerIndex() + silencedFrom);
        }
    }

    private ByteBuf out() {
        ByteBuf b = out;
        if (b == null) {
            out = b = alloc.ioBuffer(bufferSize);
        } else {
            dropSilenced(); // so a silenced client's dropped replies never pile up
        }
        return b;
    }

    // ---- Plain values ----------------------------------------------------------------------------

    public void raw(byte[] bytes) {
        out().writeBytes(bytes);
    }

    public void ok() {
        out().writeBytes(OK);
    }

    public void simple(String s) {
        ByteBuf b = out();
        b.writeByte('+');
        b.writeCharSequence(s, StandardCharsets.UTF_8);
        b.writeBytes(CRLF);
    }

    /**
     * Writes {@code -message}; the message starts with its code ("ERR syntax error", "WRONGTYPE ...").
     * Newlines would break the protocol, so they become spaces, as Redis does.
     */
    public void error(String message) {
        message = writeError(message);
        if (errorListener != null) errorListener.onError(message);
    }

    /**
     * An error already counted in the error statistics where it arose (Redis's
     * ERR_REPLY_FLAG_NO_STATS_UPDATE): a script passing on the error a command it called replied.
     */
    public void errorWithoutStats(String message) {
        writeError(message);
    }

    private String writeError(String message) {
        errors++;
        lastError = message;
        if (message.indexOf('\r') >= 0 || message.indexOf('\n') >= 0) {
            message = message.replace('\r', ' ').replace('\n', ' ');
        }
        ByteBuf b = out();
        b.writeByte('-');
        writeText(b, message);
        b.writeBytes(CRLF);
        return message;
    }

    /**
     * A byte of a request as a character of an error message: ASCII as itself, 0x80 to 0xFF as a lone
     * surrogate (U+DC80 to U+DCFF, which no decoded text holds) that {@link #error} writes back as that
     * byte, as Redis puts the client's bytes in its errors.
     */
    public static char rawByte(int b) {
        return b < 0x80 ? (char) b : (char) (0xDC00 + b);
    }

    /** UTF-8, except that a {@link #rawByte} is its byte. */
    private static void writeText(ByteBuf b, String s) {
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
                b.writeCharSequence(s.subSequence(from, i), StandardCharsets.UTF_8);
                b.writeByte(c - 0xDC00);
                from = i + 1;
            }
        }
        b.writeCharSequence(from == 0 ? s : s.subSequence(from, s.length()), StandardCharsets.UTF_8);
    }

    public void integer(long v) {
        if (v >= 0 && v < SMALL_INTS.length) {
            out().writeBytes(SMALL_INTS[(int) v]);
            return;
        }
        ByteBuf b = out();
        b.writeByte(':');
        writeDecimal(b, v);
        b.writeBytes(CRLF);
    }

    public void bulk(byte[] v) {
        bulk(v, 0, v.length);
    }

    public void bulk(byte[] v, int offset, int length) {
        ByteBuf b = out();
        header(b, '$', length, BULK_HEADERS);
        b.writeBytes(v, offset, length);
        b.writeBytes(CRLF);
    }

    public void bulk(String s) {
        bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A number as a bulk string ("$3\r\n123\r\n"). */
    public void bulk(long v) {
        int n = formatDecimal(v);
        ByteBuf b = out();
        header(b, '$', n, BULK_HEADERS);
        b.writeBytes(digits, digits.length - n, n);
        b.writeBytes(CRLF);
    }

    /** A bulk string, or null when {@code v} is null. */
    public void bulkOrNull(byte[] v) {
        if (v == null) nullBulk();
        else bulk(v);
    }

    /** Absence of a value: {@code $-1} in RESP2, {@code _} in RESP3. */
    public void nullBulk() {
        out().writeBytes(protocol == 3 ? NULL3 : NULL_BULK2);
    }

    /** Absence of a collection: {@code *-1} in RESP2, {@code _} in RESP3. */
    public void nullArray() {
        out().writeBytes(protocol == 3 ? NULL3 : NULL_ARRAY2);
    }

    public void emptyArray() {
        out().writeBytes(EMPTY_ARRAY);
    }

    public void array(int n) {
        header(out(), '*', n, ARRAY_HEADERS);
    }

    public void array(long n) {
        header(out(), '*', n, ARRAY_HEADERS);
    }

    /**
     * A list of n pairs (HRANDFIELD ... WITHVALUES): a flat array of 2n in RESP2, an array of n
     * two-element arrays in RESP3. Each pair then starts with {@link #pair()}.
     */
    public void pairs(long n) {
        header(out(), '*', protocol == 3 ? n : n * 2, ARRAY_HEADERS);
    }

    /** Starts one pair of a {@link #pairs} reply: {@code *2} in RESP3, nothing in RESP2. */
    public void pair() {
        if (protocol == 3) out().writeBytes(ARRAY_HEADERS[2]);
    }

    /** A map of n pairs: {@code %n} in RESP3, a flat array of 2n in RESP2. */
    public void map(int n) {
        if (protocol == 3) header(out(), '%', n, null);
        else array(n * 2);
    }

    /** A set: {@code ~n} in RESP3, an array in RESP2. */
    public void set(int n) {
        if (protocol == 3) header(out(), '~', n, null);
        else array(n);
    }

    /** An out-of-band push: {@code >n} in RESP3, an array in RESP2. */
    public void push(int n) {
        if (protocol == 3) header(out(), '>', n, null);
        else array(n);
    }

    /**
     * Attributes of the reply that follows (RESP3 {@code |n}, then n key-value pairs). RESP2 cannot
     * carry them: the caller writes none there, as Redis's addReplyAttributeLen requires.
     */
    public void attribute(int n) {
        if (protocol != 3) throw new IllegalStateException("attributes need RESP3");
        header(out(), '|', n, null);
    }

    /** An integer of any size, given as its decimal digits: {@code (} in RESP3, a bulk string in RESP2. */
    public void bigNumber(String digits) {
        resp3TypedOrBulk('(', digits);
    }

    /** A boolean: {@code #t/#f} in RESP3, {@code :1/:0} in RESP2. */
    public void bool(boolean v) {
        if (protocol == 3) out().writeBytes(v ? TRUE3 : FALSE3);
        else out().writeBytes(v ? ONE : ZERO);
    }

    /** A double as Redis 7.0 prints it (%.17g): a bulk string in RESP2, {@code ,} in RESP3. */
    public void doubleValue(double d) {
        doubleText(DoubleFormat.g17(d));
    }

    /**
     * A double already formatted (addReplyHumanLongDouble's text): {@code ,} in RESP3, a bulk
     * string in RESP2.
     */
    public void doubleText(String s) {
        resp3TypedOrBulk(',', s);
    }

    /** RESP3's one-line {@code <type>text}, or the same text as a bulk string in RESP2. */
    private void resp3TypedOrBulk(char type, String text) {
        if (protocol == 3) {
            ByteBuf b = out();
            b.writeByte(type);
            b.writeCharSequence(text, StandardCharsets.US_ASCII);
            b.writeBytes(CRLF);
        } else {
            bulk(text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Text meant for humans (INFO, CLIENT LIST): verbatim {@code =n txt:} in RESP3, bulk in RESP2. */
    public void verbatim(String text) {
        byte[] v = text.getBytes(StandardCharsets.UTF_8);
        if (protocol == 3) {
            ByteBuf b = out();
            header(b, '=', v.length + 4, null);
            b.writeBytes(ascii("txt:"));
            b.writeBytes(v);
            b.writeBytes(CRLF);
        } else {
            bulk(v);
        }
    }

    /** Writes an already-parsed value tree (command table facts), mapped to this protocol. */
    public void value(RespValue v) {
        // Java 17 has no pattern switch: an instanceof chain over the sealed hierarchy.
        if (v instanceof RespValue.Simple s) simple(s.text());
        else if (v instanceof RespValue.Error e) error(e.text());
        else if (v instanceof RespValue.Int i) integer(i.value());
        else if (v instanceof RespValue.Bulk b) bulk(b.bytes());
        else if (v instanceof RespValue.Double d) doubleValue(d.value());
        else if (v instanceof RespValue.Bool b) bool(b.value());
        else if (v instanceof RespValue.Aggregate a) {
            switch (a.kind()) {
                case MAP -> map(a.items().size() / 2);
                case SET -> set(a.items().size());
                case PUSH -> push(a.items().size());
                default -> array(a.items().size());
            }
            for (RespValue item : a.items()) value(item);
        } else nullBulk();
    }

    // ---- Encoding helpers ------------------------------------------------------------------------

    private void header(ByteBuf b, char type, long n, byte[][] cache) {
        if (cache != null && n >= 0 && n < cache.length) {
            b.writeBytes(cache[(int) n]);
            return;
        }
        b.writeByte(type);
        writeDecimal(b, n);
        b.writeBytes(CRLF);
    }

    private void writeDecimal(ByteBuf b, long v) {
        int n = formatDecimal(v);
        b.writeBytes(digits, digits.length - n, n);
    }

    /** Formats v right-aligned into {@link #digits}; returns the length. */
    private int formatDecimal(long v) {
        byte[] d = digits;
        int pos = d.length;
        if (v == Long.MIN_VALUE) {
            byte[] m = ascii(Long.toString(v));
            System.arraycopy(m, 0, d, d.length - m.length, m.length);
            return m.length;
        }
        boolean neg = v < 0;
        if (neg) v = -v;
        do {
            d[--pos] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        if (neg) d[--pos] = '-';
        return d.length - pos;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
