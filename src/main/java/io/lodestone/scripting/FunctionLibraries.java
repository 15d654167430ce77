package io.lodestone.scripting;

import io.lodestone.store.FunctionStore;
import io.lodestone.util.SplitArgs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The function libraries (Redis's functions.c): each library's code and the functions it registered,
 * and the one namespace of function names FCALL looks in. Libraries are data: they are what
 * {@link FunctionStore} gives persistence, and every change to them (FUNCTION LOAD, DELETE, FLUSH,
 * RESTORE) is a write that propagates as itself.
 *
 * <p>Library names are case-sensitive; function names are not (FCALL finds {@code Test} as
 * {@code test}), as in Redis.
 */
final class FunctionLibraries implements FunctionStore {
    /** Why a library was not created, in Redis's words (the reply is "ERR " and this). */
    static final class LoadError extends RuntimeException {
        LoadError(String message) {
            super(message, null, false, false);
        }
    }

    /** A library: its name, its whole code (shebang included) and the functions it registered. */
    record Library(String name, byte[] code, Map<String, FunctionEngine.Function> functions) {
        static final String ENGINE = "LUA";
    }

    /** A function as FCALL finds it. */
    record Entry(Library library, FunctionEngine.Function function) {
    }

    /** A set of libraries with their function namespace (Redis's functionsLibCtx). */
    static final class LibrarySet {
        final Map<String, Library> libraries = new LinkedHashMap<>();
        final Map<String, Entry> functions = new HashMap<>();

        void link(Library l) {
            for (FunctionEngine.Function f : l.functions().values()) functions.put(key(f.name()), new Entry(l, f));
            libraries.put(l.name(), l);
        }

        void unlink(Library l) {
            for (FunctionEngine.Function f : l.functions().values()) functions.remove(key(f.name()));
            libraries.remove(l.name());
        }
    }

    final FunctionEngine engine;
    private LibrarySet current = new LibrarySet();

    FunctionLibraries(FunctionEngine engine) {
        this.engine = engine;
    }

    private static String key(String functionName) {
        return functionName.toLowerCase(Locale.ROOT);
    }

    /** Redis's functionsVerifyName: one or more of [a-zA-Z0-9_]. */
    static boolean validName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) return false;
        }
        return true;
    }

    Entry function(String name) {
        return current.functions.get(key(name));
    }

    Iterable<Library> libraries() {
        return current.libraries.values();
    }

    int libraryCount() {
        return current.libraries.size();
    }

    int functionCount() {
        return current.functions.size();
    }

    /** Redis's functionsMemoryEngine, approximately: the libraries' codes and names and the entries. */
    long memory() {
        long m = 200;
        for (Library l : current.libraries.values()) {
            m += 64 + l.name().length() + l.code().length;
            for (FunctionEngine.Function f : l.functions().values()) {
                m += 96 + f.name().length() + (f.description() == null ? 0 : f.description().length);
            }
        }
        return m;
    }

    // ---- Creating libraries --------------------------------------------------------------------------

    /** FUNCTION LOAD: creates a library (replacing one of its name when {@code replace}); returns its name. */
    String load(byte[] code, boolean replace, long timeoutMs) {
        return create(code, replace, current, timeoutMs);
    }

    /**
     * Redis's functionsCreateWithLibraryCtx: reads the shebang, runs the code to collect its functions
     * and adds the library to {@code set}, or throws {@link LoadError} with {@code set} unchanged.
     */
    private String create(byte[] code, boolean replace, LibrarySet set, long timeoutMs) {
        int newline = metadataEnd(code);
        String[] meta = metadata(code, newline);
        String engineName = meta[0], name = meta[1];
        if (!validName(name)) {
            throw new LoadError("Library names can only contain letters, numbers, or underscores(_) and must be at"
                    + " least one character long");
        }
        if (!engineName.equalsIgnoreCase(Library.ENGINE)) throw new LoadError("Engine '" + engineName + "' not found");
        Library old = set.libraries.get(name);
        if (old != null && !replace) throw new LoadError("Library '" + name + "' already exists");
        if (old != null) set.unlink(old);
        Map<String, FunctionEngine.Function> functions;
        try {
            // the code from the shebang's newline on: line numbers stay those of the whole code
            functions = engine.create(code, newline, timeoutMs);
            if (functions.isEmpty()) throw new LoadError("No functions registered");
            for (FunctionEngine.Function f : functions.values()) {
                if (set.functions.containsKey(key(f.name()))) {
                    engine.free(functions);
                    throw new LoadError("Function " + f.name() + " already exists");
                }
            }
        } catch (LoadError e) {
            if (old != null) set.link(old);
            throw e;
        }
        set.link(new Library(name, code, functions));
        if (old != null) engine.free(old.functions());
        return name;
    }

    /** Where the shebang line ends (its newline), as C's strchr sees the code; throws if it cannot. */
    private static int metadataEnd(byte[] code) {
        if (code.length < 2 || code[0] != '#' || code[1] != '!') throw new LoadError("Missing library metadata");
        for (int i = 0; i < code.length && code[i] != 0; i++) {
            if (code[i] == '\n') return i;
        }
        throw new LoadError("Invalid library metadata");
    }

    /** Redis's functionExtractLibMetaData: the engine and the library name of a shebang line. */
    private static String[] metadata(byte[] code, int newline) {
        byte[][] parts = SplitArgs.split(java.util.Arrays.copyOf(code, newline));
        if (parts == null || parts.length == 0) throw new LoadError("Invalid library metadata");
        String first = text(parts[0]);
        String engineName = first.length() > 2 ? first.substring(2) : "";
        String name = null;
        for (int i = 1; i < parts.length; i++) {
            String part = text(parts[i]);
            if (part.regionMatches(true, 0, "name=", 0, 5)) {
                if (name != null) throw new LoadError("Invalid metadata value, name argument was given multiple times");
                name = part.substring(5);
                continue;
            }
            throw new LoadError("Invalid metadata value given: " + part);
        }
        if (name == null) throw new LoadError("Library name was not given");
        return new String[]{engineName, name};
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // ---- Removing libraries --------------------------------------------------------------------------

    /** FUNCTION DELETE: false if there is no such library. */
    boolean delete(String name) {
        Library l = current.libraries.get(name);
        if (l == null) return false;
        current.unlink(l);
        engine.free(l.functions());
        return true;
    }

    /** FUNCTION FLUSH, and the emptying of the data set by a load that replaces it. */
    @Override
    public void clear() {
        for (Library l : current.libraries.values()) engine.free(l.functions());
        current = new LibrarySet();
    }

    // ---- As data: persistence and FUNCTION DUMP / RESTORE ------------------------------------------------

    @Override
    public List<byte[]> codes() {
        List<byte[]> codes = new ArrayList<>(current.libraries.size());
        for (Library l : current.libraries.values()) codes.add(l.code());
        return codes;
    }

    @Override
    public String restore(List<byte[]> codes, boolean flush, boolean replace) {
        if (codes.isEmpty() && !flush) return null;
        try {
            restore(codes, flush ? RestorePolicy.FLUSH : replace ? RestorePolicy.REPLACE : RestorePolicy.APPEND);
            return null;
        } catch (LoadError e) {
            return e.getMessage();
        }
    }

    /** FUNCTION RESTORE's policies. */
    enum RestorePolicy { FLUSH, APPEND, REPLACE }

    /**
     * Creates the libraries of {@code codes} apart, then makes them the libraries (FLUSH) or adds them
     * (Redis's libraryJoin: a library already present is an error for APPEND and replaced for REPLACE;
     * a function name taken by another library is an error). Throws with the libraries unchanged.
     */
    void restore(List<byte[]> codes, RestorePolicy policy) {
        LibrarySet loaded = new LibrarySet();
        try {
            for (byte[] code : codes) create(code, false, loaded, 0);
        } catch (LoadError e) {
            for (Library l : loaded.libraries.values()) engine.free(l.functions());
            throw e;
        }
        if (policy == RestorePolicy.FLUSH) {
            clear();
            current = loaded;
            return;
        }
        try {
            join(loaded, policy == RestorePolicy.REPLACE);
        } catch (LoadError e) {
            for (Library l : loaded.libraries.values()) engine.free(l.functions());
            throw e;
        }
    }

    /** Redis's libraryJoin into the current libraries. */
    private void join(LibrarySet src, boolean replace) {
        List<Library> replaced = new ArrayList<>();
        try {
            for (Library l : src.libraries.values()) {
                Library old = current.libraries.get(l.name());
                if (old == null) continue;
                if (!replace) throw new LoadError("Library " + l.name() + " already exists");
                current.unlink(old);
                replaced.add(old);
            }
            for (Entry e : src.functions.values()) {
                if (current.functions.containsKey(key(e.function().name()))) {
                    throw new LoadError("Function " + e.function().name() + " already exists");
                }
            }
        } catch (LoadError e) {
            for (Library old : replaced) current.link(old);
            throw e;
        }
        for (Library l : src.libraries.values()) current.link(l);
        for (Library old : replaced) engine.free(old.functions());
    }
}
