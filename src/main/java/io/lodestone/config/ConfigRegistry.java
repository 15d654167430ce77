package io.lodestone.config;

import static io.lodestone.config.ConfigParam.Flag.DENY_LOADING;
import static io.lodestone.config.ConfigParam.Flag.EXTENSION;
import static io.lodestone.config.ConfigParam.Flag.HIDDEN;
import static io.lodestone.config.ConfigParam.Flag.IMMUTABLE;
import static io.lodestone.config.ConfigParam.Flag.MULTI_ARG;
import static io.lodestone.config.ConfigParam.Flag.PROTECTED;
import static io.lodestone.config.ConfigParam.Flag.SENSITIVE;
import static io.lodestone.config.StandardParams.INTEGER;
import static io.lodestone.config.StandardParams.MEMORY;
import static io.lodestone.config.StandardParams.OCTAL;
import static io.lodestone.config.StandardParams.PERCENT;

import io.lodestone.config.ConfigParam.Flag;
import io.lodestone.config.StandardParams.BoolParam;
import io.lodestone.config.StandardParams.Check;
import io.lodestone.config.StandardParams.EnumParam;
import io.lodestone.config.StandardParams.NumericParam;
import io.lodestone.config.StandardParams.StringParam;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * Every parameter redis-server 7.0.15 accepts in redis.conf and CONFIG SET, in one table:
 * name, alias, flags, type, bounds and default. Types, bounds, flags, enum names and defaults
 * follow the {@code standardConfig} table of Redis's config.c (a build with TLS, as Debian's);
 * the defaults are checked against a live server's {@code CONFIG GET *} by the tests.
 *
 * <p>Besides parameters, redis.conf knows a few directives that are not parameters
 * ({@link #FILE_ONLY_DIRECTIVES}); {@link ConfigLoader} handles those.
 *
 * <p>What a parameter drives is not in this table (the config package knows nothing of the server):
 * the server binds each parameter it acts on to its field or apply function once, through
 * {@link Config#watchLong} and friends ({@code server/ConfigBindings}). Parameters nothing binds are
 * accepted, stored and shown, so that existing config files keep loading
 * ({@link Config#acceptedButNotImplemented}).
 */
public final class ConfigRegistry {

    /** Directives of the config file that are not parameters (CONFIG GET/SET do not know them). */
    public static final Set<String> FILE_ONLY_DIRECTIVES =
            Set.of("include", "rename-command", "user", "loadmodule", "sentinel");

    /** Directives Redis 7.0 still accepts (with exactly one argument) and ignores. */
    static final Set<String> DEPRECATED_DIRECTIVES =
            Set.of("list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands");

    private static final int INT_MAX = Integer.MAX_VALUE;
    private static final int INT_MIN = Integer.MIN_VALUE;
    private static final long UINT_MAX = 0xFFFFFFFFL;
    private static final long LONG_MAX = Long.MAX_VALUE;
    private static final long ULLONG_MAX = -1L;

    private static final String[] PROTECTED_ACTION = {"no", "yes", "local"};

    /** shutdown-on-sigint/sigterm flags, as SHUTDOWN_SAVE, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_FORCE. */
    public static final int SHUTDOWN_SAVE = 1;
    public static final int SHUTDOWN_NOSAVE = 2;
    public static final int SHUTDOWN_NOW = 4;
    public static final int SHUTDOWN_FORCE = 8;
    private static final String[] SHUTDOWN_FLAG_NAMES = {"default", "save", "nosave", "now", "force"};
    private static final int[] SHUTDOWN_FLAG_VALUES = {0, SHUTDOWN_SAVE, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_FORCE};

    private static final List<ConfigParam> PARAMS = List.of(
            /* Bool parameters */
            bool("rdbchecksum", null, true, IMMUTABLE),
            bool("daemonize", null, false, IMMUTABLE),
            bool("io-threads-do-reads", null, false, IMMUTABLE),
            bool("always-show-logo", null, false, IMMUTABLE),
            bool("protected-mode", null, true),
            bool("rdbcompression", null, true),
            bool("rdb-del-sync-files", null, false),
            bool("activerehashing", null, true),
            bool("stop-writes-on-bgsave-error", null, true),
            bool("set-proc-title", null, true, IMMUTABLE),
            bool("dynamic-hz", null, true),
            bool("lazyfree-lazy-eviction", null, false),
            bool("lazyfree-lazy-expire", null, false),
            bool("lazyfree-lazy-server-del", null, false),
            bool("lazyfree-lazy-user-del", null, false),
            bool("lazyfree-lazy-user-flush", null, false),
            bool("repl-disable-tcp-nodelay", null, false),
            bool("repl-diskless-sync", null, true),
            bool("aof-rewrite-incremental-fsync", null, true),
            bool("no-appendfsync-on-rewrite", null, false),
            bool("cluster-require-full-coverage", null, true),
            bool("rdb-save-incremental-fsync", null, true),
            bool("aof-load-truncated", null, true),
            bool("aof-use-rdb-preamble", null, true),
            bool("aof-timestamp-enabled", null, false),
            bool("cluster-replica-no-failover", "cluster-slave-no-failover", false),
            bool("replica-lazy-flush", "slave-lazy-flush", false),
            bool("replica-serve-stale-data", "slave-serve-stale-data", true),
            bool("replica-read-only", "slave-read-only", true),
            bool("replica-ignore-maxmemory", "slave-ignore-maxmemory", true),
            bool("jemalloc-bg-thread", null, true),
            // Like a Redis built without its bundled jemalloc (Debian's): defrag cannot be enabled.
            new BoolParam("activedefrag", null, flags(), false, (v, ctx) -> v
                    ? "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
                    + "modified Jemalloc like the one shipped by default with the Redis source distribution"
                    : null),
            bool("syslog-enabled", null, false, IMMUTABLE),
            bool("cluster-enabled", null, false, IMMUTABLE),
            bool("appendonly", null, false, DENY_LOADING),
            bool("cluster-allow-reads-when-down", null, false),
            bool("cluster-allow-pubsubshard-when-down", null, true),
            bool("crash-log-enabled", null, true),
            bool("crash-memcheck-enabled", null, true),
            bool("use-exit-on-panic", null, false, HIDDEN),
            bool("disable-thp", null, true, IMMUTABLE),
            bool("cluster-allow-replica-migration", null, true),
            bool("replica-announced", null, true),
            bool("latency-tracking", null, true),
            bool("aof-disable-auto-gc", null, false),
            bool("replica-ignore-disk-write-errors", null, false),
            bool("tls-cluster", null, false),
            bool("tls-replication", null, false),
            bool("tls-prefer-server-ciphers", null, false),
            bool("tls-session-caching", null, true),

            /* String parameters; "null" ones treat an empty value as unset */
            string("aclfile", null, false, "", null, IMMUTABLE),
            string("unixsocket", null, true, null, null, IMMUTABLE),
            string("pidfile", null, true, null, null, IMMUTABLE),
            string("replica-announce-ip", "slave-announce-ip", true, null, null),
            string("masteruser", null, true, null, null, SENSITIVE),
            string("cluster-announce-ip", null, true, null, null),
            string("cluster-config-file", null, false, "nodes.conf", null, IMMUTABLE),
            string("cluster-announce-hostname", null, true, null, ConfigRegistry::checkHostname),
            string("syslog-ident", null, false, "redis", null, IMMUTABLE),
            string("dbfilename", null, false, "dump.rdb", (v, ctx) -> isBaseName(v) ? null
                    : "dbfilename can't be a path, just a filename", PROTECTED),
            string("appendfilename", null, false, "appendonly.aof", (v, ctx) -> v.isEmpty()
                    ? "appendfilename can't be empty"
                    : isBaseName(v) ? null : "appendfilename can't be a path, just a filename", IMMUTABLE),
            string("appenddirname", null, false, "appendonlydir", (v, ctx) -> v.isEmpty()
                    ? "appenddirname can't be empty"
                    : isBaseName(v) ? null : "appenddirname can't be a path, just a dirname", IMMUTABLE),
            string("server_cpulist", null, true, null, null, IMMUTABLE),
            string("bio_cpulist", null, true, null, null, IMMUTABLE),
            string("aof_rewrite_cpulist", null, true, null, null, IMMUTABLE),
            string("bgsave_cpulist", null, true, null, null, IMMUTABLE),
            string("ignore-warnings", null, false, "", null),
            string("proc-title-template", null, false, "{title} {listen-addr} {server-mode}",
                    ConfigRegistry::checkProcTitleTemplate),
            string("bind-source-addr", null, true, null, null),
            string("logfile", null, false, "", null, IMMUTABLE),
            string("masterauth", null, true, null, null, SENSITIVE),
            string("requirepass", null, true, null, null, SENSITIVE),
            string("tls-cert-file", null, true, null, null),
            string("tls-key-file", null, true, null, null),
            string("tls-key-file-pass", null, true, null, null),
            string("tls-client-cert-file", null, true, null, null),
            string("tls-client-key-file", null, true, null, null),
            string("tls-client-key-file-pass", null, true, null, null),
            string("tls-dh-params-file", null, true, null, null),
            string("tls-ca-cert-file", null, true, null, null),
            string("tls-ca-cert-dir", null, true, null, null),
            string("tls-protocols", null, true, null, null),
            string("tls-ciphers", null, true, null, null),
            string("tls-ciphersuites", null, true, null, null),

            /* Enum parameters */
            enumeration("supervised", new String[] {"upstart", "systemd", "auto", "no"},
                    new int[] {3, 2, 1, 0}, 0, null, IMMUTABLE),
            enumeration("syslog-facility", new String[] {"user", "local0", "local1", "local2", "local3", "local4",
                    "local5", "local6", "local7"}, new int[] {8, 128, 136, 144, 152, 160, 168, 176, 184}, 128, null,
                    IMMUTABLE),
            enumeration("repl-diskless-load", new String[] {"disabled", "on-empty-db", "swapdb"},
                    new int[] {0, 1, 2}, 0, null, DENY_LOADING),
            enumeration("loglevel", new String[] {"debug", "verbose", "notice", "warning"},
                    new int[] {0, 1, 2, 3}, 2, null),
            enumeration("maxmemory-policy", new String[] {"volatile-lru", "volatile-lfu", "volatile-random",
                    "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"},
                    new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 7, null),
            enumeration("appendfsync", new String[] {"everysec", "always", "no"}, new int[] {2, 1, 0}, 2, null),
            enumeration("oom-score-adj", new String[] {"no", "yes", "relative", "absolute"},
                    new int[] {0, 1, 1, 2}, 0, null),
            enumeration("acl-pubsub-default", new String[] {"allchannels", "resetchannels"},
                    new int[] {1, 0}, 0, null),
            enumeration("sanitize-dump-payload", new String[] {"no", "yes", "clients"}, new int[] {0, 1, 2}, 0, null),
            enumeration("enable-protected-configs", PROTECTED_ACTION, new int[] {0, 1, 2}, 0, null, IMMUTABLE),
            enumeration("enable-debug-command", PROTECTED_ACTION, new int[] {0, 1, 2}, 0, null, IMMUTABLE),
            enumeration("enable-module-command", PROTECTED_ACTION, new int[] {0, 1, 2}, 0, null, IMMUTABLE),
            enumeration("cluster-preferred-endpoint-type", new String[] {"ip", "hostname", "unknown-endpoint"},
                    new int[] {0, 1, 2}, 0, null),
            enumeration("propagation-error-behavior", new String[] {"ignore", "panic", "panic-on-replicas"},
                    new int[] {0, 1, 2}, 0, null),
            enumeration("shutdown-on-sigint", SHUTDOWN_FLAG_NAMES, SHUTDOWN_FLAG_VALUES, 0,
                    ConfigRegistry::checkShutdownFlags, MULTI_ARG),
            enumeration("shutdown-on-sigterm", SHUTDOWN_FLAG_NAMES, SHUTDOWN_FLAG_VALUES, 0,
                    ConfigRegistry::checkShutdownFlags, MULTI_ARG),
            enumeration("tls-auth-clients", new String[] {"no", "yes", "optional"}, new int[] {0, 1, 2}, 1, null),

            /* Signed integer parameters (int, long, long long, ssize_t, time_t, off_t; and
             * unsigned long, whose bounds Redis checks as signed) */
            integer("databases", null, 1, INT_MAX, 16, IMMUTABLE),
            integer("port", null, 0, 65535, 6379),
            integer("io-threads", null, 1, 128, 1, IMMUTABLE),
            integer("auto-aof-rewrite-percentage", null, 0, INT_MAX, 100),
            integer("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, INT_MAX, 10),
            integer("list-max-listpack-size", "list-max-ziplist-size", INT_MIN, INT_MAX, -2),
            integer("tcp-keepalive", null, 0, INT_MAX, 300),
            integer("cluster-migration-barrier", null, 0, INT_MAX, 1),
            integer("active-defrag-cycle-min", null, 1, 99, 1),
            integer("active-defrag-cycle-max", null, 1, 99, 25),
            integer("active-defrag-threshold-lower", null, 0, 1000, 10),
            integer("active-defrag-threshold-upper", null, 0, 1000, 100),
            integer("lfu-log-factor", null, 0, INT_MAX, 10),
            integer("lfu-decay-time", null, 0, INT_MAX, 1),
            integer("replica-priority", "slave-priority", 0, INT_MAX, 100),
            integer("repl-diskless-sync-delay", null, 0, INT_MAX, 5),
            integer("maxmemory-samples", null, 1, INT_MAX, 5),
            integer("maxmemory-eviction-tenacity", null, 0, 100, 10),
            integer("timeout", null, 0, INT_MAX, 0),
            integer("replica-announce-port", "slave-announce-port", 0, 65535, 0),
            integer("tcp-backlog", null, 0, INT_MAX, 511, IMMUTABLE),
            integer("cluster-port", null, 0, 65535, 0, IMMUTABLE),
            integer("cluster-announce-bus-port", null, 0, 65535, 0),
            integer("cluster-announce-port", null, 0, 65535, 0),
            integer("cluster-announce-tls-port", null, 0, 65535, 0),
            integer("repl-timeout", null, 1, INT_MAX, 60),
            integer("repl-ping-replica-period", "repl-ping-slave-period", 1, INT_MAX, 10),
            integer("list-compress-depth", null, 0, INT_MAX, 0),
            integer("rdb-key-save-delay", null, INT_MIN, INT_MAX, 0, HIDDEN),
            integer("key-load-delay", null, INT_MIN, INT_MAX, 0, HIDDEN),
            integer("active-expire-effort", null, 1, 10, 1),
            // Any value is accepted; Redis clamps it into 1..500 when it takes effect.
            new NumericParam("hz", null, flags(), false, 0, INT_MAX, 10, INTEGER, clamp(1, 500)),
            integer("min-replicas-to-write", "min-slaves-to-write", 0, INT_MAX, 0),
            integer("min-replicas-max-lag", "min-slaves-max-lag", 0, INT_MAX, 10),
            // Synchronous replication (docs/REPLICATION.md): a write's reply waits for this many acks.
            integer("min-replicas-ack", null, 0, INT_MAX, 0, EXTENSION),
            integer("min-replicas-ack-timeout", null, 0, LONG_MAX, 1000, EXTENSION),
            integer("watchdog-period", null, 0, INT_MAX, 0, HIDDEN),
            integer("shutdown-timeout", null, 0, INT_MAX, 10),
            integer("repl-diskless-sync-max-replicas", null, 0, INT_MAX, 0),
            integer("active-defrag-max-scan-fields", null, 1, LONG_MAX, 1000),
            integer("slowlog-max-len", null, 0, LONG_MAX, 128),
            integer("acllog-max-len", null, 0, LONG_MAX, 128),
            integer("busy-reply-threshold", "lua-time-limit", 0, LONG_MAX, 5000),
            integer("cluster-node-timeout", null, 0, LONG_MAX, 15000),
            integer("slowlog-log-slower-than", null, -1, LONG_MAX, 10000),
            integer("latency-monitor-threshold", null, 0, LONG_MAX, 0),
            memory("proto-max-bulk-len", null, false, 1024 * 1024, LONG_MAX, 512L * 1024 * 1024),
            integer("stream-node-max-entries", null, 0, LONG_MAX, 100),
            memory("repl-backlog-size", null, false, 1, LONG_MAX, 1024 * 1024),
            new NumericParam("maxmemory-clients", null, flags(), false, -100, LONG_MAX, 0, MEMORY | PERCENT, null),
            integer("repl-backlog-ttl", null, 0, LONG_MAX, 60 * 60),
            memory("auto-aof-rewrite-min-size", null, false, 0, LONG_MAX, 64L * 1024 * 1024),
            integer("loading-process-events-interval-bytes", null, 1024, INT_MAX, 2 * 1024 * 1024, HIDDEN),
            integer("tls-port", null, 0, 65535, 0),
            integer("tls-session-cache-size", null, 0, INT_MAX, 20 * 1024),
            integer("tls-session-cache-timeout", null, 0, INT_MAX, 300),

            /* Unsigned parameters (unsigned int, unsigned long long, size_t) */
            unsigned("maxclients", null, 1, UINT_MAX, 10000),
            new NumericParam("unixsocketperm", null, flags(IMMUTABLE), true, 0, 0777, 0, OCTAL, null),
            unsigned("socket-mark-id", null, 0, UINT_MAX, 0, IMMUTABLE),
            memory("maxmemory", null, true, 0, ULLONG_MAX, 0),
            memory("cluster-link-sendbuf-limit", null, true, 0, ULLONG_MAX, 0),
            unsigned("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, LONG_MAX, 512),
            unsigned("set-max-intset-entries", null, 0, LONG_MAX, 512),
            unsigned("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, LONG_MAX, 128),
            memory("active-defrag-ignore-bytes", null, true, 1, LONG_MAX, 100L << 20),
            memory("hash-max-listpack-value", "hash-max-ziplist-value", true, 0, LONG_MAX, 64),
            memory("stream-node-max-bytes", null, true, 0, LONG_MAX, 4096),
            memory("zset-max-listpack-value", "zset-max-ziplist-value", true, 0, LONG_MAX, 64),
            memory("hll-sparse-max-bytes", null, true, 0, LONG_MAX, 3000),
            unsigned("tracking-table-max-keys", null, 0, LONG_MAX, 1000000),
            memory("client-query-buffer-limit", null, true, 1024 * 1024, LONG_MAX, 1024L * 1024 * 1024),

            /* Special parameters */
            new SpecialParams.DirParam(flags(PROTECTED, DENY_LOADING)),
            new SpecialParams.SaveParam(flags(MULTI_ARG)),
            new SpecialParams.ClientOutputBufferLimitParam(flags(MULTI_ARG)),
            new SpecialParams.OomScoreAdjValuesParam(flags(MULTI_ARG)),
            new SpecialParams.NotifyKeyspaceEventsParam(flags()),
            new SpecialParams.BindParam(flags(MULTI_ARG)),
            new SpecialParams.ReplicaOfParam(flags(IMMUTABLE, MULTI_ARG)),
            new SpecialParams.LatencyPercentilesParam(flags(MULTI_ARG)));

    /** Name or alias (lower case) to parameter. */
    private static final Map<String, ConfigParam> BY_NAME;
    /** Every name CONFIG GET can list, primaries and aliases, in table order. */
    private static final List<String> ALL_NAMES;

    static {
        Map<String, ConfigParam> byName = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < PARAMS.size(); i++) {
            ConfigParam p = PARAMS.get(i);
            p.index = i;
            for (String n : p.alias() == null ? List.of(p.name()) : List.of(p.name(), p.alias())) {
                if (byName.put(n, p) != null) throw new IllegalStateException("duplicate config name " + n);
                names.add(n);
            }
        }
        BY_NAME = Collections.unmodifiableMap(new HashMap<>(byName));
        ALL_NAMES = List.copyOf(names);
    }

    private ConfigRegistry() {
    }

    /** All parameters (primary names), in table order. */
    public static List<ConfigParam> params() {
        return PARAMS;
    }

    /** The parameter with this name or alias (ASCII case-insensitive), or null. */
    public static ConfigParam lookup(String name) {
        return BY_NAME.get(ConfigSyntax.lower(name));
    }

    static ConfigParam require(String name) {
        ConfigParam p = lookup(name);
        if (p == null) throw new IllegalArgumentException("no such config parameter: " + name);
        return p;
    }

    /** Names and aliases in the order CONFIG GET lists them. */
    static List<String> allNames() {
        return ALL_NAMES;
    }

    /* ----------------------------------------------------------- table helpers */

    private static Set<Flag> flags(Flag... flags) {
        EnumSet<Flag> set = EnumSet.noneOf(Flag.class);
        Collections.addAll(set, flags);
        return set;
    }

    private static ConfigParam bool(String name, String alias, boolean def, Flag... flags) {
        return new BoolParam(name, alias, flags(flags), def, null);
    }

    private static ConfigParam string(String name, String alias, boolean emptyIsNull, String def,
                                      Check<String> check, Flag... flags) {
        return new StringParam(name, alias, flags(flags), emptyIsNull, def, check);
    }

    private static ConfigParam enumeration(String name, String[] names, int[] values, int def,
                                           Check<Integer> check, Flag... flags) {
        return new EnumParam(name, null, flags(flags), names, values, def, check);
    }

    private static ConfigParam integer(String name, String alias, long lower, long upper, long def, Flag... flags) {
        return new NumericParam(name, alias, flags(flags), false, lower, upper, def, INTEGER, null);
    }

    private static ConfigParam unsigned(String name, String alias, long lower, long upper, long def, Flag... flags) {
        return new NumericParam(name, alias, flags(flags), true, lower, upper, def, INTEGER, null);
    }

    private static ConfigParam memory(String name, String alias, boolean unsigned, long lower, long upper, long def) {
        return new NumericParam(name, alias, flags(), unsigned, lower, upper, def, MEMORY, null);
    }

    private static LongUnaryOperator clamp(long min, long max) {
        return v -> Math.max(min, Math.min(max, v));
    }

    /* -------------------------------------------------------------- validators */

    private static String checkShutdownFlags(Integer flags, ParseContext ctx) {
        if ((flags & SHUTDOWN_SAVE) != 0 && (flags & SHUTDOWN_NOSAVE) != 0) {
            return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        }
        return null;
    }

    private static boolean isBaseName(String path) {
        return path.indexOf('/') < 0 && path.indexOf('\\') < 0;
    }

    private static String checkHostname(String value, ParseContext ctx) {
        if (value.length() >= 256) return "Hostnames must be less than 256 characters";
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                return "Hostnames may only contain alphanumeric characters, hyphens or dots";
            }
        }
        return null;
    }

    /**
     * A process title template is valid if every {@code {variable}} is known and the expansion,
     * with an empty title, is not blank (server.c {@code validateProcTitleTemplate}).
     */
    private static String checkProcTitleTemplate(String template, ParseContext ctx) {
        String expanded = expandProcTitle(template, "", ctx);
        if (expanded == null || ConfigSyntax.trim(expanded, " ").isEmpty()) {
            return "template format is invalid or contains unknown variables";
        }
        return null;
    }

    /** {@code sdstemplate} with Redis's process title variables; null if the template is invalid. */
    static String expandProcTitle(String template, String title, ParseContext ctx) {
        StringBuilder res = new StringBuilder();
        int p = 0;
        while (p < template.length()) {
            int sv = template.indexOf('{', p);
            if (sv < 0) {
                res.append(template, p, template.length());
                break;
            }
            res.append(template, p, sv);
            sv++;
            if (sv >= template.length()) return null;
            if (template.charAt(sv) == '{') {
                res.append('{');
                p = sv + 1;
                continue;
            }
            int ev = template.indexOf('}', sv);
            if (ev < 0) return null;
            String value = procTitleVariable(template.substring(sv, ev), title, ctx);
            if (value == null) return null;
            res.append(value);
            p = ev + 1;
        }
        return res.toString();
    }

    private static String procTitleVariable(String name, String title, ParseContext ctx) {
        long port = (Long) ctx.value("port");
        long tlsPort = (Long) ctx.value("tls-port");
        String unixsocket = (String) ctx.value("unixsocket");
        return switch (name) {
            case "title" -> title;
            case "listen-addr" -> {
                if (port != 0 || tlsPort != 0) {
                    @SuppressWarnings("unchecked")
                    List<String> bind = (List<String>) ctx.value("bind");
                    yield (bind.isEmpty() ? "*" : bind.get(0)) + ":" + (port != 0 ? port : tlsPort);
                }
                yield "unixsocket:" + (unixsocket == null ? "" : unixsocket);
            }
            case "server-mode" -> (Boolean) ctx.value("cluster-enabled") ? "[cluster]" : "";
            case "config-file" -> ctx.configFile() == null ? "" : ctx.configFile();
            case "port" -> Long.toString(port);
            case "tls-port" -> Long.toString(tlsPort);
            case "unixsocket" -> unixsocket == null ? "" : unixsocket;
            default -> null;
        };
    }
}
