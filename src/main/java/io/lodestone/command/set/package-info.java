/**
 * Set commands, as Redis's t_set.c.
 * <ul>
 *   <li>{@link io.lodestone.command.set.SetCommands} - SADD, SREM, SMOVE, SISMEMBER, SMISMEMBER, SCARD,
 *       SPOP, SRANDMEMBER, SMEMBERS, SINTER(CARD/STORE), SUNION(STORE), SDIFF(STORE); registers the
 *       family.</li>
 *   <li>{@code SscanCommand} - SSCAN.</li>
 * </ul>
 * The value is {@link io.lodestone.store.type.SetValue}: intset or hashtable, as Redis 7.0 encodes sets.
 */
package io.lodestone.command.set;
