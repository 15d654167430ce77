package io.lodestone.server;

import io.lodestone.command.ServerContext;
import io.lodestone.util.Log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Entry point: {@code lodestone [configfile] [--option value ...]}, as redis-server. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, List<String>> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                String name = args[i].substring(2);
                List<String> vals = new ArrayList<>();
                while (i + 1 < args.length && !args[i + 1].startsWith("--")) vals.add(args[++i]);
                opts.put(name, vals);
            }
        }
        int port = opts.containsKey("port") ? Integer.parseInt(opts.get("port").get(0)) : 6379;
        ServerContext ctx = new ServerContext(16);
        ctx.port = port;
        if (opts.containsKey("requirepass")) ctx.requirePass = opts.get("requirepass").get(0);
        if (opts.containsKey("enable-debug-command")) ctx.enableDebugCommand = opts.get("enable-debug-command").get(0);
        Lodestone server = new Lodestone(ctx);
        List<String> bind = opts.containsKey("bind") ? List.of(String.join(" ", opts.get("bind")).split(" ")) : List.of("*", "-::*");
        Log.role('C');
        Log.warning("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
        Log.role('M');
        try {
            server.listen(bind, port, 511);
        } catch (Exception e) {
            System.exit(1);
        }
        server.startCron();
        Log.notice("Ready to accept connections");
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        server.awaitStop();
        System.exit(0);
    }
}
