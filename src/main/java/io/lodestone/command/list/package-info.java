/**
 * The list commands (Redis's t_list.c), blocking ones included: {@link io.lodestone.command.list.ListCommands}.
 * The value is {@link io.lodestone.store.type.ListValue}.
 */
package io.lodestone.command.list;
