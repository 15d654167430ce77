package io.lodestone.command.connection;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandTable;
import io.lodestone.command.Errors;
import io.lodestone.command.Tracking;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO over the server's {@link Tracking}. */
final class TrackingCommands {
    private TrackingCommands() {
    }

    static void register(CommandTable t) {
        t.handle("client|tracking", TrackingCommands::tracking);
        t.handle("client|caching", TrackingCommands::caching);
        t.handle("client|getredir", c -> c.reply.integer(on(c) ? c.tracking.redirect : -1));
        t.handle("client|trackinginfo", TrackingCommands::trackingInfo);
    }

    private static boolean on(Client c) {
        return c.tracking != null && c.tracking.on;
    }

    /** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP], Redis's checks in order. */
    private static void tracking(Client c) {
        long redirect = 0;
        boolean bcast = false, optin = false, optout = false, noloop = false;
        List<byte[]> prefixes = new ArrayList<>();
        for (int j = 3; j < c.argc; j++) {
            boolean more = j < c.argc - 1;
            if (Args.is(c.argv[j], "redirect") && more) {
                j++;
                if (redirect != 0) throw new CommandError("ERR A client can only redirect to a single other client");
                redirect = Args.parseLong(c.argv[j]);
                if (c.server.clients.get(redirect) == null) {
                    throw new CommandError("ERR The client ID you want redirect to does not exist");
                }
            } else if (Args.is(c.argv[j], "bcast")) {
                bcast = true;
            } else if (Args.is(c.argv[j], "optin")) {
                optin = true;
            } else if (Args.is(c.argv[j], "optout")) {
                optout = true;
            } else if (Args.is(c.argv[j], "noloop")) {
                noloop = true;
            } else if (Args.is(c.argv[j], "prefix") && more) {
                prefixes.add(c.argv[++j]);
            } else {
                throw Errors.syntax();
            }
        }
        if (Args.is(c.argv[2], "on")) {
            if (!bcast && !prefixes.isEmpty()) throw new CommandError("ERR PREFIX option requires BCAST mode to be enabled");
            if (on(c) && c.tracking.bcast != bcast) {
                throw new CommandError("ERR You can't switch BCAST mode on/off before disabling tracking for this client,"
                        + " and then re-enabling it with a different mode.");
            }
            if (bcast && (optin || optout)) throw new CommandError("ERR OPTIN and OPTOUT are not compatible with BCAST");
            if (optin && optout) throw new CommandError("ERR You can't specify both OPTIN mode and OPTOUT mode");
            if (on(c) && ((optin && c.tracking.optout) || (optout && c.tracking.optin))) {
                throw new CommandError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client,"
                        + " and then re-enabling it with a different mode.");
            }
            if (bcast) {
                String collision = Tracking.prefixCollision(c, prefixes);
                if (collision != null) throw new CommandError(collision);
            }
            c.server.tracking.enable(c, redirect, bcast, optin, optout, noloop, prefixes);
        } else if (Args.is(c.argv[2], "off")) {
            c.server.tracking.disable(c);
        } else {
            throw Errors.syntax();
        }
        c.reply.ok();
    }

    /** CLIENT CACHING YES|NO: whether the next command's reads are tracked, in OPTIN/OPTOUT mode. */
    private static void caching(Client c) {
        if (!on(c)) {
            throw new CommandError("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN"
                    + " or OPTOUT mode enabled");
        }
        if (Args.is(c.argv[2], "yes")) {
            if (!c.tracking.optin) throw new CommandError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        } else if (Args.is(c.argv[2], "no")) {
            if (!c.tracking.optout) throw new CommandError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        } else {
            throw Errors.syntax();
        }
        c.tracking.caching = true;
        c.reply.ok();
    }

    private static void trackingInfo(Client c) {
        Tracking.State s = c.tracking;
        List<String> flags = new ArrayList<>();
        flags.add(on(c) ? "on" : "off");
        if (on(c)) {
            if (s.bcast) flags.add("bcast");
            if (s.optin) {
                flags.add("optin");
                if (s.caching) flags.add("caching-yes");
            }
            if (s.optout) {
                flags.add("optout");
                if (s.caching) flags.add("caching-no");
            }
            if (s.noloop) flags.add("noloop");
            if (s.brokenRedirect) flags.add("broken_redirect");
        }
        c.reply.map(3);
        c.reply.bulk(Args.bytes("flags"));
        c.reply.set(flags.size());
        for (String f : flags) c.reply.bulk(Args.bytes(f));
        c.reply.bulk(Args.bytes("redirect"));
        c.reply.integer(on(c) ? s.redirect : -1);
        c.reply.bulk(Args.bytes("prefixes"));
        if (!on(c)) {
            c.reply.array(0);
            return;
        }
        c.reply.array(s.prefixes.size());
        for (ByteBuffer p : s.prefixes.keySet()) {
            byte[] b = new byte[p.remaining()];
            p.duplicate().get(b);
            c.reply.bulk(b);
        }
    }
}
