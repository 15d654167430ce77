/**
 * The generic key commands (Redis's db.c and expire.c): commands that work on any key whatever its type.
 * <ul>
 *   <li>{@link io.lodestone.command.keys.KeyCommands} - DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME,
 *       RENAMENX, COPY, MOVE, SWAPDB, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL; registers the family.</li>
 *   <li>{@link io.lodestone.command.keys.ExpireCommands} - EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL,
 *       EXPIRETIME, PEXPIRETIME, PERSIST, and the effects they propagate.</li>
 *   <li>{@link io.lodestone.command.keys.ScanCommand} - SCAN and its cursor syntax (shared with the type
 *       SCANs).</li>
 *   <li>{@link io.lodestone.command.keys.ObjectCommand} - OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP.</li>
 *   <li>{@link io.lodestone.command.keys.KeyTypes} - the one place that names a value's type and copies it.</li>
 * </ul>
 */
package io.lodestone.command.keys;
