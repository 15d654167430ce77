/** Server commands: INFO, COMMAND, CONFIG, TIME, DEBUG, SHUTDOWN. */
package io.lodestone.command.server;
