/**
 * Hash commands, as Redis's t_hash.c.
 * <ul>
 *   <li>{@link io.lodestone.command.hash.HashCommands} - HSET/HMSET/HSETNX, HGET/HMGET, HDEL, HLEN,
 *       HSTRLEN, HEXISTS, HKEYS/HVALS/HGETALL, HINCRBY/HINCRBYFLOAT, HRANDFIELD, HSCAN; registers
 *       the family.</li>
 * </ul>
 * The value is {@link io.lodestone.store.type.HashValue}; HINCRBYFLOAT shares
 * {@link io.lodestone.util.LongDouble} with INCRBYFLOAT.
 */
package io.lodestone.command.hash;
