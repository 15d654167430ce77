/**
 * The process: start-up, the Netty transport, the event loop that executes every command, cron.
 * <ul>
 *   <li>{@link io.lodestone.server.Main} - argument handling, exits with Redis's messages.</li>
 *   <li>{@link io.lodestone.server.Lodestone} - wires config, keyspace, commands and transport; start-up
 *       loading.</li>
 *   <li>{@link io.lodestone.server.Shutdown} - SHUTDOWN and SIGTERM/SIGINT: waiting for lagging replicas,
 *       the final save, aborting.</li>
 *   <li>{@link io.lodestone.server.ConfigBindings} - each parameter the server acts on, bound once to the
 *       field or function it drives (the second half of Redis's standardConfig row).</li>
 *   <li>{@link io.lodestone.server.Listeners} - the TCP listeners (bind, port) and their rebinding.</li>
 *   <li>{@link io.lodestone.server.ServerCron} - Redis's serverCron, hz times a second.</li>
 *   <li>{@link io.lodestone.server.ClientHandler} - one connection: decode, dispatch, batch replies.</li>
 * </ul>
 */
package io.lodestone.server;
