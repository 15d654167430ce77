package io.lodestone.config;

import io.lodestone.util.Glob;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The running configuration: the current value of every parameter of {@link ConfigRegistry},
 * and the CONFIG GET / SET / REWRITE operations with Redis 7.0's semantics.
 *
 * <p>Reads are lock-free (the values live in an array replaced as a whole on every change), so
 * any thread may call the getters. Changes are serialized. The server binds each parameter it acts
 * on once: to a field with {@link #watchLong} and friends (which write the value now and after every
 * change, so the field needs no default of its own), to an apply function with {@link #onApply}, or
 * declares it {@link #readWhereUsed}. What is bound is what is implemented
 * ({@link #acceptedButNotImplemented}).
 *
 * <p>Strings are byte strings: each {@code char} holds one byte (ISO-8859-1), the same bytes a
 * client sent or the config file held. Encode with ISO-8859-1 when writing them to the wire.
 */
public final class Config {

    /** Error for CONFIG REWRITE when the server was started without a config file. */
    static final String NO_CONFIG_FILE = "ERR The server is running without a config file";

    /** Checks and applies a change after CONFIG SET stored it; returns null or an error text. */
    @FunctionalInterface
    public interface ApplyHook {
        String apply(Config config);
    }

    /** Told after a parameter's value changed (CONFIG SET, {@link #setInternal}). */
    @FunctionalInterface
    public interface ChangeListener {
        void changed(Config config, ConfigParam param);
    }

    private volatile Object[] values;
    private final Object writeLock = new Object();
    private final String configFile;
    private final boolean verifyPaths;

    /* What the config files held besides parameters; filled by ConfigLoader. */
    final List<String> includes = new ArrayList<>();
    final List<List<String>> renameCommands = new ArrayList<>();
    final List<List<String>> users = new ArrayList<>();
    final List<List<String>> loadModules = new ArrayList<>();
    final Map<String, List<String>> moduleConfigs = new LinkedHashMap<>();
    final Set<String> seenDirectives = new LinkedHashSet<>();
    /** Directives outside the registry that the server acts on. */
    private static final Set<String> LOADER_DIRECTIVES = Set.of("include", "rename-command", "user");

    private final Map<ConfigParam, List<ApplyHook>> applyHooks = new ConcurrentHashMap<>();
    private final Map<ConfigParam, List<ChangeListener>> listeners = new ConcurrentHashMap<>();
    /** Parameters the server reads at their point of use instead of binding them to a field. */
    private final Set<ConfigParam> readWhereUsed = ConcurrentHashMap.newKeySet();
    /** Redis's VOLATILE_CONFIG: parameters whose apply hooks run even when CONFIG SET repeats the value. */
    private final Set<ConfigParam> volatileParams = ConcurrentHashMap.newKeySet();
    private volatile Supplier<List<String>> userRewriter;

    Config(String workingDir, String configFile, boolean verifyPaths) {
        this.configFile = configFile;
        this.verifyPaths = verifyPaths;
        List<ConfigParam> params = ConfigRegistry.params();
        Object[] v = new Object[params.size()];
        for (ConfigParam p : params) v[p.index] = p.defaultValue();
        v[ConfigRegistry.require("dir").index] = workingDir;
        this.values = v;
    }

    /** Every parameter at its default, working directory as {@code dir}, no config file. */
    public static Config defaults() {
        return new Config(ConfigLoader.realCwd(Path.of("").toAbsolutePath()), null, true);
    }

    /* ================================================================ getters */

    /** The current value of a parameter, typed as its kind says (see {@link ConfigParam.Kind}). */
    public Object getValue(String name) {
        return values[ConfigRegistry.require(name).index];
    }

    Object value(ConfigParam p) {
        return values[p.index];
    }

    /** A yes/no parameter. */
    public boolean getBool(String name) {
        return (Boolean) typed(name, ConfigParam.Kind.BOOL);
    }

    /**
     * A numeric parameter as a 64-bit value. Unsigned parameters (maxmemory) may hold values
     * above {@link Long#MAX_VALUE}, returned as their two's complement; percentages
     * (maxmemory-clients) come back negated.
     */
    public long getLong(String name) {
        Object v = getValue(name);
        if (!(v instanceof Long l)) throw new IllegalArgumentException(name + " is not numeric");
        return l;
    }

    /** A numeric parameter that fits an int (port, databases, hz, timeout...). */
    public int getInt(String name) {
        return Math.toIntExact(getLong(name));
    }

    /** A string parameter; null when unset (for example requirepass without a password). */
    public String getString(String name) {
        return (String) typed(name, ConfigParam.Kind.STRING);
    }

    /**
     * An enum parameter by name, as CONFIG GET shows it: {@code noeviction}, {@code notice};
     * for flag enums the set names separated by spaces ({@code save now}).
     */
    public String getEnum(String name) {
        ConfigParam p = ConfigRegistry.require(name);
        if (p.kind() != ConfigParam.Kind.ENUM && p.kind() != ConfigParam.Kind.FLAGS) {
            throw new IllegalArgumentException(name + " is not an enum");
        }
        return p.format(values[p.index]);
    }

    /** The bit value of an enum parameter (for flag enums, the OR of the flags). */
    public int getEnumValue(String name) {
        ConfigParam p = ConfigRegistry.require(name);
        if (p.kind() != ConfigParam.Kind.ENUM && p.kind() != ConfigParam.Kind.FLAGS) {
            throw new IllegalArgumentException(name + " is not an enum");
        }
        return (Integer) values[p.index];
    }

    /** The value exactly as CONFIG GET shows it. */
    public String getFormatted(String name) {
        ConfigParam p = ConfigRegistry.require(name);
        return p.format(values[p.index]);
    }

    private Object typed(String name, ConfigParam.Kind kind) {
        ConfigParam p = ConfigRegistry.require(name);
        if (p.kind() != kind) throw new IllegalArgumentException(name + " is " + p.kind() + ", not " + kind);
        return values[p.index];
    }

    /** The working directory ({@code dir}): absolute; relative paths resolve against it. */
    public String dir() {
        return (String) getValue("dir");
    }

    /**
     * Resolves a path (dbfilename, logfile...) against {@code dir}, as Redis's chdir() makes it,
     * turning the bytes of the value into a file name of the platform.
     */
    public Path resolvePath(String path) {
        return Path.of(ConfigSyntax.toNative(dir())).resolve(ConfigSyntax.toNative(path));
    }

    @SuppressWarnings("unchecked")
    public List<SaveRule> saveRules() {
        return (List<SaveRule>) getValue("save");
    }

    public ClientOutputBufferLimits clientOutputBufferLimits() {
        return (ClientOutputBufferLimits) getValue("client-output-buffer-limit");
    }

    /** Addresses to listen on; empty for none. */
    @SuppressWarnings("unchecked")
    public List<String> bindAddresses() {
        return (List<String>) getValue("bind");
    }

    /** The primary this server replicates from, or null for a primary. */
    public ReplicaOf replicaOf() {
        return (ReplicaOf) getValue("replicaof");
    }

    /** {@code notify-keyspace-events} as {@link KeyspaceEvents} flags. */
    public int notifyKeyspaceEvents() {
        return (Integer) getValue("notify-keyspace-events");
    }

    /** The three values of {@code oom-score-adj-values}: primary, replica, background child. */
    @SuppressWarnings("unchecked")
    public List<Integer> oomScoreAdjValues() {
        return (List<Integer>) getValue("oom-score-adj-values");
    }

    @SuppressWarnings("unchecked")
    public List<Double> latencyTrackingInfoPercentiles() {
        return (List<Double>) getValue("latency-tracking-info-percentiles");
    }

    /** The absolute path of the config file the server started with, if any. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile).map(Path::of);
    }

    /** {@code include} arguments, in the order they were read. */
    public List<String> includes() {
        return Collections.unmodifiableList(includes);
    }

    /** {@code rename-command <from> <to>} pairs in order; an empty {@code to} removes the command. */
    public List<List<String>> renameCommands() {
        return Collections.unmodifiableList(renameCommands);
    }

    /** {@code user} declarations (arguments after the word user: name then rules), in order. */
    public List<List<String>> users() {
        return Collections.unmodifiableList(users);
    }

    /** {@code loadmodule <path> [args...]} declarations, in order. */
    public List<List<String>> loadModules() {
        return Collections.unmodifiableList(loadModules);
    }

    /** Module parameters ({@code module.name value...}) from the config files, by name. */
    public Map<String, List<String>> moduleConfigs() {
        return Collections.unmodifiableMap(moduleConfigs);
    }

    /**
     * Directives the config files or command line used that Lodestone accepts but does not act
     * on (canonical names, each once, in order of first use), for a one-time verbose log line
     * "directive X is accepted but not implemented". A parameter is implemented when something
     * bound it on this Config ({@link #isBound}); of the other directives {@code include},
     * {@code rename-command} and {@code user} are (the loader and the server apply them).
     */
    public List<String> acceptedButNotImplemented() {
        List<String> out = new ArrayList<>();
        for (String d : seenDirectives) {
            ConfigParam p = ConfigRegistry.lookup(d);
            boolean implemented = p != null ? isBound(p) : LOADER_DIRECTIVES.contains(d);
            if (!implemented) out.add(d);
        }
        return out;
    }

    /**
     * True if the server acts on this parameter (aliases count as their parameter): it watches it,
     * has an apply hook for it, or reads it where it is used.
     */
    public boolean isBound(String name) {
        return isBound(ConfigRegistry.require(name));
    }

    private boolean isBound(ConfigParam p) {
        return listeners.containsKey(p) || applyHooks.containsKey(p) || readWhereUsed.contains(p);
    }

    /* ============================================================ CONFIG GET */

    /**
     * CONFIG GET: the parameters matching any of the patterns, each once, as {name, value}.
     * A pattern without {@code * ? [} is an exact, case-insensitive name (aliases and hidden
     * parameters included) and is answered under the name as given; a glob pattern matches
     * names and aliases case-insensitively but never hidden parameters. Redis's order is its
     * hash table's; here it is pattern order, then table order.
     */
    public List<String[]> get(List<String> patterns) {
        Object[] v = values;
        Map<String, String[]> matches = new LinkedHashMap<>();
        for (String pattern : patterns) {
            if (!Glob.hasGlobChars(pattern)) {
                String key = ConfigSyntax.lower(pattern);
                if (matches.containsKey(key)) continue;
                ConfigParam p = ConfigRegistry.lookup(pattern);
                if (p != null) matches.put(key, new String[] {pattern, p.format(v[p.index])});
                continue;
            }
            for (String name : ConfigRegistry.allNames()) {
                ConfigParam p = ConfigRegistry.lookup(name);
                if (p.has(ConfigParam.Flag.HIDDEN) || matches.containsKey(name)) continue;
                if (Glob.match(pattern, name, true)) matches.put(name, new String[] {name, p.format(v[p.index])});
            }
        }
        return new ArrayList<>(matches.values());
    }

    /* ============================================================ CONFIG SET */

    /** CONFIG SET from a remote client while no dataset is loading. */
    public String set(List<String[]> pairs) {
        return set(pairs, false, false);
    }

    /**
     * CONFIG SET with several parameter/value pairs, all or nothing, as Redis 7.0 does it:
     * <ol>
     *   <li>every name is looked up and checked first; the first problem in argument order is
     *       reported (unknown name, immutable, protected, -LOADING, duplicate);</li>
     *   <li>every value is parsed (multi-argument values split on single spaces); the first
     *       invalid one is reported and nothing changes;</li>
     *   <li>the values are stored, then the apply hooks of the parameters whose value changed
     *       run, each distinct hook once; if one fails, every value is restored, the hooks run
     *       again on the old values, and its error is reported;</li>
     *   <li>change listeners run.</li>
     * </ol>
     *
     * @param localClient whether the client connects from loopback or a unix socket (for
     *                    {@code enable-protected-configs local})
     * @param loading     whether a dataset is being loaded (parameters flagged DENY_LOADING refuse)
     * @return null on success, else the error reply without its leading '-'
     */
    public String set(List<String[]> pairs, boolean localClient, boolean loading) {
        synchronized (writeLock) {
            int n = pairs.size();
            ConfigParam[] params = new ConfigParam[n];
            String[] entryNames = new String[n];
            String unknown = null;
            String errArg = null;
            String errText = null;
            boolean denyLoading = false;
            boolean invalid = false;
            for (int i = 0; i < n && !invalid; i++) {
                String given = pairs.get(i)[0];
                ConfigParam p = ConfigRegistry.lookup(given);
                if (p == null) {
                    unknown = given;
                    invalid = true;
                } else if (p.has(ConfigParam.Flag.IMMUTABLE)) {
                    errText = "can't set immutable config";
                    errArg = given;
                    invalid = true;
                } else if (p.has(ConfigParam.Flag.PROTECTED) && !protectedAllowed(localClient)) {
                    errText = "can't set protected config";
                    errArg = given;
                    invalid = true;
                } else if (loading && p.has(ConfigParam.Flag.DENY_LOADING)) {
                    denyLoading = true;
                    invalid = true;
                } else {
                    // The same name twice is a duplicate; a name and its alias are not (as in Redis).
                    String entry = ConfigSyntax.lower(given);
                    for (int j = 0; j < i; j++) {
                        if (entryNames[j].equals(entry)) {
                            errText = "duplicate parameter";
                            errArg = given;
                            invalid = true;
                        }
                    }
                    params[i] = p;
                    entryNames[i] = entry;
                }
            }
            if (invalid) {
                if (denyLoading) return "LOADING Redis is loading the dataset in memory";
                if (unknown != null) return "ERR Unknown option or number of arguments for CONFIG SET - '" + unknown + "'";
                return setError(errArg, errText);
            }

            Object[] old = values;
            Object[] staged = old.clone();
            boolean[] applies = new boolean[n];
            ParseContext ctx = new ParseContext(false, verifyPaths, p -> staged[p.index], configFile);
            for (int i = 0; i < n; i++) {
                ConfigParam p = params[i];
                String raw = pairs.get(i)[1];
                List<String> args = p.has(ConfigParam.Flag.MULTI_ARG) ? ConfigSyntax.splitSpaces(raw) : List.of(raw);
                Object parsed;
                try {
                    parsed = p.parse(args, staged[p.index], ctx);
                } catch (InvalidValueException e) {
                    return setError(entryNames[i], e.getMessage());
                }
                applies[i] = p.alwaysApplies() || volatileParams.contains(p) || !Objects.equals(staged[p.index], parsed);
                staged[p.index] = parsed;
            }

            values = staged;
            List<ApplyHook> hooks = new ArrayList<>();
            Map<ApplyHook, String> hookOwner = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                if (!applies[i]) continue;
                for (ApplyHook h : applyHooks.getOrDefault(params[i], List.of())) {
                    if (hookOwner.putIfAbsent(h, entryNames[i]) == null) hooks.add(h);
                }
            }
            for (ApplyHook h : hooks) {
                String err = h.apply(this);
                if (err != null) {
                    values = old;
                    for (ApplyHook undo : hooks) undo.apply(this); // best effort, as Redis
                    return setError(hookOwner.get(h), err.isEmpty() ? null : err);
                }
            }
            fireListeners(old, staged);
            return null;
        }
    }

    private boolean protectedAllowed(boolean localClient) {
        int mode = (Integer) getValue("enable-protected-configs");
        return mode == 1 || (mode == 2 && localClient);
    }

    private static String setError(String arg, String text) {
        String base = "ERR CONFIG SET failed (possibly related to argument '" + arg + "')";
        return text == null ? base : base + " - " + text;
    }

    /**
     * Changes a parameter from inside the server (REPLICAOF changing replicaof, maxclients
     * lowered to the file descriptor limit...): validated like a config file line, but allowed
     * for immutable parameters and without apply hooks. Listeners are told.
     *
     * @param args the arguments as a config file line would have them after the name
     * @throws IllegalArgumentException with Redis's error text if the value is invalid
     */
    public void setInternal(String name, String... args) {
        ConfigParam p = ConfigRegistry.require(name);
        synchronized (writeLock) {
            Object[] old = values;
            Object[] staged = old.clone();
            ParseContext ctx = new ParseContext(false, verifyPaths, q -> staged[q.index], configFile);
            try {
                staged[p.index] = p.parse(Arrays.asList(args), old[p.index], ctx);
            } catch (InvalidValueException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            values = staged;
            fireListeners(old, staged);
        }
    }

    /** Stores a value while loading the config files (no hooks, no listeners yet). */
    void putLoaded(ConfigParam p, Object value) {
        Object[] v = values.clone();
        v[p.index] = value;
        values = v;
    }

    /** A parse context for config file lines, seeing the values loaded so far. */
    ParseContext fileParseContext() {
        return new ParseContext(true, verifyPaths, p -> values[p.index], configFile);
    }

    boolean verifyPaths() {
        return verifyPaths;
    }

    /* ============================================================ hooks */

    /**
     * Registers the hook that makes a change of {@code name} take effect (rebind after port or
     * bind, resize after maxmemory...). It runs after CONFIG SET stored the new value, which it
     * reads from this Config; returning an error text fails CONFIG SET with
     * {@code ERR CONFIG SET failed (possibly related to argument 'name') - <text>} and restores
     * the old values. One hook object registered for several parameters runs once per CONFIG SET.
     */
    public void onApply(String name, ApplyHook hook) {
        applyHooks.computeIfAbsent(ConfigRegistry.require(name), k -> new CopyOnWriteArrayList<>()).add(hook);
    }

    /**
     * Registers a listener told after {@code name} changed value. Returns a handle that removes it.
     * Listeners run on the thread that made the change, while further changes wait.
     */
    public Runnable addListener(String name, ChangeListener listener) {
        List<ChangeListener> list =
                listeners.computeIfAbsent(ConfigRegistry.require(name), k -> new CopyOnWriteArrayList<>());
        list.add(listener);
        return () -> list.remove(listener);
    }

    /** Calls {@code consumer} with the current value of a numeric parameter now and after each change. */
    public Runnable watchLong(String name, LongConsumer consumer) {
        consumer.accept(getLong(name));
        return addListener(name, (c, p) -> consumer.accept(c.getLong(name)));
    }

    /** Calls {@code consumer} with the current value now and after each change. */
    public Runnable watchInt(String name, IntConsumer consumer) {
        consumer.accept(getInt(name));
        return addListener(name, (c, p) -> consumer.accept(c.getInt(name)));
    }

    /** Calls {@code consumer} with the current value now and after each change. */
    public Runnable watchBool(String name, Consumer<Boolean> consumer) {
        consumer.accept(getBool(name));
        return addListener(name, (c, p) -> consumer.accept(c.getBool(name)));
    }

    /** Calls {@code consumer} with the current value (null when unset) now and after each change. */
    public Runnable watchString(String name, Consumer<String> consumer) {
        consumer.accept(getString(name));
        return addListener(name, (c, p) -> consumer.accept(c.getString(name)));
    }

    /** Calls {@code consumer} with an enum parameter's value by name ({@link #getEnum}) now and after each change. */
    public Runnable watchEnum(String name, Consumer<String> consumer) {
        consumer.accept(getEnum(name));
        return addListener(name, (c, p) -> consumer.accept(c.getEnum(name)));
    }

    /**
     * For parameters with a getter of their own (notify-keyspace-events, client-output-buffer-limit):
     * calls {@code consumer} now and after each change.
     */
    public Runnable watch(String name, Consumer<Config> consumer) {
        consumer.accept(this);
        return addListener(name, (c, p) -> consumer.accept(c));
    }

    /**
     * Declares parameters the server reads with the getters where it uses them (dbfilename when it
     * saves, tcp-backlog when it listens...) rather than through a field: they count as bound.
     */
    public void readWhereUsed(String... names) {
        for (String n : names) readWhereUsed.add(ConfigRegistry.require(n));
    }

    /**
     * Marks parameters as Redis's VOLATILE_CONFIG: the value names a file whose contents may change
     * under the same name (a certificate renewed in place), so CONFIG SET of the current value still
     * runs the apply hooks and reloads it. Declared by the binder that reloads (server/TlsBindings).
     */
    public void markVolatile(String... names) {
        for (String n : names) volatileParams.add(ConfigRegistry.require(n));
    }

    private void fireListeners(Object[] old, Object[] now) {
        for (Map.Entry<ConfigParam, List<ChangeListener>> e : listeners.entrySet()) {
            ConfigParam p = e.getKey();
            if (Objects.equals(old[p.index], now[p.index])) continue;
            for (ChangeListener l : e.getValue()) l.changed(this, p);
        }
    }

    /* ============================================================ CONFIG REWRITE */

    /**
     * CONFIG REWRITE: rewrites the config file the server started with (see {@link ConfigRewriter}).
     *
     * @return null on success, else the error reply without its leading '-'
     */
    public String rewrite() {
        return rewrite(false);
    }

    /** {@code forceAll}: DEBUG CONFIG-REWRITE-FORCE-ALL, every parameter written even at its default. */
    public String rewrite(boolean forceAll) {
        synchronized (writeLock) {
            return ConfigRewriter.rewrite(this, forceAll);
        }
    }

    /**
     * Sets what CONFIG REWRITE writes as {@code user} lines (the ACL users, as ACL LIST shows
     * them). Without one, the lines are derived from requirepass and the {@code user}
     * declarations that were loaded.
     */
    public void setUserRewriter(Supplier<List<String>> userLines) {
        this.userRewriter = userLines;
    }

    /** The {@code user} lines for CONFIG REWRITE. */
    List<String> userRewriteLines() {
        Supplier<List<String>> supplier = userRewriter;
        if (supplier != null) return supplier.get();
        Map<String, List<String>> byName = new TreeMap<>();
        for (List<String> u : users) {
            byName.computeIfAbsent(u.get(0), k -> new ArrayList<>()).add("user " + String.join(" ", u));
        }
        if (!byName.containsKey("default")) {
            String pass = getString("requirepass");
            String auth = pass == null ? "nopass" : "#" + sha256Hex(pass);
            byName.put("default", List.of("user default on " + auth + " ~* &* +@all"));
        }
        List<String> lines = new ArrayList<>();
        byName.values().forEach(lines::addAll);
        return lines;
    }

    private static String sha256Hex(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The strerror() text matching an I/O failure, for Redis-style messages. */
    static String strerror(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        if (e instanceof NotDirectoryException) return "Not a directory";
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            String reason = fse.getReason();
            return reason.isEmpty() ? "Input/output error" : Character.toUpperCase(reason.charAt(0)) + reason.substring(1);
        }
        return e.getMessage() == null ? "Input/output error" : e.getMessage();
    }
}
