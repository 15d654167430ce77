package io.lodestone.command;

import io.lodestone.protocol.RespValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One command (or subcommand) as Redis 7.0 declares it, plus our handler and its statistics.
 * The facts come from {@code COMMAND INFO} of a real redis-server (see {@link CommandTable}).
 */
public final class CommandSpec {
    // Flags, as named in COMMAND INFO.
    public static final int WRITE = 1, READONLY = 1 << 1, DENYOOM = 1 << 2, ADMIN = 1 << 3, PUBSUB = 1 << 4,
            NOSCRIPT = 1 << 5, BLOCKING = 1 << 6, LOADING = 1 << 7, STALE = 1 << 8, SKIP_MONITOR = 1 << 9,
            SKIP_SLOWLOG = 1 << 10, FAST = 1 << 11, NO_AUTH = 1 << 12, MAY_REPLICATE = 1 << 13,
            NO_MANDATORY_KEYS = 1 << 14, PROTECTED = 1 << 15, NO_MULTI = 1 << 16, MOVABLE_KEYS = 1 << 17,
            ALLOW_BUSY = 1 << 18, NO_ASYNC_LOADING = 1 << 19, ASKING = 1 << 20, SENTINEL = 1 << 21,
            ONLY_SENTINEL = 1 << 22, MODULE = 1 << 23;
    /**
     * Redis's CMD_TOUCHES_ARBITRARY_KEYS (SCAN, RANDOMKEY): in its command table but not in COMMAND INFO,
     * so set here by name. Their lazy-expiry DELs are propagated without MULTI/EXEC.
     */
    public static final int TOUCHES_ARBITRARY_KEYS = 1 << 24;
    private static final java.util.Set<String> MAY_REPLICATE_COMMANDS =
            java.util.Set.of("pfcount", "publish", "spublish", "eval", "evalsha", "fcall");
    private static final Map<String, Integer> FLAG_NAMES = Map.ofEntries(
            Map.entry("write", WRITE), Map.entry("readonly", READONLY), Map.entry("denyoom", DENYOOM),
            Map.entry("admin", ADMIN), Map.entry("pubsub", PUBSUB), Map.entry("noscript", NOSCRIPT),
            Map.entry("blocking", BLOCKING), Map.entry("loading", LOADING), Map.entry("stale", STALE),
            Map.entry("skip_monitor", SKIP_MONITOR), Map.entry("skip_slowlog", SKIP_SLOWLOG),
            Map.entry("fast", FAST), Map.entry("no_auth", NO_AUTH), Map.entry("may_replicate", MAY_REPLICATE),
            Map.entry("no_mandatory_keys", NO_MANDATORY_KEYS), Map.entry("protected", PROTECTED),
            Map.entry("no_multi", NO_MULTI), Map.entry("movablekeys", MOVABLE_KEYS),
            Map.entry("allow_busy", ALLOW_BUSY), Map.entry("no_async_loading", NO_ASYNC_LOADING),
            Map.entry("asking", ASKING), Map.entry("sentinel", SENTINEL), Map.entry("only_sentinel", ONLY_SENTINEL),
            Map.entry("module", MODULE));

    final String name;
    final byte[] nameBytes;
    /** "get", or "config|get" for a subcommand: the name Redis uses in errors and INFO commandstats. */
    final String fullName;
    final int arity;
    final int flags;
    final int firstKey, lastKey, keyStep;
    final List<String> aclCategories;
    final List<KeySpec> keySpecs;
    /** The whole COMMAND INFO entry, replayed as is. */
    final RespValue.Aggregate info;
    final CommandSpec parent;
    final Map<String, CommandSpec> subcommands = new LinkedHashMap<>();
    CommandHandler handler;

    /** Index of this command in the ACL's command bitmaps (security.AclCommandSet), set at start. */
    public int aclId = -1;

    // Statistics for INFO commandstats.
    public long calls, usec, rejectedCalls, failedCalls;
    /** INFO latencystats: made at the first call measured while latency-tracking is on. */
    public LatencyHistogram latency;

    CommandSpec(RespValue.Aggregate info, CommandSpec parent) {
        this.info = info;
        this.parent = parent;
        this.fullName = RespValue.text(info.get(0)).toLowerCase(Locale.ROOT);
        this.name = parent == null ? fullName : fullName.substring(fullName.indexOf('|') + 1);
        this.nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        this.arity = (int) ((RespValue.Int) info.get(1)).value();
        int f = 0;
        for (RespValue v : ((RespValue.Aggregate) info.get(2)).items()) {
            Integer bit = FLAG_NAMES.get(RespValue.text(v));
            if (bit != null) f |= bit;
        }
        if (parent == null && (name.equals("scan") || name.equals("randomkey"))) f |= TOUCHES_ARBITRARY_KEYS;
        // Redis's CMD_PROTECTED, also hidden from COMMAND INFO: enable-debug-command/-module-command decide.
        if (parent == null && (name.equals("debug") || name.equals("module"))) f |= PROTECTED;
        // CMD_MAY_REPLICATE, hidden from COMMAND INFO too: commands that may propagate although not
        // writes (PFCOUNT repairs a cached cardinality, PUBLISH reaches replicas, scripts may write).
        if (parent == null && MAY_REPLICATE_COMMANDS.contains(name)) f |= MAY_REPLICATE;
        this.flags = f;
        this.firstKey = (int) ((RespValue.Int) info.get(3)).value();
        this.lastKey = (int) ((RespValue.Int) info.get(4)).value();
        this.keyStep = (int) ((RespValue.Int) info.get(5)).value();
        List<String> cats = new ArrayList<>();
        for (RespValue v : ((RespValue.Aggregate) info.get(6)).items()) cats.add(RespValue.text(v));
        this.aclCategories = Collections.unmodifiableList(cats);
        List<KeySpec> specs = new ArrayList<>();
        for (RespValue v : ((RespValue.Aggregate) info.get(8)).items()) specs.add(KeySpec.of((RespValue.Aggregate) v));
        this.keySpecs = Collections.unmodifiableList(specs);
    }

    public String name() {
        return name;
    }

    public String fullName() {
        return fullName;
    }

    public int arity() {
        return arity;
    }

    /** A container command (CONFIG, CLUSTER...): its subcommands are specs of their own. */
    public boolean hasSubcommands() {
        return !subcommands.isEmpty();
    }

    public boolean is(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Redis's getCommandFlags: the flags of a command that depend on its arguments. EVAL and FCALL take
     * those their script declares (see {@link CommandTable#flags}); every other command has its own.
     */
    public interface FlagResolver {
        int flags(int declared, byte[][] argv, int argc);
    }

    FlagResolver flagResolver;

    /** This call's flags (see {@link FlagResolver}). */
    public int flags(byte[][] argv, int argc) {
        return flagResolver == null ? flags : flagResolver.flags(flags, argv, argc);
    }

    /** Whether this call has any of {@code flag} (see {@link FlagResolver}). */
    public boolean is(int flag, byte[][] argv, int argc) {
        return (flags(argv, argc) & flag) != 0;
    }

    public List<String> aclCategories() {
        return aclCategories;
    }

    public CommandSpec parent() {
        return parent;
    }

    public Map<String, CommandSpec> subcommands() {
        return subcommands;
    }

    public boolean implemented() {
        return handler != null || subcommands.values().stream().anyMatch(CommandSpec::implemented);
    }

    public RespValue.Aggregate info() {
        return info;
    }

    /** Whether argc satisfies the arity (positive: exact, negative: at least -arity). */
    /** Whether Lodestone runs this command itself (a command with subcommands runs only them). */
    public boolean hasHandler() {
        return handler != null;
    }

    public boolean arityOk(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /** True when some key spec finds real keys (Redis's doesCommandHaveKeys, for our commands). */
    public boolean hasKeys() {
        for (KeySpec ks : keySpecs) if (!ks.flags.contains("not_key")) return true;
        return false;
    }

    /** One key argument of a call: its position in argv and its key-spec flags ("RW", "access"...). */
    public record KeyRef(int pos, List<String> flags) { }

    /**
     * The keys of a call and their flags, from the key specs (Redis's getKeysUsingKeySpecs), in
     * the order of the specs. SET and BITFIELD declare {@code variable_flags}: for them the flags
     * depend on the arguments, as Redis's setGetKeys and bitfieldGetKeys decide. SORT's STORE key
     * has an "unknown" spec (its third; the second is for BY/GET patterns): Redis's sortGetKeys
     * finds it.
     */
    public List<KeyRef> keys(byte[][] argv, int argc) {
        if (fullName.equals("set")) return List.of(new KeyRef(1, setKeyFlags(argv, argc)));
        if (fullName.equals("bitfield")) return List.of(new KeyRef(1, bitfieldKeyFlags(argv, argc)));
        if (fullName.equals("sort")) return sortKeys(argv, argc);
        if (fullName.equals("migrate")) return migrateKeys(argv, argc);
        List<KeyRef> out = new ArrayList<>();
        for (KeySpec ks : keySpecs) {
            List<Integer> positions = new ArrayList<>();
            if (!ks.collect(argv, argc, positions)) return List.of();
            for (int pos : positions) out.add(new KeyRef(pos, ks.flags));
        }
        return out;
    }

    /**
     * Redis's sortGetKeys: the sorted key, and the argument of the last STORE, skipping the
     * arguments of LIMIT, GET and BY (the BY and GET patterns name no key statically).
     */
    private List<KeyRef> sortKeys(byte[][] argv, int argc) {
        int store = -1;
        for (int i = 2; i < argc; i++) {
            if (Args.is(argv[i], "limit")) i += 2;
            else if (Args.is(argv[i], "get") || Args.is(argv[i], "by")) i += 1;
            else if (Args.is(argv[i], "store") && i + 1 < argc) store = i + 1;
        }
        KeyRef sorted = new KeyRef(1, keySpecs.get(0).flags);
        return store < 0 ? List.of(sorted) : List.of(sorted, new KeyRef(store, keySpecs.get(2).flags));
    }

    /**
     * Redis's migrateGetKeys: the key argument, or with KEYS (and an empty key argument) everything
     * after KEYS, skipping the arguments of AUTH (one) and AUTH2 (two).
     */
    private static List<KeyRef> migrateKeys(byte[][] argv, int argc) {
        int first = 3, num = 1;
        for (int i = 6; i < argc; i++) {
            if (Args.is(argv[i], "keys")) {
                if (argv[3].length > 0) return List.of(); // both forms at once: Redis finds no key
                first = i + 1;
                num = argc - first;
                break;
            }
            if (Args.is(argv[i], "auth")) i += 1;
            else if (Args.is(argv[i], "auth2")) i += 2;
        }
        List<String> flags = List.of("RW", "access", "delete");
        List<KeyRef> out = new ArrayList<>(num);
        for (int i = 0; i < num && first + i < argc; i++) out.add(new KeyRef(first + i, flags));
        return out;
    }

    /** SET reads the old value only with its GET option. */
    private static List<String> setKeyFlags(byte[][] argv, int argc) {
        for (int i = 3; i < argc; i++) {
            if (Args.is(argv[i], "get")) return List.of("RW", "access", "update");
        }
        return List.of("OW", "update");
    }

    /** BITFIELD is a read when it has only GET and OVERFLOW operations, each with all its arguments. */
    private static List<String> bitfieldKeyFlags(byte[][] argv, int argc) {
        boolean readonly = true;
        for (int i = 2; i < argc; i++) {
            int remaining = argc - i - 1;
            if (Args.is(argv[i], "get") && remaining >= 2) {
                i += 2;
            } else if ((Args.is(argv[i], "set") || Args.is(argv[i], "incrby")) && remaining >= 3) {
                readonly = false;
                break;
            } else if (Args.is(argv[i], "overflow") && remaining >= 1) {
                i += 1;
            } else {
                readonly = false; // a syntax error: safer to assume a write, as Redis does
                break;
            }
        }
        return readonly ? List.of("RO", "access") : List.of("RW", "access", "update");
    }

    /** The begin_search / find_keys pair of a key spec, and its flags as COMMAND INFO names them. */
    record KeySpec(int index, String keyword, int startFrom, boolean range, int lastKey, int keyStep, int limit,
                   int keyNumIdx, int firstKey, List<String> flags) {
        static KeySpec of(RespValue.Aggregate m) {
            List<String> flags = new ArrayList<>();
            if (m.field("flags") instanceof RespValue.Aggregate f) {
                for (RespValue v : f.items()) flags.add(RespValue.text(v));
            }
            flags = List.copyOf(flags);
            RespValue.Aggregate begin = (RespValue.Aggregate) m.field("begin_search");
            RespValue.Aggregate find = (RespValue.Aggregate) m.field("find_keys");
            String btype = RespValue.text(begin.field("type"));
            RespValue.Aggregate bspec = (RespValue.Aggregate) begin.field("spec");
            int index = -1, startFrom = 0;
            String keyword = null;
            if ("index".equals(btype)) {
                index = num(bspec.field("index"));
            } else if ("keyword".equals(btype)) {
                keyword = RespValue.text(bspec.field("keyword"));
                startFrom = num(bspec.field("startfrom"));
            }
            String ftype = RespValue.text(find.field("type"));
            RespValue.Aggregate fspec = (RespValue.Aggregate) find.field("spec");
            if ("range".equals(ftype)) {
                return new KeySpec(index, keyword, startFrom, true, num(fspec.field("lastkey")),
                        num(fspec.field("keystep")), num(fspec.field("limit")), 0, 0, flags);
            }
            if ("keynum".equals(ftype)) {
                return new KeySpec(index, keyword, startFrom, false, 0, num(fspec.field("keystep")), 0,
                        num(fspec.field("keynumidx")), num(fspec.field("firstkey")), flags);
            }
            return new KeySpec(-1, null, 0, true, 0, 1, 0, 0, 0, flags); // "unknown": no keys found statically
        }

        private static int num(RespValue v) {
            return v instanceof RespValue.Int i ? (int) i.value() : 0;
        }

        /**
         * Redis's getKeysUsingKeySpecs for one spec: adds its key positions; false when the arguments do
         * not fit it (a key count past the end, say), which makes the whole call keyless, as in Redis.
         */
        boolean collect(byte[][] argv, int argc, List<Integer> out) {
            int first;
            if (keyword != null) {
                first = -1;
                byte[] kw = keyword.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII); // COMMAND INFO has "STORE"
                int start = startFrom > 0 ? startFrom : argc + startFrom;
                int end = startFrom > 0 ? argc - 1 : 0;
                int step = startFrom > 0 ? 1 : -1;
                for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
                    if (i < 1 || i >= argc) continue;
                    if (Args.equalsIgnoreCase(argv[i], kw)) {
                        first = i + 1;
                        break;
                    }
                }
                if (first < 0) return true; // the keyword is absent: this spec names no key
            } else {
                if (index <= 0) return true; // "unknown": no key found statically
                first = index;
            }
            int last;
            int step;
            if (range) {
                step = Math.max(1, keyStep);
                if (lastKey >= 0) last = first + lastKey;
                else if (limit == 0) last = argc + lastKey;
                else last = first + ((argc - first) / limit + lastKey);
            } else {
                if (first + keyNumIdx >= argc) return false;
                long n;
                try {
                    n = Long.parseLong(new String(argv[first + keyNumIdx], StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    return false;
                }
                if (n < 0 || n > argc) return false;
                first += this.firstKey;
                last = first + (int) n - 1;
                step = Math.max(1, keyStep);
            }
            if (last >= argc || last < first || first >= argc) return false;
            for (int i = first; i <= last; i += step) out.add(i);
            return true;
        }
    }
}
