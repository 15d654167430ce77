/**
 * HyperLogLog commands, as Redis's hyperloglog.c.
 * <ul>
 *   <li>{@link io.lodestone.command.hll.HyperLogLogCommands} - PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 *       PFSELFTEST; registers the family.</li>
 *   <li>{@code HyperLogLog} - the representation, byte-compatible with Redis: the "HYLL" header and
 *       cached cardinality, sparse opcodes and their promotion to dense 6-bit registers,
 *       MurmurHash64A, and the 7.0 cardinality estimator.</li>
 * </ul>
 * An HLL is a plain string value ({@code byte[]}); like every string it is written in place only by
 * the entry that owns it ({@code KeyEntry.FLAG_RAW}).
 */
package io.lodestone.command.hll;
