package io.lodestone.persistence.aof;

import io.lodestone.util.Log;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Replays AOF files (Redis's loadSingleAppendOnlyFile and loadAppendOnlyFiles): the BASE file (RDB
 * when it starts with {@code REDIS}, else commands), then the INCR files in manifest order.
 *
 * <p>Commands are read as Redis reads them, line by line with fgets: {@code #} lines are annotations,
 * {@code *<argc>}, then per argument {@code $<len>}, the bytes and two bytes of CRLF. A file that ends
 * in the middle of a command, or inside a MULTI without its EXEC, is "truncated": with
 * {@code aof-load-truncated yes} it is cut after its last complete command (before the MULTI) and
 * loading goes on if it is the last file; otherwise loading fails. Log lines are Redis's.
 */
public final class AofLoader {
    /** Outcome of loading, as Redis's AOF_* codes. */
    public enum Status { OK, NOT_EXIST, EMPTY, OPEN_ERR, FAILED, TRUNCATED }

    /** Redis's AOF_ANNOTATION_LINE_MAX_LEN: the fgets buffer, so lines are read 1023 bytes at a time. */
    private static final int LINE_MAX = 1024;

    private final Path dir;
    private final AofReplay replay;
    private final boolean loadTruncated;

    /** appendfilename: a base file of that very name is an old single-file AOF (RDB preamble, then commands). */
    public String appendFileName = "appendonly.aof";
    /** Sizes found while loading: aof_current_size and aof_rewrite_base_size start from them. */
    long totalSize;
    long baseSize;

    public AofLoader(Path dir, AofReplay replay, boolean loadTruncated) {
        this.dir = dir;
        this.replay = replay;
        this.loadTruncated = loadTruncated;
    }

    /** Loads every BASE and INCR file of {@code am} (loadAppendOnlyFiles). */
    public Status loadAll(AofManifest am) {
        if (am.isEmpty()) return Status.NOT_EXIST;
        int totalNum = (am.base() == null ? 0 : 1) + am.incr().size();
        long total = 0;
        if (am.base() != null) {
            long s = size(am.base().fileName());
            if (s < 0) return Status.FAILED;
            total += s;
        }
        for (AofManifest.Info i : am.incr()) {
            long s = size(i.fileName());
            if (s < 0) return Status.FAILED;
            total += s;
        }
        if (total == 0) return Status.EMPTY;
        int num = 0;
        Status ret = Status.OK;
        if (am.base() != null) {
            String name = am.base().fileName();
            baseSize = Math.max(0, size(name));
            boolean last = ++num == totalNum;
            long start = System.nanoTime();
            ret = loadFile(name);
            if (ret == Status.OK || (ret == Status.TRUNCATED && last)) {
                Log.notice("DB loaded from base file " + name + ": " + seconds(start) + " seconds");
            }
            if (ret == Status.TRUNCATED && !last) ret = Status.FAILED;
            if (ret == Status.OPEN_ERR || ret == Status.FAILED) return ret;
        }
        for (AofManifest.Info i : am.incr()) {
            String name = i.fileName();
            boolean last = ++num == totalNum;
            long start = System.nanoTime();
            ret = loadFile(name);
            if (ret == Status.OK || (ret == Status.TRUNCATED && last)) {
                Log.notice("DB loaded from incr file " + name + ": " + seconds(start) + " seconds");
            }
            if (ret == Status.EMPTY) ret = Status.OK;
            if (ret == Status.TRUNCATED && !last) ret = Status.FAILED;
            if (ret == Status.OPEN_ERR || ret == Status.FAILED) return ret;
        }
        totalSize = total;
        return ret;
    }

    static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.3f", (float) ((System.nanoTime() - startNanos) / 1e9));
    }

    /** The size of a file in the AOF directory, or -1 after logging as getAppendOnlyFileSize. */
    private long size(String name) {
        try {
            return Files.size(dir.resolve(name));
        } catch (IOException e) {
            Log.warning("Unable to obtain the AOF file " + name + " length. stat: " + reason(e));
            return -1;
        }
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Replays one file (loadSingleAppendOnlyFile). */
    public Status loadFile(String name) {
        Path path = dir.resolve(name);
        InputStream raw;
        long fileSize;
        try {
            raw = Files.newInputStream(path);
            fileSize = Files.size(path);
        } catch (NoSuchFileException e) {
            Log.warning("The append log file " + name + " doesn't exist: No such file or directory");
            return Status.NOT_EXIST;
        } catch (IOException e) {
            Log.warning("Fatal error: can't open the append log file " + name + " for reading: " + reason(e));
            return Status.OPEN_ERR;
        }
        try (Reader in = new Reader(raw, 0, fileSize)) {
            if (fileSize == 0) return Status.EMPTY;
            return replay(name, path, in);
        } catch (IOException e) {
            Log.warning("Unrecoverable error reading the append only file " + name + ": " + reason(e));
            return Status.FAILED;
        } finally {
            replay.reset();
        }
    }

    private Status replay(String name, Path path, Reader in) throws IOException {
        byte[] sig = in.peek(5);
        if (sig != null && new String(sig, StandardCharsets.ISO_8859_1).equals("REDIS")) {
            // An RDB base, or the RDB preamble of an old single-file AOF followed by commands.
            boolean oldStyle = name.equals(appendFileName);
            Log.notice(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
            long end;
            try {
                end = replay.loadRdb(path);
            } catch (Exception e) {
                Log.warning(oldStyle ? "Error reading the RDB preamble of the AOF file " + name + ", AOF loading aborted"
                        : "Error reading the RDB base file " + name + ", AOF loading aborted");
                Log.warning("Unrecoverable error reading the append only file " + name + ": " + e.getMessage());
                return Status.FAILED;
            }
            if (oldStyle) Log.notice("Reading the remaining AOF tail...");
            InputStream tail = Files.newInputStream(path);
            tail.skipNBytes(end);
            try (Reader rest = new Reader(tail, end, Files.size(path))) {
                return replayCommands(name, path, rest);
            }
        }
        return replayCommands(name, path, in);
    }

    private Status replayCommands(String name, Path path, Reader in) throws IOException {
        long validUpTo = in.position();
        long validBeforeMulti = validUpTo;
        boolean inMulti = false;
        byte[] line = new byte[LINE_MAX];
        boolean truncated = false;
        loop:
        while (true) {
            int n = in.fgets(line);
            if (n == 0) break; // clean end of file
            if (line[0] == '#') continue;
            if (line[0] != '*') return formatError(name);
            if (n == 1) {
                truncated = true;
                break;
            }
            long argc = atol(line, 1, n);
            if (argc < 1 || argc > Integer.MAX_VALUE - 8) return formatError(name);
            // Grown as arguments arrive: a corrupt count must not size an allocation.
            byte[][] argv = new byte[(int) Math.min(argc, 1024)][];
            for (int j = 0; j < argc; j++) {
                if (j == argv.length) argv = Arrays.copyOf(argv, (int) Math.min(argc, 2L * j));
                int m = in.fgets(line);
                if (m == 0) {
                    truncated = true;
                    break loop;
                }
                if (line[0] != '$') return formatError(name);
                long len = atol(line, 1, m);
                if (len < 0 || len > Integer.MAX_VALUE - 8) return formatError(name);
                byte[] arg = in.read((int) len);
                if (arg == null) {
                    truncated = true;
                    break loop;
                }
                argv[j] = arg;
                if (!in.skip2()) {
                    truncated = true;
                    break loop;
                }
            }
            String cmd = new String(argv[0], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            boolean isMulti = cmd.equals("multi");
            if (isMulti) validBeforeMulti = validUpTo;
            if (!replay.execute(argv)) {
                Log.warning("Unknown command '" + cString(argv[0]) + "' reading the append only file " + name);
                return Status.FAILED;
            }
            if (isMulti) inMulti = true;
            else if (cmd.equals("exec") || cmd.equals("discard")) inMulti = false;
            if (loadTruncated) validUpTo = in.position();
        }
        if (!truncated && inMulti) {
            Log.warning("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
            validUpTo = validBeforeMulti;
            truncated = true;
        }
        if (!truncated) return Status.OK;
        if (loadTruncated) {
            Log.warning("!!! Warning: short read while loading the AOF file " + name + "!!!");
            Log.warning("!!! Truncating the AOF " + name + " at offset " + validUpTo + " !!!");
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(validUpTo);
                Log.warning("AOF " + name + " loaded anyway because aof-load-truncated is enabled");
                return Status.TRUNCATED;
            } catch (IOException e) {
                Log.warning("Error truncating the AOF file " + name + ": " + reason(e));
            }
        }
        Log.warning("Unexpected end of file reading the append only file " + name + ". You can: "
                + "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                + "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
        return Status.FAILED;
    }

    private static Status formatError(String name) {
        Log.warning("Bad file format reading the append only file " + name
                + ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
        return Status.FAILED;
    }

    /** %s of a C string: stops at a NUL byte. */
    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** strtol/atoi of the digits after the type byte (optional sign, stops at the first non-digit). */
    static long atol(byte[] line, int from, int to) {
        int i = from;
        while (i < to && (line[i] == ' ' || line[i] == '\t')) i++;
        boolean neg = false;
        if (i < to && (line[i] == '-' || line[i] == '+')) neg = line[i++] == '-';
        long v = 0;
        while (i < to && line[i] >= '0' && line[i] <= '9') {
            v = v * 10 + (line[i++] - '0');
            if (v > Integer.MAX_VALUE * 4L) return neg ? -1 : Long.MAX_VALUE;
        }
        return neg ? -v : v;
    }

    /** A buffered reader that knows its offset in the file and reads lines as fgets does. */
    static final class Reader implements AutoCloseable {
        private final InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        private long consumed;
        /** The file's size: no argument can be longer than what is left of it. */
        private final long size;

        /** A reader whose stream starts at file offset {@code start} of a file of {@code size} bytes. */
        Reader(InputStream in, long start, long size) {
            this.in = in;
            this.consumed = start;
            this.size = size;
        }

        long position() {
            return consumed + pos;
        }

        private boolean fill() throws IOException {
            if (pos < lim) return true;
            consumed += lim;
            pos = lim = 0;
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) return false;
            lim = n;
            return true;
        }

        /** The first {@code n} bytes of the file without consuming them, or null if shorter. */
        byte[] peek(int n) throws IOException {
            while (lim < n) {
                int r = in.read(buf, lim, buf.length - lim);
                if (r <= 0) return null;
                lim += r;
            }
            return java.util.Arrays.copyOfRange(buf, pos, pos + n);
        }

        /** fgets into {@code line} (at most its length - 1 bytes, through a newline); 0 at end of file. */
        int fgets(byte[] line) throws IOException {
            int n = 0;
            while (n < line.length - 1) {
                if (!fill()) break;
                byte b = buf[pos++];
                line[n++] = b;
                if (b == '\n') break;
            }
            return n;
        }

        /**
         * Exactly {@code n} bytes, or null at end of file. A length beyond the end of the file is a short
         * read at once (Redis allocates it, then fread fails): a corrupt length must not size an allocation.
         */
        byte[] read(int n) throws IOException {
            if (n > size - position()) return null;
            byte[] out = new byte[n];
            int off = 0;
            while (off < n) {
                if (!fill()) return null;
                int k = Math.min(n - off, lim - pos);
                System.arraycopy(buf, pos, out, off, k);
                pos += k;
                off += k;
            }
            return out;
        }

        /** Discards the CRLF after an argument; false at end of file. */
        boolean skip2() throws IOException {
            for (int i = 0; i < 2; i++) {
                if (!fill()) return false;
                pos++;
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
