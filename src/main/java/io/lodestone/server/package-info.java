/**
 * The process: start-up, the Netty transport, the event loop that executes every command, cron.
 * <ul>
 *   <li>{@link io.lodestone.server.Main} - argument handling, exits with Redis's messages.</li>
 *   <li>{@link io.lodestone.server.Lodestone} - wires config, keyspace, commands and transport; cron; shutdown.</li>
 *   <li>{@link io.lodestone.server.ClientHandler} - one connection: decode, dispatch, batch replies.</li>
 * </ul>
 */
package io.lodestone.server;
