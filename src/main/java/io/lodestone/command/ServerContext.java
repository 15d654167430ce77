package io.lodestone.command;

import io.lodestone.config.Config;
import io.lodestone.store.Keyspace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The server as commands see it (Redis's global {@code server}): the keyspace, the command table,
 * clients, counters, the settings commands consult, and where write effects are propagated.
 * Owned by the command thread; the transport and cron run on that same thread.
 */
public final class ServerContext {
    public final Config config;
    public final Keyspace keyspace;
    public final CommandTable commands;
    public final ClientRegistry clients = new ClientRegistry();
    public final Stats stats = new Stats();
    public final long startTimeMs = System.currentTimeMillis();
    /** 40 random hex characters, new at every start (INFO run_id). */
    public final String runId = randomHex(40);
    private final List<Propagation> propagation = new ArrayList<>();

    // Settings read on the hot path, kept in sync with the config by the server's watchers.
    public volatile String requirePass;
    public long protoMaxBulkLen = 512L * 1024 * 1024;
    public long clientQueryBufferLimit = 1024L * 1024 * 1024;
    public int maxClients = 10000;
    public long clientTimeoutSeconds;
    public boolean protectedMode = true;
    /** "no", "yes" or "local": who may run DEBUG and MODULE. */
    public String enableDebugCommand = "no";
    public int port = 6379;
    public int hz = 10;
    /** maxmemory-policy; OBJECT FREQ and IDLETIME depend on whether it is an LFU policy. */
    public String maxmemoryPolicy = "noeviction";
    public String configFile;
    public String executable;

    /** Actions the server (transport, process) performs on behalf of commands. */
    public interface Host {
        /** SHUTDOWN: returns an error text, or null when the server is shutting down. */
        String shutdown(boolean save, boolean nosave, boolean now, boolean force, boolean abort);

        /** Server-level facts INFO reports but commands cannot see (memory, cpu, network). */
        void appendInfo(String section, StringBuilder sb);
    }

    public Host host;

    public ServerContext(Config config) {
        this.config = config;
        this.keyspace = new Keyspace(config.getInt("databases"));
        this.commands = new CommandTable();
        this.configFile = config.configFile().map(Object::toString).orElse(null);
    }

    /** "master" or "slave", as HELLO and ROLE name it. */
    public String roleName() {
        return "master";
    }

    public boolean authRequired() {
        String p = requirePass;
        return p != null && !p.isEmpty();
    }

    /** Registers a receiver of write effects (AOF, replication). */
    public void addPropagation(Propagation p) {
        propagation.add(p);
    }

    /** Sends one effect, in the one total order of writes, to every receiver. */
    public void propagate(int db, byte[][] argv, int argc) {
        for (int i = 0; i < propagation.size(); i++) propagation.get(i).propagate(db, argv, argc);
    }

    public boolean hasPropagation() {
        return !propagation.isEmpty();
    }

    public static String randomHex(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        return sb.toString();
    }

    /** A receiver of the write stream. */
    public interface Propagation {
        void propagate(int db, byte[][] argv, int argc);
    }
}
