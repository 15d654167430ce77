/**
 * Commands: the table, the gate every command passes, and the families.
 * <ul>
 *   <li>{@link io.lodestone.command.CommandTable} - every command's facts (arity, flags, key specs, ACL
 *       categories), loaded from data generated from a real redis-server, joined with our handlers.</li>
 *   <li>{@link io.lodestone.command.Dispatcher} - Redis's processCommand + call: every common check in
 *       Redis's order, then the handler, then statistics and propagation.</li>
 *   <li>{@link io.lodestone.command.Client} - one connection's state as handlers see it, and the
 *       helpers every family uses: lookups by type (WRONGTYPE), counting changes, deleting keys.</li>
 *   <li>{@link io.lodestone.command.Args} - keywords and numbers, with Redis's rules and errors.</li>
 *   <li>{@link io.lodestone.command.Subcommands} - HELP and the subcommand syntax error.</li>
 *   <li>{@link io.lodestone.command.Connection} - the socket as commands see it (no Netty types).</li>
 *   <li>{@link io.lodestone.command.Monitors} - MONITOR's clients and the line each call feeds them.</li>
 *   <li>{@code command.<family>} - one class per family; handlers parse, change data and reply.</li>
 * </ul>
 */
package io.lodestone.command;
