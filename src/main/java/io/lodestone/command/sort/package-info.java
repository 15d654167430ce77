/**
 * SORT and SORT_RO ({@link io.lodestone.command.sort.SortCommand}): Redis 7.0's sort.c over lists,
 * sets and sorted sets, with BY and GET patterns that read other keys (strings and hash fields).
 */
package io.lodestone.command.sort;
