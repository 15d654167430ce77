/**
 * One value class per data type; strings are plain {@code byte[]} and need none.
 * <ul>
 *   <li>{@link io.lodestone.store.type.ListValue} - a list: a deque of chunks of packed elements (Redis's quicklist).</li>
 * </ul>
 * Like the rest of {@code store}, nothing here knows of commands or RESP.
 */
package io.lodestone.store.type;
