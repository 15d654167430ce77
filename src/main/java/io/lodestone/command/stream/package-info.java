/**
 * The stream commands (Redis's t_stream.c): {@link io.lodestone.command.stream.StreamCommands} (XADD,
 * XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID), {@link io.lodestone.command.stream.StreamGroupCommands}
 * (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and the effects they propagate),
 * {@link io.lodestone.command.stream.StreamReads} (XREAD, XREADGROUP, blocking), StreamInfo (XINFO)
 * and StreamIds (IDs as clients write them). The value is {@link io.lodestone.store.type.StreamValue}.
 */
package io.lodestone.command.stream;
