/**
 * One value class per data type; a string is a bare {@code byte[]} and has none.
 * <ul>
 *   <li>{@link io.lodestone.store.type.ZSetValue} - sorted sets: a compact sorted-array form
 *       ("listpack") and a large form ("skiplist": {@code ZSetIndex}, a hash table plus the
 *       order-statistic {@code RankTree}).</li>
 *   <li>{@link io.lodestone.store.type.MemberSet} - what the sorted-set algebra needs of a plain set.</li>
 * </ul>
 * Values know nothing of commands or RESP; thresholds and limits come from the caller.
 */
package io.lodestone.store.type;
