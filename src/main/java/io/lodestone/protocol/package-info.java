/**
 * RESP on the wire.
 * <ul>
 *   <li>{@link io.lodestone.protocol.RequestDecoder} - a state machine that turns bytes (in any
 *       fragmentation) into argument vectors, multibulk or inline, enforcing Redis's limits.</li>
 *   <li>{@link io.lodestone.protocol.Reply} - the one reply writer; RESP2 vs RESP3 is decided here only.</li>
 *   <li>{@link io.lodestone.protocol.RespValue} / {@link io.lodestone.protocol.RespParser} - a full RESP3
 *       value tree, for data files and for reading replies from peers.</li>
 * </ul>
 */
package io.lodestone.protocol;
