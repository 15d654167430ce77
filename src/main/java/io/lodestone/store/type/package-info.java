/**
 * One value class per data type; the store keeps them, the commands change them. Nothing here knows
 * of clients or RESP.
 * <ul>
 *   <li>{@link io.lodestone.store.type.SetValue} - a set: an intset while it holds only integers and
 *       is small, else a hashtable, as Redis 7.0 encodes sets.</li>
 *   <li>{@code IntSet} - Redis's intset layout (sorted 16/32/64-bit integers in one array).</li>
 *   <li>{@code MemberTable} - an open-addressing hash set of byte strings with incremental resizing
 *       and Redis's SCAN cursor guarantee.</li>
 * </ul>
 */
package io.lodestone.store.type;
