package io.lodestone.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parameters Redis handles with their own setter, getter and rewrite function
 * ({@code createSpecialConfig}): dir, save, client-output-buffer-limit, oom-score-adj-values,
 * notify-keyspace-events, bind, replicaof and latency-tracking-info-percentiles.
 */
final class SpecialParams {

    private SpecialParams() {
    }

    /** Common base: a special parameter is rewritten by its own code and typed by its own record. */
    abstract static class Special extends ConfigParam {
        Special(String name, String alias, Set<Flag> flags) {
            super(name, alias, flags);
        }

        @Override
        public Kind kind() {
            return Kind.SPECIAL;
        }
    }

    /* ------------------------------------------------------------------- dir */

    /**
     * The working directory. Redis chdir()s on every change; Java cannot, so the value is the
     * absolute, symlink-free path that getcwd() would return, and relative paths (of
     * {@code include}, {@code logfile}, a later {@code dir}) resolve against it. Validation mirrors
     * chdir(2): the errors are its strerror texts.
     */
    static final class DirParam extends Special {
        DirParam(Set<Flag> flags) {
            super("dir", null, flags);
        }

        @Override
        Object defaultValue() {
            return null; // the process working directory; Config fills it in
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() != 1) throw new InvalidValueException("wrong number of arguments");
            String arg = args.get(0);
            if (arg.isEmpty()) throw new InvalidValueException("No such file or directory");
            Path path;
            try {
                path = Path.of(ConfigSyntax.toNative(ctx.currentDir())).resolve(ConfigSyntax.toNative(arg));
            } catch (InvalidPathException e) {
                throw new InvalidValueException("No such file or directory");
            }
            if (!ctx.verifyPaths) return ConfigSyntax.fromNative(path.normalize().toString());
            String err = chdirError(path);
            if (err != null) throw new InvalidValueException(err);
            try {
                return ConfigSyntax.fromNative(path.toRealPath().toString());
            } catch (IOException e) {
                throw new InvalidValueException(Config.strerror(e));
            }
        }

        /** What chdir(2) would complain about, or null if it would succeed. */
        private static String chdirError(Path path) {
            Path prefix = path.getRoot();
            for (Path part : path) {
                prefix = prefix == null ? part : prefix.resolve(part);
                if (!Files.exists(prefix)) return "No such file or directory";
                if (!Files.isDirectory(prefix)) return "Not a directory";
            }
            if (!Files.isExecutable(path)) return "Permission denied";
            return null;
        }

        @Override
        String format(Object value) {
            return (String) value;
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            state.rewriteLine(name(), name() + " " + ConfigSyntax.repr((String) value), true);
        }
    }

    /* ------------------------------------------------------------------ save */

    static final List<SaveRule> DEFAULT_SAVE = List.of(
            new SaveRule(3600, 1), new SaveRule(300, 100), new SaveRule(60, 10000));

    /**
     * Snapshot rules, a list of {@link SaveRule}. In the config files the first {@code save} line
     * replaces the default rules and later lines add to them; {@code save ""} clears them. CONFIG
     * SET replaces the rules.
     */
    static final class SaveParam extends Special {
        SaveParam(Set<Flag> flags) {
            super("save", null, flags);
        }

        @Override
        Object defaultValue() {
            return DEFAULT_SAVE;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            boolean clear = args.size() == 1 && args.get(0).isEmpty();
            if (clear) args = List.of();
            if ((args.size() & 1) != 0) throw new InvalidValueException("Invalid save parameters");
            List<SaveRule> added = new ArrayList<>();
            for (int j = 0; j < args.size(); j += 2) {
                RedisNumbers.Parsed seconds = RedisNumbers.strtoll(args.get(j), 10);
                RedisNumbers.Parsed changes = RedisNumbers.strtoll(args.get(j + 1), 10);
                if (!seconds.complete() || seconds.value() < 1 || !changes.complete() || changes.value() < 0) {
                    throw new InvalidValueException("Invalid save parameters");
                }
                added.add(new SaveRule(seconds.value(), (int) changes.value())); // changes is a C int
            }
            List<SaveRule> rules = new ArrayList<>();
            if (ctx.readingConfigFile && ctx.saveLoaded && !clear) {
                @SuppressWarnings("unchecked")
                List<SaveRule> cur = (List<SaveRule>) current;
                rules.addAll(cur);
            }
            if (ctx.readingConfigFile) ctx.saveLoaded = true;
            rules.addAll(added);
            return List.copyOf(rules);
        }

        @Override
        String format(Object value) {
            @SuppressWarnings("unchecked")
            List<SaveRule> rules = (List<SaveRule>) value;
            return rules.stream().map(r -> r.seconds() + " " + r.changes()).collect(Collectors.joining(" "));
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            @SuppressWarnings("unchecked")
            List<SaveRule> rules = (List<SaveRule>) value;
            // An explicit 'save ""' keeps the defaults from coming back at the next start.
            if (rules.isEmpty()) state.rewriteLine(name(), "save \"\"", true);
            for (SaveRule r : rules) state.rewriteLine(name(), "save " + r.seconds() + " " + r.changes(), true);
            state.markProcessed(name());
        }
    }

    /* ---------------------------------------------------- client output buffer */

    /**
     * {@code client-output-buffer-limit <class> <hard> <soft> <seconds> ...}: sets the listed
     * classes only (normal, replica or slave, pubsub), all or nothing.
     */
    static final class ClientOutputBufferLimitParam extends Special {
        private static final String[] GET_NAMES = {"normal", "slave", "pubsub"};
        private static final String[] REWRITE_NAMES = {"normal", "replica", "pubsub"};

        ClientOutputBufferLimitParam(Set<Flag> flags) {
            super("client-output-buffer-limit", null, flags);
        }

        @Override
        Object defaultValue() {
            return ClientOutputBufferLimits.DEFAULTS;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() % 4 != 0) {
                throw new InvalidValueException("Wrong number of arguments in buffer limit configuration.");
            }
            ClientOutputBufferLimits limits = (ClientOutputBufferLimits) current;
            for (int j = 0; j < args.size(); j += 4) {
                int clientClass = switch (ConfigSyntax.lower(args.get(j))) {
                    case "normal" -> 0;
                    case "slave", "replica" -> 1;
                    case "pubsub" -> 2;
                    default -> -1; // "master" is a class too, but has no limit
                };
                if (clientClass < 0) {
                    throw new InvalidValueException("Invalid client class specified in buffer limit configuration.");
                }
                Long hard = RedisNumbers.memtoull(args.get(j + 1));
                Long soft = RedisNumbers.memtoull(args.get(j + 2));
                RedisNumbers.Parsed seconds = RedisNumbers.strtoll(args.get(j + 3), 10);
                int softSeconds = (int) seconds.value(); // a C int
                if (hard == null || soft == null || softSeconds < 0 || !seconds.complete()) {
                    throw new InvalidValueException(
                            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
                }
                limits = limits.with(clientClass, new ClientBufferLimit(hard, soft, softSeconds));
            }
            return limits;
        }

        @Override
        String format(Object value) {
            ClientOutputBufferLimits limits = (ClientOutputBufferLimits) value;
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 3; j++) {
                ClientBufferLimit l = limits.get(j);
                if (j > 0) sb.append(' ');
                sb.append(GET_NAMES[j]).append(' ').append(Long.toUnsignedString(l.hardLimitBytes()))
                        .append(' ').append(Long.toUnsignedString(l.softLimitBytes()))
                        .append(' ').append(l.softLimitSeconds());
            }
            return sb.toString();
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            ClientOutputBufferLimits limits = (ClientOutputBufferLimits) value;
            for (int j = 0; j < 3; j++) {
                ClientBufferLimit l = limits.get(j);
                boolean force = !l.equals(ClientOutputBufferLimits.DEFAULTS.get(j));
                state.rewriteLine(name(), name() + " " + REWRITE_NAMES[j] + " "
                        + RedisNumbers.formatMemory(l.hardLimitBytes()) + " "
                        + RedisNumbers.formatMemory(l.softLimitBytes()) + " " + l.softLimitSeconds(), force);
            }
        }
    }

    /* ------------------------------------------------------------- oom score */

    static final List<Integer> DEFAULT_OOM_SCORE_ADJ_VALUES = List.of(0, 200, 800);

    /** {@code oom-score-adj-values <primary> <replica> <bgchild>}, each within -2000..2000. */
    static final class OomScoreAdjValuesParam extends Special {
        OomScoreAdjValuesParam(Set<Flag> flags) {
            super("oom-score-adj-values", null, flags);
        }

        @Override
        Object defaultValue() {
            return DEFAULT_OOM_SCORE_ADJ_VALUES;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() != 3) throw new InvalidValueException("wrong number of arguments");
            List<Integer> values = new ArrayList<>(3);
            for (String arg : args) {
                RedisNumbers.Parsed p = RedisNumbers.strtoll(arg, 10);
                if (!p.complete() || p.value() < -2000 || p.value() > 2000) {
                    throw new InvalidValueException(
                            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
                }
                values.add((int) p.value());
            }
            return List.copyOf(values);
        }

        @Override
        String format(Object value) {
            @SuppressWarnings("unchecked")
            List<Integer> values = (List<Integer>) value;
            return values.stream().map(String::valueOf).collect(Collectors.joining(" "));
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            state.rewriteLine(name(), name() + " " + format(value), !DEFAULT_OOM_SCORE_ADJ_VALUES.equals(value));
        }
    }

    /* ------------------------------------------------- notify-keyspace-events */

    /** Keyspace notification classes, held as {@link KeyspaceEvents} bit flags (an Integer). */
    static final class NotifyKeyspaceEventsParam extends Special {
        NotifyKeyspaceEventsParam(Set<Flag> flags) {
            super("notify-keyspace-events", null, flags);
        }

        @Override
        Object defaultValue() {
            return 0;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() != 1) throw new InvalidValueException("wrong number of arguments");
            int flags = KeyspaceEvents.parse(args.get(0));
            if (flags == -1) throw new InvalidValueException("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            return flags;
        }

        @Override
        String format(Object value) {
            return KeyspaceEvents.format((Integer) value);
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            state.rewriteLine(name(), name() + " " + ConfigSyntax.repr(format(value)), (Integer) value != 0);
        }
    }

    /* ------------------------------------------------------------------ bind */

    static final List<String> DEFAULT_BIND = List.of("*", "-::*");

    /** Listening addresses, at most 16; {@code bind ""} listens on none. */
    static final class BindParam extends Special {
        BindParam(Set<Flag> flags) {
            super("bind", null, flags);
        }

        @Override
        Object defaultValue() {
            return DEFAULT_BIND;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() > 16) throw new InvalidValueException("Too many bind addresses specified.");
            if (args.size() == 1 && args.get(0).isEmpty()) return List.of();
            return List.copyOf(args);
        }

        @Override
        boolean alwaysApplies() {
            return true;
        }

        @Override
        String format(Object value) {
            @SuppressWarnings("unchecked")
            List<String> addrs = (List<String>) value;
            return String.join(" ", addrs);
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            if (DEFAULT_BIND.equals(value)) {
                state.markProcessed(name());
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> addrs = (List<String>) value;
            state.rewriteLine(name(), name() + " " + (addrs.isEmpty() ? "\"\"" : String.join(" ", addrs)), true);
        }
    }

    /* ------------------------------------------------------------- replicaof */

    /** {@code replicaof <host> <port>} or {@code replicaof no one}; the value is a {@link ReplicaOf} or null. */
    static final class ReplicaOfParam extends Special {
        ReplicaOfParam(Set<Flag> flags) {
            super("replicaof", "slaveof", flags);
        }

        @Override
        Object defaultValue() {
            return null;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() != 2) throw new InvalidValueException("wrong number of arguments");
            if (ConfigSyntax.lower(args.get(0)).equals("no") && ConfigSyntax.lower(args.get(1)).equals("one")) {
                return null;
            }
            RedisNumbers.Parsed p = RedisNumbers.strtoll(args.get(1), 10);
            int port = (int) p.value(); // strtol into a C int
            if (port < 0 || port > 65535 || !p.complete()) throw new InvalidValueException("Invalid master port");
            return new ReplicaOf(args.get(0), port);
        }

        @Override
        String format(Object value) {
            ReplicaOf r = (ReplicaOf) value;
            return r == null ? "" : r.host() + " " + r.port();
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            ReplicaOf r = (ReplicaOf) value;
            // A primary, or a cluster node, has no replicaof line at all.
            if (r == null || config.getBool("cluster-enabled")) {
                state.markProcessed(name());
                return;
            }
            state.rewriteLine(name(), name() + " " + r.host() + " " + r.port(), true);
        }
    }

    /* --------------------------------------------- latency percentiles in INFO */

    static final List<Double> DEFAULT_PERCENTILES = List.of(50.0, 99.0, 99.9);

    /** Percentiles INFO latencystats reports, each within 0..100; {@code ""} for none. */
    static final class LatencyPercentilesParam extends Special {
        LatencyPercentilesParam(Set<Flag> flags) {
            super("latency-tracking-info-percentiles", null, flags);
        }

        @Override
        Object defaultValue() {
            return DEFAULT_PERCENTILES;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            if (args.size() == 1 && args.get(0).isEmpty()) return List.of();
            List<Double> values = new ArrayList<>(args.size());
            for (String arg : args) {
                Double d = RedisNumbers.string2d(arg);
                if (d == null) throw new InvalidValueException("Invalid latency-tracking-info-percentiles parameters");
                if (d > 100.0 || d < 0.0) {
                    throw new InvalidValueException(
                            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
                }
                values.add(d);
            }
            return List.copyOf(values);
        }

        @Override
        String format(Object value) {
            @SuppressWarnings("unchecked")
            List<Double> values = (List<Double>) value;
            return values.stream().map(RedisNumbers::formatPercentile).collect(Collectors.joining(" "));
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            @SuppressWarnings("unchecked")
            List<Double> values = (List<Double>) value;
            String line = values.isEmpty() ? name() + " \"\"" : name() + " " + format(value);
            state.rewriteLine(name(), line, true);
        }
    }
}
