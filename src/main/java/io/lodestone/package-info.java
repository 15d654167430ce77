/**
 * Lodestone: a Redis 7.0-compatible in-memory data server.
 *
 * <p>Layout (dependencies point down this list, never up):
 * <ul>
 *   <li>{@code server}   - start-up, Netty wiring, the event loop, cron, logging, INFO.</li>
 *   <li>{@code command}  - the command table, the dispatcher (every common check), one package per family.</li>
 *   <li>{@code protocol} - RESP request decoder and the one reply writer (RESP2/RESP3 differences live there).</li>
 *   <li>{@code store}    - databases, the incrementally rehashed keyspace, expiry.</li>
 *   <li>{@code config}   - redis.conf parsing, CONFIG GET/SET/REWRITE, glob matching.</li>
 *   <li>{@code pubsub}   - who subscribes to which channels and patterns (delivery is the command layer's).</li>
 * </ul>
 * {@code protocol} and {@code store} know nothing of each other; {@code command} uses both.
 */
package io.lodestone;
