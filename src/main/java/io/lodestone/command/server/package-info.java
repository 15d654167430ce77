/** Server commands: INFO, COMMAND, CONFIG, TIME, DEBUG, MEMORY, SHUTDOWN. */
package io.lodestone.command.server;
