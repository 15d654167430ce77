/** Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO, CLIENT. */
package io.lodestone.command.connection;
