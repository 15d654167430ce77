package io.lodestone.persistence.aof;

import io.lodestone.util.SplitArgs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The manifest of a Redis 7.0 multi-part AOF ({@code <appendfilename>.manifest} in the AOF directory):
 * at most one BASE file, the HISTORY files a rewrite left for deletion, and the INCR files in
 * replay order. One line per file, {@code file <name> seq <n> type <b|h|i>}, base first, then
 * history, then incr; a name that needs it is quoted as sdscatrepr quotes.
 *
 * <p>Names are byte strings (one char per byte, ISO-8859-1), like the config values they come from.
 * Instances are changed only on copies (see {@link #copy}) until the new manifest is on disk, as Redis
 * does with aofManifestDup.
 */
public final class AofManifest {
    public static final char BASE = 'b';
    public static final char HISTORY = 'h';
    public static final char INCR = 'i';

    /** One file of the manifest. */
    public record Info(String fileName, long seq, char type) {
        Info withType(char t) {
            return new Info(fileName, seq, t);
        }
    }

    /** A manifest Redis refuses to load; {@code line} is null when the error is not about one line. */
    public static final class FormatException extends Exception {
        public final int lineNumber;
        public final String line;

        FormatException(String message, int lineNumber, String line) {
            super(message);
            this.lineNumber = lineNumber;
            this.line = line;
        }
    }

    /** Redis's MANIFEST_MAX_LINE: fgets reads lines of at most this many bytes. */
    private static final int MAX_LINE = 1024;

    private Info base;
    private final List<Info> history = new ArrayList<>();
    private final List<Info> incr = new ArrayList<>();
    private long currBaseSeq;
    private long currIncrSeq;
    /** Changed since last written (persistAofManifest writes only a dirty manifest). */
    boolean dirty;

    public Info base() {
        return base;
    }

    public List<Info> history() {
        return history;
    }

    public List<Info> incr() {
        return incr;
    }

    public boolean isEmpty() {
        return base == null && incr.isEmpty();
    }

    public AofManifest copy() {
        AofManifest m = new AofManifest();
        m.base = base;
        m.history.addAll(history);
        m.incr.addAll(incr);
        m.currBaseSeq = currBaseSeq;
        m.currIncrSeq = currIncrSeq;
        m.dirty = dirty;
        return m;
    }

    /**
     * A new BASE file ({@code <aofName>.<seq+1>.base.rdb}, or {@code .base.aof} without an RDB
     * preamble); the previous base, if any, becomes the first history file.
     */
    public String newBaseName(String aofName, boolean rdb) {
        if (base != null) history.add(0, base.withType(HISTORY));
        base = new Info(aofName + "." + (++currBaseSeq) + ".base" + (rdb ? ".rdb" : ".aof"), currBaseSeq, BASE);
        dirty = true;
        return base.fileName();
    }

    /** A new INCR file {@code <aofName>.<seq+1>.incr.aof}, appended to the incr list. */
    public String newIncrName(String aofName) {
        Info i = new Info(aofName + "." + (++currIncrSeq) + ".incr.aof", currIncrSeq, INCR);
        incr.add(i);
        dirty = true;
        return i.fileName();
    }

    /** The INCR file to append to: the last one, or a new one when there is none. */
    public String lastIncrName(String aofName) {
        if (incr.isEmpty()) return newIncrName(aofName);
        return incr.get(incr.size() - 1).fileName();
    }

    /**
     * After a successful rewrite the INCR files it covers become HISTORY (Redis's
     * markRewrittenIncrAofAsHistory). {@code keepLast}: AOF is on, so the last INCR file is the one
     * being written and stays.
     */
    public void markRewrittenIncrAsHistory(boolean keepLast) {
        if (incr.isEmpty()) return;
        int keep = keepLast ? 1 : 0;
        while (incr.size() > keep) {
            Info i = incr.remove(incr.size() - 1 - keep);
            history.add(0, i.withType(HISTORY));
        }
        dirty = true;
    }

    /** Forgets the history files (deleted by the caller). */
    public void clearHistory() {
        history.clear();
        dirty = true;
    }

    /** The old-style single AOF file becomes the BASE of a new manifest (aofUpgradePrepare). */
    public void setUpgradedBase(String aofName) {
        base = new Info(aofName, 1, BASE);
        currBaseSeq = 1;
        dirty = true;
    }

    /** Base, history, incr: one line each (getAofManifestAsString). */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (base != null) line(sb, base);
        for (Info i : history) line(sb, i);
        for (Info i : incr) line(sb, i);
        return sb.toString();
    }

    private static void line(StringBuilder sb, Info i) {
        sb.append("file ").append(needsRepr(i.fileName()) ? io.lodestone.util.SplitArgs.repr(i.fileName()) : i.fileName())
                .append(" seq ").append(i.seq()).append(" type ").append(i.type()).append('\n');
    }

    /** sdsneedsrepr: a backslash, a quote, a control or non-printable character, or a blank. */
    static boolean needsRepr(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == 7 || c == '\b'
                    || !isPrint(c) || isSpace(c)) {
                return true;
            }
        }
        return false;
    }


    private static boolean isPrint(char c) {
        return c >= 0x20 && c < 0x7f;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    /**
     * Parses a manifest as aofLoadManifestFromFile does, with its checks and messages: lines read
     * as fgets reads them (at most 1024 bytes), {@code #} comments, trimmed, split as sdssplitargs;
     * keys {@code file seq type} in any order and case, extra pairs ignored.
     */
    public static AofManifest parse(byte[] content) throws FormatException {
        AofManifest am = new AofManifest();
        long maxSeq = 0;
        int lineNumber = 0;
        int p = 0;
        while (true) {
            if (p >= content.length) {
                if (lineNumber == 0) throw new FormatException("Found an empty AOF manifest", 0, null);
                break;
            }
            int end = p;
            boolean newline = false;
            while (end < content.length && end - p < MAX_LINE) {
                if (content[end++] == '\n') {
                    newline = true;
                    break;
                }
            }
            String raw = new String(content, p, end - p, StandardCharsets.ISO_8859_1);
            p = end;
            lineNumber++;
            if (raw.charAt(0) == '#') continue;
            if (!newline) throw new FormatException("The AOF manifest file contains too long line", lineNumber, null);
            String line = trim(raw);
            if (line.isEmpty()) throw new FormatException("Invalid AOF manifest file format", lineNumber, line);
            List<String> argv = SplitArgs.split(line);
            if (argv == null || argv.size() < 6 || argv.size() % 2 != 0) {
                throw new FormatException("Invalid AOF manifest file format", lineNumber, line);
            }
            String name = null;
            long seq = 0;
            char type = 0;
            for (int i = 0; i < argv.size(); i += 2) {
                String k = argv.get(i);
                String v = argv.get(i + 1);
                if (k.equalsIgnoreCase("file")) {
                    name = v;
                    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
                        throw new FormatException("File can't be a path, just a filename", lineNumber, line);
                    }
                } else if (k.equalsIgnoreCase("seq")) {
                    seq = atoll(v);
                } else if (k.equalsIgnoreCase("type")) {
                    type = v.isEmpty() ? 0 : v.charAt(0);
                }
            }
            if (name == null || seq == 0 || type == 0) {
                throw new FormatException("Invalid AOF manifest file format", lineNumber, line);
            }
            Info info = new Info(name, seq, type);
            switch (type) {
                case BASE -> {
                    if (am.base != null) throw new FormatException("Found duplicate base file information", lineNumber, line);
                    am.base = info;
                    am.currBaseSeq = seq;
                }
                case HISTORY -> am.history.add(info);
                case INCR -> {
                    if (seq <= maxSeq) throw new FormatException("Found a non-monotonic sequence number", lineNumber, line);
                    am.incr.add(info);
                    am.currIncrSeq = seq;
                    maxSeq = seq;
                }
                default -> throw new FormatException("Unknown AOF file type", lineNumber, line);
            }
        }
        return am;
    }

    /** sdstrim(line, " \t\r\n"). */
    private static String trim(String s) {
        int b = 0, e = s.length();
        while (b < e && " \t\r\n".indexOf(s.charAt(b)) >= 0) b++;
        while (e > b && " \t\r\n".indexOf(s.charAt(e - 1)) >= 0) e--;
        return s.substring(b, e);
    }

    /** C atoll: optional blanks and sign, then digits up to the first non-digit; 0 if none. */
    static long atoll(String s) {
        int i = 0, n = s.length();
        while (i < n && isSpace(s.charAt(i))) i++;
        boolean neg = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) neg = s.charAt(i++) == '-';
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') v = v * 10 + (s.charAt(i++) - '0');
        return neg ? -v : v;
    }
}
