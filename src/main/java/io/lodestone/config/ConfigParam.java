package io.lodestone.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One configuration parameter of the registry: its name and alias, its flags, and how its
 * values are parsed, shown by CONFIG GET and written by CONFIG REWRITE.
 *
 * <p>Values are immutable Java objects whose type depends on the parameter kind (see
 * {@link Kind}); {@link Config} holds the current one. Subclasses are the parameter types of
 * Redis's {@code standardConfig} table: bool, numeric, enum, string, and the special ones.
 */
public abstract class ConfigParam {

    /** Behaviour flags, as in Redis's config table. */
    public enum Flag {
        /** CONFIG SET refuses it: {@code can't set immutable config}. */
        IMMUTABLE,
        /** CONFIG SET needs {@code enable-protected-configs}: {@code can't set protected config}. */
        PROTECTED,
        /** CONFIG SET refuses it with -LOADING while a dataset is loading. */
        DENY_LOADING,
        /** Its CONFIG SET value must be redacted from SLOWLOG, MONITOR and the like. */
        SENSITIVE,
        /** Not listed by CONFIG GET patterns; only an exact name shows it. */
        HIDDEN,
        /** Takes several arguments in the config file, space-separated in CONFIG SET. */
        MULTI_ARG,
        /** Lodestone's own, not Redis's: listed and set like the others, left out of comparisons with Redis. */
        EXTENSION
    }

    /** What kind of value a parameter holds, and so which getter of {@link Config} reads it. */
    public enum Kind {
        /** yes/no; {@link Config#getBool}. */
        BOOL,
        /** Integer; {@link Config#getLong} / {@link Config#getInt}. */
        INTEGER,
        /** Byte count with units (1gb, 100mb, 1k); unsigned 64-bit; {@link Config#getLong}. */
        MEMORY,
        /**
         * Byte count or percentage (maxmemory-clients); {@link Config#getLong} returns bytes,
         * or minus the percentage when a percentage was given (as Redis stores it).
         */
        MEMORY_OR_PERCENT,
        /** Octal integer (unixsocketperm); {@link Config#getLong}. */
        OCTAL,
        /** One name out of a list; {@link Config#getEnum}. */
        ENUM,
        /** Several names out of a list, combined as bit flags; {@link Config#getEnum}. */
        FLAGS,
        /** Free text; {@link Config#getString}. */
        STRING,
        /** Its own structure; a dedicated getter of {@link Config}. */
        SPECIAL
    }

    private final String name;
    private final String alias;
    private final Set<Flag> flags;
    int index = -1; // position in the value array, assigned by the registry

    ConfigParam(String name, String alias, Set<Flag> flags) {
        this.name = name;
        this.alias = alias;
        this.flags = flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags);
    }

    /** The canonical (lower-case) name. */
    public final String name() {
        return name;
    }

    /** The alternative name (for example {@code slaveof} for {@code replicaof}), or null. */
    public final String alias() {
        return alias;
    }

    public final boolean has(Flag flag) {
        return flags.contains(flag);
    }

    public final boolean isMutable() {
        return !flags.contains(Flag.IMMUTABLE);
    }

    public abstract Kind kind();

    /** The value before any configuration, as a fresh redis-server has it. */
    abstract Object defaultValue();

    /**
     * Turns arguments into a value, or throws with Redis's error text.
     *
     * @param args the arguments after the name (exactly one unless {@link Flag#MULTI_ARG})
     * @param current the current value, for parameters that update part of their value
     */
    abstract Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException;

    /** The text CONFIG GET shows for a value. */
    abstract String format(Object value);

    /** Writes the value into a CONFIG REWRITE state, as Redis's rewrite function for the type. */
    abstract void rewrite(Object value, ConfigRewriter.State state, Config config);

    /**
     * True if setting this parameter counts as a change even with an equal value, so that its
     * apply hooks run (Redis rebinds on every {@code CONFIG SET bind}).
     */
    boolean alwaysApplies() {
        return false;
    }

    @Override
    public String toString() {
        return name;
    }
}
