/**
 * One value class per data type other than strings (which are bare {@code byte[]}), each with
 * Redis's compact encoding for small values and its full structure past the configured thresholds.
 * <ul>
 *   <li>{@link io.lodestone.store.type.HashValue} - hashes: a listpack-like byte array, then a
 *       {@link io.lodestone.store.Dict} of fields.</li>
 *   <li>{@link io.lodestone.store.type.ZSetValue} - sorted sets: a compact sorted-array form
 *       ("listpack") and a large form ("skiplist": {@code ZSetIndex}, a hash table plus an
 *       order-statistic tree for O(log n) ranks).</li>
 *   <li>{@link io.lodestone.store.type.ListValue} - lists: a deque of chunks of packed elements, as
 *       Redis's quicklist of listpacks ({@code ListEntries}: an element's layout), and plain chunks
 *       for elements past the packed threshold, as its PLAIN nodes.</li>
 *   <li>{@link io.lodestone.store.type.SetValue} - sets: an intset in Redis's exact layout, then an
 *       open-addressed member table resized incrementally.</li>
 *   <li>{@link io.lodestone.store.type.StreamValue} - streams: nodes of Redis's own stream listpack
 *       bytes ({@code StreamNode}, {@code Listpack}) by master ID, and consumer groups
 *       ({@code StreamGroup}, {@code StreamConsumer}, {@code StreamNack}).</li>
 * </ul>
 * Nothing here knows of commands, clients or RESP: thresholds come in as arguments.
 */
package io.lodestone.store.type;
