/** Server commands: INFO, COMMAND, CONFIG, TIME, DEBUG, MEMORY, SHUTDOWN, SLOWLOG, LATENCY, MONITOR. */
package io.lodestone.command.server;
