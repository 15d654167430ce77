/**
 * The sorted-set commands (Redis's t_zset.c) over {@link io.lodestone.store.type.ZSetValue}.
 * <ul>
 *   <li>{@link io.lodestone.command.zset.ZSetCommands} - registration, ZADD/ZINCRBY, ZREM, lookups
 *       (ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT, ZLEXCOUNT), ZRANDMEMBER, ZSCAN, shared helpers.</li>
 *   <li>{@code RangeCommands} - ZRANGE in all its forms, ZRANGESTORE, ZREMRANGEBY*.</li>
 *   <li>{@code PopCommands} - ZPOPMIN/ZPOPMAX, ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP.</li>
 *   <li>{@code SetOpCommands} - ZUNION/ZINTER/ZDIFF (and STORE), ZINTERCARD.</li>
 *   <li>{@code Ranges} - score and lex range arguments, parsed as Redis parses them.</li>
 * </ul>
 */
package io.lodestone.command.zset;
