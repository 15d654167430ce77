package io.lodestone.command;

import java.util.Locale;

/**
 * What the commands with subcommands (CLIENT, COMMAND, CONFIG, DEBUG, OBJECT, PUBSUB) share:
 * Redis's HELP reply and its error for a subcommand given the wrong arguments. An unknown
 * subcommand of a table-driven command never gets here: the dispatcher refuses it.
 */
public final class Subcommands {
    private Subcommands() {
    }

    /**
     * A HELP handler as Redis's addReplyHelp writes it: a header line, {@code lines}, then the HELP
     * line, each a status reply. The text is joined once, here.
     */
    public static CommandHandler help(String command, String... lines) {
        String[] all = new String[lines.length + 3];
        all[0] = command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
        System.arraycopy(lines, 0, all, 1, lines.length);
        all[lines.length + 1] = "HELP";
        all[lines.length + 2] = "    Prints this help.";
        return c -> {
            c.reply.array(all.length);
            for (String l : all) c.reply.simple(l);
        };
    }

    /** Redis's addReplySubcommandSyntaxError: argv[1] (at most 128 characters) and "Try X HELP". */
    public static CommandError syntaxError(Client c) {
        String sub = Args.str(c.argv[1]);
        if (sub.length() > 128) sub = sub.substring(0, 128);
        return new CommandError("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try "
                + Args.str(c.argv[0]).toUpperCase(Locale.ROOT) + " HELP.");
    }
}
