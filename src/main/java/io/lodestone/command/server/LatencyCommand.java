package io.lodestone.command.server;

import io.lodestone.command.Args;
import io.lodestone.command.Client;
import io.lodestone.command.CommandError;
import io.lodestone.command.CommandHandler;
import io.lodestone.command.CommandSpec;
import io.lodestone.command.CommandTable;
import io.lodestone.command.LatencyHistogram;
import io.lodestone.command.LatencyMonitor;
import io.lodestone.command.Subcommands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** LATENCY: the latency monitor's events (Redis's latency.c) and the per-command histograms. */
final class LatencyCommand {
    private static final CommandHandler HELP = Subcommands.help("LATENCY",
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.");

    private LatencyCommand() {
    }

    static void register(CommandTable t) {
        t.handle("latency|help", HELP);
        t.handle("latency|latest", LatencyCommand::latest);
        t.handle("latency|history", LatencyCommand::history);
        t.handle("latency|reset", c -> {
            List<String> names = new ArrayList<>();
            for (int j = 2; j < c.argc; j++) names.add(Args.str(c.argv[j]));
            c.reply.integer(c.server.latency.reset(names));
        });
        t.handle("latency|doctor", c -> c.reply.verbatim(doctor(c.server.latency)));
        t.handle("latency|graph", LatencyCommand::graph);
        t.handle("latency|histogram", LatencyCommand::histogram);
    }

    /** Per event: name, time of the newest sample, its latency, the all-time maximum. */
    private static void latest(Client c) {
        Map<String, LatencyMonitor.Series> events = c.server.latency.events();
        c.reply.array(events.size());
        for (Map.Entry<String, LatencyMonitor.Series> e : events.entrySet()) {
            LatencyMonitor.Series s = e.getValue();
            int last = s.last();
            c.reply.array(4);
            c.reply.bulk(Args.bytes(e.getKey()));
            c.reply.integer(s.time(last));
            c.reply.integer(s.latency(last));
            c.reply.integer(s.max());
        }
    }

    private static void history(Client c) {
        LatencyMonitor.Series s = c.server.latency.events().get(Args.str(c.argv[2]));
        if (s == null) {
            c.reply.array(0);
            return;
        }
        int[] samples = s.samples();
        c.reply.array(samples.length);
        for (int i : samples) {
            c.reply.array(2);
            c.reply.integer(s.time(i));
            c.reply.integer(s.latency(i));
        }
    }

    /**
     * LATENCY HISTOGRAM [command ...]: per command, its calls and the cumulative count of calls at or
     * under each power of two microseconds. A container command named alone gives its subcommands.
     */
    private static void histogram(Client c) {
        Map<String, LatencyHistogram> chosen = new LinkedHashMap<>();
        if (c.argc == 2) {
            for (CommandSpec top : c.server.commands.allSpecs()) {
                addWithSubcommands(chosen, top);
            }
        } else {
            for (int j = 2; j < c.argc; j++) {
                CommandSpec spec = c.server.commands.spec(Args.str(c.argv[j]).toLowerCase(Locale.ROOT));
                if (spec != null) addWithSubcommands(chosen, spec);
            }
        }
        c.reply.map(chosen.size());
        for (Map.Entry<String, LatencyHistogram> e : chosen.entrySet()) {
            LatencyHistogram h = e.getValue();
            c.reply.bulk(Args.bytes(e.getKey()));
            c.reply.map(2);
            c.reply.bulk(Args.bytes("calls"));
            c.reply.integer(h.count());
            c.reply.bulk(Args.bytes("histogram_usec"));
            List<long[]> points = new ArrayList<>();
            long previous = 0;
            // hdr_iter_log_init(1024 ns, x2): buckets end at 1023 ns, 2047 ns, ... reported in usec.
            for (long limit = 1024; previous < h.count() && limit > 0; limit <<= 1) {
                long cumulative = h.countAtOrBelow(limit - 1);
                if (cumulative > previous) points.add(new long[] {(limit - 1) / 1000, cumulative});
                previous = cumulative;
            }
            c.reply.map(points.size());
            for (long[] p : points) {
                c.reply.integer(p[0]);
                c.reply.integer(p[1]);
            }
        }
    }

    private static void addWithSubcommands(Map<String, LatencyHistogram> out, CommandSpec spec) {
        if (spec.latency != null && spec.latency.count() > 0) out.put(spec.fullName(), spec.latency);
        for (CommandSpec sub : spec.subcommands().values()) {
            if (sub.latency != null && sub.latency.count() > 0) out.put(sub.fullName(), sub.latency);
        }
    }

    /** LATENCY GRAPH event: the samples as columns of an ASCII chart, highest first, with their age. */
    private static void graph(Client c) {
        String event = Args.str(c.argv[2]);
        LatencyMonitor.Series s = c.server.latency.events().get(event);
        if (s == null) throw new CommandError("ERR No samples available for event '" + event + "'");
        int[] samples = s.samples();
        long min = Long.MAX_VALUE, max = 0;
        for (int i : samples) {
            min = Math.min(min, s.latency(i));
            max = Math.max(max, s.latency(i));
        }
        StringBuilder sb = new StringBuilder();
        sb.append(event).append(" - high ").append(max).append(" ms, low ").append(min)
                .append(" ms (all time high ").append(s.max()).append(" ms)\n");
        sb.append("-".repeat(80)).append('\n');
        int rows = 4;
        long now = System.currentTimeMillis() / 1000;
        for (int row = rows; row >= 1; row--) {
            StringBuilder line = new StringBuilder();
            for (int i : samples) {
                double level = max == min ? rows : 1 + (double) (s.latency(i) - min) * (rows - 1) / (max - min);
                line.append(level >= row ? (row == rows ? '#' : '|') : (row == 1 ? '_' : ' '));
            }
            sb.append(line).append('\n');
        }
        // The age of each sample, written vertically ("12s" above "3m").
        List<String> ages = new ArrayList<>();
        int height = 0;
        for (int i : samples) {
            long age = now - s.time(i);
            String a = age < 60 ? age + "s" : age < 3600 ? age / 60 + "m" : age / 3600 + "h";
            ages.add(a);
            height = Math.max(height, a.length());
        }
        for (int r = 0; r < height; r++) {
            StringBuilder line = new StringBuilder();
            for (String a : ages) line.append(r < a.length() ? a.charAt(r) : ' ');
            sb.append(line).append('\n');
        }
        c.reply.verbatim(sb.toString());
    }

    /** LATENCY DOCTOR: a report on each event's spikes (count, average, deviation, period) and advice. */
    static String doctor(LatencyMonitor monitor) {
        Map<String, LatencyMonitor.Series> events = monitor.events();
        if (events.isEmpty()) {
            return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
                    + "slightest bit. I honestly think you ought to sleep tonight.\n";
        }
        StringBuilder sb = new StringBuilder("Dave, I have observed latency spikes in this Redis instance. You don't "
                + "mind talking about it, do you Dave?\n\n");
        int n = 1;
        boolean commands = false;
        for (Map.Entry<String, LatencyMonitor.Series> e : events.entrySet()) {
            LatencyMonitor.Series s = e.getValue();
            int[] samples = s.samples();
            long sum = 0;
            for (int i : samples) sum += s.latency(i);
            double avg = samples.length == 0 ? 0 : (double) sum / samples.length;
            double dev = 0;
            for (int i : samples) dev += Math.abs(s.latency(i) - avg);
            dev = samples.length == 0 ? 0 : dev / samples.length;
            double period = samples.length < 2 ? 0
                    : (double) (s.time(samples[samples.length - 1]) - s.time(samples[0])) / (samples.length - 1);
            sb.append(n++).append(". ").append(e.getKey()).append(": ").append(samples.length)
                    .append(" latency spikes (average ").append(Math.round(avg)).append("ms, mean deviation ")
                    .append(Math.round(dev)).append("ms, period ").append(String.format(Locale.ROOT, "%.2f", period))
                    .append(" sec). Worst all time event ").append(s.max()).append("ms.\n");
            commands |= e.getKey().equals("command") || e.getKey().equals("fast-command");
        }
        sb.append("\nI have a few advices for you:\n\n");
        if (commands) {
            sb.append("- Check your Slow Log to understand what are the commands you are running which are too slow to "
                    + "execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
        sb.append("- The latency monitor threshold is set to ").append(monitor.thresholdMs)
                .append(" ms: events faster than that are not recorded.\n");
        return sb.toString();
    }
}
