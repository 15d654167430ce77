/**
 * Support for tests that talk to a real server process.
 *
 * <p>{@link io.lodestone.testsupport.ServerProcess} starts redis-server or Lodestone in its own
 * temporary directory on a free loopback port (or with a config file, in a directory the test owns);
 * {@link io.lodestone.testsupport.EmbeddedServer} runs Lodestone inside the test JVM;
 * {@link io.lodestone.testsupport.RespClient} speaks raw RESP to either and returns the exact bytes of
 * each reply; {@link io.lodestone.testsupport.RespValue} is one reply as a tree, for comparisons that
 * mask or reorder parts of it; {@link io.lodestone.testsupport.Twin} drives a redis-server and an
 * embedded Lodestone through pairs of connections in lock step (several per test), comparing replies
 * and collected Pub/Sub messages.
 *
 * <p>{@link io.lodestone.testsupport.Wait} is the one bounded wait (poll until a condition holds, or
 * fail saying what was awaited) and {@link io.lodestone.testsupport.Info} the one reader of INFO
 * replies; tests use them rather than loops and parsers of their own.
 */
package io.lodestone.testsupport;
