/**
 * The append-only file in Redis 7.0's multi-part layout (aof.c).
 * <ul>
 *   <li>{@link io.lodestone.persistence.aof.AppendOnlyFile} - the state machine: start-up loading and
 *       opening, feeding, BGREWRITEAOF and automatic rewrites, AOF on/off at run time, shutdown, INFO.</li>
 *   <li>{@link io.lodestone.persistence.aof.AofWriter} - the buffer of write effects, its writes to the
 *       current INCR file before replies leave, and the fsync policies.</li>
 *   <li>{@link io.lodestone.persistence.aof.AofManifest} - the manifest: parse, format, file names.</li>
 *   <li>{@link io.lodestone.persistence.aof.AofLoader} - replay of BASE and INCR files through an
 *       {@link io.lodestone.persistence.aof.AofReplay} the server implements; truncated tails.</li>
 *   <li>{@link io.lodestone.persistence.aof.AofCommandEncoder} - the command form of a base
 *       ({@code aof-use-rdb-preamble no}).</li>
 *   <li>{@link io.lodestone.persistence.aof.BaseWriter} - who writes a rewrite's base in the background.</li>
 * </ul>
 * Depends on store, persistence.rdb and util only.
 */
package io.lodestone.persistence.aof;
