package io.lodestone.command;

/**
 * Thresholds of the compact encodings (Redis's *-max-listpack-*, set-max-intset-entries,
 * list-compress-depth, hll-sparse-max-bytes, stream-node-max-*): past them a value converts to its general form.
 * Written only by the config bindings (server/ConfigBindings), at start and on every change.
 */
public final class EncodingLimits {
    public long hashMaxListpackEntries;
    public long hashMaxListpackValue;
    public long setMaxIntsetEntries;
    public long zsetMaxListpackEntries;
    public long zsetMaxListpackValue;
    public long listMaxListpackSize;
    public long listCompressDepth;
    /** A sparse HyperLogLog longer than this turns dense. */
    public long hllSparseMaxBytes;
    /** A stream's listpack node takes no more entries past these (0: no limit), as Redis's stream-node-max-*. */
    public long streamNodeMaxBytes;
    public long streamNodeMaxEntries;
}
