package io.lodestone.config;

import io.lodestone.util.Glob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Loads the configuration at start-up, as redis-server's {@code main()} and
 * {@code loadServerConfig()} do:
 * <ol>
 *   <li>{@code argv[0]}, unless it starts with '-', is the config file; a lone {@code -} first
 *       or last reads the config from stdin (after the file);</li>
 *   <li>every {@code --name value...} becomes a config line {@code name "value"...} appended
 *       after the file, so the command line wins ({@code --save} alone means {@code --save ""});</li>
 *   <li>the text is read line by line: blank lines and {@code #} comments skipped, arguments
 *       split like {@code sdssplitargs}, the first one looked up as a parameter (case-insensitive)
 *       or a file-only directive: {@code include} (relative to {@code dir}, glob patterns allowed),
 *       {@code rename-command}, {@code user}, {@code loadmodule}, module parameters
 *       ({@code name.with.dot}), {@code sentinel} (refused: no sentinel mode).</li>
 * </ol>
 * A repeated parameter takes the last value, except {@code save} whose lines add up;
 * rename-command, user, include and loadmodule accumulate.
 *
 * <p>The first error stops loading with a {@link ConfigLoadException} carrying Redis's exact text.
 * The server handles {@code -v}, {@code --version}, {@code -h}, {@code --help} and
 * {@code --test-memory} before calling this.
 */
public final class ConfigLoader {

    /** The Redis version Lodestone reports in its messages. */
    public static final String REDIS_VERSION = "7.0.15";

    /**
     * Where and how to load.
     *
     * @param cwd            the working directory the server starts in
     * @param stdin          where {@code -} reads the config from
     * @param verifyPaths    whether {@code dir} must exist and {@code logfile} must open, as in
     *                       Redis (tests loading foreign config files turn it off)
     * @param commandExists  whether a command exists, for {@code rename-command}; null accepts any
     * @param userValidator  checks a {@code user} declaration (its arguments after the word user)
     *                       and returns the full error text or null; null accepts any
     */
    public record Options(Path cwd, Supplier<InputStream> stdin, boolean verifyPaths,
                          Predicate<String> commandExists, Function<List<String>, String> userValidator) {

        public static Options defaults() {
            return new Options(Path.of("").toAbsolutePath(), () -> System.in, true, null, null);
        }

        public Options withCwd(Path cwd) {
            return new Options(cwd, stdin, verifyPaths, commandExists, userValidator);
        }

        public Options withStdin(Supplier<InputStream> stdin) {
            return new Options(cwd, stdin, verifyPaths, commandExists, userValidator);
        }

        public Options withVerifyPaths(boolean verifyPaths) {
            return new Options(cwd, stdin, verifyPaths, commandExists, userValidator);
        }

        public Options withCommandExists(Predicate<String> commandExists) {
            return new Options(cwd, stdin, verifyPaths, commandExists, userValidator);
        }

        public Options withUserValidator(Function<List<String>, String> userValidator) {
            return new Options(cwd, stdin, verifyPaths, commandExists, userValidator);
        }
    }

    private final Options options;
    private final Config config;
    private final ParseContext ctx;
    /* rename-command bookkeeping, so that renaming twice or onto an existing name fails as in Redis */
    private final Set<String> removedCommands = new HashSet<>();
    private final Set<String> addedCommands = new HashSet<>();

    private ConfigLoader(Options options, Config config) {
        this.options = options;
        this.config = config;
        this.ctx = config.fileParseContext();
    }

    /** Loads from the command-line arguments (without the program name), with default options. */
    public static Config load(String[] argv) throws ConfigLoadException {
        return load(argv, Options.defaults());
    }

    /**
     * Loads from the command-line arguments as main() received them (without the program name).
     * Arguments are turned back into the bytes the OS passed, so non-ASCII values are the same
     * bytes Redis would store.
     */
    public static Config load(String[] javaArgv, Options options) throws ConfigLoadException {
        if (List.of(javaArgv).contains("--sentinel")) {
            throw new ConfigLoadException("Sentinel mode is not supported", true);
        }
        String[] argv = new String[javaArgv.length];
        for (int i = 0; i < argv.length; i++) argv[i] = ConfigSyntax.fromNative(javaArgv[i]);
        String configFile = null;
        int j = 0;
        if (argv.length > 0 && !argv[0].startsWith("-")) {
            configFile = options.cwd().resolve(javaArgv[0]).normalize().toString();
            j = 1;
        }
        boolean fromStdin = false;
        StringBuilder opts = new StringBuilder();
        boolean lastNameHasValue = true;
        for (; j < argv.length; j++) {
            String arg = argv[j];
            if (arg.equals("-") && (j == 0 || j == argv.length - 1)) {
                fromStdin = true;
            } else if (lastNameHasValue && arg.startsWith("--")) {
                if (!opts.isEmpty()) opts.append('\n');
                opts.append(arg, 2, arg.length()).append(' ');
                List<String> split = ConfigSyntax.splitArgs(arg);
                if (split != null && split.size() == 1) {
                    // A bare name: its values follow. "--save" with no value means 'save ""'.
                    lastNameHasValue = false;
                    boolean nextIsName = j != argv.length - 1 && argv[j + 1].startsWith("--");
                    if (arg.equalsIgnoreCase("--save") && (nextIsName || j == argv.length - 1)) {
                        opts.append("\"\"");
                        lastNameHasValue = nextIsName;
                    }
                } else {
                    lastNameHasValue = true; // "--port 6380" as one argument
                }
            } else {
                opts.append(ConfigSyntax.repr(arg)).append(' ');
                lastNameHasValue = true;
            }
        }

        Config config = new Config(realCwd(options.cwd()), configFile, options.verifyPaths());
        ConfigLoader loader = new ConfigLoader(options, config);
        StringBuilder text = new StringBuilder();
        if (configFile != null) text.append(readFile(ConfigSyntax.fromNative(configFile), Path.of(configFile)));
        if (fromStdin) text.append(loader.readStdin());
        text.append('\n').append(opts);
        loader.loadFromString(text.toString());
        return config;
    }

    /** Loads config text alone (no file, no arguments), for tests and tools. */
    public static Config loadString(String text, Options options) throws ConfigLoadException {
        Config config = new Config(realCwd(options.cwd()), null, options.verifyPaths());
        new ConfigLoader(options, config).loadFromString(text);
        return config;
    }

    /** The working directory as getcwd() gives it: absolute, without symlinks, as bytes. */
    static String realCwd(Path cwd) {
        try {
            return ConfigSyntax.fromNative(cwd.toRealPath().toString());
        } catch (IOException e) {
            return ConfigSyntax.fromNative(cwd.toAbsolutePath().normalize().toString());
        }
    }

    private String readStdin() throws ConfigLoadException {
        try (InputStream in = options.stdin().get()) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ConfigLoadException("Fatal error, can't read config from stdin: " + Config.strerror(e), true);
        }
    }

    /** Reads a whole config file; {@code shown} is the name Redis would print if it cannot. */
    private static String readFile(String shown, Path path) throws ConfigLoadException {
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ConfigLoadException(
                    "Fatal error, can't open config file '" + shown + "': " + Config.strerror(e), true);
        }
    }

    /* ------------------------------------------------------------ the lines */

    /** {@code loadServerConfigFromString}: one text, its own line numbers, then the final checks. */
    private void loadFromString(String text) throws ConfigLoadException {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = ConfigSyntax.trim(lines[i], " \t\r\n");
            if (line.isEmpty() || line.charAt(0) == '#') continue;
            List<String> argv = ConfigSyntax.splitArgs(line);
            if (argv == null) throw fatal(i + 1, line, "Unbalanced quotes in configuration line");
            if (argv.isEmpty()) continue;
            String err = loadLine(argv);
            if (err != null) throw fatal(i + 1, line, err);
        }
        String err = finalChecks();
        if (err != null) throw fatal(0, null, err);
    }

    /** Applies one split line; returns Redis's error text or null. */
    private String loadLine(List<String> argv) throws ConfigLoadException {
        String name = ConfigSyntax.lower(argv.get(0));
        int argc = argv.size();
        List<String> args = argv.subList(1, argc);
        ConfigParam p = ConfigRegistry.lookup(name);
        if (p != null) {
            if (!p.has(ConfigParam.Flag.MULTI_ARG) && argc != 2) return "wrong number of arguments";
            // A multi-argument parameter given one non-empty argument splits it, as Redis does,
            // so --shutdown-on-sigterm "nosave force" equals the two arguments (an empty one stays: save "").
            if (p.has(ConfigParam.Flag.MULTI_ARG) && argc == 2 && !args.get(0).isEmpty()) {
                List<String> split = ConfigSyntax.splitArgs(args.get(0));
                if (split == null) return "Unbalanced quotes in configuration line";
                args = split;
            }
            try {
                config.putLoaded(p, p.parse(List.copyOf(args), config.value(p), ctx));
            } catch (InvalidValueException e) {
                return e.getMessage();
            }
            config.seenDirectives.add(p.name());
            return null;
        }
        if (ConfigRegistry.DEPRECATED_DIRECTIVES.contains(name) && argc == 2) return null;

        if (name.equals("include") && argc == 2) {
            config.includes.add(args.get(0));
            config.seenDirectives.add(name);
            include(args.get(0));
        } else if (name.equals("rename-command") && argc == 3) {
            String err = renameCommand(args.get(0), args.get(1));
            if (err != null) return err;
            config.renameCommands.add(List.copyOf(args));
            config.seenDirectives.add(name);
        } else if (name.equals("user") && argc >= 2) {
            if (options.userValidator() != null) {
                String err = options.userValidator().apply(List.copyOf(args));
                if (err != null) return err;
            }
            config.users.add(List.copyOf(args));
            config.seenDirectives.add(name);
        } else if (name.equals("loadmodule") && argc >= 2) {
            config.loadModules.add(List.copyOf(args));
            config.seenDirectives.add(name);
        } else if (name.indexOf('.') >= 0) {
            if (argc < 2) return "Module config specified without value";
            config.moduleConfigs.put(name, List.copyOf(args));
            config.seenDirectives.add(name);
        } else if (name.equals("sentinel")) {
            // A bare "sentinel" only asks for sentinel mode, which the command line decides.
            if (argc != 1) return "sentinel directive while not in sentinel mode";
        } else {
            return "Bad directive or wrong number of arguments";
        }
        return null;
    }

    /** The checks Redis runs after each loaded text (the included ones too). */
    private String finalChecks() {
        String logfile = (String) config.value(ConfigRegistry.require("logfile"));
        if (!logfile.isEmpty() && config.verifyPaths()) {
            // Redis opens it once here, so that a bad path fails at start rather than at the first log line.
            try {
                Files.newOutputStream(config.resolvePath(logfile), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND).close();
            } catch (IOException e) {
                return "Can't open the log file: " + Config.strerror(e);
            } catch (InvalidPathException e) {
                return "Can't open the log file: No such file or directory";
            }
        }
        if ((Boolean) config.value(ConfigRegistry.require("cluster-enabled"))
                && config.value(ConfigRegistry.require("replicaof")) != null) {
            return "replicaof directive not allowed in cluster mode";
        }
        return null;
    }

    private static ConfigLoadException fatal(int lineNumber, String line, String err) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n*** FATAL CONFIG FILE ERROR (Redis ").append(REDIS_VERSION).append(") ***\n");
        if (line != null) {
            sb.append("Reading the configuration file, at line ").append(lineNumber).append('\n');
            sb.append(">>> '").append(line).append("'\n");
        }
        sb.append(err).append('\n');
        return new ConfigLoadException(sb.toString(), false);
    }

    /* ------------------------------------------------------------- directives */

    /**
     * {@code rename-command}: the source must exist (in the command table or as an earlier
     * rename target) and the target must not; an empty target removes the command.
     */
    private String renameCommand(String from, String to) {
        String src = ConfigSyntax.lower(from);
        String dst = ConfigSyntax.lower(to);
        // Without a command table any source is accepted and only earlier targets are known.
        Predicate<String> table = options.commandExists();
        if (!commandExists(src, table == null)) return "No such command in rename-command";
        removedCommands.add(src);
        addedCommands.remove(src);
        if (!dst.isEmpty()) {
            if (commandExists(dst, false)) return "Target command name already exists";
            addedCommands.add(dst);
            removedCommands.remove(dst);
        }
        return null;
    }

    private boolean commandExists(String name, boolean whenUnknown) {
        if (addedCommands.contains(name)) return true;
        if (removedCommands.contains(name)) return false;
        Predicate<String> table = options.commandExists();
        return table == null ? whenUnknown : table.test(name);
    }

    /**
     * {@code include}: a path relative to the working directory ({@code dir} so far). With
     * {@code * ? [} it is a glob: the matching files, sorted, are read as one text, and no
     * match is fine; without, the file must open.
     */
    private void include(String pattern) throws ConfigLoadException {
        if (pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0) {
            StringBuilder text = new StringBuilder();
            for (String file : expandGlob(pattern)) {
                text.append(readFile(file, config.resolvePath(file)));
            }
            loadFromString(text.toString());
        } else {
            Path path;
            try {
                path = config.resolvePath(pattern);
            } catch (InvalidPathException e) {
                throw new ConfigLoadException(
                        "Fatal error, can't open config file '" + pattern + "': No such file or directory", true);
            }
            loadFromString(readFile(pattern, path));
        }
    }

    /**
     * glob(3) without flags: each path component may hold a pattern; '*' and '?' do not match a
     * leading dot; '[!...]' and '[^...]' negate; results sorted bytewise. Matches are returned
     * as glob prints them (relative patterns stay relative to {@code dir}).
     */
    List<String> expandGlob(String pattern) {
        boolean absolute = pattern.startsWith("/");
        String[] parts = pattern.split("/+");
        List<String> prefixes = new ArrayList<>();
        prefixes.add(absolute ? "/" : "");
        for (int k = 0; k < parts.length; k++) {
            String part = parts[k];
            if (part.isEmpty()) continue;
            boolean last = k == parts.length - 1;
            List<String> next = new ArrayList<>();
            for (String prefix : prefixes) {
                Path dir = config.resolvePath(prefix.isEmpty() ? "." : prefix);
                if (!(part.indexOf('*') >= 0 || part.indexOf('?') >= 0 || part.indexOf('[') >= 0)) {
                    String candidate = prefix + part;
                    Path resolved = config.resolvePath(candidate);
                    if (last ? Files.exists(resolved) : Files.isDirectory(resolved)) {
                        next.add(last ? candidate : candidate + "/");
                    }
                    continue;
                }
                List<String> names = new ArrayList<>();
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                    for (Path e : entries) names.add(ConfigSyntax.fromNative(e.getFileName().toString()));
                } catch (IOException | UncheckedIOException e) {
                    continue;
                }
                names.sort(null);
                for (String entry : names) {
                    if (entry.startsWith(".") && !part.startsWith(".")) continue;
                    if (!Glob.match(fnmatchToGlob(part), entry, false)) continue;
                    String candidate = prefix + entry;
                    if (!last) {
                        if (Files.isDirectory(config.resolvePath(candidate))) next.add(candidate + "/");
                    } else {
                        next.add(candidate);
                    }
                }
            }
            prefixes = next;
        }
        prefixes.sort(null);
        return prefixes;
    }

    /** fnmatch's "[!" negation is Redis's "[^". */
    private static String fnmatchToGlob(String part) {
        return part.replace("[!", "[^");
    }
}
