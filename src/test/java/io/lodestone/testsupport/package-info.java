/**
 * Support for tests that talk to a real server process.
 *
 * <p>{@link io.lodestone.testsupport.ServerProcess} starts redis-server or Lodestone in its own
 * temporary directory on a free loopback port; {@link io.lodestone.testsupport.RespClient} speaks
 * raw RESP to it and returns the exact bytes of each reply; {@link io.lodestone.testsupport.RespValue}
 * is one reply as a tree, for comparisons that mask or reorder parts of it;
 * {@link io.lodestone.testsupport.Twin} drives a redis-server and an embedded Lodestone through pairs
 * of connections in lock step (several per test), comparing replies and collected Pub/Sub messages.
 */
package io.lodestone.testsupport;
