package io.lodestone.command;

/**
 * Limits on clients and requests (maxclients, timeout, proto-max-bulk-len, client-query-buffer-limit)
 * and the maxmemory policy. Written only by the config bindings (server/ConfigBindings), at start and
 * on every change; read on the hot path.
 */
public final class Limits {
    public int maxClients;
    /** timeout: seconds a normal client may stay idle before cron closes it; 0 for never. */
    public long clientTimeoutSeconds;
    /** The largest bulk string a request or a value (SETRANGE, APPEND...) may have. */
    public long protoMaxBulkLen;
    public long clientQueryBufferLimit;
    /** maxmemory-policy; OBJECT FREQ and IDLETIME depend on whether it is an LFU policy. */
    public String maxmemoryPolicy;
    /** lazyfree-lazy-user-del: DEL deletes as UNLINK does. */
    public boolean lazyfreeUserDel;
    /** lazyfree-lazy-user-flush: FLUSHALL and FLUSHDB without SYNC are ASYNC. */
    public boolean lazyfreeUserFlush;
}
