package io.lodestone.config;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * The four generic parameter types of Redis's config table: bool, numeric, enum and string.
 * Each reproduces Redis's parsing language, error texts, CONFIG GET format and CONFIG REWRITE
 * line for its type.
 */
final class StandardParams {

    private StandardParams() {
    }

    /** Extra validation of a parsed value; returns Redis's error text or null. */
    @FunctionalInterface
    interface Check<T> {
        String check(T value, ParseContext ctx);
    }

    /* ------------------------------------------------------------------ bool */

    static final class BoolParam extends ConfigParam {
        private final boolean defaultValue;
        private final Check<Boolean> check;

        BoolParam(String name, String alias, Set<Flag> flags, boolean defaultValue, Check<Boolean> check) {
            super(name, alias, flags);
            this.defaultValue = defaultValue;
            this.check = check;
        }

        @Override
        public Kind kind() {
            return Kind.BOOL;
        }

        @Override
        Object defaultValue() {
            return defaultValue;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            String arg = ConfigSyntax.lower(args.get(0));
            Boolean value = arg.equals("yes") ? Boolean.TRUE : arg.equals("no") ? Boolean.FALSE : null;
            if (value == null) throw new InvalidValueException("argument must be 'yes' or 'no'");
            if (check != null) {
                String err = check.check(value, ctx);
                if (err != null) throw new InvalidValueException(err);
            }
            return value;
        }

        @Override
        String format(Object value) {
            return (Boolean) value ? "yes" : "no";
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            state.rewriteLine(name(), name() + " " + format(value), (Boolean) value != defaultValue);
        }
    }

    /* --------------------------------------------------------------- numeric */

    /** Number flavours, as Redis's INTEGER_CONFIG / MEMORY_CONFIG / PERCENT_CONFIG / OCTAL_CONFIG. */
    static final int INTEGER = 0;
    static final int MEMORY = 1;
    static final int PERCENT = 2;
    static final int OCTAL = 4;

    /**
     * A numeric parameter. Values are 64-bit; {@code unsigned} parameters (Redis's unsigned int,
     * unsigned long long and size_t) compare their bounds as unsigned numbers. Percentages are
     * stored negated, as Redis does.
     */
    static final class NumericParam extends ConfigParam {
        private final boolean unsigned;
        private final long lower;
        private final long upper;
        private final long defaultValue;
        private final int numFlags;
        private final LongUnaryOperator normalize;

        NumericParam(String name, String alias, Set<Flag> flags, boolean unsigned, long lower, long upper,
                     long defaultValue, int numFlags, LongUnaryOperator normalize) {
            super(name, alias, flags);
            this.unsigned = unsigned;
            this.lower = lower;
            this.upper = upper;
            this.defaultValue = defaultValue;
            this.numFlags = numFlags;
            this.normalize = normalize;
        }

        @Override
        public Kind kind() {
            if ((numFlags & MEMORY) != 0) return (numFlags & PERCENT) != 0 ? Kind.MEMORY_OR_PERCENT : Kind.MEMORY;
            return (numFlags & OCTAL) != 0 ? Kind.OCTAL : Kind.INTEGER;
        }

        long lowerBound() {
            return lower;
        }

        long upperBound() {
            return upper;
        }

        @Override
        Object defaultValue() {
            return defaultValue;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            String s = args.get(0);
            Long v = null;
            if ((numFlags & MEMORY) != 0) v = RedisNumbers.memtoull(s);
            if (v == null && (numFlags & PERCENT) != 0 && s.length() > 1 && s.endsWith("%")) {
                Long pct = RedisNumbers.string2ll(s.substring(0, s.length() - 1));
                if (pct != null && pct >= 0) v = -pct;
            }
            if (v == null && (numFlags & OCTAL) != 0) {
                RedisNumbers.Parsed p = RedisNumbers.strtoll(s, 8);
                if (!p.overflow() && p.complete()) v = p.value();
            }
            if (v == null && numFlags == INTEGER) v = RedisNumbers.string2ll(s);
            if (v == null) {
                if ((numFlags & MEMORY) != 0 && (numFlags & PERCENT) != 0) {
                    throw new InvalidValueException("argument must be a memory or percent value");
                } else if ((numFlags & MEMORY) != 0) {
                    throw new InvalidValueException("argument must be a memory value");
                } else if ((numFlags & OCTAL) != 0) {
                    throw new InvalidValueException("argument couldn't be parsed as an octal number");
                }
                throw new InvalidValueException("argument couldn't be parsed into an integer");
            }
            checkBounds(v);
            return normalize == null ? v : normalize.applyAsLong(v);
        }

        private void checkBounds(long v) throws InvalidValueException {
            if (unsigned) {
                if (Long.compareUnsigned(v, upper) > 0 || Long.compareUnsigned(v, lower) < 0) {
                    if ((numFlags & OCTAL) != 0) {
                        throw new InvalidValueException("argument must be between " + Long.toOctalString(lower)
                                + " and " + Long.toOctalString(upper) + " inclusive");
                    }
                    throw new InvalidValueException("argument must be between " + Long.toUnsignedString(lower)
                            + " and " + Long.toUnsignedString(upper) + " inclusive");
                }
            } else if ((numFlags & PERCENT) != 0 && v < 0) {
                if (v < lower) {
                    throw new InvalidValueException("percentage argument must be less or equal to " + -lower);
                }
            } else if (v > upper || v < lower) {
                throw new InvalidValueException("argument must be between " + lower + " and " + upper + " inclusive");
            }
        }

        @Override
        String format(Object value) {
            long v = (Long) value;
            if ((numFlags & PERCENT) != 0 && v < 0) return -v + "%";
            if ((numFlags & MEMORY) != 0) return Long.toUnsignedString(v);
            if ((numFlags & OCTAL) != 0) return Long.toOctalString(v);
            return Long.toString(v);
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            long v = (Long) value;
            if ((numFlags & PERCENT) != 0 && v < 0) {
                // Redis compares the positive percentage with the default here; kept as is.
                state.rewriteLine(name(), name() + " " + -v + "%", -v != defaultValue);
            } else if ((numFlags & MEMORY) != 0) {
                state.rewriteLine(name(), name() + " " + RedisNumbers.formatMemory(v), v != defaultValue);
            } else if ((numFlags & OCTAL) != 0) {
                state.rewriteLine(name(), name() + " " + Long.toOctalString(v), v != defaultValue);
            } else {
                state.rewriteLine(name(), name() + " " + v, v != defaultValue);
            }
        }
    }

    /* ------------------------------------------------------------------ enum */

    /**
     * One name out of a list. With {@link ConfigParam.Flag#MULTI_ARG} several names may be given
     * and their values are OR-ed together (Redis 7.0's bit-flag enums, like shutdown-on-sigterm).
     * Names match case-insensitively; several names may share a value, the first one is shown.
     */
    static final class EnumParam extends ConfigParam {
        private final String[] names;
        private final int[] values;
        private final int defaultValue;
        private final Check<Integer> check;

        EnumParam(String name, String alias, Set<Flag> flags, String[] names, int[] values, int defaultValue,
                  Check<Integer> check) {
            super(name, alias, flags);
            this.names = names;
            this.values = values;
            this.defaultValue = defaultValue;
            this.check = check;
        }

        @Override
        public Kind kind() {
            return has(Flag.MULTI_ARG) ? Kind.FLAGS : Kind.ENUM;
        }

        /** The accepted names, in Redis's order. */
        List<String> names() {
            return List.of(names);
        }

        @Override
        Object defaultValue() {
            return defaultValue;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            boolean bitflags = has(Flag.MULTI_ARG);
            if (args.isEmpty() || (!bitflags && args.size() != 1)) throw notOneOf();
            int result = 0;
            for (String arg : args) {
                String lower = ConfigSyntax.lower(arg);
                boolean matched = false;
                for (int i = 0; i < names.length; i++) {
                    if (names[i].equals(lower)) {
                        result |= values[i];
                        matched = true;
                    }
                }
                if (!matched) throw notOneOf();
            }
            if (check != null) {
                String err = check.check(result, ctx);
                if (err != null) throw new InvalidValueException(err);
            }
            return result;
        }

        private InvalidValueException notOneOf() {
            String msg = "argument(s) must be one of the following: " + String.join(", ", names);
            // Redis builds the text in a 256-byte buffer.
            return new InvalidValueException(msg.length() > 255 ? msg.substring(0, 255) : msg);
        }

        @Override
        String format(Object value) {
            int v = (Integer) value;
            boolean bitflags = has(Flag.MULTI_ARG);
            StringBuilder sb = null;
            int unmatched = v;
            for (int i = 0; i < names.length; i++) {
                if (values[i] == v) return names[i];
                if (bitflags && values[i] != 0 && values[i] == (unmatched & values[i])) {
                    sb = sb == null ? new StringBuilder(names[i]) : sb.append(' ').append(names[i]);
                    unmatched &= ~values[i];
                }
            }
            return sb == null || unmatched != 0 ? "unknown" : sb.toString();
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            state.rewriteLine(name(), name() + " " + format(value), (Integer) value != defaultValue);
        }
    }

    /* ---------------------------------------------------------------- string */

    /**
     * Free text. With {@code emptyIsNull} an empty value means "not set" (null), which CONFIG GET
     * shows as an empty string and CONFIG REWRITE leaves out of the file.
     */
    static final class StringParam extends ConfigParam {
        private final boolean emptyIsNull;
        private final String defaultValue;
        private final Check<String> check;

        StringParam(String name, String alias, Set<Flag> flags, boolean emptyIsNull, String defaultValue,
                    Check<String> check) {
            super(name, alias, flags);
            this.emptyIsNull = emptyIsNull;
            this.defaultValue = defaultValue;
            this.check = check;
        }

        @Override
        public Kind kind() {
            return Kind.STRING;
        }

        @Override
        Object defaultValue() {
            return defaultValue;
        }

        @Override
        Object parse(List<String> args, Object current, ParseContext ctx) throws InvalidValueException {
            String arg = args.get(0);
            if (check != null) {
                String err = check.check(arg, ctx);
                if (err != null) throw new InvalidValueException(err);
            }
            return emptyIsNull && arg.isEmpty() ? null : arg;
        }

        @Override
        String format(Object value) {
            return value == null ? "" : (String) value;
        }

        @Override
        void rewrite(Object value, ConfigRewriter.State state, Config config) {
            if (value == null) {
                // Not set: no line at all, so that the next start leaves it unset too.
                state.markProcessed(name());
                return;
            }
            boolean force = !Objects.equals(defaultValue, value);
            state.rewriteLine(name(), name() + " " + ConfigSyntax.repr((String) value), force);
        }
    }
}
