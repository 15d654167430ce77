/**
 * String commands, as Redis's t_string.c and bitops.c.
 * <ul>
 *   <li>{@link io.lodestone.command.string.StringCommands} - GET/SET and variants, MGET/MSET, GETEX,
 *       GETDEL, APPEND, STRLEN, counters, GETRANGE/SETRANGE, LCS; registers the family.</li>
 *   <li>{@link io.lodestone.command.string.SetOptions} - the option grammar SET and GETEX share.</li>
 *   <li>{@link io.lodestone.command.string.BitCommands} - SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.</li>
 *   <li>{@link io.lodestone.command.string.BitfieldCommand} - BITFIELD and BITFIELD_RO.</li>
 *   <li>{@link io.lodestone.util.LongDouble} - x87 long double parsing, addition and
 *       printing, exact to the bit, for INCRBYFLOAT (and HINCRBYFLOAT).</li>
 * </ul>
 * A string value is a bare {@code byte[]}; it is written in place only by the entry that owns it,
 * flagged {@code KeyEntry.FLAG_RAW} (see {@code StringCommands.unshare}).
 */
package io.lodestone.command.string;
