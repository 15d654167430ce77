/**
 * Leaf helpers that every layer may use; this package depends on nothing else in Lodestone.
 * <ul>
 *   <li>{@link io.lodestone.util.Log} - Redis's log line format.</li>
 *   <li>{@link io.lodestone.util.Version} - the version we report.</li>
 *   <li>{@link io.lodestone.util.SplitArgs} - Redis's {@code sdssplitargs}: inline commands and
 *       redis.conf lines.</li>
 *   <li>{@link io.lodestone.util.Numbers} - Redis's {@code string2ll}, the strict integer parse.</li>
 *   <li>{@link io.lodestone.util.Glob} - Redis's {@code stringmatchlen}: CONFIG GET, KEYS, SCAN MATCH,
 *       PSUBSCRIBE patterns.</li>
 * </ul>
 */
package io.lodestone.util;
